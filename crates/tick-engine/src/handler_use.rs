//! A handler as the script wrote it: `.mqtt('alerts').qos(2)` becomes one `HandlerUse`.
//! The engine checks it against the injected `HandlerSpec`s; `tick-handlers` builds the
//! real handler from it. Owns no delivery.

use tick_syntax::Span;

/// A literal argument value, already type-checked against the spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyUse {
    pub name: String,
    pub args: Vec<Literal>,
    /// Span of the property call (`.qos(2)`), for diagnostics such as "qos must be 0, 1 or 2".
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandlerUse {
    /// The handler kind: `mqtt`, `log`, `tcp`, `exec`, `post`, ...
    pub kind: String,
    /// Arguments of the handler method itself (`.mqtt('alerts')` → `["alerts"]`).
    pub args: Vec<Literal>,
    /// Handler properties in source order (`.qos(2)`, `.retained(TRUE)`, ...).
    pub properties: Vec<PropertyUse>,
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
    String,
    Int,
    Float,
    Bool,
    Duration,
    Lambda,
    /// `*` (e.g. `groupBy(*)`).
    Star,
}

/// One property of a node or handler: `.qos(2)` is `PropertySpec { name: "qos", args: &[Int], .. }`.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    pub name: &'static str,
    /// Required positional arguments.
    pub args: &'static [ArgType],
    /// Further arguments of this type may follow (e.g. `.exec('prog', 'a', 'b')`).
    pub variadic: Option<ArgType>,
    pub doc: &'static str,
}

/// What a handler kind accepts in TICKscript. The engine checks `.mqtt('t').qos(2)` against these;
/// the binary injects them (`tick_handlers::specs()`), so the engine does not depend on
/// `tick-handlers` (an invariant of the engine, see `docs/ARCHITECTURE.md`, "Code map").
#[derive(Debug, Clone, Copy)]
pub struct HandlerSpec {
    /// Method name on the alert node: `mqtt`, `log`, `tcp`, `exec`, `post`.
    pub kind: &'static str,
    pub args: &'static [ArgType],
    pub variadic: Option<ArgType>,
    pub properties: &'static [PropertySpec],
    pub doc: &'static str,
}
