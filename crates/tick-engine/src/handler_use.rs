//! A handler as the script wrote it: `.mqtt('alerts').qos(2)` becomes one `HandlerUse`.
//! The engine checks it against the injected `HandlerSpec`s; `tick-handlers` builds the
//! real handler from it. Owns no delivery.

use tick_syntax::Span;

/// A literal argument value, already type-checked against the spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string literal.
    String(String),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
}

#[derive(Debug, Clone, PartialEq)]
/// One property call on a handler (`.qos(2)`).
pub struct PropertyUse {
    /// The property name as written (`qos`).
    pub name: String,
    /// Its literal arguments.
    pub args: Vec<Literal>,
    /// Span of the property call (`.qos(2)`), for diagnostics such as "qos must be 0, 1 or 2".
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
/// One handler method on an alert node with its properties (`.mqtt('alerts').qos(2)`).
pub struct HandlerUse {
    /// The handler kind: `mqtt`, `log`, `tcp`, `exec`, `post`, ...
    pub kind: String,
    /// Arguments of the handler method itself (`.mqtt('alerts')` → `["alerts"]`).
    pub args: Vec<Literal>,
    /// Handler properties in source order (`.qos(2)`, `.retained(TRUE)`, ...).
    pub properties: Vec<PropertyUse>,
    /// The handler method call in the script.
    pub span: Span,
}

impl HandlerUse {
    /// The arguments of the last setting of property `name`, if any.
    pub fn property(&self, name: &str) -> Option<&[Literal]> {
        self.properties
            .iter()
            .rev()
            .find(|p| p.name == name)
            .map(|p| p.args.as_slice())
    }
}

/// The type of one argument of a node property, a handler method or a handler property. Properties
/// are strictly typed: there is no int→float or int→duration coercion (Kapacitor sets them through
/// Go reflection, which panics on an int64 where a float64 or `time.Duration` is wanted; `evalFunc`
/// in its tick/eval.go at v1.5.7 reports the panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// A string.
    String,
    /// An integer.
    Int,
    /// A float.
    Float,
    /// A boolean.
    Bool,
    /// A duration.
    Duration,
    /// A lambda.
    Lambda,
    /// `*` (e.g. `groupBy(*)`).
    Star,
    /// Any literal: a string, number, boolean or duration (a Go `interface{}` parameter, as
    /// the value of `.sensu().metadata(key, value)`).
    Any,
}

/// One property of a node or handler: `.qos(2)` is `PropertySpec { name: "qos", args: &[Int], .. }`.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    /// The property name (`qos`).
    pub name: &'static str,
    /// Required positional arguments.
    pub args: &'static [ArgType],
    /// Further arguments of this type may follow (e.g. `.exec('prog', 'a', 'b')`).
    pub variadic: Option<ArgType>,
    /// One line saying what the property does.
    pub doc: &'static str,
}

/// What a handler kind accepts in TICKscript. The engine checks `.mqtt('t').qos(2)` against these;
/// the binary injects them (`tick_handlers::specs()`), so the engine does not depend on
/// `tick-handlers` (an invariant of the engine, see `docs/ARCHITECTURE.md`, "Code map").
#[derive(Debug, Clone, Copy)]
pub struct HandlerSpec {
    /// Method name on the alert node: `mqtt`, `log`, `tcp`, `exec`, `post`.
    pub kind: &'static str,
    /// Arguments of the handler method itself (`.mqtt('topic')`).
    pub args: &'static [ArgType],
    /// Any number of further arguments of this type.
    pub variadic: Option<ArgType>,
    /// Its properties.
    pub properties: &'static [PropertySpec],
    /// One line saying what the handler does.
    pub doc: &'static str,
}
