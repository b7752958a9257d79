//! What the alert templates see: the id, message and details data (`idInfo`, `messageInfo` and
//! `detailsInfo` in Kapacitor's alert.go at v1.5.7), the handler data used by MQTT topic templates
//! (`Event.TemplateData`, alert/types.go), and the `json` / `jsonCompact` functions of details.
//! Exposes borrowed views through `tick_gotemplate::Object`; nothing is copied per render. Owns the
//! data shapes only; parsing and rendering are `alert/`'s.

use std::borrow::Cow;

use tick_gotemplate::{Funcs, GoTime, Map, Object, Value};
use tick_lambda::FieldValue;

use crate::event::{Event, Level};
use crate::json;

/// `.ServerInfo` (Kapacitor `ServerInfo`): the hostname (config `hostname`, default
/// `localhost`) and the cluster and server ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// The hostname (config `hostname`, default `localhost`).
    pub hostname: String,
    /// Kapacitor uses a stored UUID; we have no store, so the default is empty.
    pub cluster_id: String,
    /// The server id (empty: there is no store).
    pub server_id: String,
}

impl Default for ServerInfo {
    fn default() -> ServerInfo {
        ServerInfo {
            hostname: "localhost".into(),
            cluster_id: String::new(),
            server_id: String::new(),
        }
    }
}

impl Object for ServerInfo {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(Value::str(match name {
            "Hostname" => &self.hostname,
            "ClusterID" => &self.cluster_id,
            "ServerID" => &self.server_id,
            _ => return None,
        }))
    }
    fn type_name(&self) -> &str {
        "kapacitor.ServerInfo"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for name in ["Hostname", "ClusterID", "ServerID"] {
            if let Some(v) = self.field(name) {
                f(name, v);
            }
        }
    }
}

/// A `map[string]string` over sorted pairs (tags).
#[derive(Debug, Clone, Copy)]
pub struct TagMap<'a, K, V>(pub &'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Map for TagMap<'_, K, V> {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        let i = self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok()?;
        Some(Value::str(self.0[i].1.as_ref()))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(
            self.0
                .iter()
                .map(|(k, v)| (k.as_ref(), Value::str(v.as_ref()))),
        )
    }
    fn zero(&self) -> Value<'static> {
        Value::Str(Cow::Borrowed(""))
    }
    fn type_name(&self) -> &str {
        "map[string]string"
    }
}

/// A `map[string]interface {}` over sorted field pairs.
#[derive(Debug, Clone, Copy)]
pub struct FieldMap<'a, K>(pub &'a [(K, FieldValue)]);

/// A field value as a template value (durations stay durations).
pub(crate) fn field_value(v: &FieldValue) -> Value<'_> {
    match v {
        FieldValue::Float(f) => Value::Float(*f),
        FieldValue::Int(i) => Value::Int(*i),
        FieldValue::String(s) => Value::str(s),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Duration(d) => Value::Duration(*d),
    }
}

impl<K: AsRef<str>> Map for FieldMap<'_, K> {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        let i = self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok()?;
        Some(field_value(&self.0[i].1))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(self.0.iter().map(|(k, v)| (k.as_ref(), field_value(v))))
    }
    fn zero(&self) -> Value<'static> {
        Value::NoValue
    }
    fn type_name(&self) -> &str {
        "map[string]interface {}"
    }
}

/// The `.Group` of id, message and details data: the group id, or `nil` when ungrouped.
pub(crate) fn display_group(group: &str) -> &str {
    if group.is_empty() { "nil" } else { group }
}

/// Data of the `.id()` template (Kapacitor `idInfo`).
pub struct IdData<'a> {
    /// The measurement (`.Name`).
    pub name: &'a str,
    /// The task name (`.TaskName`).
    pub task_name: &'a str,
    /// Raw group id; shown as `nil` when empty.
    pub group: &'a str,
    /// The group tags (`.Tags`).
    pub tags: &'a dyn Map,
    /// `.ServerInfo`.
    pub server: &'a ServerInfo,
}

const ID_FIELDS: [&str; 5] = ["Name", "TaskName", "Group", "Tags", "ServerInfo"];

impl Object for IdData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "Name" => Value::str(self.name),
            "TaskName" => Value::str(self.task_name),
            "Group" => Value::str(display_group(self.group)),
            "Tags" => Value::Map(self.tags),
            "ServerInfo" => Value::Object(self.server),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "kapacitor.idInfo"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        visit(self, &ID_FIELDS, f);
    }
}

/// Data of the `.message()` template (Kapacitor `messageInfo`): the id data plus `.ID`,
/// `.Fields`, `.Level`, `.Time` and `.Duration`.
pub struct MessageData<'a> {
    /// The id template's data, which the message template also sees.
    pub id_data: IdData<'a>,
    /// The rendered id (`.ID`).
    pub id: &'a str,
    /// The fields (`.Fields`).
    pub fields: &'a dyn Map,
    /// The level (`.Level`).
    pub level: Level,
    /// ns since the epoch, UTC.
    pub time: i64,
    /// How long the alert has been in a non-OK level, in ns (`.Duration`).
    pub duration: i64,
}

const MESSAGE_FIELDS: [&str; 5] = ["ID", "Fields", "Level", "Time", "Duration"];

impl Object for MessageData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "ID" => Value::str(self.id),
            "Fields" => Value::Map(self.fields),
            "Level" => Value::str(self.level.as_str()),
            "Time" => Value::Time(GoTime::utc(self.time)),
            "Duration" => Value::Duration(self.duration),
            _ => return self.id_data.field(name),
        })
    }
    fn type_name(&self) -> &str {
        "kapacitor.messageInfo"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        visit(&self.id_data, &ID_FIELDS, f);
        visit(self, &MESSAGE_FIELDS, f);
    }
}

/// Data of the `.details()` template (Kapacitor `detailsInfo`): the message data plus
/// `.Message`.
pub(crate) struct DetailsData<'a> {
    pub message_data: MessageData<'a>,
    pub message: &'a str,
}

impl Object for DetailsData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        match name {
            "Message" => Some(Value::str(self.message)),
            _ => self.message_data.field(name),
        }
    }
    fn type_name(&self) -> &str {
        "kapacitor.detailsInfo"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        self.message_data.for_each_field(f);
        f("Message", Value::str(self.message));
    }
}

fn visit(o: &dyn Object, names: &[&str], f: &mut dyn FnMut(&str, Value<'_>)) {
    for name in names {
        if let Some(v) = o.field(name) {
            f(name, v);
        }
    }
}

/// Data of handler templates such as the MQTT `topic` (Kapacitor `alert.TemplateData`):
/// `.ID .Message .Level .Time .Duration .Details .Name .TaskName .Group .Tags .Fields`, where
/// `.Group` is the raw group id (`""` when ungrouped, not `nil`).
pub struct HandlerData<'a> {
    event: &'a Event,
    tags: TagMap<'a, String, String>,
    fields: FieldMap<'a, String>,
}

const HANDLER_FIELDS: [&str; 11] = [
    "ID", "Message", "Level", "Time", "Duration", "Details", "Name", "TaskName", "Group", "Tags",
    "Fields",
];

impl Object for HandlerData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        let e = self.event;
        Some(match name {
            "ID" => Value::str(&e.state.id),
            "Message" => Value::str(&e.state.message),
            "Level" => Value::str(e.state.level.as_str()),
            "Time" => Value::Time(GoTime::utc(e.state.time)),
            "Duration" => Value::Duration(e.state.duration),
            "Details" => Value::str(&e.state.details),
            "Name" => Value::str(&e.data.name),
            "TaskName" => Value::str(&e.data.task_name),
            "Group" => Value::str(&e.data.group),
            "Tags" => Value::Map(&self.tags),
            "Fields" => Value::Map(&self.fields),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "alert.TemplateData"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        visit(self, &HANDLER_FIELDS, f);
    }
}

/// Data of the `[[httppost]]` `alert-template` and `url` templates (Kapacitor's `alert.Data`,
/// alert/types.go at v1.5.7, what `Event.AlertData` returns): `.ID .Message .Details .Time
/// .Duration .Level .Data .PreviousLevel .Recoverable`, where `.Data` is the `models.Result`
/// with `.Series` (each row with `.Name .Tags .Columns .Values`) and prints as its JSON, as
/// `models.Result`'s `String` method writes it. Its fields are visited under their JSON
/// names, so the `json` function writes the alert JSON document.
pub struct AlertData<'a> {
    event: &'a Event,
    result: ResultData<'a>,
}

const ALERT_DATA_FIELDS: [(&str, &str); 9] = [
    ("ID", "id"),
    ("Message", "message"),
    ("Details", "details"),
    ("Time", "time"),
    ("Duration", "duration"),
    ("Level", "level"),
    ("Data", "data"),
    ("PreviousLevel", "previousLevel"),
    ("Recoverable", "recoverable"),
];

impl Object for AlertData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        let e = self.event;
        Some(match name {
            "ID" => Value::str(&e.state.id),
            "Message" => Value::str(&e.state.message),
            "Details" => Value::str(&e.state.details),
            "Time" => Value::Time(GoTime::utc(e.state.time)),
            "Duration" => Value::Duration(e.state.duration),
            "Level" => Value::str(e.state.level.as_str()),
            "Data" => Value::Object(&self.result),
            "PreviousLevel" => Value::str(e.previous_level.as_str()),
            "Recoverable" => Value::Bool(e.data.recoverable),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "alert.Data"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for (name, json_name) in ALERT_DATA_FIELDS {
            if let Some(v) = self.field(name) {
                f(json_name, v);
            }
        }
    }
}

/// `models.Result`: the rows of an event (one, or none).
struct ResultData<'a> {
    rows: Vec<RowData<'a>>,
}

impl Object for ResultData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        match name {
            "Series" => Some(Value::List(tick_gotemplate::ListRef::new(self))),
            _ => None,
        }
    }
    fn type_name(&self) -> &str {
        "models.Result"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        if let Some(v) = self.field("Series") {
            f("series", v);
        }
    }
    fn write_string(&self, out: &mut String) -> bool {
        out.push_str("{\"series\":");
        match self.rows.first() {
            // A NaN field cannot be encoded: Go's `String` then prints nothing of it.
            Some(row) if json::write_row(&mut String::new(), row.row).is_ok() => {
                out.push('[');
                let _ = json::write_row(out, row.row);
                out.push(']');
            }
            _ => out.push_str("null"),
        }
        out.push('}');
        true
    }
}

impl tick_gotemplate::List for ResultData<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.rows.get(index).map(|r| Value::Object(r))
    }
    fn type_name(&self) -> &str {
        "models.Rows"
    }
}

/// `models.Row`: `.Name .Tags .Columns .Values`.
struct RowData<'a> {
    row: &'a crate::event::Row,
    tags: TagMap<'a, String, String>,
    columns: Columns<'a>,
    values: Values<'a>,
}

impl Object for RowData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "Name" => Value::str(&self.row.name),
            "Tags" => Value::Map(&self.tags),
            "Columns" => Value::List(tick_gotemplate::ListRef::new(&self.columns)),
            "Values" => Value::List(tick_gotemplate::ListRef::new(&self.values)),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "*models.Row"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for (name, json_name) in [
            ("Name", "name"),
            ("Tags", "tags"),
            ("Columns", "columns"),
            ("Values", "values"),
        ] {
            if let Some(v) = self.field(name) {
                f(json_name, v);
            }
        }
    }
}

/// `[]string`.
struct Columns<'a>(&'a [String]);

impl tick_gotemplate::List for Columns<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.0.get(index).map(|c| Value::str(c))
    }
    fn type_name(&self) -> &str {
        "[]string"
    }
}

/// `[][]interface {}`.
struct Values<'a>(Vec<Cells<'a>>);

impl tick_gotemplate::List for Values<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.0
            .get(index)
            .map(|c| Value::List(tick_gotemplate::ListRef::new(c)))
    }
    fn type_name(&self) -> &str {
        "[][]interface {}"
    }
}

/// `[]interface {}`: one point's time and values.
struct Cells<'a>(&'a [crate::event::RowValue]);

impl tick_gotemplate::List for Cells<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.0.get(index).map(row_value)
    }
    fn type_name(&self) -> &str {
        "[]interface {}"
    }
}

/// One cell of a row as a template value: the time as a `time.Time` in UTC.
fn row_value(v: &crate::event::RowValue) -> Value<'_> {
    use crate::event::RowValue;
    match v {
        RowValue::Time(t) => Value::Time(GoTime::utc(*t)),
        RowValue::Field(v) => field_value(v),
        RowValue::Tag(Some(s)) => Value::str(s),
        RowValue::Tag(None) => Value::NoValue,
    }
}

/// The data of the `httpPost` node's URL template and of `[[httppost]]` `row-template`s
/// (Kapacitor's `mappedRow`, http_post.go at v1.5.7): `.Name`, `.Tags`, and `.Values`, one
/// map from column name to value per point (`{{ index (index .Values 0) "value" }}`).
pub struct MappedRow<'a> {
    row: &'a crate::event::Row,
    tags: TagMap<'a, String, String>,
    values: MappedValues<'a>,
}

impl crate::event::Row {
    /// The row as Kapacitor's `mappedRow` (templates of the `httpPost` node).
    pub fn mapped(&self) -> MappedRow<'_> {
        MappedRow {
            row: self,
            tags: TagMap(&self.tags),
            values: MappedValues(
                self.values
                    .iter()
                    .map(|cells| {
                        let mut entries: Vec<(&str, &crate::event::RowValue)> = self
                            .columns
                            .iter()
                            .map(String::as_str)
                            .zip(cells.iter())
                            .collect();
                        entries.sort_by(|a, b| a.0.cmp(b.0));
                        CellMap(entries)
                    })
                    .collect(),
            ),
        }
    }
}

impl Object for MappedRow<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "Name" => Value::str(&self.row.name),
            "Tags" => Value::Map(&self.tags),
            "Values" => Value::List(tick_gotemplate::ListRef::new(&self.values)),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "*kapacitor.mappedRow"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for name in ["Name", "Tags", "Values"] {
            if let Some(v) = self.field(name) {
                f(name, v);
            }
        }
    }
}

/// `[]map[string]interface {}`.
struct MappedValues<'a>(Vec<CellMap<'a>>);

impl tick_gotemplate::List for MappedValues<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.0.get(index).map(|m| Value::Map(m))
    }
    fn type_name(&self) -> &str {
        "[]map[string]interface {}"
    }
}

/// `map[string]interface {}` of one point: column name to value, sorted by name.
struct CellMap<'a>(Vec<(&'a str, &'a crate::event::RowValue)>);

impl Map for CellMap<'_> {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        let i = self.0.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?;
        Some(row_value(self.0[i].1))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(self.0.iter().map(|(k, v)| (*k, row_value(v))))
    }
    fn zero(&self) -> Value<'static> {
        Value::NoValue
    }
    fn type_name(&self) -> &str {
        "map[string]interface {}"
    }
}

/// The `json` function of `[[httppost]]` inline templates (Kapacitor's `GetTemplate`,
/// services/httppost/config.go at v1.5.7): Go's `json.Encoder.Encode` of the value, so with a
/// trailing newline; an encoding failure gives an empty string, as Kapacitor ignores it.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFunc;

impl JsonFunc {
    /// The declared name, for `Template::parse`.
    pub fn func_set() -> tick_gotemplate::FuncSet {
        tick_gotemplate::FuncSet::new().with("json")
    }
}

impl Funcs for JsonFunc {
    fn call(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, String> {
        let [arg] = args else {
            return Err(format!(
                "wrong number of args for {name}: want 1 got {}",
                args.len()
            ));
        };
        let mut out = String::new();
        if write_json_value(&mut out, arg).is_err() {
            return Ok(Value::Str(Cow::Borrowed("")));
        }
        out.push('\n');
        Ok(Value::Str(Cow::Owned(out)))
    }
}

impl Event {
    /// The data of `[[httppost]]` alert and URL templates (Kapacitor's `Event.AlertData`).
    pub fn alert_data(&self) -> AlertData<'_> {
        AlertData {
            event: self,
            result: ResultData {
                rows: self
                    .data
                    .result
                    .iter()
                    .map(|row| RowData {
                        row,
                        tags: TagMap(&row.tags),
                        columns: Columns(&row.columns),
                        values: Values(row.values.iter().map(|v| Cells(v)).collect()),
                    })
                    .collect(),
            },
        }
    }

    /// The data handler templates (MQTT `topic`) are rendered with (Kapacitor's
    /// `Event.TemplateData`, alert/types.go at v1.5.7: `.Group` is `""` when ungrouped).
    pub fn handler_data(&self) -> HandlerData<'_> {
        HandlerData {
            event: self,
            tags: TagMap(&self.data.tags),
            fields: FieldMap(&self.data.fields),
        }
    }
}

/// The `json` and `jsonCompact` functions of the details template (`json` is defined in Kapacitor's
/// `newAlertNode`, alert.go at v1.5.7; `jsonCompact`, from later versions, is the same without the
/// newline). Their text is HTML-escaped by the template like any other value, as html/template does
/// with an `html.JS` value in HTML text; an encoding failure (a NaN or ±Inf field) gives an empty
/// string, as Kapacitor ignores the error.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DetailsFuncs;

impl DetailsFuncs {
    /// The declared names, for `Template::parse`. Both return html/template's `template.JS`
    /// in Kapacitor (`newAlertNode` in alert.go), so `<script>{{ json . }}</script>` writes
    /// the JSON as it is.
    pub(crate) fn func_set() -> tick_gotemplate::FuncSet {
        tick_gotemplate::FuncSet::new()
            .with_js("json")
            .with_js("jsonCompact")
    }
}

impl Funcs for DetailsFuncs {
    fn call(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, String> {
        let [arg] = args else {
            return Err(format!(
                "wrong number of args for {name}: want 1 got {}",
                args.len()
            ));
        };
        let mut out = String::new();
        if write_json_value(&mut out, arg).is_err() {
            return Ok(Value::Str(Cow::Borrowed("")));
        }
        if name == "json" {
            out.push('\n');
        }
        Ok(Value::Str(Cow::Owned(out)))
    }
}

/// Go `encoding/json` of a template value (`tick_gotemplate::gofmt::write_json_value`).
pub(crate) fn write_json_value(out: &mut String, v: &Value<'_>) -> Result<(), json::JsonError> {
    tick_gotemplate::gofmt::write_json_value(out, v).map_err(|e| {
        json::JsonError::UnsupportedValue(match e {
            tick_gotemplate::gofmt::JsonValueError::Unsupported(u) if u.0.is_nan() => "NaN",
            tick_gotemplate::gofmt::JsonValueError::Unsupported(u) if u.0 > 0.0 => "+Inf",
            tick_gotemplate::gofmt::JsonValueError::Unsupported(_) => "-Inf",
            tick_gotemplate::gofmt::JsonValueError::TooDeep => "nesting too deep",
        })
    })
}

/// The default details, `{{ json . }}` in html/template, without a template: the JSON of the
/// details data plus `\n`, HTML-escaped; empty when a field cannot be encoded (Kapacitor's `json`
/// function ignores the encoder's error, `newAlertNode` in alert.go at v1.5.7).
pub(crate) fn write_default_details(out: &mut String, data: &DetailsData<'_>) {
    let mut raw = String::with_capacity(256);
    if write_json_value(&mut raw, &Value::Object(data)).is_err() {
        return;
    }
    raw.push('\n');
    json::html_escape(out, &raw);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> Vec<(String, String)> {
        vec![
            ("host".into(), "a".into()),
            ("region".into(), "<us>".into()),
        ]
    }

    fn fields() -> Vec<(String, FieldValue)> {
        vec![
            ("v".into(), FieldValue::Float(42.5)),
            ("n".into(), FieldValue::Int(3)),
        ]
    }

    #[test]
    fn default_details_is_html_escaped_json_of_the_details_data() {
        let server = ServerInfo::default();
        let tags = tags();
        let mut fields = fields();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let (tm, fm) = (TagMap(&tags), FieldMap(&fields));
        let data = DetailsData {
            message_data: MessageData {
                id_data: IdData {
                    name: "cpu",
                    task_name: "t",
                    group: "",
                    tags: &tm,
                    server: &server,
                },
                id: "cpu:nil",
                fields: &fm,
                level: Level::Critical,
                time: 1_464_782_400_123_000_000,
                duration: 1e21 as i64,
            },
            message: "cpu:nil is CRITICAL",
        };
        let mut out = String::new();
        write_default_details(&mut out, &data);
        let expected = concat!(
            "{&#34;Name&#34;:&#34;cpu&#34;,&#34;TaskName&#34;:&#34;t&#34;,&#34;Group&#34;:&#34;nil&#34;,",
            "&#34;Tags&#34;:{&#34;host&#34;:&#34;a&#34;,&#34;region&#34;:&#34;\\u003cus\\u003e&#34;},",
            "&#34;ServerInfo&#34;:{&#34;Hostname&#34;:&#34;localhost&#34;,&#34;ClusterID&#34;:&#34;&#34;,",
            "&#34;ServerID&#34;:&#34;&#34;},&#34;ID&#34;:&#34;cpu:nil&#34;,",
            "&#34;Fields&#34;:{&#34;n&#34;:3,&#34;v&#34;:42.5},&#34;Level&#34;:&#34;CRITICAL&#34;,",
            "&#34;Time&#34;:&#34;2016-06-01T12:00:00.123Z&#34;,&#34;Duration&#34;:9223372036854775807,",
            "&#34;Message&#34;:&#34;cpu:nil is CRITICAL&#34;}\n"
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn default_details_is_empty_when_a_field_is_nan() {
        let server = ServerInfo::default();
        let tags = tags();
        let fields = vec![("v".to_string(), FieldValue::Float(f64::NAN))];
        let (tm, fm) = (TagMap(&tags), FieldMap(&fields));
        let data = DetailsData {
            message_data: MessageData {
                id_data: IdData {
                    name: "cpu",
                    task_name: "t",
                    group: "",
                    tags: &tm,
                    server: &server,
                },
                id: "x",
                fields: &fm,
                level: Level::Ok,
                time: 0,
                duration: 0,
            },
            message: "m",
        };
        let mut out = String::from("");
        write_default_details(&mut out, &data);
        assert_eq!(out, "");
        let v = DetailsFuncs.call("json", &[Value::Object(&data)]).unwrap();
        assert_eq!(format!("{v:?}"), "string()");
    }

    #[test]
    fn json_compact_has_no_trailing_newline_and_plus_is_kept_raw_before_escaping() {
        let v = DetailsFuncs
            .call("jsonCompact", &[Value::Float(1e21)])
            .unwrap();
        assert_eq!(format!("{v:?}"), "string(1e+21)");
        let v = DetailsFuncs.call("json", &[Value::str("<a>")]).unwrap();
        assert_eq!(format!("{v:?}"), "string(\"\\u003ca\\u003e\"\n)");
    }

    #[test]
    fn id_data_shows_nil_group_but_handler_data_shows_raw_empty_group() {
        let server = ServerInfo::default();
        let tags = tags();
        let tm = TagMap(&tags);
        let id = IdData {
            name: "cpu",
            task_name: "t",
            group: "",
            tags: &tm,
            server: &server,
        };
        assert_eq!(format!("{:?}", id.field("Group").unwrap()), "string(nil)");
        assert!(id.field("Level").is_none());
        assert!(id.field("Fields").is_none());
        let mut e = crate::json::tests::sample_event();
        e.data.group = String::new();
        let h = e.handler_data();
        assert_eq!(format!("{:?}", h.field("Group").unwrap()), "string()");
        assert_eq!(
            format!("{:?}", h.field("Level").unwrap()),
            "string(CRITICAL)"
        );
        assert_eq!(
            format!("{:?}", h.field("Time").unwrap()),
            "time.Time(2016-06-01 12:00:00.123 +0000 UTC)"
        );
    }

    #[test]
    fn tag_index_of_a_missing_key_is_the_empty_string_but_fields_give_no_value() {
        let tags = tags();
        let fields = fields();
        assert_eq!(format!("{:?}", TagMap(&tags).zero()), "string()");
        assert!(matches!(FieldMap(&fields).zero(), Value::NoValue));
    }
}
