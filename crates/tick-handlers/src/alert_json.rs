//! The alert JSON body that the `tcp`, `exec` and `post` handlers send: the event's
//! `AlertData` as Go's `json.Encoder.Encode` writes it, so with a trailing `\n` (Kapacitor
//! v1.5.7: `tcpHandler.Handle` and `execHandler.Handle` in `services/alert/handlers.go`,
//! `httppost/service.go`). Owns the mapping of an encoding failure to a [`HandlerError`]; the
//! document itself is `tick_engine::json`'s.

use tick_engine::Event;

use crate::error::HandlerError;

/// The alert JSON document of `event` with its trailing `\n`, as every JSON handler sends it.
pub(crate) fn alert_json(event: &Event) -> Result<String, HandlerError> {
    tick_engine::json::event_to_string(event).map_err(|e| HandlerError::Marshal(e.to_string()))
}
