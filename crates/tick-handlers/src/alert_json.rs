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

/// The event's data (`models.Result`) as Go's `json.Marshal` writes it: `{"series":[row]}`, or
/// `{"series":null}` without data (the `data` of VictorOps, the `custom_details` of PagerDuty,
/// the `rawData` of Alerta).
pub(crate) fn result_json(event: &Event) -> Result<String, HandlerError> {
    let mut out = String::from("{\"series\":");
    match &event.data.result {
        None => out.push_str("null"),
        Some(row) => {
            out.push('[');
            tick_engine::json::write_row(&mut out, row)
                .map_err(|e| HandlerError::Marshal(e.to_string()))?;
            out.push(']');
        }
    }
    out.push('}');
    Ok(out)
}
