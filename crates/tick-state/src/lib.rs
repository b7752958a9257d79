//! The alert state of `tick run --state-dir DIR` on disk: each topic's last event per event id
//! (Kapacitor's topic store, `TopicState` in services/alert/dao.go at v1.5.7, written by
//! `Service.persistTopicState` in services/alert/service.go), so that a restarted run starts
//! every alert group where the last run left it. An alert node's own topic is
//! `main:<task>:<node>`, so the state of a task's alert node is kept under its task name, node
//! name and event id, as in Kapacitor.
//!
//! One SQLite file, `DIR/tick-state.sqlite` ([`FILE_NAME`]), in WAL mode with
//! `synchronous = FULL`: [`Store::save`] returns once the events are on disk, so a run killed
//! right after it loses nothing it handed to a handler. The file carries its format version
//! (SQLite's `user_version`, [`FORMAT_VERSION`]) and tick's application id. Opening checks the
//! whole file before writing anything to it: a file that is not a tick store, is corrupted or
//! truncated, or was written by a newer format is refused with a [`StoreError`] that names it,
//! and is left as it was.
//!
//! Format 2 is a log: one table, `log`, whose rows each hold the events of one [`Store::save`]
//! (one commit) encoded back to back in a blob, in the order they were saved. A commit appends
//! one row, so it writes the few pages that row fills however many event ids it touches (a
//! table keyed by event id made a commit write about one page per event). The state is the
//! last entry per (topic, event id), read by replaying the log. The log is compacted (rewritten
//! as one entry per event id) when a store is opened for a run, when it holds more than
//! [`COMPACT_FACTOR`] times as many entries as event ids, and by [`Store::delete_topic`]. A
//! format 1 store (one row per event id, table `events`) is read as it is and is migrated to
//! format 2, in one transaction, by the first run that opens it.
//!
//! Owns the file and its format; knows nothing of handlers or the pipeline. The engine side is
//! `tick_engine::Topics::take_changes` (what to write) and `tick_engine::Pipeline::restore`
//! (what was read).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};
use tick_engine::{Event, EventState, Level, TopicState};

/// The store's file name inside the state directory.
pub const FILE_NAME: &str = "tick-state.sqlite";

/// The lock file that keeps two runs off one state directory.
pub const LOCK_NAME: &str = "tick-state.lock";

/// The format this tick writes and reads. A store with a higher version was written by a newer
/// tick and is refused.
pub const FORMAT_VERSION: i64 = 2;

/// The log is compacted when it holds more than this many entries per event id (and more than
/// 16,384 entries).
pub const COMPACT_FACTOR: u64 = 4;

/// A log with fewer entries than this is never compacted during a run.
const COMPACT_MIN: u64 = 16_384;

/// Entries per row when the log is rewritten by a compaction.
const COMPACT_CHUNK: usize = 1024;

/// SQLite's `application_id` of a tick store ("tick" in ASCII).
const APPLICATION_ID: i64 = 0x7469_636b;

/// Format 2: the log of saved events, one row per commit (see the crate's documentation and
/// [`encode_entry`]).
const SCHEMA: &str = "CREATE TABLE log (seq INTEGER PRIMARY KEY, entries BLOB NOT NULL)";

/// Format 1's table: one row per (topic, event id). Read, and migrated to the log.
const V1_SELECT: &str =
    "SELECT topic, id, level, time, duration, message, details, task, event FROM events";

/// Why a store cannot be used. Every message names the file (or directory).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory cannot be made or locked.
    #[error("{path}: cannot use the state directory: {message}")]
    Dir {
        /// The directory.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Another run holds the directory's lock.
    #[error(
        "{path}: the state directory is in use by another tick run (its lock is held); \
         two runs cannot share one state"
    )]
    Locked {
        /// The lock file.
        path: String,
    },
    /// The file is not a tick store, or is corrupted or truncated.
    #[error(
        "{path}: cannot read the alert state: {message}; the file was left as it is \
         (move it away, or start afresh with --state-reset)"
    )]
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The file was written by a newer format.
    #[error(
        "{path}: the alert state was written in format version {found}, and this tick reads \
         version {FORMAT_VERSION} at most (written by a newer tick?); the file was left as it \
         is (use that tick, or start afresh with --state-reset)"
    )]
    FutureVersion {
        /// The file.
        path: String,
        /// The version found in it.
        found: i64,
    },
    /// Writing failed (disk full, IO error).
    #[error("{path}: cannot write the alert state: {message}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// One stored event state: what a topic keeps per event id, with the alert JSON of the event
/// that set it (for Kapacitor's alert API: `GET /kapacitor/v1/alerts/topics/<topic>/events`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The topic (`main:<task>:<node>` or a `.topic()` name).
    pub topic: String,
    /// The task whose alert node emitted the event.
    pub task: String,
    /// Id, message, details, time, duration and level (Kapacitor's `alert.EventState`).
    pub state: EventState,
    /// The alert JSON the handlers received (Kapacitor's alert data, one line without the
    /// newline); empty when the event could not be encoded.
    pub event_json: String,
}

/// One topic as a whole (Kapacitor's `alert.TopicState`): its level is the highest level of
/// its events.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSummary {
    /// The topic.
    pub topic: String,
    /// The highest level among its stored events.
    pub level: Level,
    /// How many event ids it stores.
    pub events: u64,
}

/// An open store. Writing is [`Store::save`], reading for a restart [`Store::load`], reading for
/// an API [`Store::topics`], [`Store::events`] and [`Store::event`]. A second, read-only
/// handle on the same file (for a reader on another thread) comes from
/// [`Store::open_reader`].
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Held for the store's lifetime (writers only).
    _lock: Option<File>,
    /// Entries in the log (writers only; counted from the last compaction).
    logged: u64,
    /// Event ids stored at the last compaction (writers only).
    ids: u64,
    /// The blob of the next commit, reused.
    buf: Vec<u8>,
}

fn level_from(n: i64) -> Option<Level> {
    Some(match n {
        0 => Level::Ok,
        1 => Level::Info,
        2 => Level::Warning,
        3 => Level::Critical,
        _ => return None,
    })
}

/// The stored state, by topic and event id.
type State = BTreeMap<(String, String), StoredEvent>;

impl Store {
    /// The store file of state directory `dir`.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    fn with(conn: Connection, path: PathBuf, lock: Option<File>) -> Store {
        Store {
            conn,
            path,
            _lock: lock,
            logged: 0,
            ids: 0,
            buf: Vec::new(),
        }
    }

    /// Opens the store in `dir` (made if missing) for a run, or creates it. With `reset`, an
    /// existing store is removed first (`--state-reset`), whatever its content. Without it, an
    /// existing store is checked whole (every page, every entry) before anything is written to
    /// it; then a format 1 store is migrated and the log compacted.
    pub fn open(dir: &Path, reset: bool) -> Result<Store, StoreError> {
        let dir_err = |message: String| StoreError::Dir {
            path: dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| dir_err(e.to_string()))?;
        let lock_path = dir.join(LOCK_NAME);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| dir_err(format!("{}: {e}", lock_path.display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: lock_path.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(dir_err(format!("{}: {e}", lock_path.display())));
            }
        }
        let path = Store::file(dir);
        if reset {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                match std::fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(dir_err(format!("--state-reset: {e}"))),
                }
            }
        }
        if !path.exists() {
            create(&path)?;
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| unreadable(&path, &e))?;
        let version = check(&conn, &path)?;
        let mut store = Store::with(conn, path, Some(lock));
        // Only now, with the file known good, is anything about it changed. WAL with
        // `synchronous = FULL`: a commit returns once the log is synced.
        store
            .conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(|e| store.write_err(&e))?;
        store
            .rewrite(version, |_| true)
            .map_err(|e| store.write_err(&e))?;
        Ok(store)
    }

    /// A read-only handle on the store of `dir`, for a reader beside the run's writer (an HTTP
    /// API): it sees every committed [`Store::save`]. The file must exist and is checked as
    /// [`Store::open`] checks it.
    pub fn open_reader(dir: &Path) -> Result<Store, StoreError> {
        let path = Store::file(dir);
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| unreadable(&path, &e))?;
        check_header(&conn, &path)?;
        Ok(Store::with(conn, path, None))
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_err(&self, e: &rusqlite::Error) -> StoreError {
        write_err(&self.path, e)
    }

    /// Every topic's stored state, for `tick_engine::Pipeline::restore`: topics by name, events
    /// by id.
    pub fn load(&self) -> Result<Vec<TopicState>, StoreError> {
        let mut out: Vec<TopicState> = Vec::new();
        for ((topic, _), e) in self.state()? {
            match out.last_mut() {
                Some(t) if t.topic == topic => t.events.push(e.state),
                _ => out.push(TopicState {
                    topic,
                    events: vec![e.state],
                }),
            }
        }
        Ok(out)
    }

    /// The whole state, read in one transaction (a compaction in between cannot hide entries).
    fn state(&self) -> Result<State, StoreError> {
        let read = || -> Result<State, ReadError> {
            let tx = self.conn.unchecked_transaction()?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let state = read_state(&tx, version)?;
            tx.finish()?;
            Ok(state)
        };
        read().map_err(|e| e.at(&self.path))
    }

    /// Writes the state each event sets on its topic (`event.topic`, `event.state.id`), in
    /// order, in one transaction that is synced to disk before this returns. An event replaces
    /// what its topic stored under its id. When the log has grown to [`COMPACT_FACTOR`] times
    /// the number of event ids, it is compacted afterwards, in a transaction of its own.
    pub fn save(&mut self, events: &[Arc<Event>]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        self.buf.clear();
        for e in events {
            // Made once for the handlers too (they get the event after this).
            let json = tick_engine::json::event_json(e).unwrap_or_default();
            let s = &e.state;
            encode_entry(
                &mut self.buf,
                Entry {
                    topic: &e.topic,
                    id: &s.id,
                    level: s.level,
                    time: s.time,
                    duration: s.duration,
                    message: &s.message,
                    details: &s.details,
                    task: &e.data.task_name,
                    event_json: json.strip_suffix('\n').unwrap_or(json),
                },
            );
        }
        self.conn
            .prepare_cached("INSERT INTO log (entries) VALUES (?1)")
            .and_then(|mut stmt| stmt.execute([&self.buf]))
            .map_err(|e| write_err(&self.path, &e))?;
        self.logged += events.len() as u64;
        if self.logged > COMPACT_MIN.max(COMPACT_FACTOR * self.ids) {
            self.rewrite(FORMAT_VERSION, |_| true)
                .map_err(|e| self.write_err(&e))?;
        }
        Ok(())
    }

    /// Rewrites the log as one entry per event id, keeping the entries `keep` accepts, in one
    /// transaction (a format 1 store becomes format 2). Returns how many were left out.
    fn rewrite(
        &mut self,
        version: i64,
        keep: impl Fn(&StoredEvent) -> bool,
    ) -> rusqlite::Result<usize> {
        let tx = self.conn.transaction()?;
        let state = read_state(&tx, version).map_err(ReadError::into_sqlite)?;
        let all = state.len();
        if version < FORMAT_VERSION {
            tx.execute_batch(&format!(
                "DROP TABLE events; {SCHEMA}; PRAGMA user_version = {FORMAT_VERSION};"
            ))?;
        } else {
            tx.execute("DELETE FROM log", [])?;
        }
        let mut kept = 0u64;
        {
            let mut stmt = tx.prepare_cached("INSERT INTO log (entries) VALUES (?1)")?;
            let mut buf = Vec::new();
            let mut in_buf = 0;
            for e in state.values().filter(|e| keep(e)) {
                encode_entry(&mut buf, Entry::of(e));
                in_buf += 1;
                kept += 1;
                if in_buf == COMPACT_CHUNK {
                    stmt.execute([&buf])?;
                    buf.clear();
                    in_buf = 0;
                }
            }
            if in_buf > 0 {
                stmt.execute([&buf])?;
            }
        }
        tx.commit()?;
        self.logged = kept;
        self.ids = kept;
        Ok(all - kept as usize)
    }

    /// Every topic with its level and number of events, by name (Kapacitor's
    /// `GET /kapacitor/v1/alerts/topics` without the `collected` count, which Kapacitor does
    /// not store either).
    pub fn topics(&self) -> Result<Vec<TopicSummary>, StoreError> {
        let mut out: Vec<TopicSummary> = Vec::new();
        for ((topic, _), e) in self.state()? {
            match out.last_mut() {
                Some(t) if t.topic == topic => {
                    t.level = t.level.max(e.state.level);
                    t.events += 1;
                }
                _ => out.push(TopicSummary {
                    topic,
                    level: e.state.level,
                    events: 1,
                }),
            }
        }
        Ok(out)
    }

    /// The events of `topic` at `min_level` or above, by id.
    pub fn events(&self, topic: &str, min_level: Level) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self
            .state()?
            .into_values()
            .filter(|e| e.topic == topic && e.state.level >= min_level)
            .collect())
    }

    /// The event stored under `id` on `topic`.
    pub fn event(&self, topic: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        Ok(self.state()?.remove(&(topic.to_string(), id.to_string())))
    }

    /// Deletes `topic` and its events (Kapacitor's `DELETE /kapacitor/v1/alerts/topics/<topic>`);
    /// false when it stored nothing. The running engine keeps its own levels: a caller that
    /// deletes a topic of a running pipeline must also forget them there.
    pub fn delete_topic(&mut self, topic: &str) -> Result<bool, StoreError> {
        let n = self
            .rewrite(FORMAT_VERSION, |e| e.topic != topic)
            .map_err(|e| self.write_err(&e))?;
        Ok(n > 0)
    }
}

/// One entry of the log: what an event sets on its topic.
struct Entry<'a> {
    topic: &'a str,
    id: &'a str,
    level: Level,
    time: i64,
    duration: i64,
    message: &'a str,
    details: &'a str,
    task: &'a str,
    event_json: &'a str,
}

impl<'a> Entry<'a> {
    fn of(e: &'a StoredEvent) -> Entry<'a> {
        Entry {
            topic: &e.topic,
            id: &e.state.id,
            level: e.state.level,
            time: e.state.time,
            duration: e.state.duration,
            message: &e.state.message,
            details: &e.state.details,
            task: &e.task,
            event_json: &e.event_json,
        }
    }
}

/// Appends `e` to a log row: the level (one byte), the time and the duration (8 bytes each,
/// little-endian), then topic, id, message, details, task and alert JSON, each as its length
/// (4 bytes, little-endian) and its UTF-8 bytes.
fn encode_entry(out: &mut Vec<u8>, e: Entry<'_>) {
    out.push(e.level as u8);
    out.extend_from_slice(&e.time.to_le_bytes());
    out.extend_from_slice(&e.duration.to_le_bytes());
    for text in [e.topic, e.id, e.message, e.details, e.task, e.event_json] {
        // A text over 4 GiB cannot be an alert's; its length is cut, and the row refused
        // when read, rather than written wrong silently.
        out.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
}

/// Reads the entries of one log row into `state`, the later ones replacing earlier ones.
fn decode_entries(mut row: &[u8], state: &mut State) -> Result<(), String> {
    fn take<'b>(row: &mut &'b [u8], n: usize) -> Result<&'b [u8], String> {
        if row.len() < n {
            return Err("an entry of the log is cut short".to_string());
        }
        let (head, rest) = row.split_at(n);
        *row = rest;
        Ok(head)
    }
    fn int(row: &mut &[u8]) -> Result<i64, String> {
        let b = take(row, 8)?;
        Ok(i64::from_le_bytes(b.try_into().map_err(|_| "bad integer")?))
    }
    fn text(row: &mut &[u8]) -> Result<String, String> {
        let b = take(row, 4)?;
        let n = u32::from_le_bytes(b.try_into().map_err(|_| "bad length")?) as usize;
        let b = take(row, n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "an entry of the log is not UTF-8".to_string())
    }
    while !row.is_empty() {
        let level = take(&mut row, 1)?[0];
        let level =
            level_from(level.into()).ok_or_else(|| format!("an event has level {level}"))?;
        let time = int(&mut row)?;
        let duration = int(&mut row)?;
        let topic = text(&mut row)?;
        let id = text(&mut row)?;
        let e = StoredEvent {
            state: EventState {
                message: text(&mut row)?,
                details: text(&mut row)?,
                id: id.clone(),
                time,
                duration,
                level,
            },
            task: text(&mut row)?,
            event_json: text(&mut row)?,
            topic: topic.clone(),
        };
        state.insert((topic, id), e);
    }
    Ok(())
}

/// Why reading the state failed: SQLite's error, or an entry that cannot be decoded.
enum ReadError {
    Sqlite(rusqlite::Error),
    Corrupt(String),
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> ReadError {
        ReadError::Sqlite(e)
    }
}

impl ReadError {
    fn at(self, path: &Path) -> StoreError {
        match self {
            ReadError::Sqlite(e) => unreadable(path, &e),
            ReadError::Corrupt(message) => StoreError::Unreadable {
                path: path.display().to_string(),
                message: format!("corrupted: {message}"),
            },
        }
    }

    fn into_sqlite(self) -> rusqlite::Error {
        match self {
            ReadError::Sqlite(e) => e,
            ReadError::Corrupt(message) => rusqlite::Error::ToSqlConversionFailure(message.into()),
        }
    }
}

/// The state stored by a store of format `version`: format 1's table, or format 2's log
/// replayed in order.
fn read_state(conn: &Connection, version: i64) -> Result<State, ReadError> {
    let mut state = State::new();
    if version < 2 {
        let mut stmt = conn.prepare(V1_SELECT)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let level: i64 = r.get(2)?;
            let level = level_from(level)
                .ok_or_else(|| ReadError::Corrupt(format!("an event has level {level}")))?;
            let e = StoredEvent {
                topic: r.get(0)?,
                task: r.get(7)?,
                state: EventState {
                    id: r.get(1)?,
                    message: r.get(5)?,
                    details: r.get(6)?,
                    time: r.get(3)?,
                    duration: r.get(4)?,
                    level,
                },
                event_json: r.get(8)?,
            };
            state.insert((e.topic.clone(), e.state.id.clone()), e);
        }
        return Ok(state);
    }
    let mut stmt = conn.prepare("SELECT entries FROM log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let row = r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        decode_entries(row, &mut state).map_err(ReadError::Corrupt)?;
    }
    Ok(state)
}

/// Makes a new, empty store at `path`: built whole under a temporary name, then renamed, so
/// that a run killed meanwhile leaves no half-made store behind.
fn create(path: &Path) -> Result<(), StoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let conn = Connection::open(&tmp).map_err(|e| write_err(&tmp, &e))?;
    conn.execute_batch(&format!(
        "BEGIN;
         PRAGMA application_id = {APPLICATION_ID};
         PRAGMA user_version = {FORMAT_VERSION};
         {SCHEMA};
         COMMIT;"
    ))
    .map_err(|e| write_err(&tmp, &e))?;
    conn.close().map_err(|(_, e)| write_err(&tmp, &e))?;
    let failed = |e: std::io::Error| StoreError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::rename(&tmp, path).map_err(failed)?;
    // The new name reaches the disk too (a power cut would otherwise lose the whole file).
    if let Some(dir) = path.parent() {
        File::open(dir).and_then(|d| d.sync_all()).map_err(failed)?;
    }
    Ok(())
}

fn unreadable(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Unreadable {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn write_err(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The header checks: a tick store of a format this tick reads. Only reads. Returns the format
/// version.
fn check_header(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let bad = |message: String| StoreError::Unreadable {
        path: path.display().to_string(),
        message,
    };
    let pragma = |name: &str| -> Result<i64, StoreError> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|e| unreadable(path, &e))
    };
    let app = pragma("application_id")?;
    if app != APPLICATION_ID {
        return Err(bad(format!(
            "not a tick state store (SQLite application id {app:#x}, expected {APPLICATION_ID:#x})"
        )));
    }
    let version = pragma("user_version")?;
    if version > FORMAT_VERSION {
        return Err(StoreError::FutureVersion {
            path: path.display().to_string(),
            found: version,
        });
    }
    if version < 1 {
        return Err(bad(format!("unknown format version {version}")));
    }
    Ok(version)
}

/// Checks an existing store before anything is written to it: the header, SQLite's own check
/// of every page, and every entry. Only reads (SQLite may replay the log of a run that was
/// killed, which is how the last commits reach the file). Returns the format version.
fn check(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let version = check_header(conn, path)?;
    let problems: Vec<String> = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA quick_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    })()
    .map_err(|e| unreadable(path, &e))?;
    if problems.first().map(String::as_str) != Some("ok") {
        let mut message = problems
            .iter()
            .flat_map(|p| p.lines())
            .filter(|l| !l.starts_with("***"))
            .take(3)
            .collect::<Vec<_>>()
            .join("; ");
        if message.is_empty() {
            message = "the integrity check found problems".to_string();
        }
        return Err(StoreError::Unreadable {
            path: path.display().to_string(),
            message: format!("corrupted: {message}"),
        });
    }
    read_state(conn, version).map_err(|e| e.at(path))?;
    Ok(version)
}

#[cfg(test)]
mod tests;
