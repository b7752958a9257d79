//! The alert JSON body that the `tcp`, `exec` and `post` handlers send: the event's
//! `AlertData` as Go's `json.Encoder.Encode` writes it, so with a trailing `\n` (Kapacitor
//! v1.5.7: `tcpHandler.Handle` and `execHandler.Handle` in `services/alert/handlers.go`,
//! `httppost/service.go`). Owns the mapping of an encoding failure to a [`HandlerError`]; the
//! document itself is `tick_engine::json`'s. Also how Go encodes the free-form JSON values of
//! handler options (Sensu's metadata, Zenoss's custom fields and severities).

use std::collections::BTreeMap;

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

/// A JSON value as Go's `json.Marshal` writes it: strings HTML-escaped, floats in Go's format,
/// object keys sorted.
pub(crate) fn write_go_value(out: &mut String, v: &serde_json::Value) {
    match v {
        serde_json::Value::String(s) => tick_engine::json::write_string(out, s),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(f)) => {
                if tick_engine::json::write_float(out, f).is_err() {
                    out.push_str("null");
                }
            }
            _ => out.push_str(&n.to_string()),
        },
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_value(out, item);
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            out.push('{');
            let sorted: BTreeMap<_, _> = map.iter().collect();
            for (i, (k, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                tick_engine::json::write_string(out, k);
                out.push(':');
                write_go_value(out, item);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `v` as Go's `json.Unmarshal` into an `interface{}` holds it: every number a `float64`, so
/// [`write_go_value`] writes `33` as `33` and 2^63-1 as `9223372036854776000`.
pub(crate) fn go_decoded(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Number(n), serde_json::Value::Number),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(go_decoded).collect())
        }
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, go_decoded(v))).collect())
        }
        other => other,
    }
}
