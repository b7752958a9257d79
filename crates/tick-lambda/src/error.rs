//! Every message a lambda can produce, at compile time or per point.
//! Texts are Kapacitor's own where users search for them; owns no evaluation logic.

use tick_syntax::Span;

/// One lambda error. `Display` is the exact user-facing message (Kapacitor's wording).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A binary operator applied to two types it does not accept together.
    #[error(
        "mismatched type to binary operator. got {left} {op} {right}. see bool(), int(), float(), string(), duration()"
    )]
    TypeMismatch {
        /// The left operand's type.
        left: &'static str,
        /// The operator.
        op: &'static str,
        /// The right operand's type.
        right: &'static str,
    },
    /// `kind` is `math`, `comparison` or `logical`.
    #[error("invalid {kind} operator {op} for type {ty}")]
    InvalidOperator {
        /// The operator family.
        kind: &'static str,
        /// The operator.
        op: &'static str,
        /// The operand's type.
        ty: &'static str,
    },
    /// An operand that references a missing field or tag: which `side`, and its `name`.
    #[error("{side} reference value \"{name}\" is missing value")]
    MissingOperand {
        /// `left` or `right`.
        side: &'static str,
        /// The name, as written.
        name: String,
    },
    /// A lone reference (`lambda: "x"`) to a missing field or tag.
    #[error("reference \"{name}\" is missing value")]
    MissingReference {
        /// The name, as written.
        name: String,
    },
    /// A function argument that references a missing field or tag.
    #[error("missing value: \"{name}\"")]
    MissingValue {
        /// The name, as written.
        name: String,
    },
    /// A lambda whose result has the wrong type for where it is used (`where` wants a bool).
    #[error("TypeGuard: expression returned unexpected type {actual}, expected {expected}")]
    TypeGuard {
        /// The type the lambda returned.
        actual: &'static str,
        /// The type wanted.
        expected: &'static str,
    },
    /// Deviation: Go's integer division panics; Kapacitor's `eval` node reports the panic, but
    /// `where`, `from().where()` and alert levels crash the daemon. We report it everywhere.
    #[error("runtime error: integer divide by zero")]
    IntegerDivideByZero,
    /// A reference that names both a field and a tag of the point.
    #[error("cannot have field and tags with same name \"{name}\"")]
    FieldTagClash {
        /// The name, as written.
        name: String,
    },
    /// A function called with argument types none of its signatures accepts.
    #[error(
        "Cannot call function \"{func}\" with args ({args}), available signatures are [{available}]."
    )]
    Signature {
        /// The function.
        func: &'static str,
        /// The argument types given.
        args: String,
        /// The signatures it has.
        available: String,
    },
    /// A function argument that references a name the point does not have.
    #[error(
        "Cannot call function \"{func}\" argument \"{arg}\" is missing, values in scope are [{in_scope}]"
    )]
    MissingArgument {
        /// The function.
        func: &'static str,
        /// The missing argument's name.
        arg: String,
        /// The names the point has.
        in_scope: String,
    },
    /// A function that failed on its arguments: the function and its message.
    #[error("error calling \"{func}\": {message}")]
    Call {
        /// The function.
        func: &'static str,
        /// The underlying message.
        message: String,
    },
    /// `|eval` cannot store a time or regex result (Kapacitor `tick/stateful/expr.go`
    /// `expression.Eval`).
    #[error("expression returned unexpected type {ty}")]
    UnexpectedResultType {
        /// The type.
        ty: &'static str,
    },
    /// A call of a function that does not exist. Reported at compile time (Kapacitor reports it
    /// per point).
    #[error("undefined function: \"{name}\"")]
    UndefinedFunction {
        /// The name, as written.
        name: String,
    },
    /// An identifier that names no variable: the name and the names in scope.
    #[error("name \"{name}\" is undefined. Names in scope: {in_scope}")]
    UndefinedName {
        /// The name, as written.
        name: String,
        /// The names in scope.
        in_scope: String,
    },
    /// An identifier in a topic-handler match expression other than `OK`, `INFO`, `WARNING`,
    /// `CRITICAL`.
    #[error("unknown identifier \"{name}\"")]
    UnknownIdentifier {
        /// The name, as written.
        name: String,
    },
    /// A match expression read a tag the event does not have.
    #[error("no tag exists for {name}")]
    NoTag {
        /// The name, as written.
        name: String,
    },
    /// A variable whose type cannot appear in a lambda: its name and type.
    #[error("variable \"{name}\" holds a {ty}, which cannot be used in a lambda expression")]
    UnsupportedVariable {
        /// The name, as written.
        name: String,
        /// The type.
        ty: &'static str,
    },
    /// Syntax a lambda cannot hold (a node, a star): what it was.
    #[error("a {what} cannot be used in a lambda expression")]
    UnsupportedSyntax {
        /// What the syntax was.
        what: &'static str,
    },
    /// A regex literal that does not compile: the regex crate's message.
    #[error("error parsing regexp: {message}")]
    RegexSyntax {
        /// The underlying message.
        message: String,
    },
    /// An expression nested deeper than `limit` levels.
    #[error("lambda expression nested too deeply (more than {limit} levels)")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// The stricter top-level unary rule (Kapacitor `tick/eval.go` `evalUnary`), Kapacitor's
    /// spelling kept.
    #[error("invalid arugument to '{op}' {value}")]
    InvalidTopLevelUnary {
        /// The operator.
        op: &'static str,
        /// The value, as Kapacitor prints it.
        value: String,
    },
    /// A top-level `var` expression that is not a constant.
    #[error("a {what} can only be used inside a lambda")]
    NotConstant {
        /// What the syntax was.
        what: &'static str,
    },
}

/// A compile-time error with the span of the expression it is about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct LambdaError {
    /// The expression the error is about.
    pub span: Span,
    /// The error.
    pub error: EvalError,
}

impl LambdaError {
    pub(crate) fn new(span: Span, error: EvalError) -> LambdaError {
        LambdaError { span, error }
    }
}
