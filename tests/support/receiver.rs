//! A loopback HTTP receiver for service handlers' end-to-end tests: records every request
//! (method, path, headers, body) and answers with the statuses a test chooses, or never.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the receiver saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the receiver answers: one status per request in turn (the last one repeats), or
/// nothing at all.
#[derive(Clone)]
pub enum Answers {
    Statuses(Vec<u16>),
    Never,
}

/// An HTTP/1.1 receiver on a free loopback port that records every request.
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    pub fn start(answers: Answers) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let record = Arc::clone(&record);
                let answers = answers.clone();
                std::thread::spawn(move || serve(conn, &record, &answers));
            }
        });
        Receiver { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("receiver lock").clone()
    }
}

fn serve(mut conn: TcpStream, record: &Mutex<Vec<Seen>>, answers: &Answers) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or("").split(' ');
            let method = first.next().unwrap_or("").to_string();
            let path = first.next().unwrap_or("").to_string();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
            buf.drain(..end + 4 + len);
            let n = {
                let mut seen = record.lock().expect("receiver lock");
                seen.push(Seen {
                    method,
                    path,
                    headers,
                    body,
                });
                seen.len()
            };
            let status = match answers {
                Answers::Never => {
                    std::thread::sleep(Duration::from_secs(60));
                    return;
                }
                Answers::Statuses(s) => s[(n - 1).min(s.len() - 1)],
            };
            let reply = if status == 200 { "ok" } else { "oops" };
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{reply}",
                    reply.len()
                )
                .as_bytes(),
            );
            continue;
        }
        let n = conn.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
