//! The node contract: what a catalogue entry declares (`NodeSpec`), the typed properties a node
//! is built from (`NodeProps`), and the runtime trait every node implements (`Node`, with its
//! `NodeContext`). Owns no node behaviour (that is `nodes/*.rs`) and no script checking (that is
//! `compile/`).

use std::fmt;

use tick_lambda::Lambda;
use tick_syntax::{Diagnostic, Span};

use crate::handler_use::{ArgType, HandlerUse};
use crate::point::Message;

/// What an alert node hands to the task: events and inhibitor updates, in order (spec §5.8).
pub type Emission = crate::topics::Emission;

// ---------------------------------------------------------------------------------------------
// Catalogue entries
// ---------------------------------------------------------------------------------------------

/// The type of one argument of a node (`|derivative('v')`) or node property (`.period(5m)`).
/// Strict: no int→float or int→duration coercion (spec §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Exactly this type.
    T(ArgType),
    /// float, int, string or bool (`default().field('f', value)`).
    Scalar,
    /// A string or `*` (`groupBy('host')`, `groupBy(*)`).
    StringOrStar,
    /// Any literal; the build function checks it (`default().field('f', value)`).
    Any,
}

impl Arg {
    pub const STRING: Arg = Arg::T(ArgType::String);
    pub const INT: Arg = Arg::T(ArgType::Int);
    pub const FLOAT: Arg = Arg::T(ArgType::Float);
    pub const BOOL: Arg = Arg::T(ArgType::Bool);
    pub const DURATION: Arg = Arg::T(ArgType::Duration);
    pub const LAMBDA: Arg = Arg::T(ArgType::Lambda);
}

/// One property of a node: `.period(5m)` is `NodeProperty { name: "period", args: &[Arg::DURATION] }`.
#[derive(Debug, Clone, Copy)]
pub struct NodeProperty {
    /// The TICKscript name (`stateChangesOnly`); matched with its first letter case-insensitive
    /// (spec §1.7: `.crit` and `.Crit` are the same).
    pub name: &'static str,
    /// Required arguments.
    pub args: &'static [Arg],
    /// Optional arguments after the required ones (`.stateChangesOnly()` / `.stateChangesOnly(5m)`).
    pub optional: &'static [Arg],
    /// Any number of further arguments of this type (`.keep('a', 'b')`).
    pub variadic: Option<Arg>,
    pub doc: &'static str,
}

impl NodeProperty {
    /// A property with exactly these arguments.
    pub const fn new(name: &'static str, args: &'static [Arg], doc: &'static str) -> NodeProperty {
        NodeProperty {
            name,
            args,
            optional: &[],
            variadic: None,
            doc,
        }
    }
    /// A property with no arguments (`.noRecoveries()`).
    pub const fn flag(name: &'static str, doc: &'static str) -> NodeProperty {
        NodeProperty {
            name,
            args: &[],
            optional: &[],
            variadic: None,
            doc,
        }
    }
    pub const fn optional(mut self, optional: &'static [Arg]) -> NodeProperty {
        self.optional = optional;
        self
    }
    pub const fn variadic(mut self, arg: Arg) -> NodeProperty {
        self.variadic = Some(arg);
        self
    }
}

/// How a node is built from its checked properties. `Err` carries every problem, each with a
/// span into the script.
pub type BuildFn = fn(&NodeProps, &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>>;

/// A node kind in the catalogue (STYLE §3): everything `tick check`, `tick show`, hints and docs
/// know about it.
#[derive(Clone, Copy)]
pub struct NodeSpec {
    /// The chain method that creates it: `from`, `groupBy`, `stateDuration`, `mean`.
    pub method: &'static str,
    /// The prefix of its node name (spec §1.7): `from` → `from1`, `groupBy` → `groupby2`.
    pub kind: &'static str,
    /// Arguments of the chain method itself (`|derivative('v')`).
    pub args: &'static [Arg],
    pub optional: &'static [Arg],
    pub variadic: Option<Arg>,
    /// Chain methods allowed after it (`|x`). Names listed in `nodes::UNSUPPORTED` are reported
    /// as not supported yet.
    pub chains: &'static [&'static str],
    /// Its properties, besides `.quiet()` which every node has (spec §4.0).
    pub properties: &'static [NodeProperty],
    /// Whether the injected handler methods (`.mqtt('t')`, ...) are properties of this node
    /// (the alert node).
    pub handlers: bool,
    pub doc: &'static str,
    pub build: BuildFn,
}

impl fmt::Debug for NodeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSpec")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl NodeSpec {
    /// The declared property `name` (first letter case-insensitive).
    pub fn property(&self, name: &str) -> Option<&'static NodeProperty> {
        self.properties.iter().find(|p| same_method(p.name, name))
    }
    pub fn has_chain(&self, name: &str) -> bool {
        self.chains.iter().any(|c| same_method(c, name))
    }
}

/// Method names compare with the first letter upper-cased (spec §1.7).
pub fn same_method(a: &str, b: &str) -> bool {
    let mut x = a.chars();
    let mut y = b.chars();
    match (x.next(), y.next()) {
        (Some(p), Some(q)) => p.eq_ignore_ascii_case(&q) && x.as_str() == y.as_str(),
        (None, None) => true,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Typed properties
// ---------------------------------------------------------------------------------------------

/// One checked argument value.
#[derive(Debug, Clone)]
pub enum Value {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// A compiled lambda (variables inlined).
    Lambda(Lambda),
    Star,
}

/// A value with the span of the script text it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// One argument as set in the script.
#[derive(Debug, Clone)]
pub struct ArgValue {
    pub value: Value,
    pub span: Span,
}

/// One property call: `.period(5m)`.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The name as declared in the spec (`stateChangesOnly`, whatever case the script used).
    pub name: &'static str,
    pub args: Vec<ArgValue>,
    /// The whole call, `period(5m)`.
    pub span: Span,
}

/// A node as the script configured it, with every value typed and spanned. Getters return the
/// **last** setting of a property (a second `.groupBy()` replaces the first), except
/// [`NodeProps::all`].
#[derive(Debug, Clone)]
pub struct NodeProps {
    /// `from`, `alert`, ...
    pub method: &'static str,
    /// The node name: `alert2`.
    pub name: String,
    /// The creation call, `|alert()`.
    pub span: Span,
    /// Arguments of the creation call (`|eval(l1, l2)`, `|derivative('v')`).
    pub args: Vec<ArgValue>,
    /// Property settings in source order.
    pub settings: Vec<Setting>,
    /// Handler uses in source order (alert only).
    pub handlers: Vec<HandlerUse>,
}

impl NodeProps {
    /// The last setting of `name`.
    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|s| same_method(s.name, name))
    }
    /// Every setting of `name` in source order (repeated `.where()`, `.inhibit()`).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Setting> + 'a {
        self.settings
            .iter()
            .filter(move |s| same_method(s.name, name))
    }
    /// Whether `name` was set at all; the span of the last setting.
    pub fn flag(&self, name: &str) -> Option<Span> {
        self.setting(name).map(|s| s.span)
    }
    fn first_arg(&self, name: &str) -> Option<&ArgValue> {
        self.setting(name).and_then(|s| s.args.first())
    }
    /// First argument of the last `name` setting, when it is a string.
    pub fn string(&self, name: &str) -> Option<Spanned<&str>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::String(s),
                span,
            } => Some(Spanned {
                value: s,
                span: *span,
            }),
            _ => None,
        }
    }
    pub fn int(&self, name: &str) -> Option<Spanned<i64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Int(v),
                span,
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    pub fn float(&self, name: &str) -> Option<Spanned<f64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Float(v),
                span,
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    pub fn bool(&self, name: &str) -> Option<Spanned<bool>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Bool(v),
                span,
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    /// Nanoseconds.
    pub fn duration(&self, name: &str) -> Option<Spanned<i64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Duration(v),
                span,
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    pub fn lambda(&self, name: &str) -> Option<Spanned<&Lambda>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Lambda(l),
                span,
            } => Some(Spanned {
                value: l,
                span: *span,
            }),
            _ => None,
        }
    }
    /// All string arguments of the last `name` setting (`.keep('a','b')`, `.as('x','y')`).
    pub fn strings(&self, name: &str) -> Option<Vec<Spanned<&str>>> {
        let s = self.setting(name)?;
        Some(
            s.args
                .iter()
                .filter_map(|a| match &a.value {
                    Value::String(v) => Some(Spanned {
                        value: v.as_str(),
                        span: a.span,
                    }),
                    _ => None,
                })
                .collect(),
        )
    }
    pub fn handlers(&self) -> &[HandlerUse] {
        &self.handlers
    }
    /// `.quiet()` was set (spec §4.0): the node logs no errors (it still counts them).
    pub fn quiet(&self) -> bool {
        self.flag("quiet").is_some()
    }
}

/// What a build function may know besides the node's own properties.
#[derive(Debug, Clone)]
pub struct BuildContext<'a> {
    pub task_name: &'a str,
    /// The node name (`alert2`), as in `NodeProps::name`.
    pub node_name: &'a str,
    pub lambda_options: &'a tick_lambda::CompileOptions,
}

// ---------------------------------------------------------------------------------------------
// Runtime
// ---------------------------------------------------------------------------------------------

/// A running node. Nodes are synchronous and deterministic: they react to messages only
/// (STYLE §1), and keep their per-group state inside themselves.
pub trait Node: Send {
    /// Handles one incoming message; pushes what it emits, in order, to `out`.
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>);

    /// Emits what the node still holds at end of input ([`crate::Task::flush`]); most nodes
    /// hold nothing.
    fn flush(&mut self, _ctx: &mut NodeContext<'_>, _out: &mut Vec<Message>) {}

    /// For `httpOut`: the endpoint name and the cached rows, one per group in creation order.
    fn http_out(&self) -> Option<(&str, Vec<crate::event::Row>)> {
        None
    }
}

/// Log levels of the `|log()` node (spec §4.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Error,
}

/// One line produced by a `|log()` node.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub node: String,
    pub level: LogLevel,
    /// The logfmt text (`prefix=.. name=cpu ...`).
    pub line: String,
}

/// One distinct error message of a node and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSummary {
    /// `error while evaluating expression: left reference value "x" is missing value`.
    pub message: String,
    pub count: u64,
}

/// Counters of one node (`tick run --stats`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// The node name (`from1`).
    pub name: String,
    pub received: u64,
    pub emitted: u64,
    pub errors: u64,
    /// Distinct error messages in order of first occurrence.
    pub error_summaries: Vec<ErrorSummary>,
}

/// What a node sees while handling one message.
pub struct NodeContext<'a> {
    pub task_name: &'a str,
    pub node_name: &'a str,
    /// Alert emissions of this push, in order.
    pub emissions: &'a mut Vec<Emission>,
    pub(crate) logs: &'a mut Vec<LogRecord>,
    pub(crate) stats: &'a mut NodeStats,
    pub(crate) quiet: bool,
}

impl NodeContext<'_> {
    /// Counts an evaluation error of this node. Each distinct message is logged (a `tracing`
    /// warning) the first time only, unless the node is `.quiet()`; the counts are in
    /// `Task::stats`. `what` is Kapacitor's log text (`error while evaluating expression`).
    pub fn error(&mut self, what: &str, err: &dyn fmt::Display) {
        self.stats.errors += 1;
        let message = format!("{what}: {err}");
        if let Some(s) = self
            .stats
            .error_summaries
            .iter_mut()
            .find(|s| s.message == message)
        {
            s.count += 1;
            return;
        }
        if !self.quiet {
            tracing::warn!(task = self.task_name, node = self.node_name, "{message}");
        }
        self.stats
            .error_summaries
            .push(ErrorSummary { message, count: 1 });
    }

    /// Records a line of the `|log()` node.
    pub fn log(&mut self, level: LogLevel, line: String) {
        self.logs.push(LogRecord {
            node: self.node_name.to_string(),
            level,
            line,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_match_with_either_case_of_the_first_letter() {
        assert!(same_method("crit", "Crit"));
        assert!(same_method("stateChangesOnly", "StateChangesOnly"));
        assert!(!same_method("crit", "cRit"));
        assert!(!same_method("crit", "cri"));
    }
}
