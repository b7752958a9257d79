//! Every message a lambda can produce, at compile time or per point.
//! Texts are Kapacitor's own where users search for them; owns no evaluation logic.

use tick_syntax::Span;

/// One lambda error. `Display` is the exact user-facing message (Kapacitor's wording).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error(
        "mismatched type to binary operator. got {left} {op} {right}. see bool(), int(), float(), string(), duration()"
    )]
    TypeMismatch {
        left: &'static str,
        op: &'static str,
        right: &'static str,
    },
    /// `kind` is `math`, `comparison` or `logical`.
    #[error("invalid {kind} operator {op} for type {ty}")]
    InvalidOperator {
        kind: &'static str,
        op: &'static str,
        ty: &'static str,
    },
    /// `side` is `left` or `right`.
    #[error("{side} reference value \"{name}\" is missing value")]
    MissingOperand { side: &'static str, name: String },
    #[error("reference \"{name}\" is missing value")]
    MissingReference { name: String },
    #[error("missing value: \"{name}\"")]
    MissingValue { name: String },
    #[error("TypeGuard: expression returned unexpected type {actual}, expected {expected}")]
    TypeGuard {
        actual: &'static str,
        expected: &'static str,
    },
    /// Deviation: Go's integer division panics; Kapacitor's `eval` node reports the panic, but
    /// `where`, `from().where()` and alert levels crash the daemon. We report it everywhere.
    #[error("runtime error: integer divide by zero")]
    IntegerDivideByZero,
    #[error("cannot have field and tags with same name \"{name}\"")]
    FieldTagClash { name: String },
    #[error(
        "Cannot call function \"{func}\" with args ({args}), available signatures are [{available}]."
    )]
    Signature {
        func: &'static str,
        args: String,
        available: String,
    },
    #[error(
        "Cannot call function \"{func}\" argument \"{arg}\" is missing, values in scope are [{in_scope}]"
    )]
    MissingArgument {
        func: &'static str,
        arg: String,
        in_scope: String,
    },
    #[error("error calling \"{func}\": {message}")]
    Call { func: &'static str, message: String },
    /// `|eval` cannot store a time or regex result (Kapacitor `tick/stateful/expr.go`
    /// `expression.Eval`).
    #[error("expression returned unexpected type {ty}")]
    UnexpectedResultType { ty: &'static str },
    /// Reported at compile time (Kapacitor reports it per point).
    #[error("undefined function: \"{name}\"")]
    UndefinedFunction { name: String },
    #[error("name \"{name}\" is undefined. Names in scope: {in_scope}")]
    UndefinedName { name: String, in_scope: String },
    /// An identifier in a topic-handler match expression other than `OK`, `INFO`, `WARNING`,
    /// `CRITICAL`.
    #[error("unknown identifier \"{name}\"")]
    UnknownIdentifier { name: String },
    /// A match expression read a tag the event does not have.
    #[error("no tag exists for {name}")]
    NoTag { name: String },
    #[error("variable \"{name}\" holds a {ty}, which cannot be used in a lambda expression")]
    UnsupportedVariable { name: String, ty: &'static str },
    #[error("a {what} cannot be used in a lambda expression")]
    UnsupportedSyntax { what: &'static str },
    #[error("error parsing regexp: {message}")]
    RegexSyntax { message: String },
    #[error("lambda expression nested too deeply (more than {limit} levels)")]
    TooDeep { limit: usize },
    /// The stricter top-level unary rule (Kapacitor `tick/eval.go` `evalUnary`), Kapacitor's
    /// spelling kept.
    #[error("invalid arugument to '{op}' {value}")]
    InvalidTopLevelUnary { op: &'static str, value: String },
    /// A top-level `var` expression that is not a constant.
    #[error("a {what} can only be used inside a lambda")]
    NotConstant { what: &'static str },
}

/// A compile-time error with the span of the expression it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct LambdaError {
    pub span: Span,
    pub error: EvalError,
}

impl LambdaError {
    pub(crate) fn new(span: Span, error: EvalError) -> LambdaError {
        LambdaError { span, error }
    }
}
