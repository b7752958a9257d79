//! InfluxDB 1.x (Debian's `influxd`) for the end-to-end tests: started on free loopback ports
//! (or on a port a test chose before, to start it late), with its files in a directory of the
//! test's; statements run with the `influx` client and queries over HTTP.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::request;

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A running `influxd`, killed when dropped.
pub struct Influxd {
    child: Child,
    /// Its HTTP port.
    pub port: u16,
}

impl Influxd {
    /// Starts one on free ports.
    pub fn start(dir: &Path) -> Influxd {
        Influxd::start_on(dir, free_port())
    }

    /// Starts one whose HTTP API listens on `port`, and waits until it answers `/ping`.
    pub fn start_on(dir: &Path, port: u16) -> Influxd {
        let influxd = Command::new("influxd").arg("version").output();
        assert!(
            influxd.is_ok_and(|o| o.status.success()),
            "influxd is not installed: install Debian's packages `influxdb influxdb-client` \
             (.ci/run does) to run the InfluxDB tests"
        );
        let rpc = free_port();
        let config = dir.join("influxdb.conf");
        let d = dir.display();
        std::fs::write(
            &config,
            format!(
                "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
                 [meta]\n  dir = \"{d}/meta\"\n\
                 [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
                 [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n\
                 [subscriber]\n  enabled = true\n\
                 [monitor]\n  store-enabled = false\n\
                 [continuous_queries]\n  enabled = false\n"
            ),
        )
        .expect("influxdb.conf");
        let log = std::fs::File::create(dir.join("influxd.log")).expect("log");
        let child = Command::new("influxd")
            .args(["run", "-config"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn influxd");
        let influxd = Influxd { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err()
            || request(port, "GET", "/ping", &[], b"").0 != 204
        {
            assert!(
                Instant::now() < deadline,
                "influxd did not start: {}",
                std::fs::read_to_string(dir.join("influxd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        influxd
    }

    /// Runs an InfluxQL statement with the `influx` command-line client.
    pub fn execute(&self, statement: &str) {
        let out = Command::new("influx")
            .args([
                "-host",
                "127.0.0.1",
                "-port",
                &self.port.to_string(),
                "-execute",
                statement,
            ])
            .output()
            .expect("influx client (Debian package influxdb-client)");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "influx -execute {statement:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `GET /query?db=<db>&epoch=ns&q=<query>`: InfluxDB's JSON answer as text.
    pub fn query(&self, db: &str, query: &str) -> String {
        let mut path = format!("/query?epoch=ns&db={db}&q=");
        for b in query.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) {
                path.push(b as char);
            } else {
                path.push_str(&format!("%{b:02X}"));
            }
        }
        let (status, body) = request(self.port, "GET", &path, &[], b"");
        assert_eq!(status, 200, "{query}: {body}");
        dechunk(&body).trim_end().to_string()
    }
}

/// The body of a chunked answer (InfluxDB sends larger answers so), else `body` itself.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else {
            return body.to_string();
        };
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            return body.to_string();
        };
        if n == 0 {
            return out;
        }
        let Some(chunk) = after.get(..n) else {
            return body.to_string();
        };
        out.push_str(chunk);
        rest = after[n..].trim_start_matches("\r\n");
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
