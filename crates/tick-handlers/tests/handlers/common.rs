//! Hand-built events and their JSON as Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7 describes it.

use std::sync::Arc;

use tick_engine::{
    Event, EventData, EventState, HandlerUse, Level, Literal, PropertyUse, Row, RowValue,
};
use tick_lambda::FieldValue;
use tick_syntax::Span;

/// 2016-06-01T12:00:00Z in ns since the epoch.
pub(crate) const T0: i64 = 1_464_782_400_000_000_000;

/// An example event, as Kapacitor's `Event.AlertData` (alert/types.go at v1.5.7) shapes it: CRITICAL, host=a, value 42, at 12:00:00.123.
pub(crate) fn critical_event() -> Event {
    let time = T0 + 123_000_000;
    Event {
        topic: Arc::from("main:cpu_alert:alert2"),
        state: EventState {
            id: "cpu:nil".to_string(),
            message: "cpu:nil is CRITICAL".to_string(),
            details: "<b>&\"x\"".to_string(),
            time,
            duration: 90_000_000_000,
            level: Level::Critical,
        },
        data: EventData {
            name: "cpu".to_string(),
            task_name: "cpu_alert".to_string(),
            category: "sys".to_string(),
            group: String::new(),
            tags: vec![("host".to_string(), "a".to_string())],
            fields: vec![("value".to_string(), FieldValue::Float(42.0))],
            recoverable: true,
            result: Some(Row {
                name: "cpu".to_string(),
                tags: vec![("host".to_string(), "a".to_string())],
                columns: vec!["time".to_string(), "value".to_string()],
                values: vec![vec![
                    RowValue::Time(time),
                    RowValue::Field(FieldValue::Float(42.0)),
                ]],
            }),
        },
        previous_level: Level::Ok,
        json: Default::default(),
    }
}

/// As Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7 key order; `<`, `>`, `&` HTML-escaped; 42.0 as `42`.
pub(crate) const CRITICAL_JSON: &str = concat!(
    r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"\u003cb\u003e\u0026\"x\"","#,
    r#""time":"2016-06-01T12:00:00.123Z","duration":90000000000,"level":"CRITICAL","#,
    r#""data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"#,
    r#""values":[["2016-06-01T12:00:00.123Z",42]]}]},"previousLevel":"OK","recoverable":true}"#,
);

/// A recovery without tags or fraction, with control characters and a big float.
pub(crate) fn ok_event() -> Event {
    Event {
        topic: Arc::from("cpu"),
        state: EventState {
            id: "cpu:nil".to_string(),
            message: "line1\nline2\ttab".to_string(),
            details: String::new(),
            time: T0,
            duration: 0,
            level: Level::Ok,
        },
        data: EventData {
            name: "cpu".to_string(),
            task_name: "cpu_alert".to_string(),
            category: String::new(),
            group: String::new(),
            tags: vec![],
            fields: vec![("v".to_string(), FieldValue::Float(1e21))],
            recoverable: false,
            result: Some(Row {
                name: "cpu".to_string(),
                tags: vec![],
                columns: vec!["time".to_string(), "v".to_string()],
                values: vec![vec![
                    RowValue::Time(T0),
                    RowValue::Field(FieldValue::Float(1e21)),
                ]],
            }),
        },
        previous_level: Level::Critical,
        json: Default::default(),
    }
}

/// No `tags` key for a row without tags; no fraction for a whole second; 1e21 → `1e+21`.
pub(crate) const OK_JSON: &str = concat!(
    r#"{"id":"cpu:nil","message":"line1\nline2\ttab","details":"","#,
    r#""time":"2016-06-01T12:00:00Z","duration":0,"level":"OK","#,
    r#""data":{"series":[{"name":"cpu","columns":["time","v"],"#,
    r#""values":[["2016-06-01T12:00:00Z",1e+21]]}]},"previousLevel":"CRITICAL","recoverable":false}"#,
);

/// An event whose value is NaN: it cannot be encoded (Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7).
pub(crate) fn nan_event() -> Event {
    let mut e = critical_event();
    if let Some(row) = e.data.result.as_mut() {
        row.values[0][1] = RowValue::Field(FieldValue::Float(f64::NAN));
    }
    e
}

/// An event with its own id, for order checks.
pub(crate) fn numbered_event(n: usize) -> Event {
    let mut e = critical_event();
    e.state.id = format!("e{n}");
    e
}

/// `.kind(args...)` with properties `(name, args)`.
pub(crate) fn handler_use(
    kind: &str,
    args: Vec<Literal>,
    properties: Vec<(&str, Vec<Literal>)>,
) -> HandlerUse {
    HandlerUse {
        kind: kind.to_string(),
        args,
        properties: properties
            .into_iter()
            .map(|(name, args)| PropertyUse {
                name: name.to_string(),
                args,
                span: Span::default(),
            })
            .collect(),
        span: Span::default(),
    }
}

pub(crate) fn s(v: &str) -> Literal {
    Literal::String(v.to_string())
}

/// One HTTP request as a test server received it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    pub(crate) request_line: String,
    /// In arrival order, names as sent.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 server on a std `TcpListener`: records each request, optionally waits for
/// a release token before answering, then answers `status` with `body` and closes.
pub(crate) struct HttpServer {
    pub(crate) url: String,
    pub(crate) requests: std::sync::mpsc::Receiver<Request>,
    pub(crate) release: std::sync::mpsc::Sender<()>,
}

pub(crate) fn http_server(status: &'static str, body: &'static str, gated: bool) -> HttpServer {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (req_tx, requests) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                let n = conn.read(&mut chunk).unwrap();
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let head = String::from_utf8(buf[..head_end - 4].to_vec()).unwrap();
            let mut lines = head.split("\r\n");
            let request_line = lines.next().unwrap().to_string();
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (k, v) = l.split_once(':').unwrap();
                    (k.to_string(), v.trim().to_string())
                })
                .collect();
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut req_body = buf[head_end..].to_vec();
            while req_body.len() < len {
                let n = conn.read(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                req_body.extend_from_slice(&chunk[..n]);
            }
            let request = Request {
                request_line,
                headers,
                body: String::from_utf8(req_body).unwrap(),
            };
            if req_tx.send(request).is_err() {
                return;
            }
            if gated && release_rx.recv().is_err() {
                return;
            }
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(response.as_bytes());
        }
    });
    HttpServer {
        url,
        requests,
        release,
    }
}

/// A CRITICAL `cpu:nil` event of task `cpu_alert` with `message` and `tags`, as the MQTT tests
/// publish it (only the message reaches the broker).
pub(crate) fn mqtt_event(message: &str, tags: &[(&str, &str)]) -> Event {
    Event {
        topic: Arc::from("main:cpu:alert2"),
        state: EventState {
            id: "cpu:nil".into(),
            message: message.into(),
            details: String::new(),
            time: 0,
            duration: 0,
            level: Level::Critical,
        },
        data: EventData {
            name: "cpu".into(),
            task_name: "cpu_alert".into(),
            category: String::new(),
            group: String::new(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            fields: vec![],
            recoverable: true,
            result: None,
        },
        previous_level: Level::Ok,
        json: Default::default(),
    }
}
