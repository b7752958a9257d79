use std::io::Read;
use std::net::TcpListener;

use tick_handlers::{Handler, HandlerError, Services};

use crate::common::*;

#[tokio::test]
async fn tcp_sends_the_json_and_two_newlines_then_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let receiver = std::thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..2 {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = String::new();
            conn.read_to_string(&mut buf).unwrap(); // ends only when the handler closes
            got.push(buf);
        }
        got
    });
    let mut h = Handler::from_use(
        &handler_use("tcp", vec![s(&address)], vec![]),
        &Services::default(),
    )
    .unwrap();
    h.handle(&critical_event()).await.unwrap();
    h.handle(&ok_event()).await.unwrap();
    let got = receiver.join().unwrap();
    assert_eq!(
        got,
        vec![format!("{CRITICAL_JSON}\n\n"), format!("{OK_JSON}\n\n")]
    );
}

#[tokio::test]
async fn tcp_reports_a_refused_connection_and_drops_the_event() {
    // Bind then close, so nothing listens on the port.
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut h = Handler::from_use(
        &handler_use("tcp", vec![s(&address)], vec![]),
        &Services::default(),
    )
    .unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    assert!(matches!(err, HandlerError::TcpConnect { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("tcp handler failed to connect to {address}: ")),
        "{err}"
    );
}
