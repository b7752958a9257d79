//! HTTP handlers over TLS: the certificate is verified by default, against the system roots or
//! a service's `ssl-ca`, and `.skipSSLVerification()` (post) or `insecure-skip-verify`
//! (service sections) turns the check off.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use tick_handlers::config::Config;
use tick_handlers::{Handler, Services};
use tick_testkit::Certs;

use crate::common::*;

/// An HTTPS server on a free loopback port with the test CA's `localhost` certificate: sends
/// the body of every request it reads to the channel and answers 200.
fn https_server(certs: &Certs) -> (String, std::sync::mpsc::Receiver<String>) {
    let chain: Vec<_> =
        rustls_pemfile::certs(&mut std::fs::read(&certs.server_cert).unwrap().as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
    let key =
        rustls_pemfile::private_key(&mut std::fs::read(&certs.server_key).unwrap().as_slice())
            .unwrap()
            .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let Ok(tls) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                return;
            };
            let mut stream = rustls::StreamOwned::new(tls, conn);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, len) = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (i + 4, len);
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break (0, usize::MAX),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            if len == usize::MAX {
                continue; // the client gave up during the handshake
            }
            while buf.len() < head_end + len {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
            let _ = tx.send(body);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.flush();
        }
    });
    (url, rx)
}

#[tokio::test]
async fn post_to_https_verifies_the_certificate_unless_told_to_skip() {
    let certs = Certs::generate().unwrap();
    let (url, bodies) = https_server(&certs);
    // The test CA is not a system root: verification fails, and the error says why.
    let u = handler_use("post", vec![s(&url)], vec![]);
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err().to_string();
    assert!(err.contains("certificate"), "{err}");
    assert!(!err.contains(&url), "no URL in errors: {err}");
    // .skipSSLVerification(): delivered.
    let u = handler_use("post", vec![s(&url)], vec![("skipSSLVerification", vec![])]);
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    h.handle(&critical_event()).await.unwrap();
    assert_eq!(
        bodies.recv_timeout(Duration::from_secs(5)).unwrap(),
        format!("{CRITICAL_JSON}\n")
    );
}

#[tokio::test]
async fn a_slack_workspace_with_ssl_ca_trusts_that_ca() {
    let certs = Certs::generate().unwrap();
    let (url, bodies) = https_server(&certs);
    let conf = format!(
        "[slack]\n  enabled = true\n  url = \"{url}/hook\"\n  ssl-ca = \"{}\"\n",
        certs.ca.display()
    );
    let (config, _) = Config::from_toml_str(&conf, "kapacitor.conf").unwrap();
    let services = Services {
        config,
        ..Services::default()
    };
    let u = handler_use("slack", vec![], vec![]);
    let mut h = Handler::from_use(&u, &services).unwrap();
    h.handle(&critical_event()).await.unwrap();
    let body = bodies.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(body.starts_with("{\"as_user\":false,"), "{body}");
}
