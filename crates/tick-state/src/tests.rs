use super::*;
use tick_engine::{EventData, Row};

/// A topic's events as (id, level, time).
type Summary<'a> = (&'a str, Vec<(&'a str, Level, i64)>);

fn event(topic: &str, id: &str, level: Level, time: i64) -> Arc<Event> {
    Arc::new(Event {
        topic: Arc::from(topic),
        state: EventState {
            id: id.to_string(),
            message: format!("{id} is {}", level.as_str()),
            details: String::new(),
            time,
            duration: 7,
            level,
        },
        data: EventData {
            name: "cpu".into(),
            task_name: "task".into(),
            category: String::new(),
            group: String::new(),
            tags: vec![],
            fields: vec![],
            recoverable: true,
            result: Some(Row::default()),
        },
        previous_level: Level::Ok,
        json: Default::default(),
    })
}

#[test]
fn saved_events_are_loaded_by_topic_and_id_the_last_one_winning() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path(), false).unwrap();
        store
            .save(&[
                event("main:t:alert2", "cpu:host=b", Level::Critical, 1),
                event("main:t:alert2", "cpu:host=a", Level::Warning, 2),
                event("ops", "x", Level::Info, 3),
            ])
            .unwrap();
        store
            .save(&[event("main:t:alert2", "cpu:host=a", Level::Critical, 4)])
            .unwrap();
    }
    let store = Store::open(dir.path(), false).unwrap();
    let topics = store.load().unwrap();
    let got: Vec<Summary<'_>> = topics
        .iter()
        .map(|t| {
            let events = t
                .events
                .iter()
                .map(|e| (e.id.as_str(), e.level, e.time))
                .collect();
            (t.topic.as_str(), events)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "main:t:alert2",
                vec![
                    ("cpu:host=a", Level::Critical, 4),
                    ("cpu:host=b", Level::Critical, 1)
                ]
            ),
            ("ops", vec![("x", Level::Info, 3)]),
        ]
    );
    let a = store.event("main:t:alert2", "cpu:host=a").unwrap().unwrap();
    assert_eq!(a.task, "task");
    assert_eq!(a.state.message, "cpu:host=a is CRITICAL");
    assert_eq!(a.state.duration, 7);
    assert!(
        a.event_json.starts_with("{\"id\":\"cpu:host=a\""),
        "{}",
        a.event_json
    );
    assert!(!a.event_json.ends_with('\n'));
}

#[test]
fn topics_summarise_their_highest_level_and_events_filter_by_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), false).unwrap();
    store
        .save(&[
            event("a", "1", Level::Ok, 1),
            event("a", "2", Level::Warning, 1),
            event("b", "1", Level::Ok, 1),
        ])
        .unwrap();
    let topics = store.topics().unwrap();
    assert_eq!(
        topics,
        vec![
            TopicSummary {
                topic: "a".into(),
                level: Level::Warning,
                events: 2
            },
            TopicSummary {
                topic: "b".into(),
                level: Level::Ok,
                events: 1
            },
        ]
    );
    let ids: Vec<String> = store
        .events("a", Level::Info)
        .unwrap()
        .into_iter()
        .map(|e| e.state.id)
        .collect();
    assert_eq!(ids, vec!["2".to_string()]);
    assert!(store.delete_topic("a").unwrap());
    assert!(!store.delete_topic("a").unwrap());
    assert_eq!(store.topics().unwrap().len(), 1);
}

#[test]
fn a_reader_sees_what_the_writer_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), false).unwrap();
    let reader = Store::open_reader(dir.path()).unwrap();
    assert!(reader.topics().unwrap().is_empty());
    store.save(&[event("a", "1", Level::Critical, 1)]).unwrap();
    assert_eq!(reader.topics().unwrap()[0].level, Level::Critical);
}

#[test]
fn a_second_run_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path(), false).unwrap();
    let err = Store::open(dir.path(), false).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains(LOCK_NAME), "{err}");
}

fn refused(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = Store::file(dir.path());
    std::fs::write(&path, bytes).unwrap();
    let err = Store::open(dir.path(), false).unwrap_err();
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was changed");
    let text = err.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    text
}

fn good_store_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path(), false).unwrap();
        let events: Vec<Arc<Event>> = (0..200)
            .map(|i| {
                event(
                    "main:t:alert2",
                    &format!("cpu:host={i}"),
                    Level::Critical,
                    i,
                )
            })
            .collect();
        store.save(&events).unwrap();
    }
    std::fs::read(Store::file(dir.path())).unwrap()
}

#[test]
fn garbage_is_refused_and_left_as_it_is() {
    let text = refused(b"this is not a database, just some text that is long enough");
    assert!(text.contains("cannot read the alert state"), "{text}");
}

#[test]
fn a_truncated_store_is_refused_and_left_as_it_is() {
    let bytes = good_store_bytes();
    assert!(bytes.len() > 8192, "{}", bytes.len());
    let text = refused(&bytes[..bytes.len() / 2]);
    assert!(text.contains("cannot read the alert state"), "{text}");
}

#[test]
fn a_store_with_overwritten_pages_is_refused_and_left_as_it_is() {
    let mut bytes = good_store_bytes();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 2000] {
        *b = 0x5a;
    }
    let text = refused(&bytes);
    assert!(text.contains("cannot read the alert state"), "{text}");
}

#[test]
fn a_store_of_a_newer_format_is_refused_and_left_as_it_is() {
    let mut bytes = good_store_bytes();
    // SQLite's header keeps user_version big-endian at offset 60.
    bytes[60..64].copy_from_slice(&3u32.to_be_bytes());
    let text = refused(&bytes);
    assert!(text.contains("format version 3"), "{text}");
}

#[test]
fn reset_starts_afresh_whatever_was_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(Store::file(dir.path()), b"garbage").unwrap();
    let store = Store::open(dir.path(), true).unwrap();
    assert!(store.load().unwrap().is_empty());
}
