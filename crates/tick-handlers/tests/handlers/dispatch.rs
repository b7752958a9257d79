use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tick_handlers::{DispatchOptions, Dispatcher, Handler, Services};
use tokio::runtime::Handle;

use crate::common::*;

fn post_to(url: &str) -> Handler {
    Handler::from_use(
        &handler_use("post", vec![s(url)], vec![]),
        &Services::default(),
    )
    .unwrap()
}

fn log_to(path: &std::path::Path) -> Handler {
    Handler::from_use(
        &handler_use("log", vec![s(path.to_str().unwrap())], vec![]),
        &Services::default(),
    )
    .unwrap()
}

fn ids_in(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('"').nth(3).unwrap().to_string())
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_a_handler_in_the_order_they_were_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.log");
    let mut d = Dispatcher::new(Handle::current(), DispatchOptions::default());
    let i = d.add("order", log_to(&path));
    for n in 0..300 {
        assert!(d.send(i, Arc::new(numbered_event(n))));
    }
    let report = d.drain(Duration::from_secs(20)).await;
    let expected: Vec<String> = (0..300).map(|n| format!("e{n}")).collect();
    assert_eq!(ids_in(&path), expected);
    assert!(!report.timed_out);
    assert_eq!(report.handlers[0].delivered, 300);
    assert_eq!(report.undelivered(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_blocks_neither_send_nor_other_handlers() {
    let server = http_server("200 OK", "", true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fast.log");
    let mut d = Dispatcher::new(Handle::current(), DispatchOptions::default());
    let slow = d.add("slow", post_to(&server.url));
    let fast = d.add("fast", log_to(&path));
    let started = Instant::now();
    for n in 0..10 {
        assert!(d.send(slow, Arc::new(numbered_event(n))));
        assert!(d.send(fast, Arc::new(numbered_event(n))));
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "send waited for a handler"
    );
    // The slow handler is stuck on its first request while the fast one finishes everything.
    let first = server
        .requests
        .recv_timeout(Duration::from_secs(5))
        .unwrap();
    assert!(first.body.starts_with(r#"{"id":"e0""#));
    wait_until("the fast handler", || ids_in(&path).len() == 10);
    assert_eq!(d.stats()[slow].delivered, 0);
    for _ in 0..10 {
        server.release.send(()).unwrap();
    }
    let report = d.drain(Duration::from_secs(20)).await;
    assert_eq!(
        (
            report.handlers[slow].delivered,
            report.handlers[fast].delivered
        ),
        (10, 10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_drops_the_event_and_reports_it() {
    let server = http_server("200 OK", "", true);
    let mut d = Dispatcher::new(
        Handle::current(),
        DispatchOptions {
            queue_capacity: 2,
            ..Default::default()
        },
    );
    let i = d.add("busy", post_to(&server.url));
    assert!(d.send(i, Arc::new(numbered_event(0))));
    // e0 is now inside the handler, so the queue is empty and holds exactly two more.
    server
        .requests
        .recv_timeout(Duration::from_secs(5))
        .unwrap();
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt().with_writer({
        let log = log.clone();
        move || log.clone()
    });
    let accepted: Vec<bool> =
        tracing::subscriber::with_default(subscriber.with_ansi(false).finish(), || {
            (1..6)
                .map(|n| d.send(i, Arc::new(numbered_event(n))))
                .collect()
        });
    assert_eq!(accepted, [true, true, false, false, false]);
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    // Drops 1 and 2 are logged; drop 3 only counted (the next line comes at drop 4).
    for (n, dropped) in [(3, 1), (4, 2)] {
        assert!(
            logged.contains(&format!(
                r#"failed to deliver event "e{n}" to handler post ({dropped} dropped so far; logged again at {})"#,
                dropped * 2
            )),
            "{logged}"
        );
    }
    assert!(!logged.contains(r#""e5""#), "{logged}");
    assert!(!logged.contains(r#""e2""#), "{logged}");
    assert_eq!(d.stats()[0].dropped, 3);
    for _ in 0..3 {
        server.release.send(()).unwrap();
    }
    let report = d.drain(Duration::from_secs(20)).await;
    assert_eq!(report.handlers[0].delivered, 3);
    assert_eq!(report.handlers[0].dropped, 3);
    assert_eq!(report.undelivered(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_waits_until_the_queue_is_empty() {
    let server = http_server("200 OK", "", true);
    let mut d = Dispatcher::new(Handle::current(), DispatchOptions::default());
    let i = d.add("waited", post_to(&server.url));
    for n in 0..3 {
        assert!(d.send(i, Arc::new(numbered_event(n))));
    }
    let release = server.release.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..3 {
            release.send(()).unwrap();
        }
    });
    let report = d.drain(Duration::from_secs(20)).await;
    assert!(!report.timed_out);
    assert_eq!(report.handlers[0].delivered, 3);
    let bodies: Vec<String> = server.requests.try_iter().map(|r| r.body).collect();
    assert_eq!(bodies.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_gives_up_after_the_grace_period_and_counts_what_was_left() {
    let server = http_server("200 OK", "", true); // never answers
    let mut d = Dispatcher::new(Handle::current(), DispatchOptions::default());
    let i = d.add("stuck", post_to(&server.url));
    for n in 0..3 {
        assert!(d.send(i, Arc::new(numbered_event(n))));
    }
    server
        .requests
        .recv_timeout(Duration::from_secs(5))
        .unwrap();
    let started = Instant::now();
    let report = d.drain(Duration::from_millis(200)).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(report.timed_out);
    assert_eq!(report.handlers[0].abandoned, 3);
    assert_eq!(report.undelivered(), 3);
    // After the drain, sending is refused and counted.
    assert!(!d.send(i, Arc::new(numbered_event(9))));
    assert_eq!(d.stats()[0].dropped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_events_wait_for_flush_and_keep_their_order_and_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.log");
    let mut d = Dispatcher::new(
        Handle::current(),
        DispatchOptions {
            queue_capacity: 3,
            ..Default::default()
        },
    );
    let i = d.add("batch", log_to(&path));
    let queued: Vec<bool> = (0..5)
        .map(|n| d.queue(i, Arc::new(numbered_event(n))))
        .collect();
    // The capacity counts queued events too: the 4th and 5th are dropped at once.
    assert_eq!(queued, [true, true, true, false, false]);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ids_in(&path), Vec::<String>::new(), "nothing before flush");
    d.flush();
    wait_until("the batch", || ids_in(&path).len() == 3);
    assert_eq!(ids_in(&path), ["e0", "e1", "e2"]);
    // Queued but not flushed: drain hands them on before closing.
    assert!(d.queue(i, Arc::new(numbered_event(5))));
    let report = d.drain(Duration::from_secs(20)).await;
    assert_eq!(ids_in(&path), ["e0", "e1", "e2", "e5"]);
    assert_eq!(report.handlers[0].delivered, 4);
    assert_eq!(report.handlers[0].dropped, 2);
}
