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
//! Owns the file and its format; knows nothing of handlers or the pipeline. The engine side is
//! `tick_engine::Topics::take_changes` (what to write) and `tick_engine::Pipeline::restore`
//! (what was read).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, params};
use tick_engine::{Event, EventState, Level, TopicState};

/// The store's file name inside the state directory.
pub const FILE_NAME: &str = "tick-state.sqlite";

/// The lock file that keeps two runs off one state directory.
pub const LOCK_NAME: &str = "tick-state.lock";

/// The format this tick writes and reads. A store with a higher version was written by a newer
/// tick and is refused.
pub const FORMAT_VERSION: i64 = 1;

/// SQLite's `application_id` of a tick store ("tick" in ASCII).
const APPLICATION_ID: i64 = 0x7469_636b;

const SCHEMA: &str = "CREATE TABLE events (
    topic TEXT NOT NULL,
    id TEXT NOT NULL,
    level INTEGER NOT NULL,
    time INTEGER NOT NULL,
    duration INTEGER NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    task TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (topic, id)
) WITHOUT ROWID";

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

impl Store {
    /// The store file of state directory `dir`.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Opens the store in `dir` (made if missing) for a run, or creates it. With `reset`, an
    /// existing store is removed first (`--state-reset`), whatever its content. Without it, an
    /// existing store is checked whole before anything is written to it.
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
        check(&conn, &path)?;
        let store = Store {
            conn,
            path,
            _lock: Some(lock),
        };
        // Only now, with the file known good, is anything about it changed. WAL with
        // `synchronous = FULL`: a commit returns once the log is synced.
        store
            .conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
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
        Ok(Store {
            conn,
            path,
            _lock: None,
        })
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
        for e in self.select("", &[])? {
            match out.last_mut() {
                Some(t) if t.topic == e.topic => t.events.push(e.state),
                _ => out.push(TopicState {
                    topic: e.topic,
                    events: vec![e.state],
                }),
            }
        }
        Ok(out)
    }

    fn select(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT topic, id, level, time, duration, message, details, task, event FROM events \
             {filter} ORDER BY topic, id"
        );
        let read = || -> rusqlite::Result<Vec<StoredEvent>> {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(args, |r| {
                let level: i64 = r.get(2)?;
                let level = level_from(level)
                    .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(2, level))?;
                Ok(StoredEvent {
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
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| unreadable(&self.path, &e))
    }

    /// Writes the state each event sets on its topic (`event.topic`, `event.state.id`), in
    /// order, in one transaction that is synced to disk before this returns. An event replaces
    /// what its topic stored under its id.
    pub fn save(&mut self, events: &[Arc<Event>]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        write_events(&mut self.conn, events).map_err(|e| write_err(&self.path, &e))
    }

    /// Every topic with its level and number of events, by name (Kapacitor's
    /// `GET /kapacitor/v1/alerts/topics` without the `collected` count, which Kapacitor does
    /// not store either).
    pub fn topics(&self) -> Result<Vec<TopicSummary>, StoreError> {
        let read = || -> rusqlite::Result<Vec<TopicSummary>> {
            let mut stmt = self.conn.prepare(
                "SELECT topic, MAX(level), COUNT(*) FROM events GROUP BY topic ORDER BY topic",
            )?;
            let rows = stmt.query_map([], |r| {
                let level: i64 = r.get(1)?;
                Ok(TopicSummary {
                    topic: r.get(0)?,
                    level: level_from(level)
                        .ok_or(rusqlite::Error::IntegralValueOutOfRange(1, level))?,
                    events: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| unreadable(&self.path, &e))
    }

    /// The events of `topic` at `min_level` or above, by id.
    pub fn events(&self, topic: &str, min_level: Level) -> Result<Vec<StoredEvent>, StoreError> {
        self.select(
            "WHERE topic = ?1 AND level >= ?2",
            &[&topic, &(min_level as i64)],
        )
    }

    /// The event stored under `id` on `topic`.
    pub fn event(&self, topic: &str, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        Ok(self
            .select("WHERE topic = ?1 AND id = ?2", &[&topic, &id])?
            .into_iter()
            .next())
    }

    /// Deletes `topic` and its events (Kapacitor's `DELETE /kapacitor/v1/alerts/topics/<topic>`);
    /// false when it stored nothing. The running engine keeps its own levels: a caller that
    /// deletes a topic of a running pipeline must also forget them there.
    pub fn delete_topic(&mut self, topic: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM events WHERE topic = ?1", [topic])
            .map_err(|e| self.write_err(&e))?;
        Ok(n > 0)
    }
}

/// One transaction: each event's state replaces what its topic stored under its id.
fn write_events(conn: &mut Connection, events: &[Arc<Event>]) -> rusqlite::Result<()> {
    let mut json = String::new();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO events \
             (topic, id, level, time, duration, message, details, task, event) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for e in events {
            json.clear();
            if tick_engine::json::encode_event(e, &mut json).is_ok() && json.ends_with('\n') {
                json.pop();
            }
            let s = &e.state;
            stmt.execute(params![
                &*e.topic,
                s.id,
                s.level as i64,
                s.time,
                s.duration,
                s.message,
                s.details,
                e.data.task_name,
                json.as_str(),
            ])?;
        }
    }
    tx.commit()
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

/// The header checks: a tick store of a format this tick reads. Only reads.
fn check_header(conn: &Connection, path: &Path) -> Result<(), StoreError> {
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
    Ok(())
}

/// Checks an existing store before anything is written to it: the header, SQLite's own check
/// of every page, the table, and every row's level. Only reads (SQLite may replay the log of
/// a run that was killed, which is how the last commits reach the file).
fn check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    check_header(conn, path)?;
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
    let bad_level: Option<i64> = conn
        .query_row(
            "SELECT level FROM events WHERE level NOT BETWEEN 0 AND 3 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| unreadable(path, &e))?;
    if let Some(level) = bad_level {
        return Err(StoreError::Unreadable {
            path: path.display().to_string(),
            message: format!("corrupted: an event has level {level}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
