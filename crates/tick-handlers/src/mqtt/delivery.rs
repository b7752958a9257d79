//! MQTT delivery: one rumqttc connection per enabled broker, shared by every MQTT handler, with
//! our own outbox so that nothing is lost or counted as delivered too early (STYLE.md §7.8).
//!
//! How the rumqttc gaps (dependencies.md) are closed:
//! * **Outbox.** Every alert gets a sequence number and stays in the outbox until it is done:
//!   QoS 0 when rumqttc wrote it, QoS 1 on PUBACK, QoS 2 on PUBCOMP. Packet ids are chosen by
//!   the outbox (never one an unfinished alert is on, so a QoS 2 id waits for its PUBCOMP; twice
//!   the window is available) and confirmed by the in-order `Outgoing::Publish(pkid)` events.
//!   After any connection error everything not done is re-published in order on the next
//!   connection (our sessions are clean, so the broker never resumes them). rumqttc's own
//!   pending list is dropped under the outbox lock, so nothing is sent twice. With a clean session a
//!   QoS 2 alert may arrive twice only when the link broke after its PUBREL and before its
//!   PUBCOMP: counted as `possible_duplicates`.
//! * **Persistent session** (`persistent-session = true`, a tick extension; off by default as
//!   in Kapacitor). The first connection of the process is made with a clean session and
//!   dropped at once, which discards whatever an earlier run left at the broker under the same
//!   client id (its packet ids would otherwise clash with ours); every later connection has
//!   clean session off. After a connection loss the outbox keeps its packet-id map. If the
//!   next CONNACK says `session_present = 1`, the in-flight alerts are resumed in sequence order
//!   with their original packet ids: PUBREL for the QoS 2 alerts whose PUBREC had arrived,
//!   PUBLISH with DUP for the others; alerts rumqttc had not written yet are handed to it again.
//!   The broker then completes each QoS 2 alert exactly once. If the session is gone
//!   (`session_present = 0`: no broker persistence, `kill -9`), everything not done is
//!   re-published as with a clean session. rumqttc's own replay is not used: it sends PUBRELs
//!   after all publishes and in packet-id order, not in the order the alerts were sent, and
//!   without DUP.
//! * **Batched writes.** rumqttc writes and flushes each request of its channel on its own: one
//!   system call and one TCP segment per alert, which capped QoS 1 at about 40,000 alerts/s. The
//!   connection task instead hands alerts to rumqttc's state and writes them in batches with
//!   one flush (`send_alerts`); with a full window it waits until 1/16 of it is free again.
//!   The channel is kept for the final disconnect; new alerts wake the task through a `Notify`.
//! * **Backoff.** Reconnects wait with capped exponential backoff plus jitter; an outage is
//!   logged once when it starts and once when it ends.
//! * **Watchdog.** If the broker keeps the link up but acknowledges nothing for
//!   `stall_timeout` while alerts are in flight, the event loop is rebuilt and the outbox re-sent.
//! * **Packet size.** The maximum packet size is set explicitly and oversize alerts are refused
//!   per alert before they reach rumqttc.
//! * **Start-up.** A broker that is down at start does not stop tick (Deviation from Kapacitor,
//!   which refuses to start): alerts queue, bounded by `outbox_limit`, and overflow is refused
//!   with an error per alert and counted in the [`DrainReport`].
//!
//! Owns connections, the outbox and counting; rendering topics is `handler.rs`'s job.

use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, Incoming, MqttOptions, MqttState, Outgoing,
    Packet, PubRel, Publish, Request, StateError, TlsConfiguration, Transport,
};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::config::{BrokerUrl, Config, MqttConfig, Scheme};
use crate::mqtt::errors::describe;
use crate::mqtt::options::Qos;
use crate::mqtt::tls;

/// Tuning of the MQTT connections. The defaults suit production; tests shorten the timers.
#[derive(Debug, Clone)]
pub struct MqttSettings {
    /// Alerts kept per broker while they wait for the broker (sent or not). When full, new
    /// alerts are refused with an error and counted as dropped.
    pub outbox_limit: usize,
    /// QoS 1/2 publishes on the wire without acknowledgement (the in-flight window; packet ids
    /// range over twice this).
    pub inflight: u16,
    /// MQTT keep-alive (Kapacitor: 30 s). At least one second.
    pub keep_alive: Duration,
    /// Largest MQTT packet sent or received; larger alerts are refused.
    pub max_packet_size: usize,
    /// Time allowed for TCP + TLS + CONNACK.
    pub connect_timeout: Duration,
    /// First reconnect delay; doubles per failure up to `reconnect_max` (with ±50 % jitter).
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// No acknowledgement for this long while alerts are in flight rebuilds the connection.
    /// `None` means three keep-alive periods.
    pub stall_timeout: Option<Duration>,
}

impl Default for MqttSettings {
    fn default() -> MqttSettings {
        MqttSettings {
            outbox_limit: 100_000,
            inflight: 1000,
            keep_alive: Duration::from_secs(30),
            max_packet_size: 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
            stall_timeout: None,
        }
    }
}

/// The service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the MQTT service must be started inside a tokio runtime")]
    NoRuntime,
    /// A broker whose URL or TLS files cannot be used.
    #[error("mqtt broker {name:?}: {message}")]
    Broker { name: String, message: String },
    /// `wait_connected` gave up.
    #[error("failed to connect to MQTT broker {name:?}: {message}")]
    Connect { name: String, message: String },
}

/// What happened to the alerts of one broker, as counted when [`MqttService::drain`] returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BrokerReport {
    pub name: String,
    /// QoS 1/2 alerts acknowledged by the broker (PUBACK / PUBCOMP).
    pub delivered: u64,
    /// QoS 0 alerts written to the connection (MQTT gives no acknowledgement for them).
    pub sent_qos0: u64,
    /// Alerts still not done when the drain ended (not acknowledged, or not even sent).
    pub pending: u64,
    /// Alerts refused because the outbox was full.
    pub dropped: u64,
    /// QoS 2 alerts published again after a connection loss although the broker had already
    /// answered PUBREC and been sent PUBREL: each may reach subscribers twice.
    pub possible_duplicates: u64,
    /// The last connection error, if the broker is not connected now.
    pub last_error: Option<String>,
}

impl BrokerReport {
    /// Alerts that did not reach the broker: pending plus dropped.
    pub fn lost(&self) -> u64 {
        self.pending + self.dropped
    }
}

/// Per-broker outcome of a drain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DrainReport {
    pub brokers: Vec<BrokerReport>,
}

impl DrainReport {
    /// Alerts lost over all brokers; the binary exits non-zero when this is not 0.
    pub fn lost(&self) -> u64 {
        self.brokers.iter().map(BrokerReport::lost).sum()
    }
    /// QoS 1/2 alerts acknowledged over all brokers.
    pub fn delivered(&self) -> u64 {
        self.brokers.iter().map(|b| b.delivered).sum()
    }
}

/// One line per broker: `mqtt broker "default": 10 delivered, 0 sent at QoS 0, 0 pending, 0 dropped`.
impl fmt::Display for DrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.brokers.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "mqtt broker {:?}: {} delivered, {} sent at QoS 0, {} pending, {} dropped",
                b.name, b.delivered, b.sent_qos0, b.pending, b.dropped
            )?;
            if b.possible_duplicates > 0 {
                write!(
                    f,
                    ", {} QoS 2 re-sent after PUBREL (may arrive twice)",
                    b.possible_duplicates
                )?;
            }
            if let (Some(e), true) = (&b.last_error, b.lost() > 0) {
                write!(f, " (last error: {e})")?;
            }
        }
        Ok(())
    }
}

/// All MQTT connections. Cheap to clone; the connections stop when the last clone is dropped.
#[derive(Clone)]
pub struct MqttService {
    inner: Arc<Inner>,
}

struct Inner {
    brokers: Vec<Arc<Broker>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for b in &self.brokers {
            if let Some(task) = b.task.lock().ok().and_then(|mut t| t.take()) {
                task.abort();
            }
        }
    }
}

impl fmt::Debug for MqttService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.inner.brokers.iter().map(|b| b.name.as_str()).collect();
        f.debug_struct("MqttService")
            .field("brokers", &names)
            .finish()
    }
}

impl MqttService {
    /// Starts one connection per enabled `[[mqtt]]` broker. Returns at once: brokers connect
    /// (and reconnect) in the background. Errors are configuration problems only (URL, TLS
    /// files). Must be called inside a tokio runtime.
    pub fn start(cfg: &Config, settings: MqttSettings) -> Result<MqttService, ServiceError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ServiceError::NoRuntime)?;
        tls::install_crypto_provider();
        let default_name = cfg.default_mqtt().map(|m| m.name.clone());
        let mut brokers = Vec::new();
        for m in cfg.mqtt.iter().filter(|m| m.enabled) {
            let err = |message: String| ServiceError::Broker {
                name: m.name.clone(),
                message,
            };
            let url = m.broker_url().map_err(err)?;
            let options = mqtt_options(m, &url, &settings).map_err(err)?;
            let (client, mut eventloop) = new_connection(&options, &settings);
            let mut outbox = Outbox::new(client);
            if m.persistent_session {
                // First a clean connection that discards an earlier run's session (see the
                // module docs); `run_connection` drops it at its CONNACK.
                eventloop.mqtt_options.set_clean_session(true);
                outbox.persistent = true;
                outbox.discard_old_session = true;
            }
            let broker = Arc::new(Broker {
                name: m.name.clone(),
                is_default: default_name.as_deref() == Some(m.name.as_str()),
                cfg: m.clone(),
                url,
                options,
                settings: settings.clone(),
                state: Mutex::new(outbox),
                task: Mutex::new(None),
                wake: Notify::new(),
            });
            let task = runtime.spawn(run_connection(Arc::clone(&broker), eventloop));
            if let Ok(mut t) = broker.task.lock() {
                *t = Some(task);
            }
            brokers.push(broker);
        }
        Ok(MqttService {
            inner: Arc::new(Inner { brokers }),
        })
    }

    /// Names of the enabled brokers, in configuration order.
    pub fn broker_names(&self) -> Vec<String> {
        self.inner.brokers.iter().map(|b| b.name.clone()).collect()
    }

    /// The enabled broker named `name` ("" = the default broker).
    pub(crate) fn broker(&self, name: &str) -> Result<Arc<Broker>, String> {
        let found = if name.is_empty() {
            self.inner.brokers.iter().find(|b| b.is_default)
        } else {
            self.inner.brokers.iter().find(|b| b.name == name)
        };
        found
            .cloned()
            .ok_or_else(|| format!("unknown MQTT broker {name:?}"))
    }

    /// Queues one message for `broker` ("" = default) without a template: `tick service-test`.
    pub fn publish(
        &self,
        broker: &str,
        topic: &str,
        payload: &[u8],
        qos: Qos,
        retained: bool,
    ) -> Result<(), String> {
        crate::mqtt::topic::check_topic(topic)?;
        self.broker(broker)?.enqueue(topic, payload, qos, retained)
    }

    /// Waits until every enabled broker has connected once. Returns the first broker's
    /// connection error as soon as an attempt failed (for `tick service-test` and tests), or
    /// a timeout error naming the broker.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), ServiceError> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut all = true;
            for b in &self.inner.brokers {
                let st = b.lock();
                if st.ever_connected {
                    continue;
                }
                all = false;
                if let Some(e) = &st.last_error {
                    return Err(ServiceError::Connect {
                        name: b.name.clone(),
                        message: e.clone(),
                    });
                }
                if Instant::now() >= deadline {
                    return Err(ServiceError::Connect {
                        name: b.name.clone(),
                        message: format!("timed out connecting to {}", b.url),
                    });
                }
            }
            if all {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (at most `timeout`) until every queued alert is done — QoS 1/2 acknowledged, QoS 0
    /// written — then reports what was delivered and what was not. The connections stay up.
    pub async fn drain(&self, timeout: Duration) -> DrainReport {
        let deadline = Instant::now() + timeout;
        loop {
            let busy = self.inner.brokers.iter().any(|b| b.lock().live > 0);
            if !busy || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let brokers = self
            .inner
            .brokers
            .iter()
            .map(|b| {
                let st = b.lock();
                BrokerReport {
                    name: b.name.clone(),
                    delivered: st.delivered,
                    sent_qos0: st.sent_qos0,
                    pending: st.live as u64,
                    dropped: st.dropped,
                    possible_duplicates: st.possible_duplicates,
                    last_error: if st.connected {
                        None
                    } else {
                        st.last_error.clone()
                    },
                }
            })
            .collect();
        DrainReport { brokers }
    }

    /// Drains (see [`MqttService::drain`]), then disconnects every broker cleanly.
    pub async fn close(self, timeout: Duration) -> DrainReport {
        let report = self.drain(timeout).await;
        let mut tasks = Vec::new();
        for b in &self.inner.brokers {
            let mut st = b.lock();
            st.stopping = true;
            let _ = st.client.try_disconnect();
            drop(st);
            if let Some(t) = b.task.lock().ok().and_then(|mut t| t.take()) {
                tasks.push(t);
            }
        }
        for t in tasks {
            let abort = t.abort_handle();
            if tokio::time::timeout(Duration::from_millis(250), t)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        report
    }
}

/// One enabled broker: its configuration, the outbox and the connection task.
pub(crate) struct Broker {
    pub(crate) name: String,
    is_default: bool,
    cfg: MqttConfig,
    url: BrokerUrl,
    options: MqttOptions,
    settings: MqttSettings,
    state: Mutex<Outbox>,
    task: Mutex<Option<JoinHandle<()>>>,
    /// Wakes the connection task when an alert arrives while it has nothing left to send.
    wake: Notify,
}

impl Broker {
    fn lock(&self) -> MutexGuard<'_, Outbox> {
        // A poisoned lock only means a panic elsewhere; the outbox itself stays consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one alert to the outbox and sends it at once if the connection is up.
    pub(crate) fn enqueue(
        &self,
        topic: &str,
        payload: &[u8],
        qos: Qos,
        retained: bool,
    ) -> Result<(), String> {
        // Fixed header (≤ 5) + topic length (2) + packet id (2) + topic + payload.
        let size = 9 + topic.len() + payload.len();
        if size > self.settings.max_packet_size {
            return Err(format!(
                "alert of {size} bytes is larger than the MQTT maximum packet size of {} bytes; not sent",
                self.settings.max_packet_size
            ));
        }
        let mut st = self.lock();
        if st.live >= self.settings.outbox_limit {
            st.dropped += 1;
            if !st.overflowing {
                st.overflowing = true;
                tracing::error!(
                    broker = %self.name,
                    "MQTT outbox for broker {:?} is full ({} alerts wait for {}); new alerts are dropped until it drains",
                    self.name,
                    self.settings.outbox_limit,
                    self.url
                );
            }
            return Err(format!(
                "MQTT outbox for broker {:?} is full ({} alerts wait for the broker); alert dropped",
                self.name, self.settings.outbox_limit
            ));
        }
        st.overflowing = false;
        // The connection task sleeps only when everything was handed out (or it waits for
        // acknowledgements or a connection, which wake it anyway): ring only then, so a burst
        // of alerts costs one wake-up, not one per alert.
        let idle = st.cursor == st.base + st.entries.len() as u64;
        let mut publish = Publish::new(topic, qos.to_rumqttc(), payload);
        publish.retain = retained;
        st.entries.push_back(Some(Entry {
            publish,
            released: false,
        }));
        st.live += 1;
        drop(st);
        if idle {
            self.wake.notify_one();
        }
        Ok(())
    }
}

struct Entry {
    /// Topic, payload, QoS and retain flag, ready to hand to rumqttc (packet id 0; cloning it
    /// copies the topic and shares the payload).
    publish: Publish,
    /// QoS 2: PUBREC received and PUBREL sent; the broker may already have delivered it.
    released: bool,
}

/// Alerts not yet done, in order. `entries[i]` has sequence number `base + i`; done entries
/// become `None` and are popped from the front.
struct Outbox {
    client: AsyncClient,
    connected: bool,
    ever_connected: bool,
    stopping: bool,
    entries: VecDeque<Option<Entry>>,
    base: u64,
    /// Next sequence number to hand to rumqttc.
    cursor: u64,
    /// Handed to rumqttc, packet id not known yet, in order.
    awaiting_pkid: VecDeque<u64>,
    /// Alerts on the wire by packet id. Normally one per id (see `next_batch`); a publish
    /// resumed under its old id or held back by rumqttc may share it: oldest first.
    /// Indexed by packet id (rumqttc uses 1..=inflight); lists keep their capacity, so the
    /// steady state allocates nothing per alert.
    by_pkid: Vec<VecDeque<u64>>,
    in_flight: usize,
    /// rumqttc holds this publish back until `pkid` is acknowledged (`Outgoing::AwaitAck`).
    collided: Option<(u16, u64)>,
    live: usize,
    delivered: u64,
    sent_qos0: u64,
    dropped: u64,
    possible_duplicates: u64,
    overflowing: bool,
    last_error: Option<String>,
    last_progress: Instant,
    /// An acknowledgement was counted since `last_progress` was last updated (read once per
    /// batch of events, not per event).
    progressed: bool,
    /// `persistent-session = true`: connection losses keep the packet-id map (see `suspend`).
    persistent: bool,
    /// The next CONNACK is the clean connection that discards an earlier run's session.
    discard_old_session: bool,
    /// The connection was lost with the packet-id map kept; the next CONNACK decides between
    /// resuming (`session_present`) and re-publishing everything.
    resume_pending: bool,
    /// Packet ids of PUBLISHes handed back to rumqttc for a resumed session, in order: their
    /// `Outgoing::Publish` events are retransmissions, not new alerts.
    replayed: VecDeque<u16>,
    /// Where `free_pkid` looks next.
    next_pkid: u16,
}

impl Outbox {
    fn new(client: AsyncClient) -> Outbox {
        Outbox {
            client,
            connected: false,
            ever_connected: false,
            stopping: false,
            entries: VecDeque::new(),
            base: 0,
            cursor: 0,
            awaiting_pkid: VecDeque::new(),
            by_pkid: Vec::new(),
            in_flight: 0,
            collided: None,
            live: 0,
            delivered: 0,
            sent_qos0: 0,
            dropped: 0,
            possible_duplicates: 0,
            overflowing: false,
            last_error: None,
            last_progress: Instant::now(),
            progressed: false,
            persistent: false,
            discard_old_session: false,
            resume_pending: false,
            replayed: VecDeque::new(),
            next_pkid: 1,
        }
    }

    /// Hands the next unsent alerts to rumqttc's state, in order, and returns their packets
    /// for the caller to write in one go (the request channel would cost one write per alert).
    /// Stops at `limit` packets, when the in-flight window (`max_inflight`) is full, or when
    /// rumqttc holds a publish back for a packet-id collision. Each alert taken waits in
    /// `awaiting_pkid` for the `Outgoing::Publish` (or `AwaitAck`) event rumqttc queued for it.
    ///
    /// Packet ids are ours (1..=`pkid_space`, rumqttc's own inflight setting): an id is reused
    /// only once no alert is left on it. rumqttc would reuse a QoS 2 id at PUBREC, before its
    /// PUBCOMP; after a connection loss the broker may then hold the newer alert under that id
    /// while the resumed session's PUBREL was meant for the older one, and the newer alert
    /// would be delivered twice.
    fn next_batch(
        &mut self,
        state: &mut MqttState,
        max_inflight: u16,
        pkid_space: u16,
        limit: usize,
    ) -> Result<Vec<Packet>, StateError> {
        let mut packets = Vec::new();
        // With a full window, acknowledgements free one slot at a time: wait until a batch's
        // worth is free rather than writing (and waking the broker) for every single slot.
        let min_room = (max_inflight / 16).clamp(1, BATCH as u16);
        if !self.connected
            || self.stopping
            || state.inflight().saturating_add(min_room) > max_inflight
        {
            return Ok(packets);
        }
        let mut taken: Vec<u16> = Vec::new();
        let end = self.base + self.entries.len() as u64;
        while self.cursor < end && packets.len() < limit && state.collision.is_none() {
            let idx = (self.cursor - self.base) as usize;
            let Some(Some(e)) = self.entries.get(idx) else {
                self.cursor += 1;
                continue;
            };
            let mut publish = e.publish.clone();
            if publish.qos != rumqttc::QoS::AtMostOnce {
                if state.inflight() >= max_inflight {
                    break;
                }
                let Some(pkid) = self.free_pkid(pkid_space, &taken) else {
                    break;
                };
                publish.pkid = pkid;
                taken.push(pkid);
            }
            let packet = state.handle_outgoing_packet(Request::Publish(publish))?;
            self.awaiting_pkid.push_back(self.cursor);
            self.cursor += 1;
            match packet {
                Some(p) => packets.push(p),
                None => break, // collision: rumqttc sends it itself once the packet id is free
            }
        }
        Ok(packets)
    }

    /// The next packet id, in turn, that no alert is on (`taken`: given out in this batch).
    fn free_pkid(&mut self, pkid_space: u16, taken: &[u16]) -> Option<u16> {
        for _ in 0..pkid_space {
            let pkid = self.next_pkid;
            self.next_pkid = if pkid >= pkid_space { 1 } else { pkid + 1 };
            let idle = self
                .by_pkid
                .get(usize::from(pkid))
                .is_none_or(VecDeque::is_empty);
            if idle && !taken.contains(&pkid) {
                return Some(pkid);
            }
        }
        None
    }

    fn complete(&mut self, seq: u64) {
        let Some(idx) = seq.checked_sub(self.base).map(|i| i as usize) else {
            return;
        };
        if let Some(slot) = self.entries.get_mut(idx)
            && let Some(e) = slot.take()
        {
            self.live -= 1;
            if e.publish.qos == rumqttc::QoS::AtMostOnce {
                self.sent_qos0 += 1;
            } else {
                self.delivered += 1;
            }
        }
        while let Some(None) = self.entries.front() {
            self.entries.pop_front();
            self.base += 1;
        }
        if self.cursor < self.base {
            self.cursor = self.base;
        }
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2) for `pkid`: completes the oldest alert of that QoS
    /// on that packet id.
    fn acknowledged(&mut self, pkid: u16, qos: rumqttc::QoS) {
        let Some(list) = self.by_pkid.get_mut(usize::from(pkid)) else {
            return;
        };
        let base = self.base;
        let entries = &self.entries;
        let pos = list.iter().position(|seq| {
            seq.checked_sub(base)
                .and_then(|i| entries.get(i as usize))
                .and_then(Option::as_ref)
                .is_some_and(|e| e.publish.qos == qos)
        });
        let Some(pos) = pos else { return };
        if let Some(seq) = list.remove(pos) {
            self.in_flight -= 1;
            self.complete(seq);
        }
    }

    /// PUBREC for `pkid`: the oldest unreleased QoS 2 alert on that packet id is released.
    fn released(&mut self, pkid: u16) {
        let Some(list) = self.by_pkid.get(usize::from(pkid)) else {
            return;
        };
        for seq in list {
            let Some(idx) = seq.checked_sub(self.base) else {
                continue;
            };
            if let Some(Some(e)) = self.entries.get_mut(idx as usize)
                && e.publish.qos == rumqttc::QoS::ExactlyOnce
                && !e.released
            {
                e.released = true;
                return;
            }
        }
    }

    /// Counts the events rumqttc buffered, in order. True when the disconnect requested by
    /// `close` went out.
    fn take_events(&mut self, events: &mut VecDeque<Event>) -> bool {
        let mut disconnected = false;
        for ev in events.drain(..) {
            disconnected |= self.stopping && matches!(ev, Event::Outgoing(Outgoing::Disconnect));
            self.on_event(&ev);
        }
        self.note_progress();
        disconnected
    }

    /// Moves `last_progress` to now if an acknowledgement was counted since the last call.
    fn note_progress(&mut self) {
        if std::mem::take(&mut self.progressed) {
            self.last_progress = Instant::now();
        }
    }

    fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::Outgoing(Outgoing::Publish(pkid)) if self.replayed.front() == Some(pkid) => {
                // A resumed alert written again under its own packet id: already mapped.
                self.replayed.pop_front();
            }
            Event::Outgoing(Outgoing::Publish(pkid)) => {
                let seq = match self.collided {
                    Some((p, s)) if p == *pkid => {
                        self.collided = None;
                        s
                    }
                    _ => match self.awaiting_pkid.pop_front() {
                        Some(s) => s,
                        None => return,
                    },
                };
                if *pkid == 0 {
                    self.complete(seq);
                } else {
                    let slot = usize::from(*pkid);
                    if self.by_pkid.len() <= slot {
                        self.by_pkid.resize_with(slot + 1, VecDeque::new);
                    }
                    self.by_pkid[slot].push_back(seq);
                    if self.in_flight == 0 {
                        // The stall clock starts with the first alert in flight, not at the
                        // last acknowledgement of an earlier, idle period.
                        self.last_progress = Instant::now();
                    }
                    self.in_flight += 1;
                }
            }
            Event::Outgoing(Outgoing::AwaitAck(pkid)) => {
                if let Some(s) = self.awaiting_pkid.pop_front() {
                    self.collided = Some((*pkid, s));
                }
            }
            Event::Incoming(Incoming::PubAck(ack)) => {
                self.progressed = true;
                self.acknowledged(ack.pkid, rumqttc::QoS::AtLeastOnce);
            }
            Event::Incoming(Incoming::PubComp(comp)) => {
                self.progressed = true;
                self.acknowledged(comp.pkid, rumqttc::QoS::ExactlyOnce);
            }
            Event::Incoming(Incoming::PubRec(rec)) => {
                self.progressed = true;
                self.released(rec.pkid);
            }
            _ => {}
        }
    }

    /// After the connection is gone: nothing is in flight any more; everything not done will
    /// be sent again, in order, on the next connection. Returns how many alerts wait.
    fn reset(&mut self) -> usize {
        self.connected = false;
        // Released QoS 2 alerts are sent again: the broker may or may not have delivered them
        // (clean sessions give no way to ask), so each may arrive twice. Counted, not hidden.
        for e in self.entries.iter_mut().flatten() {
            if e.released {
                e.released = false;
                self.possible_duplicates += 1;
            }
        }
        self.awaiting_pkid.clear();
        for list in &mut self.by_pkid {
            list.clear();
        }
        self.in_flight = 0;
        self.collided = None;
        self.cursor = self.base;
        self.resume_pending = false;
        self.replayed.clear();
        self.live
    }

    /// After the connection is gone, with a persistent session: alerts already written keep
    /// their packet ids (the broker may resume them); alerts rumqttc took but had not written
    /// (still in its channel, or held back by a packet-id collision) are handed to it again.
    /// The next CONNACK calls [`Outbox::resume`] or [`Outbox::reset`]. Returns how many alerts
    /// wait.
    fn suspend(&mut self) -> usize {
        self.connected = false;
        let unsent = self
            .collided
            .take()
            .map(|(_, seq)| seq)
            .into_iter()
            .chain(self.awaiting_pkid.drain(..))
            .min();
        if let Some(first) = unsent {
            self.cursor = self.cursor.min(first).max(self.base);
        }
        self.replayed.clear();
        self.resume_pending = true;
        self.live
    }

    /// CONNACK with `session_present = 1` after [`Outbox::suspend`]: the alerts in flight,
    /// oldest first, as rumqttc requests under their original packet ids — PUBREL for QoS 2
    /// alerts whose PUBREC arrived, PUBLISH with DUP for the rest.
    fn resume(&mut self) -> Vec<Request> {
        self.resume_pending = false;
        let mut flying: Vec<(u64, u16)> = self
            .by_pkid
            .iter()
            .enumerate()
            .flat_map(|(pkid, seqs)| seqs.iter().map(move |seq| (*seq, pkid as u16)))
            .collect();
        flying.sort_unstable();
        let mut requests = Vec::with_capacity(flying.len());
        for (seq, pkid) in flying {
            let Some(Some(e)) = seq
                .checked_sub(self.base)
                .and_then(|i| self.entries.get(i as usize))
            else {
                continue;
            };
            if e.released {
                requests.push(Request::PubRel(PubRel::new(pkid)));
            } else {
                let mut p = e.publish.clone();
                p.pkid = pkid;
                p.dup = true;
                self.replayed.push_back(pkid);
                requests.push(Request::Publish(p));
            }
        }
        if !requests.is_empty() {
            self.last_progress = Instant::now();
        }
        requests
    }
}

fn new_connection(options: &MqttOptions, settings: &MqttSettings) -> (AsyncClient, EventLoop) {
    // The request channel carries only the final disconnect: alerts go through `send_alerts`.
    let (client, mut eventloop) = AsyncClient::new(options.clone(), 10);
    let mut net = eventloop.network_options();
    net.set_connection_timeout(settings.connect_timeout.as_secs().max(1));
    net.set_tcp_nodelay(true);
    eventloop.set_network_options(net);
    (client, eventloop)
}

/// rumqttc options for one broker: MQTT 3.1.1, clean session unless `persistent-session`, our
/// TLS configuration. Never log the result: its `Debug` shows the password.
fn mqtt_options(
    cfg: &MqttConfig,
    url: &BrokerUrl,
    settings: &MqttSettings,
) -> Result<MqttOptions, String> {
    let client_id = cfg.effective_client_id().to_owned();
    if cfg.persistent_session && client_id.is_empty() {
        return Err("persistent-session = true needs a client-id (or a name)".to_owned());
    }
    let mut o = match url.scheme {
        Scheme::Tcp | Scheme::Tls => MqttOptions::new(client_id, url.host.clone(), url.port),
        Scheme::Ws | Scheme::Wss => {
            MqttOptions::new(client_id, url.without_credentials(), url.port)
        }
        Scheme::Unix => MqttOptions::new(client_id, url.host.clone(), 0),
    };
    match url.scheme {
        Scheme::Tcp => {}
        Scheme::Unix => {
            o.set_transport(Transport::Unix);
        }
        Scheme::Ws => {
            o.set_transport(Transport::Ws);
        }
        Scheme::Tls => {
            let tls = tls::client_config(cfg)?;
            o.set_transport(Transport::Tls(TlsConfiguration::Rustls(Arc::new(tls))));
        }
        Scheme::Wss => {
            let tls = tls::client_config(cfg)?;
            o.set_transport(Transport::Wss(TlsConfiguration::Rustls(Arc::new(tls))));
        }
    }
    let keep_alive = settings.keep_alive.max(Duration::from_secs(1));
    o.set_keep_alive(keep_alive);
    o.set_clean_session(!cfg.persistent_session);
    o.set_max_packet_size(settings.max_packet_size, settings.max_packet_size);
    // Twice the window: rumqttc's packet-id range, so that `Outbox::next_batch` always finds
    // an id no alert is on. The window itself is enforced by `send_alerts`.
    o.set_inflight(settings.inflight.max(1).saturating_mul(2));
    if let Some((user, pass)) = cfg.credentials() {
        o.set_credentials(user, pass.expose());
    }
    Ok(o)
}

fn jittered(d: Duration) -> Duration {
    let r = RandomState::new().hash_one(Instant::now());
    d / 2 + d.mul_f64((r % 1000) as f64 / 1000.0)
}

/// Alerts written per batch (one flush each).
const BATCH: usize = 256;
/// Full batches written in a row before the connection task reads the broker again.
const MAX_ROUNDS: u32 = 16;

/// Whether the connection task goes on after [`send_alerts`].
enum Flow {
    Continue,
    /// The disconnect requested by [`MqttService::close`] went out.
    Stop,
}

/// Writes the unsent alerts the in-flight window allows straight into rumqttc's connection,
/// in batches with one flush each, and counts the events rumqttc buffered. rumqttc's own
/// request channel writes and flushes every publish separately (one system call per alert,
/// and as many TCP segments for the broker to read). The buffer is always flushed before
/// returning, so `EventLoop::poll` never starts with a backlog of our writes: its own writes
/// (acknowledgements, pings) then never wait, and dropping a `poll` that waits for the network
/// loses nothing.
async fn send_alerts(broker: &Broker, eventloop: &mut EventLoop) -> Result<Flow, ConnectionError> {
    let max_inflight = broker.settings.inflight.max(1);
    let pkid_space = eventloop.mqtt_options.inflight();
    let flush_timeout = Duration::from_secs(eventloop.network_options.connection_timeout());
    for round in 1..=MAX_ROUNDS {
        let packets = {
            let mut st = broker.lock();
            if st.take_events(&mut eventloop.state.events) {
                return Ok(Flow::Stop);
            }
            // A resumed session's requests go first, through rumqttc's own queue.
            if eventloop.network.is_none() || !eventloop.pending.is_empty() {
                return Ok(Flow::Continue);
            }
            st.next_batch(&mut eventloop.state, max_inflight, pkid_space, BATCH)?
        };
        let Some(network) = eventloop.network.as_mut() else {
            return Ok(Flow::Continue);
        };
        let more = packets.len() == BATCH;
        for packet in packets {
            network.write(packet).await?;
        }
        match tokio::time::timeout(flush_timeout, network.flush()).await {
            Ok(flushed) => flushed?,
            Err(_) => return Err(ConnectionError::FlushTimeout),
        }
        if !more || round == MAX_ROUNDS {
            if more {
                // Let `poll` read the broker (pings, acknowledgements), then come back at once.
                broker.wake.notify_one();
            }
            let mut st = broker.lock();
            if st.take_events(&mut eventloop.state.events) {
                return Ok(Flow::Stop);
            }
            return Ok(Flow::Continue);
        }
    }
    Ok(Flow::Continue)
}

/// The connection task of one broker: writes the outbox into the connection, polls rumqttc
/// for acknowledgements, reconnects.
// Long because it is the connection's one loop (connect, write the outbox, poll for
// acknowledgements, back off), whose steps share the broker's outbox, timers and event loop.
async fn run_connection(broker: Arc<Broker>, mut eventloop: EventLoop) {
    let settings = &broker.settings;
    let stall = settings.stall_timeout.unwrap_or(settings.keep_alive * 3);
    let mut backoff = settings.reconnect_min;
    let mut failures: u32 = 0;
    let mut outage_start: Option<Instant> = None;
    loop {
        let polled = match send_alerts(&broker, &mut eventloop).await {
            Ok(Flow::Stop) => return,
            Err(err) => Err(err),
            // Wait for the broker (or a keep-alive), and for new alerts while connected.
            Ok(Flow::Continue) if eventloop.network.is_some() => {
                tokio::select! {
                    biased;
                    polled = eventloop.poll() => polled,
                    () = broker.wake.notified() => continue,
                }
            }
            Ok(Flow::Continue) => eventloop.poll().await,
        };
        match polled {
            Ok(ev) => {
                let fresh = {
                    let mut st = broker.lock();
                    if st.stopping && matches!(ev, Event::Outgoing(Outgoing::Disconnect)) {
                        return;
                    }
                    if let Event::Incoming(Incoming::ConnAck(_)) = ev
                        && st.discard_old_session
                    {
                        // The clean connection has discarded any earlier session: reconnect at
                        // once with clean session off, before anything is sent.
                        st.discard_old_session = false;
                        eventloop.mqtt_options.set_clean_session(false);
                        eventloop.network = None;
                        continue;
                    }
                    if let Event::Incoming(Incoming::ConnAck(ack)) = &ev {
                        if st.resume_pending {
                            if ack.session_present {
                                let requests = st.resume();
                                let releases = requests
                                    .iter()
                                    .filter(|r| matches!(r, Request::PubRel(_)))
                                    .count();
                                tracing::debug!(
                                    broker = %broker.name,
                                    releases,
                                    republished = requests.len() - releases,
                                    "MQTT broker {:?} resumed the session",
                                    broker.name
                                );
                                eventloop.pending.extend(requests);
                            } else {
                                if st.in_flight > 0 {
                                    tracing::warn!(
                                        broker = %broker.name,
                                        "MQTT broker {:?} did not keep the session (broker without persistence, or killed); \
                                         re-publishing every alert not acknowledged, QoS 2 alerts already released may arrive twice",
                                        broker.name
                                    );
                                }
                                st.reset();
                            }
                        }
                        st.connected = true;
                        st.ever_connected = true;
                        st.last_error = None;
                        st.last_progress = Instant::now();
                        if let Some(since) = outage_start.take() {
                            tracing::info!(
                                broker = %broker.name,
                                "reconnected to MQTT broker {:?} at {} after {:.1} s; re-sending {} alerts",
                                broker.name,
                                broker.url,
                                since.elapsed().as_secs_f64(),
                                st.live
                            );
                        } else {
                            tracing::debug!(broker = %broker.name, "connected to MQTT broker {:?} at {}", broker.name, broker.url);
                        }
                        failures = 0;
                        backoff = settings.reconnect_min;
                    } else {
                        st.on_event(&ev);
                        // The rest of what rumqttc read in one go.
                        if st.take_events(&mut eventloop.state.events) {
                            return;
                        }
                    }
                    if let Event::Outgoing(Outgoing::PingReq) = ev {
                        tracing::debug!(
                            broker = %broker.name,
                            live = st.live,
                            unsent = (st.base + st.entries.len() as u64).saturating_sub(st.cursor),
                            awaiting_pkid = st.awaiting_pkid.len(),
                            in_flight = st.in_flight,
                            collided = ?st.collided,
                            connected = st.connected,
                            rumqttc_inflight = eventloop.state.inflight(),
                            rumqttc_collision = eventloop.state.collision.is_some(),
                            "MQTT outbox"
                        );
                    }
                    let stalled = st.in_flight > 0 && st.last_progress.elapsed() > stall;
                    if stalled {
                        let waiting = if st.persistent {
                            st.suspend()
                        } else {
                            st.reset()
                        };
                        let message = format!(
                            "{} acknowledged nothing for {} s with alerts in flight",
                            broker.url,
                            stall.as_secs()
                        );
                        tracing::warn!(broker = %broker.name, "{message}; reconnecting and re-sending {waiting} alerts");
                        st.last_error = Some(message);
                        let (client, fresh) = new_connection(&broker.options, settings);
                        st.client = client;
                        Some(fresh)
                    } else {
                        None
                    }
                };
                if let Some(fresh) = fresh {
                    eventloop = fresh;
                    outage_start = Some(Instant::now());
                }
            }
            Err(err) => {
                let (was_connected, waiting, message) = {
                    let mut st = broker.lock();
                    // Acknowledgements rumqttc processed but did not yield yet still count.
                    let stale: Vec<Event> = eventloop.state.events.drain(..).collect();
                    for ev in &stale {
                        st.on_event(ev);
                    }
                    // Take back whatever rumqttc still holds (including requests sent after its own
                    // clean-up): the outbox re-sends it after the reconnect.
                    eventloop.clean();
                    eventloop.pending.clear();
                    eventloop.state.collision = None;
                    eventloop.state.events.clear();
                    let was_connected = st.connected;
                    let message = describe(&err, &broker.cfg, &broker.url, was_connected);
                    let waiting = if st.persistent {
                        st.suspend()
                    } else {
                        st.reset()
                    };
                    st.last_error = Some(message.clone());
                    if st.stopping {
                        return;
                    }
                    (was_connected, waiting, message)
                };
                failures += 1;
                if outage_start.is_none() {
                    outage_start = Some(Instant::now());
                    if was_connected {
                        tracing::warn!(
                            broker = %broker.name,
                            "lost connection to MQTT broker {:?}: {message}; reconnecting ({waiting} alerts wait)",
                            broker.name
                        );
                    } else {
                        tracing::warn!(
                            broker = %broker.name,
                            "cannot connect to MQTT broker {:?}: {message}; retrying in the background",
                            broker.name
                        );
                    }
                } else {
                    tracing::debug!(broker = %broker.name, attempt = failures, "MQTT reconnect failed: {message}");
                }
                tokio::time::sleep(jittered(backoff)).await;
                backoff = (backoff * 2).min(settings.reconnect_max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rumqttc::{PubAck, PubComp, PubRec, QoS};

    /// An outbox on a connection that is never polled: `next_batch` only hands the alerts to
    /// a detached rumqttc state, and the test plays rumqttc's events by hand.
    fn outbox(alerts: &[(&str, QoS)]) -> (Outbox, MqttState) {
        let options = MqttOptions::new("t", "127.0.0.1", 1);
        let (client, _eventloop) = AsyncClient::new(options, 100);
        let mut o = Outbox::new(client);
        o.persistent = true;
        o.connected = true;
        for (payload, qos) in alerts {
            o.entries.push_back(Some(Entry {
                publish: Publish::new("t", *qos, payload.as_bytes()),
                released: false,
            }));
            o.live += 1;
        }
        let mut state = MqttState::new(100, false);
        let packets = o.next_batch(&mut state, 50, 100, BATCH).unwrap();
        assert_eq!(packets.len(), alerts.len());
        (o, state)
    }

    fn publish(topic: &str, payload: &str, qos: QoS, pkid: u16) -> Request {
        let mut p = Publish::new(topic, qos, payload.as_bytes().to_vec());
        p.pkid = pkid;
        p.dup = true;
        Request::Publish(p)
    }

    #[test]
    fn a_resumed_session_gets_pubrel_for_released_alerts_and_dup_publishes_in_send_order() {
        let (mut o, mut state) = outbox(&[
            ("a", QoS::ExactlyOnce),
            ("b", QoS::AtLeastOnce),
            ("c", QoS::ExactlyOnce),
            ("d", QoS::AtLeastOnce),
            ("e", QoS::ExactlyOnce),
        ]);
        for pkid in 1..=4 {
            o.on_event(&Event::Outgoing(Outgoing::Publish(pkid)));
        }
        // "a" released, "b" acknowledged, "c" and "d" on the wire, "e" still in the channel.
        o.on_event(&Event::Incoming(Incoming::PubRec(PubRec::new(1))));
        o.on_event(&Event::Incoming(Incoming::PubAck(PubAck::new(2))));
        assert_eq!(o.suspend(), 4);
        assert_eq!(
            o.resume(),
            vec![
                Request::PubRel(PubRel::new(1)),
                publish("t", "c", QoS::ExactlyOnce, 3),
                publish("t", "d", QoS::AtLeastOnce, 4),
            ]
        );
        // rumqttc writes the resumed publishes (no new mapping), then the next alert.
        o.on_event(&Event::Outgoing(Outgoing::Publish(3)));
        o.on_event(&Event::Outgoing(Outgoing::Publish(4)));
        o.connected = true;
        let again = o.next_batch(&mut state, 50, 100, BATCH).unwrap();
        // Only "e" was never written; it takes the next packet id in turn (1–5 went out first).
        assert!(
            matches!(&again[..], [Packet::Publish(p)] if p.pkid == 6 && p.payload == "e"),
            "{again:?}"
        );
        o.on_event(&Event::Outgoing(Outgoing::Publish(6)));
        assert_eq!(o.by_pkid.get(6).map(VecDeque::len), Some(1));
        o.on_event(&Event::Incoming(Incoming::PubComp(PubComp::new(1))));
        o.on_event(&Event::Incoming(Incoming::PubRec(PubRec::new(3))));
        o.on_event(&Event::Incoming(Incoming::PubComp(PubComp::new(3))));
        o.on_event(&Event::Incoming(Incoming::PubAck(PubAck::new(4))));
        assert_eq!((o.live, o.delivered), (1, 4));
        o.on_event(&Event::Incoming(Incoming::PubRec(PubRec::new(6))));
        o.on_event(&Event::Incoming(Incoming::PubComp(PubComp::new(6))));
        assert_eq!(
            (o.live, o.delivered, o.possible_duplicates, o.in_flight),
            (0, 5, 0, 0)
        );
    }

    /// rumqttc frees a QoS 2 packet id at PUBREC; the outbox does not reuse it before PUBCOMP,
    /// so a resumed PUBREL can only mean the alert it was sent for.
    #[test]
    fn a_qos2_packet_id_is_not_reused_before_its_pubcomp() {
        let options = MqttOptions::new("t", "127.0.0.1", 1);
        let (client, _eventloop) = AsyncClient::new(options, 10);
        let mut o = Outbox::new(client);
        o.connected = true;
        let mut state = MqttState::new(4, false);
        let mut pkids = Vec::new();
        for n in 0..8 {
            o.entries.push_back(Some(Entry {
                publish: Publish::new("t", QoS::ExactlyOnce, format!("{n}")),
                released: false,
            }));
            o.live += 1;
            for packet in o.next_batch(&mut state, 3, 4, 1).unwrap() {
                let Packet::Publish(p) = packet else {
                    panic!("{packet:?}")
                };
                pkids.push(p.pkid);
                o.on_event(&Event::Outgoing(Outgoing::Publish(p.pkid)));
                // Released at once (rumqttc frees the id), completed only for even alerts.
                state
                    .handle_incoming_packet(Incoming::PubRec(PubRec::new(p.pkid)))
                    .unwrap();
                o.on_event(&Event::Incoming(Incoming::PubRec(PubRec::new(p.pkid))));
                if p.payload.as_ref() != b"1" && p.payload.as_ref() != b"3" {
                    state
                        .handle_incoming_packet(Incoming::PubComp(PubComp::new(p.pkid)))
                        .unwrap();
                    o.on_event(&Event::Incoming(Incoming::PubComp(PubComp::new(p.pkid))));
                }
            }
        }
        // Alerts "1" and "3" keep ids 2 and 4 until their PUBCOMP: the others cycle over 1 and 3.
        assert_eq!(pkids, vec![1, 2, 3, 4, 1, 3, 1, 3]);
    }

    #[test]
    fn a_lost_session_after_suspend_re_publishes_everything_and_counts_released_alerts() {
        let (mut o, _state) = outbox(&[("a", QoS::ExactlyOnce), ("b", QoS::ExactlyOnce)]);
        o.on_event(&Event::Outgoing(Outgoing::Publish(1)));
        o.on_event(&Event::Outgoing(Outgoing::Publish(2)));
        o.on_event(&Event::Incoming(Incoming::PubRec(PubRec::new(1))));
        o.suspend();
        assert_eq!(o.reset(), 2);
        assert_eq!(
            (o.cursor, o.base, o.possible_duplicates, o.resume_pending),
            (0, 0, 1, false)
        );
        assert!(o.by_pkid.iter().all(VecDeque::is_empty));
    }
}
