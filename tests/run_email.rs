//! The `email` handler through `tick run`, against a real SMTP server started by the test
//! (aiosmtpd, Debian's `python3-aiosmtpd`, driven by `tests/fixtures/smtp/recorder.py`) on a
//! free loopback port, with STARTTLS required before a password login: the envelope, headers
//! and body Kapacitor 1.5.7 sends for a CRITICAL and its recovery, the login over TLS, a
//! rejected password, a busy server answering 451, and `tick service-test smtp`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tick_testkit::Certs;

use crate::support::{Case, Output, repo_root};

/// The user and password the test server accepts.
const USER: &str = "tick";
const PASSWORD: &str = "s3cret-pw";

/// An aiosmtpd server on a free loopback port, recording every AUTH attempt and message.
struct SmtpServer {
    child: Child,
    port: u16,
    records: Arc<Mutex<Vec<Value>>>,
    certs: Certs,
}

impl SmtpServer {
    /// Starts the server; `defer` first messages are answered `451 4.3.0 Try again later`.
    fn start(defer: u32) -> SmtpServer {
        let certs = Certs::generate().expect("test certificates");
        // Debian's python3 has python3-aiosmtpd; another python3 first on PATH may not.
        let python = if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let script = repo_root().join("tests/fixtures/smtp/recorder.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg("--cert")
            .arg(&certs.server_cert)
            .arg("--key")
            .arg(&certs.server_key)
            .args(["--user", USER, "--password", PASSWORD])
            .args(["--defer", &defer.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 is needed for the SMTP tests");
        let stdout = child.stdout.take().expect("recorder stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(port) = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
        else {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
            }
            let _ = child.kill();
            panic!(
                "the SMTP test server did not start ({err}): install Debian's package \
                 python3-aiosmtpd (.ci/run does)"
            );
        };
        let records = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&records);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().expect("records lock").push(v);
                }
            }
        });
        SmtpServer {
            child,
            port,
            records,
            certs,
        }
    }

    /// The records of one kind (`auth`, `message`, `deferred`), waiting up to 5 s for `n`.
    fn wait_for(&self, event: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found: Vec<Value> = self
                .records
                .lock()
                .expect("records lock")
                .iter()
                .filter(|r| r["event"] == event)
                .cloned()
                .collect();
            if found.len() >= n || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `[smtp]` for this server with `password`.
    fn conf(&self, password: &str) -> String {
        format!(
            "[smtp]\n  enabled = true\n  host = \"localhost\"\n  port = {}\n  username = \"{USER}\"\n  \
             password = \"{password}\"\n  from = \"Kapacitor <kapacitor@example.com>\"\n  \
             to = [\"ops@example.com\", \"Second Ops <ops2@example.com>\"]\n  idle-timeout = \"30s\"\n",
            self.port
        )
    }

    /// The test CA, which `SSL_CERT_FILE` makes the system roots (Kapacitor's Go does the same).
    fn ca(&self) -> String {
        self.certs.ca.to_string_lossy().into_owned()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SCRIPT: &str = r#"stream
    |from()
        .measurement('cpu')
    |alert()
        .id('{{ .Name }}/{{ index .Tags "host" }}')
        .message('{{ .ID }} is {{ .Level }}: idle={{ index .Fields "usage_idle" }}°')
        .details('<h1>{{ .ID }}</h1><p>Level: {{ .Level }} – usage_idle = {{ index .Fields "usage_idle" }}</p> and a long line that goes on and on past the seventy-six character limit of quoted-printable')
        .crit(lambda: "usage_idle" < 10)
        .email('oncall@example.com')
            .to('support@example.com')
        .email()
"#;

const POINTS: &str = "cpu,host=a usage_idle=5 1000000000\ncpu,host=a usage_idle=50 2000000000\n";

/// A message's header fields (name → value) and body.
fn split(data: &str) -> (BTreeMap<String, String>, String) {
    let (head, body) = data.split_once("\r\n\r\n").expect("a header and a body");
    let headers = head
        .split("\r\n")
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("a header field");
            (k.to_string(), v.to_string())
        })
        .collect();
    (headers, body.to_string())
}

/// Go's `time.RFC1123Z` in UTC, as the test runs tick and Kapacitor ran with TZ=UTC:
/// `Mon, 07 Dec 2026 23:36:24 +0000`.
fn is_rfc1123z_utc(date: &str) -> bool {
    let b = date.as_bytes();
    date.len() == 31
        && date.ends_with(" +0000")
        && ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&&date[..3])
        && &date[3..5] == ", "
        && b[5..7].iter().all(u8::is_ascii_digit)
        && [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]
        .contains(&&date[8..11])
        && b[12..16].iter().all(u8::is_ascii_digit)
        && b[17..25].iter().enumerate().all(|(i, c)| {
            if i % 3 == 2 {
                *c == b':'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// `tick run SCRIPT --config CONF [extra...]` over `points`, with `ca` as the system roots.
fn run(script: &str, conf: &str, ca: &str, points: &str, extra: &[&str]) -> Output {
    let case = Case::new();
    let script = case.file("email.tick", script);
    let conf = case.file("kapacitor.conf", conf);
    case.env("SSL_CERT_FILE", ca)
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .args(extra.iter().copied())
        .stdin(points)
        .run()
}

/// An email alert for `usage_idle < 10` with the default message and details.
const SIMPLE: &str = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n        .email()\n";

#[test]
fn email_sends_kapacitors_messages_over_starttls_with_a_password_login() {
    let server = SmtpServer::start(0);
    let out = run(SCRIPT, &server.conf(PASSWORD), &server.ca(), POINTS, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);

    // Every login was PLAIN, as the right user, over TLS (the server offers AUTH only after
    // STARTTLS). Kapacitor shares one connection between its handlers; tick's two handlers
    // each log in once.
    let auths = server.wait_for("auth", 2);
    assert!(!auths.is_empty());
    for a in &auths {
        assert_eq!(
            (&a["mechanism"], &a["login"], &a["tls"], &a["ok"]),
            (
                &Value::from("PLAIN"),
                &Value::from(USER),
                &Value::from(true),
                &Value::from(true)
            )
        );
    }

    // Expected messages: captured from Kapacitor 1.5.7 (kapacitord fed this script, these
    // points and this [smtp] section, its host and port pointed at this same recorder with
    // STARTTLS and the test CA in SSL_CERT_FILE). Envelope: MAIL FROM the address of `from`
    // with BODY=8BITMIME (the server offers 8BITMIME), RCPT TO each address once. gomail
    // writes the header fields in Go's random map order and the Date of the moment, so the
    // fields are compared as a set and the date by its format; everything else is exact.
    let messages = server.wait_for("message", 4);
    assert_eq!(messages.len(), 4, "{messages:#?}");
    let subject =
        |level: &str, idle: u32| format!("=?UTF-8?q?cpu/a_is_{level}:_idle=3D{idle}=C2=B0?=");
    let body = |level: &str, idle: u32| match level {
        "CRITICAL" => format!(
            "<h1>cpu/a</h1><p>Level: CRITICAL =E2=80=93 usage_idle =3D {idle}</p> and a long =\r\n\
             line that goes on and on past the seventy-six character limit of quoted-pri=\r\n\
             ntable\r\n"
        ),
        _ => format!(
            "<h1>cpu/a</h1><p>Level: OK =E2=80=93 usage_idle =3D {idle}</p> and a long line =\r\n\
             that goes on and on past the seventy-six character limit of quoted-printabl=\r\n\
             e\r\n"
        ),
    };
    for (rcpt, to_header) in [
        (
            vec!["oncall@example.com", "support@example.com"],
            "oncall@example.com, support@example.com",
        ),
        (
            vec!["ops@example.com", "ops2@example.com"],
            "ops@example.com, Second Ops <ops2@example.com>",
        ),
    ] {
        let got: Vec<&Value> = messages
            .iter()
            .filter(|m| m["rcpt_tos"] == Value::from(rcpt.clone()))
            .collect();
        assert_eq!(got.len(), 2, "{rcpt:?} in {messages:#?}");
        for (m, (level, idle)) in got.iter().zip([("CRITICAL", 5), ("OK", 50)]) {
            assert_eq!(m["helo"], "localhost");
            assert_eq!(m["tls"], true, "STARTTLS was used");
            assert_eq!(m["login"], USER);
            assert_eq!(m["mail_from"], "kapacitor@example.com");
            assert_eq!(m["mail_options"], Value::from(vec!["BODY=8BITMIME"]));
            let (headers, text) = split(m["data"].as_str().expect("data"));
            let date = headers.get("Date").cloned().unwrap_or_default();
            assert!(is_rfc1123z_utc(&date), "Date: {date:?}");
            let mut stable = headers.clone();
            stable.remove("Date");
            let expected: BTreeMap<String, String> = [
                ("Mime-Version", "1.0".to_string()),
                ("From", "Kapacitor <kapacitor@example.com>".to_string()),
                ("To", to_header.to_string()),
                ("Subject", subject(level, idle)),
                ("Content-Type", "text/html; charset=UTF-8".to_string()),
                ("Content-Transfer-Encoding", "quoted-printable".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            assert_eq!(stable, expected);
            assert_eq!(text, body(level, idle));
        }
    }
}

#[test]
fn a_rejected_password_is_logged_with_the_servers_answer_and_exits_1() {
    let server = SmtpServer::start(0);
    let wrong = "wrong-Pa55word";
    let out = run(
        SCRIPT,
        &server.conf(wrong),
        &server.ca(),
        POINTS,
        &["--stats"],
    );
    assert_eq!(out.code, 1, "an undelivered alert exits 1: {}", out.stderr);
    // aiosmtpd's answer to a wrong password, as Go's textproto.Error prints a reply.
    assert!(
        out.stderr
            .contains("535 5.7.8 Authentication credentials invalid"),
        "{}",
        out.stderr
    );
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(wrong), "the password leaked: {text}");
    }
    // A 5xx answer is final: one login per alert and handler, no retry, nothing sent.
    let auths = server.wait_for("auth", 4);
    assert_eq!(auths.len(), 4, "{auths:#?}");
    assert!(
        auths
            .iter()
            .all(|a| a["login"] == USER && a["ok"] == false && a["tls"] == true)
    );
    assert!(server.wait_for("message", 0).is_empty());
}

#[test]
fn a_busy_server_gets_the_email_once_after_it_answered_451() {
    let server = SmtpServer::start(2);
    let script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .message('{{ .Level }}')\n        .details('x')\n        .crit(lambda: \"usage_idle\" < 10)\n        .email()\n";
    let conf = server.conf(PASSWORD);
    let out = run(
        script,
        &conf,
        &server.ca(),
        "cpu usage_idle=5 1000000000\n",
        &[],
    );
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(
        out.stderr.contains("451 4.3.0 Try again later"),
        "{}",
        out.stderr
    );
    assert_eq!(server.wait_for("deferred", 2).len(), 2);
    let messages = server.wait_for("message", 1);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let (headers, body) = split(messages[0]["data"].as_str().expect("data"));
    assert_eq!(headers.get("Subject").map(String::as_str), Some("CRITICAL"));
    assert_eq!(body, "x\r\n");
}

#[test]
fn service_test_smtp_sends_kapacitors_test_email() {
    let server = SmtpServer::start(0);
    let case = Case::new();
    let conf = case.file("kapacitor.conf", &server.conf(PASSWORD));
    let out = case
        .env("SSL_CERT_FILE", &server.ca())
        .args(["service-test", "smtp", "--config", conf.as_str()])
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\nsmtp                true      \n"
    );
    // Kapacitor's TestOptions (services/smtp/service.go at v1.5.7): [smtp] to, subject
    // "test subject", body "test body".
    let messages = server.wait_for("message", 1);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(
        messages[0]["rcpt_tos"],
        Value::from(vec!["ops@example.com", "ops2@example.com"])
    );
    let (headers, body) = split(messages[0]["data"].as_str().expect("data"));
    assert_eq!(
        headers.get("Subject").map(String::as_str),
        Some("test subject")
    );
    assert_eq!(
        headers.get("To").map(String::as_str),
        Some("ops@example.com, Second Ops <ops2@example.com>")
    );
    assert_eq!(body, "test body\r\n");
}

#[test]
fn a_server_with_a_certificate_from_an_unknown_ca_is_refused_unless_no_verify() {
    let server = SmtpServer::start(0);
    // The system roots are another CA: the server's certificate is refused at STARTTLS
    // (after retries) and nothing is sent.
    let other_ca = server.certs.other_ca.to_string_lossy().into_owned();
    let point = "cpu usage_idle=5 1000000000\n";
    let out = run(SIMPLE, &server.conf(PASSWORD), &other_ca, point, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(out.stderr.contains("STARTTLS"), "{}", out.stderr);
    assert!(server.wait_for("message", 0).is_empty());

    let conf = format!("{}  no-verify = true\n", server.conf(PASSWORD));
    let out = run(SIMPLE, &conf, &other_ca, point, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(server.wait_for("message", 1).len(), 1);
}

#[test]
fn a_topic_handler_file_of_kind_smtp_emails_its_recipients() {
    let server = SmtpServer::start(0);
    let case = Case::new();
    let script = case.file(
        "cpu.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .message('{{ .ID }} is {{ .Level }}')\n        .details('<b>{{ .Level }}</b>')\n        .crit(lambda: \"usage_idle\" < 10)\n        .topic('cpu')\n",
    );
    let conf = case.file("kapacitor.conf", &server.conf(PASSWORD));
    // Kapacitor's `kind: smtp` with its `to` option (smtp.HandlerConfig, services/smtp at v1.5.7).
    case.file(
        "handlers/email.yaml",
        "topic: cpu\nid: email-oncall\nkind: smtp\noptions:\n  to:\n    - oncall@example.com\n    - Night Shift <night@example.com>\n",
    );
    let handlers = case.path("handlers");
    let out = case
        .env("SSL_CERT_FILE", &server.ca())
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .args(["--handler", handlers.as_str()])
        .stdin("cpu usage_idle=5 1000000000\n")
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let messages = server.wait_for("message", 1);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(
        messages[0]["rcpt_tos"],
        Value::from(vec!["oncall@example.com", "night@example.com"])
    );
    let (headers, body) = split(messages[0]["data"].as_str().expect("data"));
    assert_eq!(
        headers.get("To").map(String::as_str),
        Some("oncall@example.com, Night Shift <night@example.com>")
    );
    assert_eq!(
        headers.get("Subject").map(String::as_str),
        Some("cpu:nil is CRITICAL")
    );
    assert_eq!(body, "<b>CRITICAL</b>\r\n");
}
