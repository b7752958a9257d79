//! MQTT delivery: one rumqttc connection per enabled broker, shared by every MQTT handler, with
//! our own outbox so that nothing is lost or counted as delivered too early (docs/ARCHITECTURE.md, "Delivered means acknowledged").
//!
//! How the rumqttc gaps are closed:
//! * **Outbox** (`outbox.rs`). Every alert stays in the broker's outbox until it is done: QoS 0
//!   when rumqttc wrote it, QoS 1 on PUBACK, QoS 2 on PUBCOMP; the outbox chooses packet ids
//!   and, after any connection error, says what is sent again. rumqttc's own pending list is
//!   dropped under the outbox lock, so nothing is sent twice.
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
//! Owns the service, the connections and the connection loop that feeds the outbox; the
//! outbox's state machine is `outbox.rs`'s, rendering topics `handler.rs`'s.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, Incoming, MqttOptions, Outgoing, Publish,
    Request, TlsConfiguration, Transport,
};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::config::{BrokerUrl, Config, MqttConfig, Scheme};
use crate::mqtt::errors::describe;
use crate::mqtt::options::Qos;
use crate::mqtt::outbox::{BATCH, Outbox};
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
    /// Longest reconnect delay.
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
    /// Called outside a tokio runtime.
    NoRuntime,
    /// A broker whose URL or TLS files cannot be used.
    #[error("mqtt broker {name:?}: {message}")]
    Broker {
        /// The broker's `name`.
        name: String,
        /// What cannot be used.
        message: String,
    },
    /// `wait_connected` gave up.
    #[error("failed to connect to MQTT broker {name:?}: {message}")]
    Connect {
        /// The broker's `name`.
        name: String,
        /// The connection error, or the timeout.
        message: String,
    },
}

/// What happened to the alerts of one broker, as counted when [`MqttService::drain`] returned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BrokerReport {
    /// The broker's `name`.
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
    /// One report per enabled broker, in configuration order.
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
            let mut outbox = Outbox::new();
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
                client: Mutex::new(client),
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
            // Under the outbox lock, as the watchdog replaces the client under it.
            if let Ok(client) = b.client.lock() {
                let _ = client.try_disconnect();
            }
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
    /// The handle of the current connection, for the final disconnect. Locked only while the
    /// outbox is locked (after it), so it never changes under a caller that holds the outbox.
    client: Mutex<AsyncClient>,
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
        let mut publish = Publish::new(topic, qos.to_rumqttc(), payload);
        publish.retain = retained;
        // The connection task sleeps only when everything was handed out (or it waits for
        // acknowledgements or a connection, which wake it anyway): ring only then, so a burst
        // of alerts costs one wake-up, not one per alert.
        let idle = st.push(publish);
        drop(st);
        if idle {
            self.wake.notify_one();
        }
        Ok(())
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
                            unsent = st.unsent(),
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
                        if let Ok(mut current) = broker.client.lock() {
                            *current = client;
                        }
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
