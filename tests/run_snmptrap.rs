//! `snmpTrap` through `tick run` and `tick service-test`: the traps that Debian's `snmptrapd`,
//! started by each test on a free loopback UDP port, receives and prints (OIDs numerically,
//! every value with its type), and the datagrams themselves, equal to Kapacitor 1.5.7's byte
//! for byte but for the request id (random in both).

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Case;

/// snmptrapd on a free loopback UDP port, printing each trap as one `TRAP …|END` record: the
/// variable bindings separated by `|`, OIDs numeric (`-On`), no MIBs loaded.
struct Snmptrapd {
    child: Child,
    addr: String,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl Snmptrapd {
    fn start() -> Snmptrapd {
        let version = Command::new("snmptrapd").arg("--version").output();
        assert!(
            version.is_ok_and(|o| o.status.success()),
            "snmptrapd is not installed: install Debian's package `snmptrapd` (.ci/run does) \
             to run the SNMP trap tests"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("snmptrapd.conf");
        std::fs::write(
            &conf,
            "authCommunity log public\nformat2 TRAP %V|%v|END\\n\n",
        )
        .expect("snmptrapd.conf");
        // Another process may take the port between the pick and snmptrapd's bind: then
        // snmptrapd exits, and a new port is picked.
        for _ in 0..5 {
            let port = UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .expect("a free UDP port")
                .port();
            let addr = format!("127.0.0.1:{port}");
            let out = dir.path().join(format!("snmptrapd-{port}.out"));
            let log = std::fs::File::create(&out).expect("snmptrapd output");
            let mut child = Command::new("snmptrapd")
                .args(["-f", "-Lo", "-C", "-c"])
                .arg(&conf)
                .args(["-n", "-On", "-m", ""])
                .arg(format!("udp:{addr}"))
                .env("SNMP_PERSISTENT_DIR", dir.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("snmptrapd output"))
                .stderr(log)
                .spawn()
                .expect("spawn snmptrapd");
            // snmptrapd prints its version once its transports are open.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let printed = std::fs::read_to_string(&out).unwrap_or_default();
                if printed.contains("NET-SNMP version") {
                    return Snmptrapd {
                        child,
                        addr,
                        out,
                        _dir: dir,
                    };
                }
                if child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("snmptrapd did not start");
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// The first `n` traps received, each the text between `TRAP ` and `|END`; waits for them
    /// (at most 20 s).
    fn traps(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.output();
            let traps: Vec<String> = out
                .split("TRAP ")
                .skip(1)
                .filter_map(|t| t.split_once("|END").map(|(trap, _)| trap.to_string()))
                .collect();
            if traps.len() >= n {
                return traps;
            }
            assert!(
                Instant::now() < deadline,
                "snmptrapd received {} of {n} traps:\n{out}",
                traps.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn conf(&self) -> String {
        format!(
            "[snmptrap]\n  enabled = true\n  addr = \"{}\"\n  community = \"public\"\n  retries = 1\n",
            self.addr
        )
    }
}

impl Drop for Snmptrapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every type Kapacitor sends, with templates, a negative integer, a counter above 2³², time
/// ticks above 2³¹, a null and a non-ASCII string.
const SCRIPT: &str = "stream
    |from()
        .measurement('cpu')
    |alert()
        .id('cpu/{{ index .Tags \"host\" }}')
        .message('{{ .ID }} is {{ .Level }}')
        .crit(lambda: \"usage_idle\" < 10)
        .snmpTrap('1.3.6.1.4.1.53864.1')
            .data('1.3.6.1.4.1.53864.1.1', 's', '{{ .Message }} é')
            .data('1.3.6.1.4.1.53864.1.2', 'i', '{{ index .Fields \"delta\" }}')
            .data('1.3.6.1.4.1.53864.1.3', 'c', '{{ index .Fields \"requests\" }}')
            .data('1.3.6.1.4.1.53864.1.4', 't', '3000000000')
            .data('1.3.6.1.4.1.53864.1.5', 'n', '')
            .data('1.3.6.1.4.1.53864.1.6', 'i', '{{ index .Fields \"usage_idle\" }}')
            .data('1.3.6.1.4.1.53864.1.7', 's', '{{ .Level }}')
";

const POINTS: &str = "cpu,host=a usage_idle=50i,delta=0i,requests=1i 1000000000
cpu,host=a usage_idle=5i,delta=-300i,requests=4294967296000i 2000000000
cpu,host=a usage_idle=200i,delta=127i,requests=9223372036854775807i 3000000000
";

/// What snmptrapd printed for Kapacitor 1.5.7 fed `SCRIPT`, `POINTS` and the same
/// `[snmptrap]` section (its addr pointed at an snmptrapd started as `Snmptrapd::start` does).
const KAPACITOR_TRAPS: [&str; 2] = [
    ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.53864.1|\
     .1.3.6.1.4.1.53864.1.1 = Hex-STRING: 63 70 75 2F 61 20 69 73 20 43 52 49 54 49 43 41 \n4C 20 C3 A9 |\
     .1.3.6.1.4.1.53864.1.2 = INTEGER: -300|.1.3.6.1.4.1.53864.1.3 = Counter64: 4294967296000|\
     .1.3.6.1.4.1.53864.1.4 = Timeticks: (3000000000) 347 days, 5:20:00.00|.1.3.6.1.4.1.53864.1.5 = NULL|\
     .1.3.6.1.4.1.53864.1.6 = INTEGER: 5|.1.3.6.1.4.1.53864.1.7 = STRING: \"CRITICAL\"",
    ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.53864.1|\
     .1.3.6.1.4.1.53864.1.1 = Hex-STRING: 63 70 75 2F 61 20 69 73 20 4F 4B 20 C3 A9 |\
     .1.3.6.1.4.1.53864.1.2 = INTEGER: 127|.1.3.6.1.4.1.53864.1.3 = Counter64: 9223372036854775807|\
     .1.3.6.1.4.1.53864.1.4 = Timeticks: (3000000000) 347 days, 5:20:00.00|.1.3.6.1.4.1.53864.1.5 = NULL|\
     .1.3.6.1.4.1.53864.1.6 = INTEGER: 200|.1.3.6.1.4.1.53864.1.7 = STRING: \"OK\"",
];

/// The `--stats` counts of the handler labelled `label`: delivered, queued, failed.
fn handler_counts(stderr: &str, label: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no stats for {label}: {stderr}"));
    line.split_whitespace()
        .skip(2)
        .take(3)
        .map(str::to_string)
        .collect()
}

#[test]
fn snmp_traps_reach_snmptrapd_as_kapacitors_do() {
    let trapd = Snmptrapd::start();
    let case = Case::new();
    let script = case.file("snmp.tick", SCRIPT);
    let conf = case.file("kapacitor.conf", &trapd.conf());
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str(), "--stats"])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        handler_counts(&out.stderr, "snmp:alert2:snmpTrap"),
        ["2", "-", "0"]
    );
    assert_eq!(trapd.traps(2), KAPACITOR_TRAPS);
}

/// The datagrams Kapacitor 1.5.7 sent for `SCRIPT` and `POINTS` with `community = "public"`,
/// captured on a UDP socket.
const KAPACITOR_DATAGRAMS: [&str; 2] = [
    "3081e002010104067075626c6963a781d20204735e95a70201000201003081c3300e06082b060102010103\
     00430203e83017060a2b06010603010104010006092b0601040183a468013022060a2b0601040183a468\
     010104146370752f6120697320435249544943414c20c3a93010060a2b0601040183a46801020202fed4\
     3014060a2b0601040183a4680103460603e8000000003013060a2b0601040183a4680104430500b2d05e\
     00300e060a2b0601040183a46801050500300f060a2b0601040183a46801060201053016060a2b060104\
     0183a46801070408435249544943414c",
    "3081d602010104067075626c6963a781c8020437bbf2670201000201003081b9300e06082b0601020101\
     0300430203e83017060a2b06010603010104010006092b0601040183a46801301c060a2b0601040183a4\
     680101040e6370752f61206973204f4b20c3a9300f060a2b0601040183a468010202017f3016060a2b06\
     01040183a468010346087fffffffffffffff3013060a2b0601040183a4680104430500b2d05e00300e06\
     0a2b0601040183a468010505003010060a2b0601040183a4680106020200c83010060a2b0601040183a4\
     68010704024f4b",
];

/// One DER element: its tag, its content and what follows. Panics unless the length is in
/// its shortest form, as Go's `encoding/asn1` writes it.
fn element(bytes: &[u8]) -> (u8, &[u8], &[u8]) {
    let (tag, first) = (bytes[0], bytes[1] as usize);
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        assert!(
            len >= 0x80 && bytes[2] != 0,
            "length not in its shortest form"
        );
        (len, 2 + n)
    };
    (tag, &bytes[header..header + len], &bytes[header + len..])
}

/// A trap message without its request id: version, community, PDU tag, and the PDU after the
/// request id (error status, error index, variable bindings), each as bytes.
fn without_request_id(datagram: &[u8]) -> (Vec<u8>, i64) {
    let (tag, message, rest) = element(datagram);
    assert_eq!((tag, rest), (0x30, &[][..]), "one SEQUENCE");
    let (version_tag, version, after) = element(message);
    let (community_tag, community, after) = element(after);
    let (pdu_tag, pdu, rest) = element(after);
    assert!(rest.is_empty());
    let (id_tag, id, after_id) = element(pdu);
    assert_eq!(id_tag, 0x02, "the request id is an INTEGER");
    let request_id = id
        .iter()
        .fold(if id[0] & 0x80 != 0 { -1i64 } else { 0 }, |acc, &b| {
            (acc << 8) | i64::from(b)
        });
    let mut kept = vec![version_tag];
    kept.extend_from_slice(version);
    kept.push(community_tag);
    kept.extend_from_slice(community);
    kept.push(pdu_tag);
    kept.extend_from_slice(after_id);
    (kept, request_id)
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn snmp_trap_datagrams_are_kapacitors_but_for_the_request_id() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback port");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout");
    let addr = socket.local_addr().expect("local address");
    let case = Case::new();
    let script = case.file("snmp.tick", SCRIPT);
    let conf = case.file(
        "kapacitor.conf",
        &format!("[snmptrap]\n  enabled = true\n  addr = \"{addr}\"\n  community = \"public\"\n"),
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let mut buf = [0u8; 2048];
    let mut ids = Vec::new();
    for expected in KAPACITOR_DATAGRAMS {
        let n = socket.recv(&mut buf).expect("a trap");
        let (tick, id) = without_request_id(&buf[..n]);
        let (kapacitor, _) = without_request_id(&unhex(expected));
        assert_eq!(tick, kapacitor);
        // Go's `rand.Int31` range, as snmpgo draws them.
        assert!((0..1 << 31).contains(&id), "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1], "each trap has its own request id");
}

#[test]
fn snmptrap_handler_files_send_their_topics_alerts() {
    let trapd = Snmptrapd::start();
    let case = Case::new();
    let script = case.file(
        "cpu.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
         .id('cpu/{{ index .Tags \"host\" }}')\n        .crit(lambda: \"usage_idle\" < 10)\n        \
         .topic('cpu')\n",
    );
    let handler = case.file(
        "handlers/snmp.yaml",
        "topic: cpu\nid: snmp-cpu\nkind: snmptrap\noptions:\n  trap-oid: 1.3.6.1.4.1.53864.2\n  \
         data-list:\n    - oid: 1.3.6.1.4.1.53864.2.1\n      type: s\n      value: '{{ .ID }} {{ .Level }}'\n    \
         - oid: 1.3.6.1.4.1.53864.2.2\n      type: t\n      value: '{{ index .Fields \"usage_idle\" }}'\n",
    );
    let conf = case.file("kapacitor.conf", &trapd.conf());
    let out = case
        .args([
            "run",
            script.as_str(),
            "--handler",
            handler.as_str(),
            "--config",
            conf.as_str(),
        ])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // What snmptrapd printed for Kapacitor 1.5.7 with this topic handler (defined with
    // `kapacitor define-topic-handler`), this script and these points.
    assert_eq!(
        trapd.traps(2),
        [
            ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.53864.2|\
             .1.3.6.1.4.1.53864.2.1 = STRING: \"cpu/a CRITICAL\"|.1.3.6.1.4.1.53864.2.2 = Timeticks: (5) 0:00:00.05",
            ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.53864.2|\
             .1.3.6.1.4.1.53864.2.1 = STRING: \"cpu/a OK\"|.1.3.6.1.4.1.53864.2.2 = Timeticks: (200) 0:00:02.00",
        ]
    );
}

#[test]
fn service_test_sends_kapacitors_test_trap() {
    let trapd = Snmptrapd::start();
    let case = Case::new();
    let conf = case.file("kapacitor.conf", &trapd.conf());
    let test = |options: Option<&str>| {
        let mut args = vec!["service-test", "snmptrap", "--config", conf.as_str()];
        if let Some(o) = options {
            args.extend(["--options", o]);
        }
        Case::new().args(args).run()
    };
    let out = test(None);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\nsnmptrap            true      \n"
    );
    let out = test(Some(r#"{"data-list": []}"#));
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    // Kapacitor 1.5.7's answers to the same tests (`kapacitor service-tests snmptrap`, then
    // the API with these options), as snmptrapd printed them and as the API answered.
    assert_eq!(
        trapd.traps(2),
        [
            ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.1.1.1|\
             .1.1.1.1.2 = STRING: \"test snmptrap message\"",
            ".1.3.6.1.2.1.1.3.0 = Timeticks: (1000) 0:00:10.00|.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.1.1.1",
        ]
    );
    let out = test(Some(
        r#"{"data-list": [{"oid": "1.3.6.1.4.1.1.1", "type": "a", "value": "1.2.3.4"}]}"#,
    ));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\n\
         snmptrap            false     Snmptrap Datatype 'IP address' not supported\n"
    );
    let out = test(Some(
        r#"{"trap-oid": "1.3.6.1.4.1.1", "data-list": [{"oid": "1.3.6.1.4.1.1.1", "type": "i", "value": "{{ .Level }}"}]}"#,
    ));
    assert_eq!(
        out.stdout,
        "Service             Success   Message\n\
         snmptrap            false     strconv.ParseInt: parsing \"{{ .Level }}\": invalid syntax\n"
    );
    // Kapacitor's TestServer_DoServiceTest (server/server_test.go at v1.5.7): a disabled
    // section.
    let disabled = case.file("disabled.conf", "[snmptrap]\n  enabled = false\n");
    let out = Case::new()
        .args(["service-test", "snmptrap", "--config", disabled.as_str()])
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "Service             Success   Message\nsnmptrap            false     service is not enabled\n"
    );
    assert_eq!(trapd.traps(2).len(), 2, "the failed tests sent nothing");
}

#[test]
fn a_trap_that_cannot_be_sent_is_logged_counted_and_fails_the_run() {
    let trapd = Snmptrapd::start();
    let case = Case::new();
    // 'i' needs a number; the level is not one. Kapacitor 1.5.7 logs the same error for it.
    let script = case.file(
        "bad.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
         .crit(lambda: \"usage_idle\" < 10)\n        .snmpTrap('1.3.6.1.4.1.53864.3')\n            \
         .data('1.3.6.1.4.1.53864.3.1', 'i', '{{ .Level }}')\n",
    );
    let conf = case.file("kapacitor.conf", &trapd.conf());
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str(), "--stats"])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr
            .contains("failed to send event to snmpTrap: strconv.ParseInt: parsing \"CRITICAL\": invalid syntax"),
        "{}",
        out.stderr
    );
    assert_eq!(
        handler_counts(&out.stderr, "bad:alert2:snmpTrap"),
        ["0", "-", "2"]
    );
    assert!(
        !out.stderr.contains("public"),
        "the community is never shown"
    );

    // An address without a port cannot be sent to: logged after the configured retry.
    let case = Case::new();
    let unreachable = case.file(
        "port.conf",
        "[snmptrap]\n  enabled = true\n  addr = \"127.0.0.1\"\n  community = \"s3cret\"\n",
    );
    let script = case.file("snmp.tick", SCRIPT);
    let out = case
        .args(["run", script.as_str(), "--config", unreachable.as_str()])
        .stdin(POINTS)
        .run();
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert!(
        out.stderr
            .contains("failed to send event to snmpTrap: failed to send SNMP trap to 127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("s3cret"),
        "the community is never shown"
    );
}

#[test]
fn tick_check_refuses_what_kapacitor_cannot_define_and_warns_of_what_fails_at_every_alert() {
    let case = Case::new();
    let script = case.file(
        "bad.tick",
        "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
         .crit(lambda: \"usage_idle\" < 10)\n        .snmpTrap('1.3.6.1.4.1.1')\n            \
         .data('1.3.6.1.4.1.1.1', 's', 'ok')\n            .data('1.3.6.1.4.1.1.2', 'a', '10.0.0.1')\n",
    );
    let out = case.args(["check", script.as_str()]).run();
    assert_eq!(out.code, 2);
    // Kapacitor 1.5.7's `kapacitor define` answer (it gives no position).
    assert!(
        out.stderr.contains(
            "bad.tick:8:14: error: invalid SNMP trap \"1.3.6.1.4.1.1\": unsupported data type \"a\" for data entry \"1.3.6.1.4.1.1.2\""
        ),
        "{}",
        out.stderr
    );
    let oid_script = "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        \
         .crit(lambda: \"usage_idle\" < 10)\n        .snmpTrap('1.3.6.1.4.1.1')\n            \
         .data('1.3.6.x', 's', 'ok')\n";
    let case = Case::new();
    let script = case.file("oid.tick", oid_script);
    // Kapacitor 1.5.7 defines and enables this script, then fails every alert with this
    // message: tick warns at check and start, and fails every alert the same way.
    let message =
        "invalid data Oid \"1.3.6.x\": The sub-identifiers is range 0..4294967295, value `1.3.6.x`";
    let out = case.args(["check", script.as_str()]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "oid.tick:7:14: warning: {message} (every alert of this handler will fail)"
        )),
        "{}",
        out.stderr
    );
    let case = Case::new();
    let script = case.file("oid.tick", oid_script);
    let conf = case.file(
        "kapacitor.conf",
        "[snmptrap]\n  enabled = true\n  addr = \"127.0.0.1:9\"\n",
    );
    let out = case
        .args(["run", script.as_str(), "--config", conf.as_str()])
        .stdin("cpu usage_idle=5 1000000000\n")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains(message), "{}", out.stderr);
}
