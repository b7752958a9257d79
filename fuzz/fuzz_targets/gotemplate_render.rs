//! Fuzz target `gotemplate_render`: parse arbitrary template text and render it against a fixed
//! alert-like object in text and HTML mode. Must never panic; errors must point inside the source
//! and leave the output buffer empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tick_gotemplate::{
    Escape, FuncSet, Funcs, GoTime, List, ListRef, Map, Object, Template, Value,
};

struct Tags;

const TAGS: [(&str, &str); 2] = [("host", "a"), ("region", "b")];

impl Map for Tags {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        TAGS.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| Value::str(v))
    }
    fn len(&self) -> usize {
        TAGS.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(TAGS.iter().map(|(k, v)| (*k, Value::str(v))))
    }
    fn zero(&self) -> Value<'static> {
        Value::str("")
    }
    fn type_name(&self) -> &str {
        "map[string]string"
    }
}

struct Fields;

fn field_value(key: &str) -> Option<Value<'static>> {
    Some(match key {
        "f" => Value::Float(85.5),
        "big" => Value::Float(1e21),
        "nan" => Value::Float(f64::NAN),
        "i" => Value::Int(i64::MIN),
        "s" => Value::str("<a&b>"),
        "b" => Value::Bool(true),
        "d" => Value::Duration(i64::MIN),
        "n" => Value::NoValue,
        _ => return None,
    })
}

const FIELD_KEYS: [&str; 8] = ["b", "big", "d", "f", "i", "n", "nan", "s"];

impl Map for Fields {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        field_value(key)
    }
    fn len(&self) -> usize {
        FIELD_KEYS.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(
            FIELD_KEYS
                .iter()
                .map(|k| (*k, field_value(k).unwrap_or(Value::NoValue))),
        )
    }
    fn zero(&self) -> Value<'static> {
        Value::NoValue
    }
    fn type_name(&self) -> &str {
        "map[string]interface {}"
    }
}

struct Strings;

impl List for Strings {
    fn len(&self) -> usize {
        3
    }
    fn get(&self, index: usize) -> Option<Value<'_>> {
        ["a", "b c", ""].get(index).map(|s| Value::str(s))
    }
    fn type_name(&self) -> &str {
        "[]string"
    }
}

struct Data;

impl Object for Data {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "Name" => Value::str("cpu"),
            "ID" => Value::str("cpu:nil"),
            "Level" => Value::str("CRITICAL"),
            "Time" => Value::Time(GoTime::utc(1_464_782_400_123_000_000)),
            "Old" => Value::Time(GoTime::with_zone(i64::MIN, -19_800, "")),
            "Duration" => Value::Duration(90_000_000_000),
            "Tags" => Value::Map(&Tags),
            "Fields" => Value::Map(&Fields),
            "List" => Value::List(ListRef::new(&Strings)),
            "Self" => Value::Object(&Data),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "kapacitor.messageInfo"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for name in ["Name", "Time", "Tags", "Fields"] {
            if let Some(v) = self.field(name) {
                f(name, v);
            }
        }
    }
}

struct Json;

impl Funcs for Json {
    fn call(&self, _name: &str, args: &[Value<'_>]) -> Result<Value<'static>, String> {
        match args.first() {
            Some(v) => Ok(v.clone().into_owned()),
            None => Err("no argument".into()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let funcs = FuncSet::new().with("json");
    match Template::parse("message", src, &funcs) {
        Ok(t) => {
            for escape in [Escape::Text, Escape::Html] {
                let t = t.clone().with_escape(escape);
                let mut out = String::from("stale");
                if let Err(e) = t.render_with(&Data, &Json, &mut out) {
                    assert!(out.is_empty(), "output kept after error");
                    assert!(e.offset <= src.len(), "error offset outside the source");
                }
            }
        }
        Err(e) => {
            assert!(
                e.span.start <= src.len() && e.span.end <= src.len(),
                "span outside the source"
            );
            assert!(
                src.is_char_boundary(e.span.start),
                "span not on a char boundary"
            );
        }
    }
});
