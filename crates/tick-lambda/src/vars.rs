//! Compile-time inputs of a lambda: the script's variables (inlined as Kapacitor's `tick/eval.go`
//! `resolveIdents` does) and compile options.

use std::collections::HashMap;

use tick_syntax::ast;

use crate::Value;

/// The value of a script variable as a lambda sees it.
#[derive(Debug, Clone)]
pub enum VarValue {
    /// Number, string, boolean, duration or regex: inlined as a constant.
    Value(Value),
    /// `var l = lambda: ...`: the body is spliced in as a sub-expression (give the body or
    /// the whole `lambda:` expression).
    Lambda(ast::Expr),
    /// `[a, 'b']`: not usable inside a lambda (compile error).
    List(Vec<VarValue>),
    /// `*`: not usable inside a lambda (compile error).
    Star,
}

impl VarValue {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            VarValue::Value(v) => v.type_name(),
            VarValue::Lambda(_) => "lambda",
            VarValue::List(_) => "list",
            VarValue::Star => "star",
        }
    }
}

/// The variables of a script, in definition order (the order names are listed in
/// `name "x" is undefined. Names in scope: ...`).
#[derive(Debug, Clone, Default)]
pub struct Vars {
    order: Vec<(String, VarValue)>,
    index: HashMap<String, usize>,
}

impl Vars {
    /// No variables.
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Adds or replaces a variable (immutability is the engine's rule to enforce).
    pub fn insert(&mut self, name: impl Into<String>, value: VarValue) {
        let name = name.into();
        match self.index.get(&name) {
            Some(&i) => self.order[i].1 = value,
            None => {
                self.index.insert(name.clone(), self.order.len());
                self.order.push((name, value));
            }
        }
    }

    /// The value of variable `name`.
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.index.get(name).map(|&i| &self.order[i].1)
    }

    /// Names in definition order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|(n, _)| n.as_str())
    }
}

/// Options for [`crate::Lambda::compile`].
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// The zone of `"time"` and `now()` for the time functions (`hour`, `weekday`, ...). Deviation:
    /// Kapacitor uses the host's local zone (the root `expr.go`, `fillScope`, sets `"time"` to
    /// `Local()`); we default to UTC and let `--tz` choose.
    pub tz: chrono_tz::Tz,
}

impl Default for CompileOptions {
    fn default() -> CompileOptions {
        CompileOptions { tz: chrono_tz::UTC }
    }
}
