//! Every message of the semantic pass (Kapacitor's, at v1.5.7, from `evalFunc`, `evalDeclaration`
//! and `ReflectionDescriber.SetProperty` in tick/eval.go, `Scope.Get` in tick/stateful/scope.go and
//! the nodes' `validate` methods in pipeline/): Kapacitor's wording where users search for it, with
//! `*pipeline.WindowNode` written as the node's method name (`window`).

use crate::handler_use::ArgType;
use crate::node_spec::Arg;

use super::CallSite;

impl CallSite {
    fn func(self) -> &'static str {
        match self {
            CallSite::Node { method, .. } => method,
            CallSite::Property { name, .. } => name,
        }
    }
    fn on(self) -> &'static str {
        match self {
            CallSite::Node { on, .. } | CallSite::Property { on, .. } => on,
        }
    }
    fn what(self) -> &'static str {
        match self {
            CallSite::Node { .. } => "call",
            CallSite::Property { .. } => "set property",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum CompileError {
    #[error("batch tasks are not supported yet")]
    BatchNotSupported,
    #[error("a script needs a `stream` pipeline")]
    NoStream,
    #[error("missing value for var \"{name}\"")]
    MissingVarValue { name: String },
    #[error("attempted to redefine {name}, vars are immutable")]
    Redefined { name: String },
    #[error("name \"{name}\" is undefined. Names in scope: {in_scope}")]
    Undefined { name: String, in_scope: String },
    #[error("reference \"{name}\" can only be used inside a lambda")]
    ReferenceOutsideLambda { name: String },
    #[error("{message}")]
    Regex { message: String },
    #[error("a list can only hold constants")]
    BadListItem,
    #[error("function \"{name}\" can only be used inside a lambda")]
    TopLevelCall { name: String },
    #[error("cannot call \"{name}\" on a value that is not a node")]
    NotANode { name: String },
    #[error("reading property \"{name}\" of {on} is not supported")]
    PropertyRead { name: String, on: &'static str },
    #[error("node \"{name}\" is not supported yet")]
    NotSupported { name: String },
    #[error(
        "no chaining method \"{name}\" on {on}, but property does exist. Use '.' operator instead: 'node.{name}(..)'"
    )]
    UseDot { name: String, on: &'static str },
    #[error(
        "no property method \"{name}\" on {on}, but chaining method does exist. Use '|' operator instead: 'node|{name}(..)'"
    )]
    UsePipe { name: String, on: &'static str },
    #[error("no method or property \"{name}\" on {on}{hint}")]
    Unknown {
        name: String,
        on: &'static str,
        hint: String,
    },
    #[error("too many arguments to {} {} on {}", site.what(), site.func(), site.on())]
    TooManyArgs { site: CallSite },
    #[error("not enough arguments to {} {} on {}: want {want}, got {got}", site.what(), site.func(), site.on())]
    TooFewArgs {
        site: CallSite,
        want: usize,
        got: usize,
    },
    #[error(
        "error calling func \"{}\" on obj {}: value of type {got} is not assignable to type {want}",
        site.func(),
        site.on()
    )]
    ArgType {
        site: CallSite,
        got: &'static str,
        want: &'static str,
    },
    /// A value the node's constructor refuses with its own words (Kapacitor panics there, and
    /// the script's evaluation reports the panic as the call's error).
    #[error("error calling func \"{}\" on obj {}: {message}", site.func(), site.on())]
    Refused {
        site: CallSite,
        message: &'static str,
    },
    #[error(
        "cannot assign reference to type string, did you use double quotes instead of single quotes?"
    )]
    ReferenceForString,
}

/// The type name of an argument kind, for messages.
pub(super) fn arg_name(a: Arg) -> &'static str {
    match a {
        Arg::T(t) => match t {
            ArgType::String => "string",
            ArgType::Int => "int",
            ArgType::Float => "float",
            ArgType::Bool => "boolean",
            ArgType::Duration => "duration",
            ArgType::Lambda => "lambda",
            ArgType::Star => "star",
            ArgType::Any => "literal",
        },
        Arg::StringOrStar => "string or star",
        Arg::IntOrDuration => "int or duration",
        Arg::Any => "literal",
    }
}

/// `" (did you mean .period?)"` when one candidate is close to `name`, else `""`.
pub(super) fn did_you_mean(name: &str, candidates: &[(&str, char)]) -> String {
    let lower = name.to_ascii_lowercase();
    let best = candidates
        .iter()
        .map(|(c, op)| (edit_distance(&lower, &c.to_ascii_lowercase()), *c, *op))
        .filter(|(d, c, _)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _, _)| *d);
    match best {
        Some((_, c, op)) => format!(" (did you mean {op}{c}?)"),
        None => String::new(),
    }
}

/// `" (qos is a property of .mqtt(): write it right after .mqtt(...))"`: the handlers that own
/// property `name`, for a property called where no such handler precedes it.
pub(super) fn property_of(name: &str, owners: &[&str]) -> String {
    let calls: Vec<String> = owners.iter().map(|o| format!(".{o}()")).collect();
    let after: Vec<String> = owners.iter().map(|o| format!(".{o}(...)")).collect();
    format!(
        " ({name} is a property of {}: write it right after {})",
        calls.join(" or "),
        after.join(" or ")
    )
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_name_gets_a_hint_with_its_operator() {
        let c = [("period", '.'), ("every", '.'), ("window", '|')];
        assert_eq!(did_you_mean("perod", &c), " (did you mean .period?)");
        assert_eq!(did_you_mean("windw", &c), " (did you mean |window?)");
        assert_eq!(did_you_mean("zzzzzz", &c), "");
    }

    #[test]
    fn a_handler_property_names_every_handler_it_belongs_to() {
        assert_eq!(
            property_of("qos", &["mqtt"]),
            " (qos is a property of .mqtt(): write it right after .mqtt(...))"
        );
        assert_eq!(
            property_of("x", &["post", "tcp"]),
            " (x is a property of .post() or .tcp(): write it right after .post(...) or .tcp(...))"
        );
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
