//! TICKscript lambda expressions: values, compile-once typed evaluation, functions. The rules are
//! those of Kapacitor v1.5.7's `tick/stateful` package (`expr.go`, `eval_*_node.go`,
//! `evaluation_funcs.go`, `functions.go`), with the differences listed below.
//!
//! A lambda is compiled once ([`Lambda::compile`]): identifiers are replaced by the values of the
//! script's variables (as Kapacitor's `tick/eval.go` `resolveIdents` does), constant
//! sub-expressions are folded, type errors between known types and unknown functions are reported
//! with spans. Per point, [`Lambda::eval`] walks the compiled tree; only references (`"name"`) are
//! looked up, through the [`Record`] trait the engine implements for its points. Stateful functions
//! (`count`, `sigma`, `spread`) keep their state in a [`State`] the caller owns, so the caller
//! decides the scoping (Kapacitor copies a `where` or `eval` expression per group with `CopyReset`,
//! but keeps one per alert level for all groups).
//!
//! Owns: value types, operators, built-in functions, their messages. Does not own: what a node
//! does with an error (drop the point, treat the level as unmatched, ...), points, groups.
//!
//! Where we differ from Kapacitor 1.5.7 (each one keeps running where Kapacitor crashes, or
//! reports earlier):
//! * unknown functions (`rand` included, not in 1.5.7) and type errors between constants are
//!   compile errors with a span, not per-point errors;
//! * integer division or modulo by zero is the evaluation error
//!   `runtime error: integer divide by zero` everywhere (Kapacitor crashes in where/alert);
//! * `strSubstring` with start > stop is an error; a slice that splits a UTF-8 character
//!   yields U+FFFD for the broken bytes;
//! * `"time"` and `now()` are read in [`CompileOptions::tz`] (UTC by default), not the host zone;
//! * signature lists print in a fixed order; `float()` does not parse hexadecimal floats;
//! * `strReplace`/`regexReplace` results over 64 MiB are errors; `jn`/`yn` orders are
//!   clamped to ±100000.

#![warn(missing_docs)]

mod compile;
mod error;
mod eval;
mod functions;
mod gofmt;
mod gomath;
mod ops;
mod re2;
mod value;
mod vars;

use std::sync::Arc;

pub use chrono_tz::Tz;
pub use error::{EvalError, LambdaError};
pub use re2::compile_regex;
pub use value::Value;
pub use vars::{CompileOptions, VarValue, Vars};

use tick_syntax::ast;

/// A value stored in a point's field: what line protocol gives, plus durations, which `|eval` can
/// store (Kapacitor's root `eval.go`, `EvalNode.eval`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A float.
    Float(f64),
    /// An integer.
    Int(i64),
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
}

/// What a lambda reads: implemented by the engine's point type.
///
/// A reference `"x"` reads `field("x")` and `tag("x")`; having both is an evaluation error
/// (Kapacitor's root `expr.go`, `fillScope`). `"time"` always reads [`Record::time`].
pub trait Record {
    /// The field `name`, if the point has it.
    fn field(&self, name: &str) -> Option<&FieldValue>;
    /// The tag `name`, if the point has it.
    fn tag(&self, name: &str) -> Option<&str>;
    /// Both [`Record::field`] and [`Record::tag`] of `name`, in one call (what a reference
    /// reads on every evaluation).
    fn field_and_tag(&self, name: &str) -> (Option<&FieldValue>, Option<&str>) {
        (self.field(name), self.tag(name))
    }
    /// Nanoseconds since the Unix epoch, UTC.
    fn time(&self) -> i64;
}

/// What a topic-handler `match` expression reads (Kapacitor `services/alert/handlers.go`
/// `matchHandler.match`): implemented by the alert event.
pub trait MatchEvent {
    /// The event's tag `name`, if it has it.
    fn tag(&self, name: &str) -> Option<&str>;
    /// 0 = OK, 1 = INFO, 2 = WARNING, 3 = CRITICAL.
    fn level(&self) -> i64;
    /// Whether the level changed with this event (`changed()`).
    fn changed(&self) -> bool;
    /// The alert's name (`name()` in a match expression).
    fn name(&self) -> &str;
    /// The task name (`taskName()`).
    fn task_name(&self) -> &str;
    /// How long the alert has been in a non-OK state, nanoseconds (`alertDuration()`).
    fn duration(&self) -> i64;
}

/// The per-instance state of a lambda's stateful functions (`count`, `sigma`, `spread`, see the
/// crate docs for their scoping). Make one with [`Lambda::new_state`] per scope (per group, or
/// shared).
#[derive(Debug, Clone)]
pub struct State {
    pub(crate) slots: Vec<functions::FnState>,
}

/// A compiled lambda: immutable and shareable between threads.
#[derive(Debug, Clone)]
pub struct Lambda {
    inner: Arc<compile::Compiled>,
}

impl Lambda {
    /// Compiles a lambda. `expr` is either the `lambda: ...` expression or its body.
    ///
    /// Compile-time errors (all of them, each with a span): undefined variables, unknown
    /// functions (Kapacitor reports those per point as `undefined function: "foo"`; we report
    /// them here), operator type errors between operands whose types are known, function
    /// signature errors when every argument is a constant, regex syntax, and nesting deeper
    /// than the depth limit.
    pub fn compile(
        expr: &ast::Expr,
        vars: &Vars,
        opts: &CompileOptions,
    ) -> Result<Lambda, Vec<LambdaError>> {
        compile::compile(expr, compile::Mode::Point(vars), opts)
            .map(|c| Lambda { inner: Arc::new(c) })
    }

    /// Compiles a topic-handler `match` expression (Kapacitor `services/alert/handlers.go`
    /// `newMatchHandler`). References read event tags
    /// only (a missing tag is the error `no tag exists for host`); the identifiers `OK`,
    /// `INFO`, `WARNING`, `CRITICAL` are the ints 0–3 and any other identifier is the compile
    /// error `unknown identifier "x"`; the functions `changed()`, `level()`, `name()`,
    /// `taskName()` and `alertDuration()` read the event. Evaluate with [`Lambda::eval_match`].
    pub fn compile_match(
        expr: &ast::Expr,
        opts: &CompileOptions,
    ) -> Result<Lambda, Vec<LambdaError>> {
        compile::compile(expr, compile::Mode::Match, opts).map(|c| Lambda { inner: Arc::new(c) })
    }

    /// Fresh state for the stateful functions of this lambda.
    pub fn new_state(&self) -> State {
        self.inner.new_state()
    }

    /// Evaluates against a point. A bare missing reference gives `missing value: "x"`.
    pub fn eval(&self, rec: &dyn Record, state: &mut State) -> Result<Value, EvalError> {
        self.inner.eval(eval::Input::Point(rec), state)
    }

    /// Evaluates as a predicate (`where`, `crit`, ...). A non-boolean result gives
    /// `TypeGuard: expression returned unexpected type float, expected boolean`; a bare missing
    /// reference `reference "x" is missing value`.
    pub fn eval_bool(&self, rec: &dyn Record, state: &mut State) -> Result<bool, EvalError> {
        self.inner.eval_bool(eval::Input::Point(rec), state)
    }

    /// Evaluates a lambda made by [`Lambda::compile_match`] as a predicate.
    pub fn eval_match(&self, event: &dyn MatchEvent, state: &mut State) -> Result<bool, EvalError> {
        self.inner.eval_bool(eval::Input::Event(event), state)
    }

    /// The distinct references (`"name"`) the lambda reads, in order of first appearance;
    /// `"time"` is not listed (it is always the point's time).
    pub fn references(&self) -> &[String] {
        &self.inner.refs
    }

    /// The value when the whole lambda folded to a constant at compile time.
    pub fn constant(&self) -> Option<&Value> {
        self.inner.constant()
    }
}

/// Evaluates a constant top-level expression (`var x = 2 * 5m`; Kapacitor `tick/eval.go` `eval`
/// and `evalUnary`).
///
/// Identifiers are resolved from `vars`. A binary expression is evaluated with the lambda
/// rules (so `1 + 2.0` is the lambda type error); a unary expression follows the stricter
/// top-level rule: `-` accepts only numbers and durations and `!` only booleans, otherwise
/// `invalid arugument to '-' true`. References and function calls are errors.
pub fn eval_constant(expr: &ast::Expr, vars: &Vars) -> Result<Value, LambdaError> {
    compile::eval_constant(expr, vars, 0)
}
