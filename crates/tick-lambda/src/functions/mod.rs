//! The built-in lambda functions (Kapacitor `tick/stateful/functions.go`): one ordered table per
//! family, each entry with its exact signatures, implementation, doc and examples. The compiler and
//! the evaluator both read the signatures from here; signature lists print in table order.

mod convert;
mod event;
mod math;
mod misc;
mod stateful;
mod strings;
mod time;

use crate::value::{Type, V};

pub(crate) use event::Kind as EventKind;
pub(crate) use stateful::{FnState, Kind as StatefulKind};

/// One accepted argument list and its result type.
#[derive(Debug)]
pub(crate) struct Sig(pub(crate) &'static [Type], pub(crate) Type);

/// What a pure function may read besides its arguments.
pub(crate) struct FnEnv {
    pub(crate) tz: chrono_tz::Tz,
}

/// A pure function: its arguments already match one signature. An `Err` message is wrapped
/// as `error calling "<name>": <message>`.
pub(crate) type PureFn = for<'a> fn(&mut [V<'a>], &FnEnv) -> Result<V<'a>, String>;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Imp {
    Pure(PureFn),
    /// Stateful: keeps a [`FnState`] slot per compiled call.
    Stateful(stateful::Kind),
    /// `now()`: the wall clock, the only one in the crate.
    Now,
    /// Reads the alert event (topic-handler match expressions only).
    Event(event::Kind),
}

/// A built-in function.
#[derive(Debug)]
pub(crate) struct Func {
    pub(crate) name: &'static str,
    pub(crate) sigs: &'static [Sig],
    pub(crate) imp: Imp,
    /// One line for `tick show` and the docs.
    #[allow(dead_code)]
    pub(crate) doc: &'static str,
    /// `(lambda body, expected result as %v)`: run as tests.
    #[allow(dead_code)]
    pub(crate) examples: &'static [(&'static str, &'static str)],
}

impl Func {
    pub(crate) fn is_pure(&self) -> bool {
        matches!(self.imp, Imp::Pure(_))
    }

    /// `(float), (string,duration)` in table order.
    pub(crate) fn signature_list(&self) -> String {
        let sigs: Vec<String> = self
            .sigs
            .iter()
            .map(|s| {
                let args: Vec<&str> = s.0.iter().map(|t| t.name()).collect();
                format!("({})", args.join(","))
            })
            .collect();
        sigs.join(", ")
    }

    pub(crate) fn find_sig(
        &self,
        types: impl Iterator<Item = Type> + Clone,
    ) -> Option<&'static Sig> {
        self.sigs.iter().find(|s| {
            let mut it = types.clone();
            s.0.iter().all(|t| it.next() == Some(*t)) && it.next().is_none()
        })
    }
}

/// Every family, in the order names are searched.
const FAMILIES: &[&[Func]] = &[
    convert::FUNCS,
    math::UNARY,
    math::BINARY,
    math::OTHER,
    strings::FUNCS,
    time::FUNCS,
    misc::FUNCS,
    stateful::FUNCS,
];

/// Looks a function up by name; `match_mode` adds the event functions of topic-handler
/// match expressions.
pub(crate) fn lookup(name: &str, match_mode: bool) -> Option<&'static Func> {
    let found = FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .find(|f| f.name == name);
    if found.is_some() {
        return found;
    }
    if match_mode {
        return event::FUNCS.iter().find(|f| f.name == name);
    }
    None
}

/// Every function (for docs and the example tests).
#[cfg(test)]
pub(crate) fn all() -> impl Iterator<Item = &'static Func> {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .chain(event::FUNCS.iter())
}

/// Shorthands for signature tables.
pub(crate) mod t {
    use crate::value::Type;
    pub(crate) const F: Type = Type::Float;
    pub(crate) const I: Type = Type::Int;
    pub(crate) const S: Type = Type::String;
    pub(crate) const B: Type = Type::Bool;
    pub(crate) const D: Type = Type::Duration;
    pub(crate) const T: Type = Type::Time;
    pub(crate) const R: Type = Type::Regex;
    pub(crate) const M: Type = Type::Missing;
}

/// Takes argument `i` out of the slice (arguments are used once).
pub(crate) fn take<'a>(args: &mut [V<'a>], i: usize) -> V<'a> {
    std::mem::replace(&mut args[i], V::Missing)
}

pub(crate) fn arg_f(args: &[V<'_>], i: usize) -> f64 {
    match args.get(i) {
        Some(V::Float(x)) => *x,
        _ => f64::NAN,
    }
}

pub(crate) fn arg_i(args: &[V<'_>], i: usize) -> i64 {
    match args.get(i) {
        Some(V::Int(x)) => *x,
        _ => 0,
    }
}

pub(crate) fn arg_s<'x>(args: &'x [V<'_>], i: usize) -> &'x str {
    match args.get(i) {
        Some(V::Str(s)) => s,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompileOptions, Lambda, Record, Vars};

    struct Empty;
    impl Record for Empty {
        fn field(&self, _: &str) -> Option<&crate::FieldValue> {
            None
        }
        fn tag(&self, _: &str) -> Option<&str> {
            None
        }
        fn time(&self) -> i64 {
            0
        }
    }

    #[test]
    fn every_documented_example_evaluates_to_its_stated_result() {
        let mut n = 0;
        for f in all() {
            assert!(!f.doc.is_empty(), "{} has no doc", f.name);
            for (src, want) in f.examples {
                let (expr, diags) = tick_syntax::parse_expr(src);
                assert!(diags.is_empty(), "{src}: {diags:?}");
                let l = Lambda::compile(&expr.unwrap(), &Vars::new(), &CompileOptions::default())
                    .unwrap();
                let v = l.eval(&Empty, &mut l.new_state()).unwrap();
                assert_eq!(v.to_string(), *want, "{src}");
                n += 1;
            }
        }
        assert!(n > 60, "{n} examples");
    }

    #[test]
    fn function_names_are_unique() {
        let mut names: Vec<&str> = all().map(|f| f.name).collect();
        let len = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), len);
    }
}
