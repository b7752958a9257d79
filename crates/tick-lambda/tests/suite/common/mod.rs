//! Shared test support: a simple point, and parse + compile + evaluate in one call.
#![allow(dead_code)]

use tick_lambda::{CompileOptions, FieldValue, Lambda, Record, Value, Vars};

/// 2021-03-14T15:09:26Z (a Sunday): its hour and day differ between UTC and far-off zones.
pub(crate) const PI_DAY: i64 = 1_615_734_566_000_000_000;

#[derive(Default, Clone)]
pub(crate) struct Point {
    pub(crate) fields: Vec<(String, FieldValue)>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) time: i64,
}

impl Point {
    pub(crate) fn new() -> Point {
        Point {
            time: PI_DAY,
            ..Point::default()
        }
    }
    pub(crate) fn field(mut self, k: &str, v: FieldValue) -> Point {
        self.fields.push((k.to_string(), v));
        self
    }
    pub(crate) fn f(self, k: &str, v: f64) -> Point {
        self.field(k, FieldValue::Float(v))
    }
    pub(crate) fn i(self, k: &str, v: i64) -> Point {
        self.field(k, FieldValue::Int(v))
    }
    pub(crate) fn s(self, k: &str, v: &str) -> Point {
        self.field(k, FieldValue::String(v.to_string()))
    }
    pub(crate) fn b(self, k: &str, v: bool) -> Point {
        self.field(k, FieldValue::Bool(v))
    }
    pub(crate) fn tag(mut self, k: &str, v: &str) -> Point {
        self.tags.push((k.to_string(), v.to_string()));
        self
    }
    pub(crate) fn at(mut self, t: i64) -> Point {
        self.time = t;
        self
    }
}

impl Record for Point {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn time(&self) -> i64 {
        self.time
    }
}

pub(crate) fn parse(src: &str) -> tick_syntax::ast::Expr {
    let (e, diags) = tick_syntax::parse_expr(src);
    assert!(diags.is_empty(), "{src}: {diags:?}");
    e.expect("parsed")
}

/// Compiles with `vars` and options; compile errors as `compile: <messages>`.
pub(crate) fn compile_with(
    src: &str,
    vars: &Vars,
    opts: &CompileOptions,
) -> Result<Lambda, String> {
    Lambda::compile(&parse(src), vars, opts).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        format!("compile: {}", msgs.join("; "))
    })
}

pub(crate) fn compile(src: &str) -> Result<Lambda, String> {
    compile_with(src, &Vars::new(), &CompileOptions::default())
}

/// Evaluates once with a fresh state; errors as their message (compile errors prefixed).
pub(crate) fn eval(src: &str, p: &Point) -> Result<Value, String> {
    let l = compile(src)?;
    l.eval(p, &mut l.new_state()).map_err(|e| e.to_string())
}

pub(crate) fn eval_bool(src: &str, p: &Point) -> Result<bool, String> {
    let l = compile(src)?;
    l.eval_bool(p, &mut l.new_state())
        .map_err(|e| e.to_string())
}

/// Evaluates with no fields.
pub(crate) fn eval0(src: &str) -> Result<Value, String> {
    eval(src, &Point::new())
}

pub(crate) fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

pub(crate) const SEC: i64 = 1_000_000_000;
