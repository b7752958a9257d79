//! The MQTT outbox of one broker: every alert not yet done, in order, with the state machine
//! that decides what is sent, resent, resumed or counted. Pure state: it hands packets to
//! rumqttc's `MqttState` and reads rumqttc's events, but does no IO and holds no connection;
//! the connection task that feeds it is `delivery.rs`.
//!
//! - Every alert gets a sequence number and stays here until it is done: QoS 0 when rumqttc
//!   wrote it, QoS 1 on PUBACK, QoS 2 on PUBCOMP (delivered means acknowledged). Packet ids are
//!   chosen here (never one an unfinished alert is on, so a QoS 2 id waits for its PUBCOMP;
//!   twice the window is available) and confirmed by the in-order `Outgoing::Publish(pkid)`
//!   events.
//! - After a connection loss with a clean session ([`Outbox::reset`]) everything not done is
//!   re-published in order; a QoS 2 alert whose PUBREL had gone out may then arrive twice and
//!   is counted in `possible_duplicates`.
//! - With `persistent-session = true` ([`Outbox::suspend`]) the packet-id map is kept; if the
//!   next CONNACK says `session_present = 1`, [`Outbox::resume`] gives the in-flight alerts in
//!   sequence order under their original packet ids: PUBREL for QoS 2 alerts whose PUBREC had
//!   arrived, PUBLISH with DUP for the others. rumqttc's own replay is not used: it sends
//!   PUBRELs after all publishes and in packet-id order, not in the order the alerts were sent,
//!   and without DUP.

use std::collections::VecDeque;
use std::time::Instant;

use rumqttc::{Event, Incoming, MqttState, Outgoing, Packet, PubRel, Publish, Request, StateError};

/// Alerts written per batch (one flush each).
pub(super) const BATCH: usize = 256;

/// One alert not yet done.
pub(super) struct Entry {
    /// Topic, payload, QoS and retain flag, ready to hand to rumqttc (packet id 0; cloning it
    /// copies the topic and shares the payload).
    publish: Publish,
    /// QoS 2: PUBREC received and PUBREL sent; the broker may already have delivered it.
    released: bool,
}

/// Alerts not yet done, in order. `entries[i]` has sequence number `base + i`; done entries
/// become `None` and are popped from the front.
pub(super) struct Outbox {
    pub(super) connected: bool,
    pub(super) ever_connected: bool,
    pub(super) stopping: bool,
    entries: VecDeque<Option<Entry>>,
    base: u64,
    /// Next sequence number to hand to rumqttc.
    cursor: u64,
    /// Handed to rumqttc, packet id not known yet, in order.
    pub(super) awaiting_pkid: VecDeque<u64>,
    /// Alerts on the wire by packet id. Normally one per id (see `next_batch`); a publish
    /// resumed under its old id or held back by rumqttc may share it: oldest first.
    /// Indexed by packet id (rumqttc uses 1..=inflight); lists keep their capacity, so the
    /// steady state allocates nothing per alert.
    by_pkid: Vec<VecDeque<u64>>,
    pub(super) in_flight: usize,
    /// rumqttc holds this publish back until `pkid` is acknowledged (`Outgoing::AwaitAck`).
    pub(super) collided: Option<(u16, u64)>,
    pub(super) live: usize,
    pub(super) delivered: u64,
    pub(super) sent_qos0: u64,
    pub(super) dropped: u64,
    pub(super) possible_duplicates: u64,
    pub(super) overflowing: bool,
    pub(super) last_error: Option<String>,
    pub(super) last_progress: Instant,
    /// An acknowledgement was counted since `last_progress` was last updated (read once per
    /// batch of events, not per event).
    progressed: bool,
    /// `persistent-session = true`: connection losses keep the packet-id map (see `suspend`).
    pub(super) persistent: bool,
    /// The next CONNACK is the clean connection that discards an earlier run's session.
    pub(super) discard_old_session: bool,
    /// The connection was lost with the packet-id map kept; the next CONNACK decides between
    /// resuming (`session_present`) and re-publishing everything.
    pub(super) resume_pending: bool,
    /// Packet ids of PUBLISHes handed back to rumqttc for a resumed session, in order: their
    /// `Outgoing::Publish` events are retransmissions, not new alerts.
    replayed: VecDeque<u16>,
    /// Where `free_pkid` looks next.
    next_pkid: u16,
}

impl Outbox {
    pub(super) fn new() -> Outbox {
        Outbox {
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

    /// Adds one alert at the end. True when everything before it had been handed out, so the
    /// connection task may be asleep and needs waking.
    pub(super) fn push(&mut self, publish: Publish) -> bool {
        let idle = self.cursor == self.base + self.entries.len() as u64;
        self.entries.push_back(Some(Entry {
            publish,
            released: false,
        }));
        self.live += 1;
        idle
    }

    /// Alerts not yet handed to rumqttc.
    pub(super) fn unsent(&self) -> u64 {
        (self.base + self.entries.len() as u64).saturating_sub(self.cursor)
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
    pub(super) fn next_batch(
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
    pub(super) fn take_events(&mut self, events: &mut VecDeque<Event>) -> bool {
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

    pub(super) fn on_event(&mut self, ev: &Event) {
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
    pub(super) fn reset(&mut self) -> usize {
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
    pub(super) fn suspend(&mut self) -> usize {
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
    pub(super) fn resume(&mut self) -> Vec<Request> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rumqttc::{PubAck, PubComp, PubRec, QoS};

    /// An outbox without a connection: `next_batch` only hands the alerts to a detached
    /// rumqttc state, and the test plays rumqttc's events by hand.
    fn outbox(alerts: &[(&str, QoS)]) -> (Outbox, MqttState) {
        let mut o = Outbox::new();
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
        let mut o = Outbox::new();
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
