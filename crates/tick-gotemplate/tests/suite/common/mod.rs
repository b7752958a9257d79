//! A test double for alert message data: the fields Kapacitor exposes to `.message()` templates
//! (`alert.go` `messageInfo` in Kapacitor v1.5.7), with Tags as `map[string]string` and Fields as
//! `map[string]interface {}`.
#![allow(dead_code, unreachable_pub)]

use tick_gotemplate::{Escape, FuncSet, GoTime, List, ListRef, Map, Object, Template, Value};

pub struct Tags(pub Vec<(&'static str, &'static str)>);

impl Map for Tags {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| Value::str(v))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        let mut v: Vec<_> = self.0.iter().map(|(k, v)| (*k, Value::str(v))).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        Box::new(v.into_iter())
    }
    fn zero(&self) -> Value<'static> {
        Value::str("")
    }
    fn type_name(&self) -> &str {
        "map[string]string"
    }
}

#[derive(Clone)]
pub enum F {
    Float(f64),
    Int(i64),
    Str(&'static str),
    Bool(bool),
    Dur(i64),
    Nil,
}

impl F {
    fn value(&self) -> Value<'_> {
        match self {
            F::Float(f) => Value::Float(*f),
            F::Int(i) => Value::Int(*i),
            F::Str(s) => Value::str(s),
            F::Bool(b) => Value::Bool(*b),
            F::Dur(d) => Value::Duration(*d),
            F::Nil => Value::NoValue,
        }
    }
}

pub struct Fields(pub Vec<(&'static str, F)>);

impl Map for Fields {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.value())
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        let mut v: Vec<_> = self.0.iter().map(|(k, v)| (*k, v.value())).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        Box::new(v.into_iter())
    }
    fn zero(&self) -> Value<'static> {
        Value::NoValue
    }
    fn type_name(&self) -> &str {
        "map[string]interface {}"
    }
}

pub struct Strings(pub Vec<&'static str>);

impl List for Strings {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        self.0.get(index).map(|s| Value::str(s))
    }
    fn type_name(&self) -> &str {
        "[]string"
    }
}

pub struct Data {
    pub name: &'static str,
    pub task: &'static str,
    pub group: &'static str,
    pub id: &'static str,
    pub level: &'static str,
    pub time: GoTime,
    pub duration: i64,
    pub tags: Tags,
    pub fields: Fields,
    pub list: Strings,
    pub f: F,
}

/// 2016-06-01T12:00:00Z
pub const T0: i64 = 1_464_782_400_000_000_000;

impl Data {
    pub fn new() -> Data {
        Data {
            name: "cpu",
            task: "cpu_alert",
            group: "nil",
            id: "cpu:nil",
            level: "CRITICAL",
            time: GoTime::utc(T0 + 123_000_000),
            duration: 90_000_000_000,
            tags: Tags(vec![("region", "b"), ("host", "a")]),
            fields: Fields(vec![
                ("v", F::Float(85.5)),
                ("i", F::Int(7)),
                ("s", F::Str("hello")),
                ("b", F::Bool(true)),
                ("d", F::Dur(90_000_000_000)),
                ("f", F::Float(42.0)),
                ("n", F::Nil),
            ]),
            list: Strings(vec!["a", "b c", ""]),
            f: F::Float(0.0),
        }
    }
}

impl Object for Data {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "Name" => Value::str(self.name),
            "TaskName" => Value::str(self.task),
            "Group" => Value::str(self.group),
            "ID" => Value::str(self.id),
            "Level" => Value::str(self.level),
            "Time" => Value::Time(self.time),
            "Duration" => Value::Duration(self.duration),
            "Tags" => Value::Map(&self.tags),
            "Fields" => Value::Map(&self.fields),
            "List" => Value::List(ListRef::new(&self.list)),
            "F" => self.f.value(),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "kapacitor.messageInfo"
    }
}

pub fn try_render_with(data: &Data, src: &str, escape: Escape) -> Result<String, String> {
    let t = Template::parse("message", src, &FuncSet::new()).map_err(|e| e.to_string())?;
    let t = t.with_escape(escape);
    let mut out = String::from("stale");
    match t.render(data, &mut out) {
        Ok(()) => Ok(out),
        Err(e) => {
            assert_eq!(out, "", "output before an error is discarded");
            Err(e.to_string())
        }
    }
}

/// Renders `src` against the standard data; panics on error.
pub fn render(src: &str) -> String {
    try_render_with(&Data::new(), src, Escape::Text).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Renders with `f` as the `.F` field.
pub fn render_f(f: F, src: &str) -> String {
    let mut d = Data::new();
    d.f = f;
    try_render_with(&d, src, Escape::Text).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// The error text of a template that must fail (to parse or to execute).
pub fn error(src: &str) -> String {
    match try_render_with(&Data::new(), src, Escape::Text) {
        Ok(out) => panic!("{src} rendered {out:?} but should fail"),
        Err(e) => e,
    }
}

pub fn render_html(src: &str) -> String {
    try_render_with(&Data::new(), src, Escape::Html).unwrap_or_else(|e| panic!("{src}: {e}"))
}
