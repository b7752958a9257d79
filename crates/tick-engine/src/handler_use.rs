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
        self.properties.iter().rev().find(|p| p.name == name).map(|p| p.args.as_slice())
    }
}
