//! Service handlers through `tick run`: each sends exactly the request Kapacitor 1.5.7 sends
//! for the same script, points and `kapacitor.conf`, to a receiver this test starts on a
//! loopback port; transient failures are retried; a service that never answers is given up
//! on without holding up another handler. `tick service-test` sends the service's test alert.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::Case;
use crate::support::receiver::{Answers, Receiver, Seen};

/// A CRITICAL and its recovery, with characters Go's JSON encoder escapes in the message.
const SLACK_SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields "usage_idle" }}> & "quoted"')
        .crit(lambda: "usage_idle" < 10)
        .slack()
            .channel('#ops')
        .slack()
            .workspace('second')
            .username('tickbot')
            .iconEmoji(':fire:')
"#;

const SLACK_POINTS: &str =
    "cpu,host=a usage_idle=5 1000000000\ncpu,host=a usage_idle=50 2000000000\n";

fn slack_conf(url: &str) -> String {
    format!(
        "[[slack]]\n  enabled = true\n  default = true\n  workspace = \"main\"\n  url = \"{url}/services/T000/B000/XXXX\"\n  channel = \"#general\"\n\n\
         [[slack]]\n  enabled = true\n  workspace = \"second\"\n  url = \"{url}/services/T111/B111/YYYY\"\n  channel = \"#second\"\n"
    )
}

#[test]
fn slack_sends_kapacitors_requests_to_each_workspace_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file("slack.tick", SLACK_SCRIPT);
    let conf = case.file("kapacitor.conf", &slack_conf(&receiver.url));
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 (kapacitord fed this script, these
    // points and this [[slack]] configuration, its webhook URLs pointed at a recording
    // listener). Each workspace gets its requests in order; the two handlers run side by side.
    let expect = |path: &str,
                  level: &str,
                  color: &str,
                  idle: u32,
                  ch: &str,
                  emoji: &str,
                  user: &str| {
        let msg = format!("cpu/a is {level} \\u003cidle={idle}\\u003e \\u0026 \\\"quoted\\\"");
        (
            path.to_string(),
            format!(
                "{{\"as_user\":false,\"attachments\":[{{\"fallback\":\"{msg}\",\"color\":\"{color}\",\"text\":\"{msg}\",\"mrkdwn_in\":[\"text\"]}}],\"channel\":\"{ch}\",\"icon_emoji\":\"{emoji}\",\"text\":\"\",\"username\":\"{user}\"}}\n"
            ),
        )
    };
    let seen = receiver.seen();
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
    let of = |path: &str| -> Vec<(String, String)> {
        seen.iter()
            .filter(|s| s.path == path)
            .map(|s| (s.path.clone(), s.body.clone()))
            .collect()
    };
    let main = "/services/T000/B000/XXXX";
    let second = "/services/T111/B111/YYYY";
    assert_eq!(
        of(main),
        [
            expect(main, "CRITICAL", "danger", 5, "#ops", "", ""),
            expect(main, "OK", "good", 50, "#ops", "", ""),
        ]
    );
    assert_eq!(
        of(second),
        [
            expect(
                second, "CRITICAL", "danger", 5, "#second", ":fire:", "tickbot"
            ),
            expect(second, "OK", "good", 50, "#second", ":fire:", "tickbot"),
        ]
    );
    assert_eq!(seen.len(), 4);
}

#[test]
fn slack_is_retried_after_500s_and_the_alert_arrives_once() {
    let receiver = Receiver::start(Answers::Statuses(vec![500, 500, 200]));
    let case = Case::new();
    let script = case.file(
        "slack.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .slack()\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[slack]\n  enabled = true\n  url = \"{}/hook/secret-token\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu usage_idle=5 1000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3, "two failures, then the delivery");
    assert!(seen.iter().all(|s| s.body == seen[0].body));
    assert!(!out.stderr.contains("secret-token"), "{}", out.stderr);
    // Each retry warning names the handler that retries.
    let retries: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("trying again"))
        .collect();
    assert_eq!(retries.len(), 2, "{}", out.stderr);
    assert!(
        retries
            .iter()
            .all(|l| l.contains("handler=slack:alert2:slack") && l.contains("status 500")),
        "{}",
        out.stderr
    );
}

#[test]
fn a_slack_workspace_that_never_answers_is_given_up_without_holding_up_another() {
    let silent = Receiver::start(Answers::Never);
    let live = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "slack.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .slack()\n        .slack().workspace('live')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[[slack]]\n  enabled = true\n  default = true\n  workspace = \"silent\"\n  url = \"{}/hook/token-a\"\n\
             [[slack]]\n  enabled = true\n  workspace = \"live\"\n  url = \"{}/hook/token-b\"\n",
            silent.url, live.url
        ),
    );
    let started = std::time::Instant::now();
    let out = case
        .args([
            "run",
            script.as_str(),
            "--config",
            conf.as_str(),
            "--handler-timeout",
            "1s",
        ])
        .stdin("cpu usage_idle=5 1000000000\ncpu usage_idle=50 2000000000\n")
        .run();
    assert_eq!(out.code, 1, "an undelivered alert exits 1: {}", out.stderr);
    assert_eq!(live.seen().len(), 2, "the live workspace got both alerts");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(!out.stderr.contains("token-a"), "{}", out.stderr);
}

#[test]
fn an_unknown_slack_workspace_is_refused_at_start() {
    let case = Case::new();
    let script = case.file(
        "slack.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: TRUE)\n        .slack().workspace('nosuch')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        "[slack]\n  enabled = true\n  url = \"http://127.0.0.1:1/hook\"\n",
    );
    let out = case
        .args(["check", script.as_str(), "--config", conf.as_str()])
        .run();
    assert_eq!(out.code, 2, "stdout: {} stderr: {}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("invalid slack: workspace id not found: \"nosuch\""),
        "{}",
        out.stderr
    );
}

#[test]
fn service_test_slack_sends_kapacitors_test_message() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[slack]\n  enabled = true\n  url = \"{}/hook\"\n  channel = \"#alerts\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["service-test", "slack", "--config", conf.as_str()])
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\nslack               true      \n"
    );
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    // Kapacitor's Service.Test defaults (services/slack/service.go at v1.5.7): the default
    // workspace's channel, "test slack message", CRITICAL.
    assert_eq!(
        seen[0].body,
        "{\"as_user\":false,\"attachments\":[{\"fallback\":\"test slack message\",\"color\":\"danger\",\"text\":\"test slack message\",\"mrkdwn_in\":[\"text\"]}],\"channel\":\"#alerts\",\"icon_emoji\":\"\",\"text\":\"\",\"username\":\"\"}\n"
    );
}

#[test]
fn teams_sends_kapacitors_message_cards_for_a_critical_and_its_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "teams.tick",
        &format!(
            "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{{{ index .Tags \"host\" }}}}')\n        \
             .message('{{{{ .ID }}}} is {{{{ .Level }}}}: usage <idle={{{{ index .Fields \"usage_idle\" }}}}> & \"quoted\" — a long message that goes past seventy bytes')\n        \
             .crit(lambda: \"usage_idle\" < 10)\n        .teams()\n        .teams()\n            .channelURL('{}/other/hook')\n",
            receiver.url
        ),
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[teams]\n  enabled = true\n  channel-url = \"{}/webhookb2/secret\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [teams] section (its URLs pointed at a recording listener).
    let card = |level: &str, idle: u32, summary_tail: &str| {
        format!(
            "{{\"@type\":\"MessageCard\",\"@context\":\"http://schema.org/extensions\",\"title\":\"{level}: [cpu/a]\",\
             \"text\":\"cpu/a is {level}: usage \\u003cidle={idle}\\u003e \\u0026 \\\"quoted\\\" — a long message that goes past seventy bytes\",\
             \"summary\":\"{level}: [cpu/a] - cpu/a is {level}: usage \\u003cidle={idle}\\u003e \\u0026 \\\"quoted\\\" — {summary_tail}...\"}}"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for path in ["/webhookb2/secret", "/other/hook"] {
        let bodies: Vec<&str> = seen
            .iter()
            .filter(|s| s.path == path)
            .map(|s| s.body.as_str())
            .collect();
        assert_eq!(
            bodies,
            [card("CRITICAL", 5, "a"), card("OK", 50, "a long messa")],
            "{path}"
        );
    }
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
}

#[test]
fn victorops_sends_critical_then_recovery_to_the_routing_key_path() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "vo.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .victorOps()\n        .victorOps()\n            .routingKey('team-b')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[victorops]\n  enabled = true\n  api-key = \"secret-key\"\n  routing-key = \"team-a\"\n  url = \"{}/integrations/generic/20131114/alert\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu,host=a usage_idle=5 1000000000\ncpu,host=a usage_idle=50 2500000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [victorops] section (its url pointed at a recording listener).
    let body = |time: &str, idle: u32, ty: &str, level: &str, ts: u32| {
        format!(
            "{{\"data\":\"{{\\\"series\\\":[{{\\\"name\\\":\\\"cpu\\\",\\\"tags\\\":{{\\\"host\\\":\\\"a\\\"}},\\\"columns\\\":[\\\"time\\\",\\\"usage_idle\\\"],\\\"values\\\":[[\\\"{time}\\\",{idle}]]}}]}}\",\
             \"entity_id\":\"cpu/a\",\"message_type\":\"{ty}\",\"monitoring_tool\":\"kapacitor\",\"state_message\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\",\"timestamp\":{ts}}}\n"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for key in ["team-a", "team-b"] {
        let path = format!("/integrations/generic/20131114/alert/secret-key/{key}");
        let bodies: Vec<&str> = seen
            .iter()
            .filter(|s| s.path == path)
            .map(|s| s.body.as_str())
            .collect();
        assert_eq!(
            bodies,
            [
                body("1970-01-01T00:00:01Z", 5, "CRITICAL", "CRITICAL", 1),
                body("1970-01-01T00:00:02.5Z", 50, "RECOVERY", "OK", 2),
            ],
            "{path}"
        );
    }
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
}

#[test]
fn pagerduty2_triggers_with_links_then_resolves_on_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![202]));
    let case = Case::new();
    // Named like the oracle's task, whose name Kapacitor sends as the payload's class.
    let script = case.file(
        "oracle.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        \
         .warn(lambda: \"usage_idle\" < 20)\n        .crit(lambda: \"usage_idle\" < 10)\n        .pagerDuty2()\n        .pagerDuty2()\n            \
         .routingKey('rk-two')\n            .link('http://example.com/{{ .ID }}', 'see {{ .Level }}')\n            .link('http://example.com/plain')\n",
    );
    // The oracle's daemon listened on 127.0.0.1:47581, which Kapacitor sends as client_url.
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[http]\n  bind-address = \"127.0.0.1:47581\"\n\n[pagerduty2]\n  enabled = true\n  routing-key = \"rk-one\"\n  url = \"{}/v2/enqueue\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu,host=a usage_idle=15 1000000000\ncpu,host=a usage_idle=5 2000000000\ncpu,host=a usage_idle=50 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [pagerduty2] section (its url pointed at a recording listener).
    let trigger = |rk: &str, level: &str, severity: &str, idle: u32, secs: u32, links: &str| {
        format!(
            "{{\"routing_key\":\"{rk}\",\"event_action\":\"trigger\",\"dedup_key\":\"cpu/a\",\"payload\":{{\"summary\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\",\
             \"source\":\"a\",\"severity\":\"{severity}\",\"timestamp\":\"1970-01-01T00:00:0{secs}.000000000Z\",\"class\":\"oracle\",\"component\":\"\",\"group\":\"\",\
             \"custom_details\":{{\"result\":{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"host\":\"a\"}},\"columns\":[\"time\",\"usage_idle\"],\"values\":[[\"1970-01-01T00:00:0{secs}Z\",{idle}]]}}]}}}}}},\
             \"images\":null,\"links\":{links},\"client\":\"kapacitor\",\"client_url\":\"http://127.0.0.1:47581/kapacitor/v1\"}}\n"
        )
    };
    let links = |level: &str| {
        format!(
            "[{{\"href\":\"http://example.com/cpu/a\",\"text\":\"see {level}\"}},{{\"href\":\"http://example.com/plain\",\"text\":\"http://example.com/plain\"}}]"
        )
    };
    let resolve = |rk: &str| {
        format!(
            "{{\"routing_key\":\"{rk}\",\"dedup_key\":\"cpu/a\",\"event_action\":\"resolve\"}}\n"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/v2/enqueue");
        assert_eq!(s.header("content-type"), Some("application/json"));
        assert_eq!(
            s.header("accept"),
            Some("application/vnd.pagerduty+json;version=2")
        );
    }
    let of = |rk: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.body.starts_with(&format!("{{\"routing_key\":\"{rk}\"")))
            .map(|s| s.body.clone())
            .collect()
    };
    assert_eq!(
        of("rk-one"),
        [
            trigger("rk-one", "WARNING", "warning", 15, 1, "null"),
            trigger("rk-one", "CRITICAL", "critical", 5, 2, "null"),
            resolve("rk-one"),
        ]
    );
    assert_eq!(
        of("rk-two"),
        [
            trigger("rk-two", "WARNING", "warning", 15, 1, &links("WARNING")),
            trigger("rk-two", "CRITICAL", "critical", 5, 2, &links("CRITICAL")),
            resolve("rk-two"),
        ]
    );
}

#[test]
fn discord_posts_kapacitors_embeds_to_each_workspace() {
    let receiver = Receiver::start(Answers::Statuses(vec![204]));
    let case = Case::new();
    let script = case.file(
        "discord.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        \
         .warn(lambda: \"usage_idle\" < 20)\n        .crit(lambda: \"usage_idle\" < 10)\n        .discord()\n        .discord()\n            \
         .workspace('second')\n            .username('tickbot')\n            .avatarURL('http://example.com/a.png')\n            \
         .embedTitle('{{ .Level }} on {{ index .Tags \"host\" }}')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[[discord]]\n  enabled = true\n  default = true\n  workspace = \"main\"\n  url = \"{url}/api/webhooks/1/main-token\"\n  timestamp = true\n  \
             username = \"kapa\"\n  avatar-url = \"http://example.com/k.png\"\n  embed-title = \"ignored by handlers\"\n\n\
             [[discord]]\n  enabled = true\n  workspace = \"second\"\n  url = \"{url}/api/webhooks/2/second-token\"\n",
            url = receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu,host=a usage_idle=15 1000000000\ncpu,host=a usage_idle=5 2000000000\ncpu,host=a usage_idle=50 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and these
    // [[discord]] sections (their urls pointed at a recording listener answering 204).
    let levels = [
        ("WARNING", 16026936, 15, 1),
        ("CRITICAL", 16342867, 5, 2),
        ("OK", 8021490, 50, 3),
    ];
    let main: Vec<String> = levels
        .iter()
        .map(|(level, color, idle, s)| {
            format!(
                "{{\"avatar_url\":\"http://example.com/k.png\",\"embeds\":[{{\"color\":{color},\"title\":\"\",\"description\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\",\"timestamp\":\"1970-01-01T00:00:0{s}Z\"}}],\"username\":\"kapa\"}}\n"
            )
        })
        .collect();
    let second: Vec<String> = levels
        .iter()
        .map(|(level, color, idle, _)| {
            format!(
                "{{\"avatar_url\":\"http://example.com/a.png\",\"embeds\":[{{\"color\":{color},\"title\":\"{level} on a\",\"description\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\",\"timestamp\":\"\"}}],\"username\":\"tickbot\"}}\n"
            )
        })
        .collect();
    let seen = receiver.seen();
    let of = |path: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.path == path)
            .map(|s| s.body.clone())
            .collect()
    };
    assert_eq!(of("/api/webhooks/1/main-token"), main);
    assert_eq!(of("/api/webhooks/2/second-token"), second);
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
}

#[test]
fn telegram_sends_kapacitors_messages_with_the_token_in_the_path() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "tg.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .telegram()\n        .telegram()\n            .chatId('-42')\n            .parseMode('HTML')\n            .disableWebPagePreview()\n            .disableNotification()\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[telegram]\n  enabled = true\n  url = \"{}/bot\"\n  token = \"123:secret\"\n  chat-id = \"987\"\n  parse-mode = \"Markdown\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [telegram] section (its url pointed at a recording listener).
    let plain = |level: &str, idle: u32| {
        format!(
            "{{\"chat_id\":\"987\",\"parse_mode\":\"Markdown\",\"text\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\"}}\n"
        )
    };
    let quiet = |level: &str, idle: u32| {
        format!(
            "{{\"chat_id\":\"-42\",\"disable_notification\":true,\"disable_web_page_preview\":true,\"parse_mode\":\"HTML\",\"text\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\"}}\n"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/bot123:secret/sendMessage");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
    let of = |chat: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.body.starts_with(&format!("{{\"chat_id\":\"{chat}\"")))
            .map(|s| s.body.clone())
            .collect()
    };
    assert_eq!(of("987"), [plain("CRITICAL", 5), plain("OK", 50)]);
    assert_eq!(of("-42"), [quiet("CRITICAL", 5), quiet("OK", 50)]);
    assert!(!out.stderr.contains("secret"), "{}", out.stderr);
}

#[test]
fn opsgenie2_creates_alerts_and_adds_a_note_on_recovery() {
    let receiver = Receiver::start(Answers::Statuses(vec![202]));
    let case = Case::new();
    let script = case.file(
        "og.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        \
         .warn(lambda: \"usage_idle\" < 20)\n        .crit(lambda: \"usage_idle\" < 10)\n        .opsGenie2()\n        .opsGenie2()\n            \
         .teams('ops', 'db')\n            .recipients('ann')\n            .recoveryAction('notes')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[opsgenie2]\n  enabled = true\n  api-key = \"genie-secret\"\n  teams = [\"infra\"]\n  url = \"{}/v2/alerts\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu,host=a usage_idle=15 1000000000\ncpu,host=a usage_idle=5 2000000000\ncpu,host=a usage_idle=50 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [opsgenie2] section (its url pointed at a recording listener answering 202).
    let create = |level: &str, prio: &str, idle: u32, secs: u32, responders: &str| {
        format!(
            "{{\"alias\":\"Y3B1L2E=\",\"description\":\"{{\\\"series\\\":[{{\\\"name\\\":\\\"cpu\\\",\\\"tags\\\":{{\\\"host\\\":\\\"a\\\"}},\\\"columns\\\":[\\\"time\\\",\\\"usage_idle\\\"],\\\"values\\\":[[\\\"1970-01-01T00:00:0{secs}Z\\\",{idle}]]}}]}}\",\
             \"details\":{{\"Kapacitor Task Name\":\"cpu\",\"Level\":\"{level}\",\"Monitoring Tool\":\"Kapacitor\",\"host\":\"a\"}},\"entity\":\"cpu/a\",\
             \"message\":\"cpu/a is {level} \\u003cidle={idle}\\u003e\",\"note\":\"\",\"priority\":\"{prio}\",\"responders\":{responders}}}\n"
        )
    };
    let mine = "[{\"name\":\"ops\",\"type\":\"team\"},{\"name\":\"db\",\"type\":\"team\"},{\"type\":\"user\",\"username\":\"ann\"}]";
    let section = "[{\"name\":\"infra\",\"type\":\"team\"}]";
    let note = "{\"note\":\"cpu/a is OK \\u003cidle=50\\u003e\"}\n";
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.header("content-type"), Some("application/json"));
        assert_eq!(s.header("authorization"), Some("GenieKey genie-secret"));
    }
    let of = |responders: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.path == "/v2/alerts" && s.body.contains(responders))
            .map(|s| s.body.clone())
            .collect()
    };
    assert_eq!(
        of(mine),
        [
            create("WARNING", "P3", 15, 1, mine),
            create("CRITICAL", "P1", 5, 2, mine)
        ]
    );
    assert_eq!(
        of(section),
        [
            create("WARNING", "P3", 15, 1, section),
            create("CRITICAL", "P1", 5, 2, section)
        ]
    );
    let notes: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path == "/v2/alerts/Y3B1L2E=/notes?identifierType=alias")
        .collect();
    assert_eq!(notes.len(), 2);
    assert!(notes.iter().all(|s| s.body == note));
    assert!(!out.stderr.contains("genie-secret"), "{}", out.stderr);
}

#[test]
fn pushover_posts_kapacitors_forms_with_priorities() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "po.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}> & more')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .pushover()\n        .pushover()\n            .sound('siren')\n            .userKey('other-user')\n            .device('my dev')\n            \
         .title('my title')\n            .URL('http://example.com/a?b=c')\n            .URLTitle('see it')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[pushover]\n  enabled = true\n  token = \"po-token\"\n  user-key = \"po-user\"\n  url = \"{}/1/messages.json\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [pushover] section (its url pointed at a recording listener).
    let plain = |level: &str, idle: u32, prio: &str| {
        format!(
            "message=cpu%2Fa+is+{level}+%3Cidle%3D{idle}%3E+%26+more&priority={prio}&token=po-token&user=po-user"
        )
    };
    let full = |level: &str, idle: u32, prio: &str| {
        format!(
            "device=my+dev&message=cpu%2Fa+is+{level}+%3Cidle%3D{idle}%3E+%26+more&priority={prio}&sound=siren&title=my+title&token=po-token\
             &url=http%3A%2F%2Fexample.com%2Fa%3Fb%3Dc&url_title=see+it&user=other-user"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/1/messages.json");
        assert_eq!(
            s.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
    let of = |device: bool| -> Vec<String> {
        seen.iter()
            .filter(|s| s.body.starts_with("device=") == device)
            .map(|s| s.body.clone())
            .collect()
    };
    assert_eq!(
        of(false),
        [plain("CRITICAL", 5, "1"), plain("OK", 50, "-2")]
    );
    assert_eq!(of(true), [full("CRITICAL", 5, "1"), full("OK", 50, "-2")]);
}

#[test]
fn kafka_hipchat_and_talk_are_refused_with_the_reason() {
    let case = Case::new();
    let script = case.file(
        "old.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: TRUE)\n        \
         .kafka()\n            .cluster('c')\n            .kafkaTopic('t')\n        .hipChat()\n            .room('r')\n        .talk()\n",
    );
    let out = case.args(["check", script.as_str()]).run();
    assert_eq!(out.code, 2, "stdout: {} stderr: {}", out.stdout, out.stderr);
    for message in [
        "invalid kafka: the kafka handler is not supported by tick: it could not be tested against a Kafka broker",
        "invalid hipChat: the hipChat handler is not supported by tick: the HipChat service was shut down",
        "invalid talk: the talk handler is not supported by tick: the Talk service was shut down",
    ] {
        assert!(out.stderr.contains(message), "{message}\n{}", out.stderr);
    }
}

/// A Sensu client socket on a free loopback port: records each JSON line and answers `ok`.
fn sensu_socket() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address").to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut data = Vec::new();
            let mut chunk = [0u8; 4096];
            while !data.ends_with(b"\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&chunk[..n]),
                }
            }
            record
                .lock()
                .expect("socket lock")
                .push(String::from_utf8_lossy(&data).into_owned());
            let _ = conn.write_all(b"ok");
        }
    });
    (addr, seen)
}

#[test]
fn sensu_sends_kapacitors_check_results_over_tcp() {
    let (addr, seen) = sensu_socket();
    let case = Case::new();
    let script = case.file(
        "sensu.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu.{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .sensu()\n        .sensu()\n            .source('host-{{ index .Tags \"host\" }}')\n            .handlers('h1', 'h2')\n            \
         .metadata('team', 'ops')\n            .metadata('name', 'ignored')\n            \
         .metadata('count', 5)\n            .metadata('ratio', 5.0)\n            .metadata('share', 0.25)\n            \
         .metadata('on', TRUE)\n            .metadata('every', 1m)\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!("[sensu]\n  enabled = true\n  addr = \"{addr}\"\n  handlers = [\"default\"]\n"),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected messages: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [sensu] section (its addr pointed at a recording socket answering "ok"). Metadata values
    // keep their type: 5.0 is written as Go writes a float64, a duration as its nanoseconds.
    let mine = |level: &str, idle: u32, status: u32| {
        format!(
            "{{\"count\":5,\"every\":60000000000,\"handlers\":[\"h1\",\"h2\"],\"name\":\"cpu.a\",\"on\":true,\"output\":\"cpu.a is {level} \\u003cidle={idle}\\u003e\",\"ratio\":5,\"share\":0.25,\"source\":\"host-a\",\"status\":{status},\"team\":\"ops\"}}\n"
        )
    };
    let section = |level: &str, idle: u32, status: u32| {
        format!(
            "{{\"handlers\":[\"default\"],\"name\":\"cpu.a\",\"output\":\"cpu.a is {level} \\u003cidle={idle}\\u003e\",\"source\":\"Kapacitor\",\"status\":{status}}}\n"
        )
    };
    let seen = seen.lock().expect("socket lock").clone();
    let of = |handlers: &str| -> Vec<String> {
        seen.iter()
            .filter(|s| s.contains(handlers))
            .cloned()
            .collect()
    };
    assert_eq!(
        of("\"handlers\":[\"h1\""),
        [mine("CRITICAL", 5, 2), mine("OK", 50, 0)]
    );
    assert_eq!(
        of("\"handlers\":[\"default\""),
        [section("CRITICAL", 5, 2), section("OK", 50, 0)]
    );
    assert_eq!(seen.len(), 4);
}

#[test]
fn pagerduty_v1_triggers_then_resolves() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "pd.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }}')\n        .details('idle {{ index .Fields \"usage_idle\" }} <b>')\n        \
         .warn(lambda: \"usage_idle\" < 20)\n        .crit(lambda: \"usage_idle\" < 10)\n        .pagerDuty()\n        .pagerDuty()\n            .serviceKey('sk-two')\n",
    );
    // The oracle's daemon listened on 127.0.0.1:42697, which Kapacitor sends as client_url.
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[http]\n  bind-address = \"127.0.0.1:42697\"\n\n[pagerduty]\n  enabled = true\n  service-key = \"sk-one\"\n  url = \"{}/generic/2010-04-15/create_event.json\"\n",
            receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu,host=a usage_idle=15 1000000000\ncpu,host=a usage_idle=5 2000000000\ncpu,host=a usage_idle=50 3000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [pagerduty] section (its url pointed at a recording listener).
    let body = |level: &str, idle: u32, ty: &str, key: &str| {
        format!(
            "{{\"client\":\"kapacitor\",\"client_url\":\"http://127.0.0.1:42697/kapacitor/v1\",\"description\":\"cpu/a is {level}\",\
             \"details\":\"idle {idle} \\u003cb\\u003e\",\"event_type\":\"{ty}\",\"incident_key\":\"cpu/a\",\"service_key\":\"{key}\"}}\n"
        )
    };
    let seen = receiver.seen();
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/generic/2010-04-15/create_event.json");
        assert_eq!(s.header("content-type"), Some("application/json"));
    }
    for key in ["sk-one", "sk-two"] {
        let bodies: Vec<&str> = seen
            .iter()
            .filter(|s| s.body.contains(&format!("\"service_key\":\"{key}\"")))
            .map(|s| s.body.as_str())
            .collect();
        assert_eq!(
            bodies,
            [
                body("WARNING", 15, "trigger", key),
                body("CRITICAL", 5, "trigger", key),
                body("OK", 50, "resolve", key),
            ],
            "{key}"
        );
    }
}

#[test]
fn opsgenie_v1_creates_alerts_and_sends_recovery_notes() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "og1.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .id('cpu/{{ index .Tags \"host\" }}')\n        \
         .message('{{ .ID }} is {{ .Level }} <idle={{ index .Fields \"usage_idle\" }}>')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .opsGenie()\n        .opsGenie()\n            .teams('ops', 'db')\n            .recipients('ann')\n",
    );
    let conf = case.file(
        "kapacitor.conf",
        &format!(
            "[opsgenie]\n  enabled = true\n  api-key = \"genie-v1\"\n  teams = [\"infra\"]\n  url = \"{url}/v1/json/alert\"\n  recovery_url = \"{url}/v1/json/alert/note\"\n",
            url = receiver.url
        ),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(SLACK_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and this
    // [opsgenie] section (its urls pointed at a recording listener).
    let body = |ty: &str, level: &str, idle: u32, secs: u32, note: bool, routing: &str| {
        let message = format!("cpu/a is {level} \\u003cidle={idle}\\u003e");
        let note = if note { message.clone() } else { String::new() };
        format!(
            "{{\"alias\":\"cpu/a\",\"apiKey\":\"genie-v1\",\"description\":\"{{\\\"series\\\":[{{\\\"name\\\":\\\"cpu\\\",\\\"tags\\\":{{\\\"host\\\":\\\"a\\\"}},\\\"columns\\\":[\\\"time\\\",\\\"usage_idle\\\"],\\\"values\\\":[[\\\"1970-01-01T00:00:0{secs}Z\\\",{idle}]]}}]}}\",\
             \"details\":{{\"Level\":\"{ty}\",\"Monitoring Tool\":\"Kapacitor\"}},\"entity\":\"cpu/a\",\"message\":\"{message}\",\"monitoring_tool\":\"kapacitor\",\"note\":\"{note}\",{routing}}}\n"
        )
    };
    let mine = "\"recipients\":[\"ann\"],\"teams\":[\"ops\",\"db\"]";
    let section = "\"teams\":[\"infra\"]";
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    for routing in [mine, section] {
        let got: Vec<(String, String)> = seen
            .iter()
            .filter(|s| s.body.ends_with(&format!("{routing}}}\n")))
            .map(|s| (s.path.clone(), s.body.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/v1/json/alert/".to_string(),
                    body("CRITICAL", "CRITICAL", 5, 1, false, routing)
                ),
                (
                    "/v1/json/alert/note/".to_string(),
                    body("RECOVERY", "OK", 50, 2, true, routing)
                ),
            ]
        );
    }
    assert!(!out.stderr.contains("genie-v1"), "{}", out.stderr);
}

/// A script without any service handler, for the `global` tests: a CRITICAL, a repeated
/// CRITICAL and the recovery.
const GLOBAL_SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
    |alert()
        .id('cpu')
        .message('{{ .ID }} is {{ .Level }}')
        .crit(lambda: "usage" > 90)
"#;

const GLOBAL_POINTS: &str = "cpu,host=a usage=95 1000000000\ncpu,host=a usage=96 2000000000\ncpu,host=a usage=10 3000000000\n";

/// Runs `GLOBAL_SCRIPT` with `conf` and returns the bodies the receiver got.
fn run_global(receiver: &Receiver, conf: &str) -> Vec<String> {
    let case = Case::new();
    let script = case.file("global.tick", GLOBAL_SCRIPT);
    let conf = case.file("kapacitor.conf", conf);
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(GLOBAL_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    receiver.seen().into_iter().map(|s| s.body).collect()
}

#[test]
fn a_global_slack_section_alerts_from_scripts_without_slack_and_only_on_state_changes() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let bodies = run_global(
        &receiver,
        &format!(
            "[slack]\n  enabled = true\n  default = true\n  global = true\n  url = \"{}/slack/hook\"\n  channel = \"#g\"\n",
            receiver.url
        ),
    );
    // Captured from Kapacitor 1.5.7 fed this script, these points and this [slack] section:
    // its `Service.StateChangesOnly` answers with `global`, so the repeated CRITICAL is not
    // sent although `state-changes-only` is not set.
    let body = |msg: &str, color: &str| {
        format!(
            "{{\"as_user\":false,\"attachments\":[{{\"fallback\":\"{msg}\",\"color\":\"{color}\",\"text\":\"{msg}\",\"mrkdwn_in\":[\"text\"]}}],\"channel\":\"#g\",\"icon_emoji\":\"\",\"text\":\"\",\"username\":\"\"}}\n"
        )
    };
    assert_eq!(
        bodies,
        [body("cpu is CRITICAL", "danger"), body("cpu is OK", "good")]
    );
}

fn teams_card(level: &str) -> String {
    format!(
        "{{\"@type\":\"MessageCard\",\"@context\":\"http://schema.org/extensions\",\"title\":\"{level}: [cpu]\",\"text\":\"cpu is {level}\",\"summary\":\"{level}: [cpu] - cpu is {level}...\"}}"
    )
}

#[test]
fn a_global_teams_section_sends_every_event_and_with_state_changes_only_each_change_once() {
    // Both captured from Kapacitor 1.5.7 fed this script, these points and these [teams]
    // sections.
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let conf = format!(
        "[teams]\n  enabled = true\n  global = true\n  channel-url = \"{}/teams/hook\"\n",
        receiver.url
    );
    assert_eq!(
        run_global(&receiver, &conf),
        [
            teams_card("CRITICAL"),
            teams_card("CRITICAL"),
            teams_card("OK")
        ]
    );
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let conf = format!(
        "[teams]\n  enabled = true\n  global = true\n  state-changes-only = true\n  channel-url = \"{}/teams/hook\"\n",
        receiver.url
    );
    assert_eq!(
        run_global(&receiver, &conf),
        [teams_card("CRITICAL"), teams_card("OK")]
    );
}

#[test]
fn a_global_service_that_is_not_enabled_refuses_the_script_naming_the_global_setting() {
    let case = Case::new();
    let script = case.file("global.tick", GLOBAL_SCRIPT);
    let conf = case.file(
        "kapacitor.conf",
        "[teams]\n  enabled = false\n  global = true\n  channel-url = \"http://127.0.0.1:9/x\"\n",
    );
    let out = case
        .args(["check", script.as_str(), "--config", conf.as_str()])
        .run();
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains(
            "the teams handler that `global = true` in the configuration adds to every alert"
        ),
        "{}",
        out.stderr
    );
}

/// Two `[[httppost]]` endpoints: one with a URL template, basic auth, headers and an alert
/// template; one with headers only (and a basic auth without password, which is not sent).
fn httppost_conf(url: &str) -> String {
    format!(
        r#"[[httppost]]
  endpoint = "tmpl"
  url = "{url}/t/{{{{.Level}}}}/x"
  headers = {{ X-Over = "from-endpoint", x-lower = "v1", Content-Type = "text/plain" }}
  basic-auth = {{ username = "alice", password = "s3cret" }}
  alert-template = 'id={{{{.ID}}}}|msg={{{{.Message}}}}|json={{{{json .Message}}}}|det={{{{.Details}}}}|time={{{{.Time}}}}|dur={{{{.Duration}}}}|lvl={{{{.Level}}}}|prev={{{{.PreviousLevel}}}}|rec={{{{.Recoverable}}}}|{{{{range .Data.Series}}}}{{{{.Name}}}} {{{{.Tags}}}} {{{{.Columns}}}} {{{{.Values}}}}{{{{end}}}}|{{{{.Data}}}}'

[[httppost]]
  endpoint = "plain"
  url = "{url}/plain"
  headers = {{ Content-Type = "text/plain", X-Plain = "p" }}
  basic-auth = {{ username = "bob", password = "" }}
"#
    )
}

#[test]
fn post_endpoints_send_kapacitors_requests_with_templates_headers_and_basic_auth() {
    let receiver = Receiver::start(Answers::Statuses(vec![200]));
    let case = Case::new();
    let script = case.file(
        "post.tick",
        r#"stream
    |from()
        .measurement('cpu')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }} & <b>')
        .details('d:{{ .Level }}')
        .crit(lambda: "usage" > 90)
        .post()
            .endpoint('tmpl')
            .header('X-Over', 'from-script')
        .post()
            .endpoint('plain')
"#,
    );
    let conf = case.file("kapacitor.conf", &httppost_conf(&receiver.url));
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(GLOBAL_POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    // Expected requests: captured from Kapacitor 1.5.7 fed this script, these points and these
    // [[httppost]] sections (URLs pointed at a recording listener).
    let seen = receiver.seen();
    let headers = |s: &Seen| -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = s
            .headers
            .iter()
            .filter(|(k, _)| {
                ![
                    "host",
                    "user-agent",
                    "content-length",
                    "accept-encoding",
                    "accept",
                ]
                .contains(&k.as_str())
            })
            .cloned()
            .collect();
        h.sort();
        h
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let templated: Vec<&Seen> = seen.iter().filter(|s| s.path.starts_with("/t/")).collect();
    let tmpl_body = |level: &str, prev: &str, secs: u32, dur: &str, usage: u32| {
        format!(
            "id=cpu/a|msg=cpu/a is {level} & <b>|json=\"cpu/a is {level} \\u0026 \\u003cb\\u003e\"\n|det=d:{level}|time=1970-01-01 00:00:0{secs} +0000 UTC|dur={dur}|lvl={level}|prev={prev}|rec=true|cpu map[host:a] [time usage] [[1970-01-01 00:00:0{secs} +0000 UTC {usage}]]|{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"host\":\"a\"}},\"columns\":[\"time\",\"usage\"],\"values\":[[\"1970-01-01T00:00:0{secs}Z\",{usage}]]}}]}}"
        )
    };
    assert_eq!(
        templated
            .iter()
            .map(|s| (s.method.as_str(), s.path.as_str(), s.body.clone()))
            .collect::<Vec<_>>(),
        [
            (
                "POST",
                "/t/CRITICAL/x",
                tmpl_body("CRITICAL", "OK", 1, "0s", 95)
            ),
            (
                "POST",
                "/t/CRITICAL/x",
                tmpl_body("CRITICAL", "CRITICAL", 2, "1s", 96)
            ),
            ("POST", "/t/OK/x", tmpl_body("OK", "CRITICAL", 3, "2s", 10)),
        ]
    );
    for s in &templated {
        assert_eq!(
            headers(s),
            [
                pair("authorization", "Basic YWxpY2U6czNjcmV0"),
                pair("content-type", "text/plain"),
                pair("x-lower", "v1"),
                pair("x-over", "from-script"),
            ]
        );
    }
    let plain: Vec<&Seen> = seen.iter().filter(|s| s.path == "/plain").collect();
    let json_body = |level: &str, prev: &str, secs: u32, dur: u64, usage: u32| {
        format!(
            "{{\"id\":\"cpu/a\",\"message\":\"cpu/a is {level} \\u0026 \\u003cb\\u003e\",\"details\":\"d:{level}\",\"time\":\"1970-01-01T00:00:0{secs}Z\",\"duration\":{dur},\"level\":\"{level}\",\"data\":{{\"series\":[{{\"name\":\"cpu\",\"tags\":{{\"host\":\"a\"}},\"columns\":[\"time\",\"usage\"],\"values\":[[\"1970-01-01T00:00:0{secs}Z\",{usage}]]}}]}},\"previousLevel\":\"{prev}\",\"recoverable\":true}}\n"
        )
    };
    assert_eq!(
        plain.iter().map(|s| s.body.clone()).collect::<Vec<_>>(),
        [
            json_body("CRITICAL", "OK", 1, 0, 95),
            json_body("CRITICAL", "CRITICAL", 2, 1_000_000_000, 96),
            json_body("OK", "CRITICAL", 3, 2_000_000_000, 10),
        ]
    );
    for s in &plain {
        assert_eq!(
            headers(s),
            [
                pair("content-type", "application/json"),
                pair("x-plain", "p")
            ]
        );
    }
    assert_eq!(seen.len(), 6);
}
