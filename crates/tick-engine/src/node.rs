//! The node contract: what a catalogue entry declares (`NodeSpec`), the typed properties a node
//! is built from (`NodeProps`), and the runtime trait every node implements (`Node`, with its
//! `NodeContext`). Owns no node behaviour (that is `nodes/*.rs`) and no script checking (that is
//! `compile/`).

use std::fmt;

use tick_lambda::Lambda;
use tick_syntax::{Diagnostic, Span};

use crate::handler_use::{ArgType, HandlerUse};
use crate::point::Message;

/// What an alert node hands to the task: events and inhibitor updates, in order (Kapacitor's
/// `alertState.triggered` sets the inhibitors and `AlertNode.handleEvent` sends the event, alert.go
/// at v1.5.7).
pub type Emission = crate::topics::Emission;

// ---------------------------------------------------------------------------------------------
// Catalogue entries
// ---------------------------------------------------------------------------------------------

/// The type of one argument of a node (`|derivative('v')`) or node property (`.period(5m)`).
/// Strict: no int→float or int→duration coercion, as Kapacitor's reflection-based setters
/// (`evalFunc`, tick/eval.go at v1.5.7).
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
    /// An int or a duration (`sample(3)`, `sample(10s)`).
    IntOrDuration,
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
    /// (Kapacitor's `capitalizeFirst`, tick/eval.go at v1.5.7: `.crit` and `.Crit` are the same).
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

/// A node kind in the catalogue (one entry of the ordered `NODES` slice; no registry is discovered
/// at run time, see `docs/ARCHITECTURE.md`): everything `tick check`, `tick show`, hints and docs
/// know about it.
#[derive(Clone, Copy)]
pub struct NodeSpec {
    /// The chain method that creates it: `from`, `groupBy`, `stateDuration`, `mean`.
    pub method: &'static str,
    /// The prefix of its node name (Kapacitor's `node.Name`, pipeline/node.go at v1.5.7: the kind
    /// then the node's number): `from` → `from1`, `groupBy` → `groupby2`.
    pub kind: &'static str,
    /// Arguments of the chain method itself (`|derivative('v')`).
    pub args: &'static [Arg],
    pub optional: &'static [Arg],
    pub variadic: Option<Arg>,
    /// Chain methods allowed after it (`|x`). Names listed in `nodes::UNSUPPORTED` are reported
    /// as not supported yet.
    pub chains: &'static [&'static str],
    /// Its properties, besides `.quiet()` which every node has (Kapacitor's `node.Quiet`,
    /// pipeline/node.go at v1.5.7).
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

/// Method names compare with the first letter upper-cased (Kapacitor's `capitalizeFirst`,
/// tick/eval.go at v1.5.7).
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
    /// For a lambda of the form `"field" OP number`: the same predicate in a form nodes can
    /// evaluate without the general evaluator (see [`FieldCmp`]).
    pub cmp: Option<FieldCmp>,
}

impl ArgValue {
    /// An argument without a [`FieldCmp`].
    pub fn new(value: Value, span: Span) -> ArgValue {
        ArgValue {
            value,
            span,
            cmp: None,
        }
    }
}

/// A comparison operator of a [`FieldCmp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A number literal of a [`FieldCmp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Float(f64),
    Int(i64),
}

/// The lambda `"field" OP number` (comparisons convert an int to float when the other side is a
/// float, as in the comparison table of Kapacitor's tick/stateful/evaluation_funcs.go at v1.5.7),
/// evaluated straight on a point's fields: the hot path of `where`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCmp {
    pub field: std::sync::Arc<str>,
    pub op: CmpOp,
    pub k: Num,
}

impl FieldCmp {
    /// The predicate's value when the point has the field (and no tag of that name) with a
    /// float or int value; `None` otherwise (missing, a tag, a clash, another type), where
    /// the general evaluator must run to give the exact result or error.
    #[inline]
    pub fn eval(&self, p: &crate::point::Point) -> Option<bool> {
        use tick_lambda::FieldValue;
        let v = p.fields.get(&self.field)?;
        if !p.tags.is_empty() && p.tags.contains(&self.field) {
            return None;
        }
        fn cmp<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
            match op {
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                CmpOp::Ge => a >= b,
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
            }
        }
        Some(match (v, self.k) {
            (FieldValue::Float(x), Num::Float(k)) => cmp(self.op, *x, k),
            (FieldValue::Float(x), Num::Int(k)) => cmp(self.op, *x, k as f64),
            (FieldValue::Int(x), Num::Float(k)) => cmp(self.op, *x as f64, k),
            (FieldValue::Int(x), Num::Int(k)) => cmp(self.op, *x, k),
            _ => return None,
        })
    }

    /// Recognises `lambda: "field" OP number` (a literal number, possibly negated); `"time"`
    /// is not a field and is left to the general evaluator.
    pub fn from_lambda(expr: &tick_syntax::ast::Expr) -> Option<FieldCmp> {
        use tick_syntax::ast::{BinaryOp, Expr, UnaryOp};
        let body = match expr {
            Expr::Lambda { body, .. } => body,
            other => other,
        };
        let Expr::Binary { op, lhs, rhs, .. } = body else {
            return None;
        };
        let op = match op {
            BinaryOp::Less => CmpOp::Lt,
            BinaryOp::LessEq => CmpOp::Le,
            BinaryOp::Greater => CmpOp::Gt,
            BinaryOp::GreaterEq => CmpOp::Ge,
            BinaryOp::Eq => CmpOp::Eq,
            BinaryOp::NotEq => CmpOp::Ne,
            _ => return None,
        };
        let Expr::Reference(r) = &**lhs else {
            return None;
        };
        if r.name == "time" {
            return None;
        }
        let k = match &**rhs {
            Expr::Float { value, .. } => Num::Float(*value),
            Expr::Int { value, .. } => Num::Int(*value),
            Expr::Unary {
                op: UnaryOp::Neg,
                operand,
                ..
            } => match &**operand {
                Expr::Float { value, .. } => Num::Float(-*value),
                Expr::Int { value, .. } => Num::Int(value.checked_neg()?),
                _ => return None,
            },
            _ => return None,
        };
        Some(FieldCmp {
            field: std::sync::Arc::from(r.name.as_str()),
            op,
            k,
        })
    }
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
                ..
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
                ..
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
                ..
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
                ..
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
                ..
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
                ..
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
    /// `.quiet()` was set (Kapacitor's `node.IsQuiet`, pipeline/node.go at v1.5.7): the node logs
    /// no errors (it still counts them).
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
    /// `.ServerInfo` of the alert templates.
    pub server: &'a crate::template_data::ServerInfo,
}

// ---------------------------------------------------------------------------------------------
// Runtime
// ---------------------------------------------------------------------------------------------

/// A running node. Nodes are synchronous and deterministic: they react to messages only (the engine
/// has no IO and no wall clock, see `docs/ARCHITECTURE.md`, "Code map"), and keep their per-group
/// state inside themselves.
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

/// Log levels of the `|log()` node (Kapacitor's `KapacitorHandler.LogPointData`,
/// services/diagnostic/handlers.go at v1.5.7, honours DEBUG, INFO and ERROR; anything else, WARN
/// included, logs at INFO).
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
    /// Alert events triggered but never emitted because their message or details failed to
    /// render: lost alerts, which make `tick run` exit 1.
    pub lost_events: u64,
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
    /// Records an alert event lost to an error (logged with [`NodeContext::error`]).
    pub fn lost_event(&mut self) {
        self.stats.lost_events += 1;
    }

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

    fn lambda_expr(src: &str) -> tick_syntax::ast::Expr {
        let (program, diags) = tick_syntax::parse(&format!("var l = lambda: {src}"));
        assert!(diags.is_empty(), "{diags:?}");
        match &program.stmts[0] {
            tick_syntax::ast::Stmt::Var { value, .. } => value.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn field_comparisons_are_recognised_only_in_the_simple_form() {
        let cmp = |src: &str| FieldCmp::from_lambda(&lambda_expr(src));
        assert_eq!(
            cmp("\"v\" < 10.0"),
            Some(FieldCmp {
                field: "v".into(),
                op: CmpOp::Lt,
                k: Num::Float(10.0)
            })
        );
        assert_eq!(cmp("\"v\" >= -3").map(|c| c.k), Some(Num::Int(-3)));
        assert_eq!(cmp("\"time\" < 10"), None);
        assert_eq!(cmp("10.0 > \"v\""), None);
        assert_eq!(cmp("\"v\" + 1.0 < 10.0"), None);
        assert_eq!(cmp("\"v\" < \"w\""), None);
        assert_eq!(cmp("\"v\" == 'a'"), None);
    }

    #[test]
    fn field_comparisons_agree_with_the_lambda_or_defer_to_it() {
        use crate::point::{Fields, Point, Tags};
        use tick_lambda::{FieldValue, Lambda};
        let points = [
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(9.5))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(10.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(f64::NAN))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Int(10))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Int(-4))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::String("x".into()))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("w", FieldValue::Float(1.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::from_pairs([("v", "a")]),
                Fields::from_pairs([("w", FieldValue::Float(1.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::from_pairs([("v", "a")]),
                Fields::from_pairs([("v", FieldValue::Float(1.0))]),
                0,
            ),
        ];
        let mut fast = 0;
        for op in ["<", "<=", ">", ">=", "==", "!="] {
            for k in ["10.0", "10", "-4", "-4.0"] {
                let src = format!("\"v\" {op} {k}");
                let expr = lambda_expr(&src);
                let c = FieldCmp::from_lambda(&expr).unwrap();
                let l =
                    Lambda::compile(&expr, &tick_lambda::Vars::new(), &Default::default()).unwrap();
                for (i, p) in points.iter().enumerate() {
                    let general = l.eval_bool(p, &mut l.new_state());
                    match c.eval(p) {
                        Some(b) => {
                            fast += 1;
                            assert_eq!(general.ok(), Some(b), "{src} on point {i}");
                        }
                        // Only the points the fast path cannot decide: string, missing, tag,
                        // clash.
                        None => assert!(i >= 5, "{src} on point {i}"),
                    }
                }
            }
        }
        assert_eq!(fast, 6 * 4 * 5);
    }

    #[test]
    fn method_names_match_with_either_case_of_the_first_letter() {
        assert!(same_method("crit", "Crit"));
        assert!(same_method("stateChangesOnly", "StateChangesOnly"));
        assert!(!same_method("crit", "cRit"));
        assert!(!same_method("crit", "cri"));
    }
}
