//! Test fixtures shared by tick's tests and benchmarks (dev-only, never published): a real
//! mosquitto broker on free loopback ports ([`Mosquitto`]), a subscriber that records exactly
//! what the broker delivers ([`Subscriber`]), and TLS certificates made with rcgen ([`Certs`]).
//! Owns no tick logic; nothing here is used by the `tick` binary.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use tempfile::TempDir;

/// A free loopback TCP port: bind `127.0.0.1:0`, read the port, close.
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(l.local_addr()?.port())
}

/// Certificates for TLS tests, written as PEM files into a temporary directory:
/// a CA, a server certificate for `localhost` and `127.0.0.1` signed by it, a client
/// certificate (clientAuth) signed by it, an unrelated CA, and an X.509 v1 client certificate.
pub struct Certs {
    _dir: TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A CA that signed nothing here: "wrong CA" tests.
    pub other_ca: PathBuf,
    /// A v1 certificate (no extensions, no version field), as `openssl x509 -req` makes by default.
    pub v1_client_cert: PathBuf,
}

impl Certs {
    /// Generates a fresh set.
    pub fn generate() -> Result<Certs> {
        let dir = tempfile::tempdir()?;
        let write = |name: &str, text: &str| -> Result<PathBuf> {
            let p = dir.path().join(name);
            std::fs::write(&p, text)?;
            Ok(p)
        };

        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tick test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, &ca_key);

        let server_key = KeyPair::generate()?;
        let mut sp = CertificateParams::new(vec!["localhost".to_owned()])?;
        sp.subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse()?));
        sp.distinguished_name.push(DnType::CommonName, "localhost");
        sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = sp.signed_by(&server_key, &issuer)?;

        let client_key = KeyPair::generate()?;
        let mut cp = CertificateParams::new(Vec::<String>::new())?;
        cp.distinguished_name
            .push(DnType::CommonName, "tick-client");
        cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = cp.signed_by(&client_key, &issuer)?;

        let other_key = KeyPair::generate()?;
        let mut op = CertificateParams::new(Vec::<String>::new())?;
        op.distinguished_name
            .push(DnType::CommonName, "unrelated CA");
        op.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let other_ca = op.self_signed(&other_key)?;

        let v1 = strip_version(client_cert.der())?;
        let v1_pem = pem_encode("CERTIFICATE", &v1);

        Ok(Certs {
            ca: write("ca.pem", &ca_cert.pem())?,
            server_cert: write("server.pem", &server_cert.pem())?,
            server_key: write("server.key", &server_key.serialize_pem())?,
            client_cert: write("client.pem", &client_cert.pem())?,
            client_key: write("client.key", &client_key.serialize_pem())?,
            other_ca: write("other-ca.pem", &other_ca.pem())?,
            v1_client_cert: write("client-v1.pem", &v1_pem)?,
            _dir: dir,
        })
    }
}

/// Removes the `[0] EXPLICIT version` field of a DER certificate (making it look like v1;
/// the signature no longer matches, which load-time checks do not look at).
fn strip_version(der: &[u8]) -> Result<Vec<u8>> {
    fn read_tlv(b: &[u8]) -> Result<(u8, usize, usize)> {
        // (tag, header length, content length)
        let tag = *b.first().context("empty DER")?;
        let l0 = *b.get(1).context("short DER")?;
        if l0 < 0x80 {
            return Ok((tag, 2, usize::from(l0)));
        }
        let n = usize::from(l0 & 0x7f);
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i).context("short DER")?);
        }
        Ok((tag, 2 + n, len))
    }
    fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .iter()
                .copied()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }
    let (_, h, l) = read_tlv(der)?;
    let cert_content = &der[h..h + l];
    let (tbs_tag, th, tl) = read_tlv(cert_content)?;
    let tbs_content = &cert_content[th..th + tl];
    let rest_of_cert = &cert_content[th + tl..];
    let (vtag, vh, vl) = read_tlv(tbs_content)?;
    if vtag != 0xA0 {
        bail!("certificate already has no version field");
    }
    let new_tbs = encode(tbs_tag, &tbs_content[vh + vl..]);
    let mut content = new_tbs;
    content.extend_from_slice(rest_of_cert);
    Ok(encode(0x30, &content))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                b64.push(T[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Which listeners a test broker gets; see [`Mosquitto::builder`].
#[derive(Default)]
pub struct MosquittoBuilder {
    tls: bool,
    client_auth: bool,
    websockets: bool,
    users: Vec<(String, String)>,
    persistence: bool,
}

impl MosquittoBuilder {
    /// A TLS listener (server certificate from [`Certs`], anonymous clients allowed).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }
    /// A TLS listener that requires a client certificate signed by the test CA, and the
    /// user names and passwords given with [`MosquittoBuilder::user`] if any.
    pub fn client_auth(mut self) -> Self {
        self.client_auth = true;
        self
    }
    /// A websocket listener (`ws://127.0.0.1:PORT`).
    pub fn websockets(mut self) -> Self {
        self.websockets = true;
        self
    }
    /// Adds a user to the password file; a plain listener requiring a password is added
    /// ([`Mosquitto::auth_port`]).
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_owned(), password.to_owned()));
        self
    }
    /// Keeps sessions and queued messages across [`Mosquitto::stop`] / [`Mosquitto::restart`].
    pub fn persistence(mut self) -> Self {
        self.persistence = true;
        self
    }

    /// Writes the configuration and starts the broker; returns once every listener accepts.
    pub fn start(self) -> Result<Mosquitto> {
        let dir = tempfile::tempdir()?;
        let certs = if self.tls || self.client_auth {
            Some(Arc::new(Certs::generate()?))
        } else {
            None
        };
        let port = free_port()?;
        let tls_port = if self.tls { Some(free_port()?) } else { None };
        let mtls_port = if self.client_auth {
            Some(free_port()?)
        } else {
            None
        };
        let ws_port = if self.websockets {
            Some(free_port()?)
        } else {
            None
        };
        let auth_port = if self.users.is_empty() {
            None
        } else {
            Some(free_port()?)
        };

        let passwd = dir.path().join("passwd");
        for (i, (user, pass)) in self.users.iter().enumerate() {
            let mut cmd = Command::new("mosquitto_passwd");
            if i == 0 {
                cmd.arg("-c");
            }
            let status = cmd
                .arg("-b")
                .arg(&passwd)
                .arg(user)
                .arg(pass)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .context("running mosquitto_passwd (apt-get install mosquitto)")?;
            if !status.success() {
                bail!("mosquitto_passwd failed for user {user}");
            }
        }

        let mut conf = String::new();
        conf.push_str("per_listener_settings true\nuser root\n");
        // A log file is flushed per line; stdout into a file would be block-buffered.
        conf.push_str(&format!(
            "log_dest file {}\n",
            dir.path().join("mosquitto.log").display()
        ));
        conf.push_str("max_queued_messages 0\nmax_inflight_messages 0\n");
        if self.persistence {
            conf.push_str(&format!(
                "persistence true\npersistence_location {}/\nautosave_interval 1\n",
                dir.path().display()
            ));
        }
        conf.push_str(&format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\n"
        ));
        if let Some(p) = ws_port {
            // This mosquitto build cannot bind a websocket listener to an address.
            conf.push_str(&format!(
                "listener {p}\nprotocol websockets\nallow_anonymous true\n"
            ));
        }
        if let (Some(p), Some(c)) = (tls_port, &certs) {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\nallow_anonymous true\n",
                c.ca.display(),
                c.server_cert.display(),
                c.server_key.display()
            ));
        }
        if let (Some(p), Some(c)) = (mtls_port, &certs) {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate true\n",
                c.ca.display(),
                c.server_cert.display(),
                c.server_key.display()
            ));
            if self.users.is_empty() {
                conf.push_str("allow_anonymous true\n");
            } else {
                conf.push_str(&format!(
                    "password_file {}\nallow_anonymous false\n",
                    passwd.display()
                ));
            }
        }
        if let Some(p) = auth_port {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\npassword_file {}\nallow_anonymous false\n",
                passwd.display()
            ));
        }
        let conf_path = dir.path().join("mosquitto.conf");
        std::fs::write(&conf_path, conf)?;
        let mut m = Mosquitto {
            child: None,
            log_path: dir.path().join("mosquitto.log"),
            conf_path,
            dir,
            port,
            tls_port,
            mtls_port,
            ws_port,
            auth_port,
            certs,
        };
        m.start()?;
        Ok(m)
    }
}

/// A mosquitto process for one test, killed on drop.
pub struct Mosquitto {
    child: Option<Child>,
    dir: TempDir,
    conf_path: PathBuf,
    log_path: PathBuf,
    port: u16,
    tls_port: Option<u16>,
    mtls_port: Option<u16>,
    ws_port: Option<u16>,
    auth_port: Option<u16>,
    certs: Option<Arc<Certs>>,
}

impl Mosquitto {
    /// Listeners to add before starting. A plain anonymous listener is always there.
    pub fn builder() -> MosquittoBuilder {
        MosquittoBuilder::default()
    }

    /// A broker with only the plain listener.
    pub fn start_plain() -> Result<Mosquitto> {
        Mosquitto::builder().start()
    }

    /// Plain anonymous listener port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// `tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }
    pub fn tls_port(&self) -> Option<u16> {
        self.tls_port
    }
    pub fn client_auth_port(&self) -> Option<u16> {
        self.mtls_port
    }
    pub fn ws_port(&self) -> Option<u16> {
        self.ws_port
    }
    pub fn auth_port(&self) -> Option<u16> {
        self.auth_port
    }
    /// The certificates used by the TLS listeners.
    pub fn certs(&self) -> Option<&Certs> {
        self.certs.as_deref()
    }
    /// A scratch directory that lives as long as the broker.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
    /// Everything the broker logged so far.
    pub fn log(&self) -> String {
        let mut text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        text.push_str(
            &std::fs::read_to_string(self.dir.path().join("mosquitto.out")).unwrap_or_default(),
        );
        text
    }

    fn start(&mut self) -> Result<()> {
        let out = self.dir.path().join("mosquitto.out");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)?;
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting mosquitto (apt-get install mosquitto)")?;
        self.child = Some(child);
        let ports: Vec<u16> = [
            Some(self.port),
            self.tls_port,
            self.mtls_port,
            self.ws_port,
            self.auth_port,
        ]
        .into_iter()
        .flatten()
        .collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        for p in ports {
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                if let Some(c) = self.child.as_mut()
                    && let Ok(Some(status)) = c.try_wait()
                {
                    bail!("mosquitto exited with {status}; log:\n{}", self.log());
                }
                if Instant::now() > deadline {
                    bail!(
                        "mosquitto did not accept on port {p} within 10 s; log:\n{}",
                        self.log()
                    );
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(())
    }

    /// Graceful stop (SIGTERM; a persistent broker saves its database). Waits for the exit.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut c) = self.child.take() {
            Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status()?;
            c.wait()?;
        }
        Ok(())
    }

    /// Abrupt stop (SIGKILL): everything since the last autosave is lost.
    pub fn kill(&mut self) -> Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill()?;
            c.wait()?;
        }
        Ok(())
    }

    /// Freezes the broker (SIGSTOP): connections stay open but nothing is answered.
    pub fn pause(&self) -> Result<()> {
        self.signal("-STOP")
    }

    /// Lets a paused broker run again (SIGCONT).
    pub fn resume(&self) -> Result<()> {
        self.signal("-CONT")
    }

    fn signal(&self, sig: &str) -> Result<()> {
        if let Some(c) = &self.child {
            Command::new("kill")
                .arg(sig)
                .arg(c.id().to_string())
                .status()?;
        }
        Ok(())
    }

    /// Starts again on the same ports with the same configuration.
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        // The kernel may hold the ports briefly; retry the start for a moment.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.start() {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    let _ = self.kill();
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts a stopped or killed broker again on the same ports.
    pub fn start_again(&mut self) -> Result<()> {
        if self.child.is_none() {
            self.start()?;
        }
        Ok(())
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// One message as a subscriber received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: u8,
    pub retained: bool,
}

impl Received {
    /// The payload as UTF-8 (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// A `mosquitto_sub` process that records every message it gets, exactly (the payload travels
/// as hex). libmosquitto hands QoS 2 messages over once, after PUBREL, so duplicates seen here
/// were really delivered twice.
pub struct Subscriber {
    child: Child,
    received: Arc<Mutex<Vec<Received>>>,
    probe_topic: String,
}

/// Options of a [`Subscriber`].
pub struct SubscriberOptions {
    pub port: u16,
    pub filter: String,
    pub qos: u8,
    /// `Some(id)`: persistent session (`-c -i id`), so the broker queues messages while the
    /// subscriber or the broker is away.
    pub persistent_id: Option<String>,
}

impl Subscriber {
    /// Subscribes to `filter` at `qos` on the plain listener; returns once subscribed.
    pub fn start(broker: &Mosquitto, filter: &str, qos: u8) -> Result<Subscriber> {
        Subscriber::start_with(SubscriberOptions {
            port: broker.port(),
            filter: filter.to_owned(),
            qos,
            persistent_id: None,
        })
    }

    /// Subscribes with a persistent session (`-c -i id`).
    pub fn start_persistent(
        broker: &Mosquitto,
        filter: &str,
        qos: u8,
        id: &str,
    ) -> Result<Subscriber> {
        Subscriber::start_with(SubscriberOptions {
            port: broker.port(),
            filter: filter.to_owned(),
            qos,
            persistent_id: Some(id.to_owned()),
        })
    }

    /// Full control over the options.
    pub fn start_with(o: SubscriberOptions) -> Result<Subscriber> {
        let probe_topic = format!("tick-testkit/probe/{}", free_port()?);
        let mut cmd = Command::new("mosquitto_sub");
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &o.port.to_string(),
            "-q",
            &o.qos.to_string(),
        ])
        .args(["-t", &o.filter, "-t", &probe_topic])
        .args(["-F", "%t\t%q\t%r\t%x"]);
        if let Some(id) = &o.persistent_id {
            cmd.args(["-c", "-i", id]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting mosquitto_sub (apt-get install mosquitto-clients)")?;
        let stdout = child.stdout.take().context("mosquitto_sub stdout")?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(r) = parse_line(&line)
                    && let Ok(mut v) = sink.lock()
                {
                    v.push(r);
                }
            }
        });
        let sub = Subscriber {
            child,
            received,
            probe_topic,
        };
        sub.wait_subscribed(o.port)?;
        Ok(sub)
    }

    fn wait_subscribed(&self, port: u16) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let _ = Command::new("mosquitto_pub")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-t",
                    &self.probe_topic,
                    "-m",
                    "probe",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            thread::sleep(Duration::from_millis(50));
            if self.lock().iter().any(|r| r.topic == self.probe_topic) {
                self.lock().retain(|r| r.topic != self.probe_topic);
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("mosquitto_sub did not subscribe within 10 s");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Received>> {
        self.received.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything received so far (probe messages excluded).
    pub fn messages(&self) -> Vec<Received> {
        self.lock()
            .iter()
            .filter(|r| r.topic != self.probe_topic)
            .cloned()
            .collect()
    }

    /// How many messages arrived so far (cheap; for benchmarks).
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Forgets everything received so far.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Waits until at least `n` messages arrived or `timeout` passed; returns the count.
    pub fn wait_count(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.count();
            if got >= n || Instant::now() > deadline {
                return got;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until at least `n` messages arrived or `timeout` passed; returns what arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until no message arrived for `quiet`, then returns everything.
    pub fn settle(&self, quiet: Duration, max: Duration) -> Vec<Received> {
        let deadline = Instant::now() + max;
        let mut last = usize::MAX;
        loop {
            let n = self.lock().len();
            if n == last || Instant::now() > deadline {
                return self.messages();
            }
            last = n;
            thread::sleep(quiet);
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_line(line: &str) -> Option<Received> {
    let mut parts = line.splitn(4, '\t');
    let topic = parts.next()?.to_owned();
    let qos = parts.next()?.parse().ok()?;
    let retained = parts.next()? == "1";
    let hex = parts.next().unwrap_or("");
    let payload = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0))
        .collect();
    Some(Received {
        topic,
        payload,
        qos,
        retained,
    })
}

/// Publishes one message with `mosquitto_pub` (for setting up retained messages and probes).
pub fn mosquitto_pub(port: u16, topic: &str, message: &str, qos: u8, retain: bool) -> Result<()> {
    let mut cmd = Command::new("mosquitto_pub");
    cmd.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-t",
        topic,
        "-m",
        message,
        "-q",
        &qos.to_string(),
    ]);
    if retain {
        cmd.arg("-r");
    }
    let status = cmd.status()?;
    if !status.success() {
        bail!("mosquitto_pub failed");
    }
    Ok(())
}

/// Writes `text` to `dir/name` and returns the path (config files in tests).
pub fn write_file(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p)?;
    f.write_all(text.as_bytes())?;
    Ok(p)
}
