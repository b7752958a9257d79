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

/// A loopback TCP port that was free a moment ago: bind `127.0.0.1:0`, read the port, close.
/// Another process may take it before it is used again, so only [`MosquittoBuilder::start`]
/// uses it, and it notices when that happens.
fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(l.local_addr()?.port())
}

/// A loopback port where a connection is refused, for as long as this value lives: the port
/// is bound (so no other process can listen on it) but not listening.
pub struct RefusedPort {
    _socket: socket2::Socket,
    port: u16,
}

impl RefusedPort {
    /// Binds a fresh port without listening on it.
    pub fn new() -> Result<RefusedPort> {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).context("a TCP socket")?;
        let addr: std::net::SocketAddr = "127.0.0.1:0".parse()?;
        socket.bind(&addr.into()).context("binding a port")?;
        let port = socket
            .local_addr()?
            .as_socket()
            .context("an IPv4 address")?
            .port();
        Ok(RefusedPort {
            _socket: socket,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
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
    /// A client certificate (clientAuth) and its key signed by [`Certs::other_ca`]: "wrong
    /// client certificate" tests.
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    /// A self-signed server certificate for `localhost` and `127.0.0.1` that is also a CA
    /// (`basicConstraints CA:TRUE`), as `openssl req -x509` makes by default.
    pub self_signed_cert: PathBuf,
    pub self_signed_key: PathBuf,
    /// A server certificate for `localhost` and `127.0.0.1` signed by the CA that expired in 2001.
    pub expired_cert: PathBuf,
    pub expired_key: PathBuf,
    /// A server certificate signed by the CA for `broker.example` only.
    pub wrong_name_cert: PathBuf,
    pub wrong_name_key: PathBuf,
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
        let other_issuer = Issuer::new(op, &other_key);

        let other_client_key = KeyPair::generate()?;
        let mut ocp = CertificateParams::new(Vec::<String>::new())?;
        ocp.distinguished_name
            .push(DnType::CommonName, "tick-client");
        ocp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let other_client_cert = ocp.signed_by(&other_client_key, &other_issuer)?;

        let server_params = || -> Result<CertificateParams> {
            let mut p = CertificateParams::new(vec!["localhost".to_owned()])?;
            p.subject_alt_names
                .push(SanType::IpAddress("127.0.0.1".parse()?));
            p.distinguished_name.push(DnType::CommonName, "localhost");
            Ok(p)
        };

        let self_signed_key = KeyPair::generate()?;
        let mut ssp = server_params()?;
        ssp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let self_signed_cert = ssp.self_signed(&self_signed_key)?;

        let expired_key = KeyPair::generate()?;
        let mut ep = server_params()?;
        ep.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        ep.not_before = rcgen::date_time_ymd(2000, 1, 1);
        ep.not_after = rcgen::date_time_ymd(2001, 1, 1);
        let expired_cert = ep.signed_by(&expired_key, &issuer)?;

        let wrong_name_key = KeyPair::generate()?;
        let mut wp = CertificateParams::new(vec!["broker.example".to_owned()])?;
        wp.distinguished_name
            .push(DnType::CommonName, "broker.example");
        wp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let wrong_name_cert = wp.signed_by(&wrong_name_key, &issuer)?;

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
            other_client_cert: write("other-client.pem", &other_client_cert.pem())?,
            other_client_key: write("other-client.key", &other_client_key.serialize_pem())?,
            self_signed_cert: write("self-signed.pem", &self_signed_cert.pem())?,
            self_signed_key: write("self-signed.key", &self_signed_key.serialize_pem())?,
            expired_cert: write("expired.pem", &expired_cert.pem())?,
            expired_key: write("expired.key", &expired_key.serialize_pem())?,
            wrong_name_cert: write("wrong-name.pem", &wrong_name_cert.pem())?,
            wrong_name_key: write("wrong-name.key", &wrong_name_key.serialize_pem())?,
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

/// Which certificate the TLS listeners of a test broker present; see
/// [`MosquittoBuilder::server_cert`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// [`Certs::server_cert`]: signed by the test CA, valid for `localhost` and `127.0.0.1`.
    #[default]
    Valid,
    /// [`Certs::self_signed_cert`]: its own issuer, and a CA certificate.
    SelfSigned,
    /// [`Certs::expired_cert`]: signed by the test CA, expired in 2001.
    Expired,
    /// [`Certs::wrong_name_cert`]: signed by the test CA for `broker.example` only.
    WrongName,
}

/// Which listeners a test broker gets; see [`Mosquitto::builder`].
#[derive(Default)]
pub struct MosquittoBuilder {
    tls: bool,
    client_auth: bool,
    websockets: bool,
    websockets_tls: bool,
    users: Vec<(String, String)>,
    persistence: bool,
    server_cert: ServerCert,
}

/// The listener ports of one broker.
#[derive(Debug, Clone, Copy)]
struct Ports {
    plain: u16,
    tls: Option<u16>,
    mtls: Option<u16>,
    ws: Option<u16>,
    wss: Option<u16>,
    auth: Option<u16>,
}

impl Ports {
    fn all(&self) -> Vec<u16> {
        [
            Some(self.plain),
            self.tls,
            self.mtls,
            self.ws,
            self.wss,
            self.auth,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// How often [`MosquittoBuilder::start`] tries fresh ports when another process took one.
const START_ATTEMPTS: u32 = 10;

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
    /// A websocket listener with TLS (`wss://127.0.0.1:PORT`, anonymous clients allowed).
    pub fn websockets_tls(mut self) -> Self {
        self.websockets_tls = true;
        self
    }
    /// Which certificate the TLS listeners present (default [`ServerCert::Valid`]).
    pub fn server_cert(mut self, which: ServerCert) -> Self {
        self.server_cert = which;
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
    fn pick_ports(&self) -> Result<Ports> {
        let maybe =
            |on: bool| -> Result<Option<u16>> { Ok(if on { Some(free_port()?) } else { None }) };
        Ok(Ports {
            plain: free_port()?,
            tls: maybe(self.tls)?,
            mtls: maybe(self.client_auth)?,
            ws: maybe(self.websockets)?,
            wss: maybe(self.websockets_tls)?,
            auth: maybe(!self.users.is_empty())?,
        })
    }

    fn config(&self, ports: &Ports, certs: Option<&Certs>, dir: &Path, passwd: &Path) -> String {
        let mut conf = String::new();
        conf.push_str("per_listener_settings true\nuser root\n");
        // A log file is flushed per line; stdout into a file would be block-buffered.
        conf.push_str(&format!(
            "log_dest file {}\n",
            dir.join("mosquitto.log").display()
        ));
        conf.push_str("max_queued_messages 0\nmax_inflight_messages 0\n");
        if self.persistence {
            conf.push_str(&format!(
                "persistence true\npersistence_location {}/\nautosave_interval 1\n",
                dir.display()
            ));
        }
        conf.push_str(&format!(
            "listener {} 127.0.0.1\nallow_anonymous true\n",
            ports.plain
        ));
        if let Some(p) = ports.ws {
            // This mosquitto build cannot bind a websocket listener to an address.
            conf.push_str(&format!(
                "listener {p}\nprotocol websockets\nallow_anonymous true\n"
            ));
        }
        let Some(c) = certs else {
            if let Some(p) = ports.auth {
                conf.push_str(&format!(
                    "listener {p} 127.0.0.1\npassword_file {}\nallow_anonymous false\n",
                    passwd.display()
                ));
            }
            return conf;
        };
        let (cert, key) = match self.server_cert {
            ServerCert::Valid => (&c.server_cert, &c.server_key),
            ServerCert::SelfSigned => (&c.self_signed_cert, &c.self_signed_key),
            ServerCert::Expired => (&c.expired_cert, &c.expired_key),
            ServerCert::WrongName => (&c.wrong_name_cert, &c.wrong_name_key),
        };
        let tls_files = format!(
            "cafile {}\ncertfile {}\nkeyfile {}\n",
            c.ca.display(),
            cert.display(),
            key.display()
        );
        if let Some(p) = ports.wss {
            conf.push_str(&format!(
                "listener {p}\nprotocol websockets\n{tls_files}allow_anonymous true\n"
            ));
        }
        if let Some(p) = ports.tls {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\n{tls_files}allow_anonymous true\n"
            ));
        }
        if let Some(p) = ports.mtls {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\n{tls_files}require_certificate true\n"
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
        if let Some(p) = ports.auth {
            conf.push_str(&format!(
                "listener {p} 127.0.0.1\npassword_file {}\nallow_anonymous false\n",
                passwd.display()
            ));
        }
        conf
    }

    /// Writes the configuration and starts the broker; returns once it runs and every
    /// listener accepts.
    ///
    /// Ports are picked free, but another process may bind one between the pick and
    /// mosquitto's own bind. mosquitto then exits saying so, and the start is tried again on
    /// fresh ports: a port the broker is started on is always its own.
    pub fn start(self) -> Result<Mosquitto> {
        let ports = self.pick_ports()?;
        self.start_on(ports)
    }

    /// [`MosquittoBuilder::start`], trying `ports` first.
    fn start_on(self, ports: Ports) -> Result<Mosquitto> {
        let dir = tempfile::tempdir()?;
        let certs = if self.tls || self.client_auth || self.websockets_tls {
            Some(Arc::new(Certs::generate()?))
        } else {
            None
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
        let conf_path = dir.path().join("mosquitto.conf");
        let mut m = Mosquitto {
            child: None,
            log_path: dir.path().join("mosquitto.log"),
            out_path: dir.path().join("mosquitto.out"),
            conf_path,
            dir,
            ports,
            certs,
        };
        let mut attempt = 1;
        loop {
            let conf = self.config(&m.ports, m.certs.as_deref(), m.dir.path(), &passwd);
            std::fs::write(&m.conf_path, conf)?;
            // Each attempt's log on its own: "in use" must be this attempt's complaint.
            let _ = std::fs::remove_file(&m.log_path);
            let _ = std::fs::remove_file(&m.out_path);
            match m.start() {
                Ok(()) => return Ok(m),
                Err(e) if attempt < START_ATTEMPTS && m.lost_a_port() => {
                    let _ = e;
                    let _ = m.kill();
                    m.ports = self.pick_ports()?;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A mosquitto process for one test, killed on drop.
pub struct Mosquitto {
    child: Option<Child>,
    dir: TempDir,
    conf_path: PathBuf,
    log_path: PathBuf,
    out_path: PathBuf,
    ports: Ports,
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
        self.ports.plain
    }
    /// `tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.ports.plain)
    }
    pub fn tls_port(&self) -> Option<u16> {
        self.ports.tls
    }
    pub fn client_auth_port(&self) -> Option<u16> {
        self.ports.mtls
    }
    pub fn ws_port(&self) -> Option<u16> {
        self.ports.ws
    }
    /// The websocket listener with TLS ([`MosquittoBuilder::websockets_tls`]).
    pub fn wss_port(&self) -> Option<u16> {
        self.ports.wss
    }
    pub fn auth_port(&self) -> Option<u16> {
        self.ports.auth
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
        text.push_str(&std::fs::read_to_string(&self.out_path).unwrap_or_default());
        text
    }

    /// Whether the last start failed because another process holds one of our ports.
    fn lost_a_port(&self) -> bool {
        let log = self.log();
        log.contains("Address already in use")
            || log.contains("Unable to create websockets listener")
    }

    /// Waits until `pred(log)` holds, or fails after `timeout` with the log.
    pub fn wait_for_log(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log();
            if pred(&log) {
                return Ok(log);
            }
            if Instant::now() > deadline {
                bail!("the broker did not log {what} within {timeout:?}; log:\n{log}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn start(&mut self) -> Result<()> {
        let runs_before = self.log().matches(" running\n").count();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.out_path)?;
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting mosquitto (apt-get install mosquitto)")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        // mosquitto logs "running" once every listener is bound; a port that accepts before
        // that may belong to another process.
        while self.log().matches(" running\n").count() <= runs_before {
            self.still_starting(deadline)?;
        }
        for p in self.ports.all() {
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                self.still_starting(deadline)?;
            }
        }
        Ok(())
    }

    /// Fails if the starting broker exited or `deadline` passed; else waits a moment.
    fn still_starting(&mut self, deadline: Instant) -> Result<()> {
        if let Some(c) = self.child.as_mut()
            && let Ok(Some(status)) = c.try_wait()
        {
            bail!("mosquitto exited with {status}; log:\n{}", self.log());
        }
        if Instant::now() > deadline {
            bail!("mosquitto did not start within 10 s; log:\n{}", self.log());
        }
        thread::sleep(Duration::from_millis(10));
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
    port: u16,
}

/// Numbers probe topics and fence payloads apart within one test process.
static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn probe_number() -> u64 {
    PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
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
        let probe_topic = format!(
            "tick-testkit/probe/{}/{}",
            std::process::id(),
            probe_number()
        );
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
            port: o.port,
        };
        sub.wait_subscribed()?;
        Ok(sub)
    }

    fn publish_probe(&self, payload: &str, qos: u8) {
        let _ = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-q",
                &qos.to_string(),
                "-t",
                &self.probe_topic,
                "-m",
                payload,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    fn wait_subscribed(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.publish_probe("probe", 0);
            thread::sleep(Duration::from_millis(50));
            if self.lock().iter().any(|r| r.topic == self.probe_topic) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("mosquitto_sub did not subscribe within 10 s");
            }
        }
    }

    /// Everything the broker had accepted for this subscriber before this call: publishes a
    /// marker on the subscriber's probe topic (QoS 2, from another connection) and waits until
    /// it arrives. The broker queues messages for a subscriber in the order it accepts them
    /// and this test broker sends them without an in-flight limit, so every message it had
    /// acknowledged to its publisher (PUBACK, PUBCOMP) — or queued for this subscriber's
    /// persistent session — arrives before the marker. Late duplicates are caught this way
    /// without guessing how long to wait.
    pub fn fence(&self, timeout: Duration) -> Result<Vec<Received>> {
        let marker = format!("fence {}", probe_number());
        let is_marker =
            |r: &Received| r.topic == self.probe_topic && r.payload == marker.as_bytes();
        let deadline = Instant::now() + timeout;
        self.publish_probe(&marker, 2);
        while !self.lock().iter().any(is_marker) {
            if Instant::now() > deadline {
                bail!(
                    "the fence message did not arrive within {timeout:?}; got so far: {} messages",
                    self.messages().len()
                );
            }
            thread::sleep(Duration::from_millis(5));
        }
        let all = self.lock().clone();
        let end = all.iter().position(is_marker).unwrap_or(all.len());
        Ok(all[..end]
            .iter()
            .filter(|r| r.topic != self.probe_topic)
            .cloned()
            .collect())
    }

    /// Waits until `n` messages arrived (at most `timeout`), then returns everything the
    /// broker had accepted by then ([`Subscriber::fence`]): a late extra message is seen, so
    /// a test comparing with an exact list fails on it.
    ///
    /// Panics if the fence does not come back within `timeout` (the broker is gone or stuck):
    /// what arrived so far would not prove that nothing else is coming.
    pub fn wait_exact(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let _ = self.wait_for(n, timeout);
        match self.fence(timeout) {
            Ok(got) => got,
            Err(e) => panic!("{e}"),
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
        self.lock()
            .iter()
            .filter(|r| r.topic != self.probe_topic)
            .count()
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

/// Messages numbered `0..n`, in the order a subscriber got them, when the subscriber was
/// offline (persistent session) while the broker restarted once (SIGTERM, persistence on) and
/// the publisher re-sent what it had no acknowledgement for.
///
/// The broker queues messages for an offline session in the order it accepts them (QoS 1 on
/// PUBLISH, QoS 2 on PUBREL) and keeps that queue across the restart. So the arrivals are
/// what it accepted before it stopped, `0..accepted_before`, then what the publisher sent
/// again after the reconnect, from the first message it had no acknowledgement for,
/// `resent_from..n`. The messages in `resent_from..accepted_before` arrived twice: the broker
/// had taken them but its acknowledgement was lost with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcrossRestart {
    pub accepted_before: usize,
    pub resent_from: usize,
}

impl AcrossRestart {
    /// Splits `arrivals` at the step back; fails unless they have exactly the shape above
    /// (nothing missing, nothing out of order, nothing repeated outside the overlap).
    pub fn split(arrivals: &[usize], n: usize) -> Result<AcrossRestart> {
        let back = arrivals
            .windows(2)
            .position(|w| w[1] <= w[0])
            .map_or(arrivals.len(), |i| i + 1);
        let (before, after) = arrivals.split_at(back);
        let resent_from = after.first().copied().unwrap_or(n);
        let summary = || {
            format!(
                "{} arrivals: {} before the step back (ending {:?}), {} after (from {resent_from})",
                arrivals.len(),
                before.len(),
                before.last(),
                after.len()
            )
        };
        if !before.iter().copied().eq(0..before.len()) {
            bail!("{}: the first part is not 0, 1, 2, ...", summary());
        }
        if !after.iter().copied().eq(resent_from..n) {
            bail!(
                "{}: the re-sent part is not a run up to the last message",
                summary()
            );
        }
        if resent_from > before.len() {
            bail!("{}: messages missing between the parts", summary());
        }
        Ok(AcrossRestart {
            accepted_before: before.len(),
            resent_from,
        })
    }

    /// How many messages arrived twice.
    pub fn repeated(&self) -> usize {
        self.accepted_before.saturating_sub(self.resent_from)
    }
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

#[cfg(test)]
mod tests {
    use super::{AcrossRestart, Mosquitto, Ports};

    #[test]
    fn a_broker_whose_port_was_taken_starts_on_another_one() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        let ports = Ports {
            plain: taken_port,
            tls: None,
            mtls: None,
            ws: None,
            wss: None,
            auth: None,
        };
        let broker = Mosquitto::builder().start_on(ports).unwrap();
        assert_ne!(broker.port(), taken_port);
        assert!(std::net::TcpStream::connect(("127.0.0.1", broker.port())).is_ok());
    }

    #[test]
    fn a_websocket_port_that_was_taken_is_noticed_too() {
        let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        let builder = Mosquitto::builder().websockets();
        let mut ports = builder.pick_ports().unwrap();
        ports.ws = Some(taken_port);
        let broker = builder.start_on(ports).unwrap();
        assert_ne!(broker.ws_port(), Some(taken_port));
    }

    #[test]
    fn arrivals_across_a_restart_are_split_at_the_step_back() {
        let split = |a: &[usize]| AcrossRestart::split(a, 6).map_err(|e| e.to_string());
        let ok = |accepted_before, resent_from| {
            Ok(AcrossRestart {
                accepted_before,
                resent_from,
            })
        };
        assert_eq!(split(&[0, 1, 2, 3, 4, 5]), ok(6, 6));
        assert_eq!(split(&[0, 1, 2, 3, 2, 3, 4, 5]), ok(4, 2));
        assert_eq!(
            split(&[0, 1, 2, 3, 2, 3, 4, 5]).map(|s| s.repeated()),
            Ok(2)
        );
        // A repeat of a message the publisher had already been acknowledged for: two step backs.
        assert!(split(&[0, 1, 2, 1, 2, 0, 1, 2, 3, 4, 5]).is_err());
        // A message missing, before or after the restart.
        assert!(split(&[0, 1, 3, 4, 5]).is_err());
        assert!(split(&[0, 1, 2, 1, 2, 4, 5]).is_err());
        assert!(split(&[0, 1, 2, 3, 4]).is_err());
    }
}
