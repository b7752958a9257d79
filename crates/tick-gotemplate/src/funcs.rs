//! Extra functions supplied by the caller (Kapacitor's `json` and `jsonCompact`): declared by
//! name at parse time, implemented at render time. Built-ins live in `builtins`.

use crate::value::Value;

/// The names of the caller's extra functions, known when parsing.
#[derive(Clone, Debug, Default)]
pub struct FuncSet {
    names: Vec<String>,
    /// Functions whose result is html/template's `template.JS`.
    js: Vec<String>,
}

impl FuncSet {
    /// No extra functions.
    pub fn new() -> FuncSet {
        FuncSet::default()
    }

    /// Declares one more function. A name equal to a built-in overrides the built-in, as in Go.
    pub fn with(mut self, name: &str) -> FuncSet {
        self.names.push(name.to_owned());
        self
    }

    /// Declares one more function whose result is trusted JavaScript (a Go function returning
    /// html/template's `template.JS`, as Kapacitor's `json`): inside `<script>` or an `on*`
    /// attribute its result is written as it is instead of being quoted as a JS string.
    pub fn with_js(mut self, name: &str) -> FuncSet {
        self.js.push(name.to_owned());
        self.with(name)
    }

    /// True if `name` was declared with [`FuncSet::with_js`].
    pub fn returns_js(&self, name: &str) -> bool {
        self.js.iter().any(|n| n == name)
    }

    /// True if `name` was declared.
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

/// Implements the functions declared in a [`FuncSet`] during a render.
pub trait Funcs {
    /// Calls `name` with its evaluated arguments (the piped value, if any, is last; a missing
    /// value arrives as [`Value::NoValue`]). An `Err(msg)` fails the render with
    /// `error calling <name>: <msg>`.
    fn call(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, String>;
}

/// No extra functions: every call fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFuncs;

impl Funcs for NoFuncs {
    fn call(&self, name: &str, _args: &[Value<'_>]) -> Result<Value<'static>, String> {
        Err(format!("function {name:?} not available"))
    }
}
