//! JSON as Kapacitor's API writes it: Go's `json.MarshalIndent(v, "", "    ")`
//! (`httpd.MarshalJSON` with `pretty`, services/httpd/handler.go at v1.5.7; the layout is
//! <https://pkg.go.dev/encoding/json#MarshalIndent>): four-space indentation, `"key": value`,
//! `{}` and `[]` for empty objects and arrays, no final newline, and Go's string escaping
//! (HTML characters included, `tick_engine::json::write_string`). Objects keep the order they
//! are built in: a Go struct's field order, or sorted keys for a Go map.

/// A JSON value to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    /// Members in order.
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    String(String),
    /// A number, `true`, `false` or `null`, written as is.
    Raw(String),
}

impl Json {
    /// An object from `(key, value)` pairs in the given order.
    pub(crate) fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub(crate) fn str(s: impl Into<String>) -> Json {
        Json::String(s.into())
    }

    pub(crate) fn int(n: impl Into<i128>) -> Json {
        Json::Raw(n.into().to_string())
    }

    pub(crate) fn bool(b: bool) -> Json {
        Json::Raw(b.to_string())
    }

    /// A Go `float64`, formatted as `encoding/json` does.
    pub(crate) fn float(x: f64) -> Json {
        let mut out = String::new();
        match tick_engine::json::write_float(&mut out, x) {
            Ok(()) => Json::Raw(out),
            // NaN and infinities: Go's encoder refuses them; Kapacitor never has them here.
            Err(_) => Json::Raw("null".to_string()),
        }
    }

    /// A value decoded from JSON or YAML (a handler file's options), as Go re-encodes an
    /// `interface{}`: map keys sorted, numbers as `float64`.
    pub(crate) fn from_value(v: &serde_json::Value) -> Json {
        match v {
            serde_json::Value::Null => Json::Raw("null".into()),
            serde_json::Value::Bool(b) => Json::bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) if (i as f64) as i64 == i && i.unsigned_abs() < (1 << 53) => {
                    Json::int(i)
                }
                (_, Some(f)) => Json::float(f),
                _ => Json::Raw(n.to_string()),
            },
            serde_json::Value::String(s) => Json::str(s.as_str()),
            serde_json::Value::Array(items) => {
                Json::Array(items.iter().map(Json::from_value).collect())
            }
            // serde_json's map is ordered by key, as Go orders map keys.
            serde_json::Value::Object(map) => {
                Json::object(map.iter().map(|(k, v)| (k.clone(), Json::from_value(v))))
            }
        }
    }

    /// The text, indented as `json.MarshalIndent(v, "", "    ")` writes it.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        match self {
            Json::Raw(text) => out.push_str(text),
            Json::String(s) => tick_engine::json::write_string(out, s),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write(out, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    tick_engine::json::write_string(out, key);
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("    ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_go_marshal_indent() {
        let v = Json::object([
            ("a", Json::int(1)),
            ("b", Json::Array(vec![])),
            ("c", Json::object(Vec::<(String, Json)>::new())),
            ("d", Json::Array(vec![Json::str("x<y&z"), Json::bool(true)])),
        ]);
        assert_eq!(
            v.to_pretty(),
            "{\n    \"a\": 1,\n    \"b\": [],\n    \"c\": {},\n    \"d\": [\n        \"x\\u003cy\\u0026z\",\n        true\n    ]\n}"
        );
    }

    #[test]
    fn decoded_values_are_reencoded_as_go_does() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"z": 1, "a": [1.5, 1e21, null], "m": {"k": false}}"#).unwrap();
        assert_eq!(
            Json::from_value(&v).to_pretty(),
            "{\n    \"a\": [\n        1.5,\n        1e+21,\n        null\n    ],\n    \"m\": {\n        \"k\": false\n    },\n    \"z\": 1\n}"
        );
    }
}
