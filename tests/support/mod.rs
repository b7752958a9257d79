//! The end-to-end harness: runs the real `tick` binary the way a user does, with files in a
//! temp directory, stdin, and arguments, and returns what it printed and its exit code.

#![allow(dead_code, unreachable_pub)]

pub mod influxd;
pub mod receiver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

pub fn tick_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tick")
}

/// The repository root (for `tickscripts/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a finished `tick` run left behind.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// One invocation of `tick`, built up like a shell command line.
pub struct Case {
    dir: tempfile::TempDir,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    timeout: Duration,
}

impl Case {
    pub fn new() -> Case {
        Case {
            dir: tempfile::tempdir().expect("temp dir"),
            args: Vec::new(),
            stdin: None,
            env: Vec::new(),
            timeout: Duration::from_secs(60),
        }
    }

    /// The case's working directory; files written with `file` live here.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `name` (relative to the case directory) and returns its absolute path.
    pub fn file(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write file");
        path.to_string_lossy().into_owned()
    }

    /// An absolute path inside the case directory (not created).
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Case {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Case
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Case {
        self.stdin = Some(input.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Case {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Case {
        self.timeout = timeout;
        self
    }

    /// The `tick` command line of this case, run in the case directory.
    fn command(&self) -> Command {
        let mut cmd = Command::new(tick_bin());
        cmd.args(&self.args)
            .current_dir(self.dir.path())
            .env("TZ", "UTC")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `tick` in the case directory and waits for it (killing it after the timeout).
    pub fn run(&self) -> Output {
        let mut cmd = self.command();
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut running = Running::start(cmd, self);
        if let Some(input) = &self.stdin
            && let Some(mut stdin) = running.stdin.take()
        {
            let input = input.clone();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        running.wait()
    }

    /// Starts `tick` in the case directory and returns at once, with its stdin open: the test
    /// writes input while it runs ([`Running::write`]), changes the world around it (stops a
    /// broker, say), then closes stdin and waits ([`Running::wait`]). Input given with
    /// [`Case::stdin`] is written first.
    pub fn spawn(&self) -> Running {
        let mut cmd = self.command();
        cmd.stdin(Stdio::piped());
        let mut running = Running::start(cmd, self);
        if let Some(input) = &self.stdin {
            running.write(input);
        }
        running
    }
}

/// A `tick` process started with [`Case::spawn`]; killed if dropped while running.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Collected,
    stderr: Collected,
    args: Vec<String>,
    timeout: Duration,
}

/// Output of a pipe, read as it comes.
struct Collected {
    text: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Collected {
    fn start(pipe: Option<impl std::io::Read + Send + 'static>) -> Collected {
        let text = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&text);
        let reader = pipe.map(|mut pipe| {
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&buf[..n]);
                }
            })
        });
        Collected { text, reader }
    }

    fn so_far(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    fn finish(&mut self) -> String {
        if let Some(r) = self.reader.take() {
            r.join().expect("output reader");
        }
        self.so_far()
    }
}

impl Running {
    fn start(mut cmd: Command, case: &Case) -> Running {
        let mut child = cmd.spawn().expect("spawn tick");
        let stdin = child.stdin.take();
        let stdout = Collected::start(child.stdout.take());
        let stderr = Collected::start(child.stderr.take());
        Running {
            child,
            stdin,
            stdout,
            stderr,
            args: case.args.clone(),
            timeout: case.timeout,
        }
    }

    /// Writes `input` to tick's stdin and flushes it.
    pub fn write(&mut self, input: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is closed");
        stdin.write_all(input).expect("write to tick");
        stdin.flush().expect("flush tick's stdin");
    }

    /// Closes tick's stdin: the end of its input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits until tick's stderr contains `text` (at most the case's timeout); panics with
    /// the stderr so far if it never does or tick exits first.
    pub fn wait_for_stderr(&mut self, text: &str) {
        let deadline = std::time::Instant::now() + self.timeout;
        while !self.stderr.so_far().contains(text) {
            assert!(
                std::time::Instant::now() < deadline && self.is_running(),
                "tick never printed {text:?}; stderr: {}",
                self.stderr.so_far()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether tick is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
    }

    /// Closes stdin and waits for tick to exit (killing it after the case's timeout, counted
    /// from now).
    pub fn wait(mut self) -> Output {
        self.close_stdin();
        let deadline = std::time::Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "tick {:?} did not finish within {:?}; stderr: {}",
                    self.args,
                    self.timeout,
                    self.stderr.so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.finish(),
            stderr: self.stderr.finish(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Default for Case {
    fn default() -> Self {
        Case::new()
    }
}
