//! `|eval(l1, l2, ...)` (Kapacitor's `eval.go` `EvalNode.eval` at v1.5.7): evaluates lambdas in
//! order into `.as()` names, turns `.tags()` results into tags, and chooses the output fields with
//! `.keep()`. Expression state is per group. Any error drops the point.
//!
//! Quirk (`eval.go` `EvalNode.eval`), reproduced: all expressions share one scope per point;
//! before expression j runs, every name it references is reloaded from the point when the point
//! has it, which overwrites an earlier result of the same name, in the output too.

use std::sync::Arc;

use tick_lambda::{EvalError, FieldValue, Lambda, Record, State};
use tick_syntax::Diagnostic;

use crate::group::PerGroup;
use crate::node_props::{ArgValue, BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "eval",
    kind: "eval",
    args: &[Arg::LAMBDA],
    optional: &[],
    variadic: Some(Arg::LAMBDA),
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new("as", &[], "One result name per lambda (required).")
            .variadic(Arg::STRING),
        NodeProperty::new("tags", &[], "Results that become tags (must be strings).")
            .variadic(Arg::STRING),
        NodeProperty::new(
            "keep",
            &[],
            "Keep all original fields, or exactly the listed names.",
        )
        .variadic(Arg::STRING),
    ],
    handlers: false,
    doc: "Computes new fields (or tags) from lambdas.",
    build,
};

#[derive(Debug, Clone, PartialEq)]
enum Keep {
    /// Only the non-tag results.
    Results,
    /// `.keep()`: all original fields plus all results.
    All,
    /// `.keep('a', ...)`: exactly these names, results first.
    Only(Vec<Arc<str>>),
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let lambdas: Vec<Lambda> = props
        .args
        .iter()
        .filter_map(|a| match a {
            ArgValue {
                value: Value::Lambda(l),
                ..
            } => Some(l.clone()),
            _ => None,
        })
        .collect();
    let names: Vec<Arc<str>> = props
        .strings("as")
        .unwrap_or_default()
        .into_iter()
        .map(|s| Arc::from(s.value))
        .collect();
    if names.len() != lambdas.len() {
        let span = props.flag("as").unwrap_or(props.span);
        return Err(vec![Diagnostic::error(
            span,
            format!(
                "must specify same number of expressions and .as() names: got {} as names, and {} expressions.",
                names.len(),
                lambdas.len()
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut is_tag = vec![false; names.len()];
    for t in props.strings("tags").unwrap_or_default() {
        match names.iter().position(|n| &**n == t.value) {
            Some(i) => is_tag[i] = true,
            None => errors.push(Diagnostic::error(
                t.span,
                format!(
                    "invalid tag name \"{}\", name is not present is .as() names",
                    t.value
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let keep = match props.strings("keep") {
        None => Keep::Results,
        Some(list) if list.is_empty() => Keep::All,
        Some(list) => Keep::Only(list.into_iter().map(|s| Arc::from(s.value)).collect()),
    };
    let refs = lambdas
        .iter()
        .map(|l| {
            l.references()
                .iter()
                .map(|r| Arc::from(r.as_str()))
                .collect()
        })
        .collect();
    Ok(Box::new(Eval {
        exprs: Exprs {
            lambdas,
            refs,
            names,
            is_tag,
            keep,
            scope: Vec::new(),
        },
        states: PerGroup::default(),
        groups: crate::group::GroupInterner::default(),
    }))
}

struct Eval {
    exprs: Exprs,
    states: PerGroup<Vec<State>>,
    /// For points whose `.tags()` results name a dimension (see `regroup_after_set_tags`).
    groups: crate::group::GroupInterner,
}

struct Exprs {
    lambdas: Vec<Lambda>,
    /// The references of each lambda.
    refs: Vec<Vec<Arc<str>>>,
    names: Vec<Arc<str>>,
    is_tag: Vec<bool>,
    keep: Keep,
    /// The per-point scope, reused: (name, value).
    scope: Vec<(Arc<str>, FieldValue)>,
}

/// The scope as a lambda sees it: only the loaded names, never the point's tags directly.
struct Scope<'a> {
    vars: &'a [(Arc<str>, FieldValue)],
    time: i64,
}

impl Record for Scope<'_> {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        self.vars.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }
    fn tag(&self, _: &str) -> Option<&str> {
        None
    }
    fn time(&self) -> i64 {
        self.time
    }
}

fn set(scope: &mut Vec<(Arc<str>, FieldValue)>, name: &Arc<str>, v: FieldValue) {
    match scope.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = v,
        None => scope.push((name.clone(), v)),
    }
}

fn go_type(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float64",
        FieldValue::Int(_) => "int64",
        FieldValue::String(_) => "string",
        FieldValue::Bool(_) => "bool",
        FieldValue::Duration(_) => "time.Duration",
    }
}

impl Exprs {
    /// Evaluates every expression into `self.scope`, then builds the output point.
    fn point(&mut self, states: &mut [State], mut p: Point) -> Result<Point, String> {
        self.scope.clear();
        for (j, lambda) in self.lambdas.iter().enumerate() {
            for r in &self.refs[j] {
                let field = p.fields.get(r);
                let tag = p.tags.get(r);
                let loaded = match (field, tag) {
                    (Some(_), Some(_)) => {
                        return Err(EvalError::FieldTagClash {
                            name: r.to_string(),
                        }
                        .to_string());
                    }
                    (Some(f), None) => f.clone(),
                    (None, Some(t)) => FieldValue::String(t.to_string()),
                    (None, None) => continue,
                };
                set(&mut self.scope, r, loaded);
            }
            let rec = Scope {
                vars: &self.scope,
                time: p.time,
            };
            let value = lambda
                .eval(&rec, &mut states[j])
                .map_err(|e| e.to_string())?;
            let value = value.into_field_value().map_err(|e| e.to_string())?;
            set(&mut self.scope, &self.names[j], value);
        }
        let result = |name: &str| {
            self.scope
                .iter()
                .find(|(k, _)| &**k == name)
                .map(|(_, v)| v)
        };
        for (i, name) in self.names.iter().enumerate() {
            if !self.is_tag[i] {
                continue;
            }
            match result(name) {
                Some(FieldValue::String(s)) => p.tags.insert(name.clone(), s.as_str()),
                Some(other) => {
                    return Err(format!(
                        "result of a tag expression must be of type string, got {}",
                        go_type(other)
                    ));
                }
                None => {}
            }
        }
        match &self.keep {
            Keep::Results => {
                let mut fields = Vec::with_capacity(self.names.len());
                for (i, name) in self.names.iter().enumerate() {
                    if let (false, Some(v)) = (self.is_tag[i], result(name)) {
                        fields.push((name.clone(), v.clone()));
                    }
                }
                p.fields = crate::point::Fields::from_pairs(fields);
            }
            Keep::All => {
                for name in &self.names {
                    if let Some(v) = result(name) {
                        p.fields.insert(name.clone(), v.clone());
                    }
                }
            }
            Keep::Only(list) => {
                let mut fields = Vec::with_capacity(list.len());
                for name in list {
                    let from_results = self
                        .names
                        .iter()
                        .any(|n| n == name)
                        .then(|| result(name))
                        .flatten();
                    match from_results.or_else(|| p.fields.get(name)) {
                        Some(v) => fields.push((name.clone(), v.clone())),
                        None => {
                            return Err(format!(
                                "cannot keep field \"{name}\", field does not exist"
                            ));
                        }
                    }
                }
                p.fields = crate::point::Fields::from_pairs(fields);
            }
        }
        Ok(p)
    }
}

impl Node for Eval {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        let Eval {
            exprs,
            states,
            groups,
        } = self;
        let group = match &msg {
            Message::Point(p) => &p.group,
            Message::Batch(b) => &b.group,
        };
        let states = states.get_or_insert_with(group, || {
            exprs.lambdas.iter().map(Lambda::new_state).collect()
        });
        match msg {
            Message::Point(p) => match exprs.point(states, p) {
                Ok(mut p) => {
                    let tags = exprs
                        .names
                        .iter()
                        .zip(&exprs.is_tag)
                        .filter(|(_, is_tag)| **is_tag)
                        .map(|(name, _)| &**name);
                    crate::group::regroup_after_set_tags(groups, &mut p, tags);
                    out.push(Message::Point(p));
                }
                Err(e) => ctx.error("error evaluating expression", &e),
            },
            Message::Batch(mut b) => {
                let mut kept = Vec::with_capacity(b.points.len());
                for p in std::mem::take(&mut b.points) {
                    match exprs.point(states, p) {
                        Ok(p) => kept.push(p),
                        Err(e) => ctx.error("error evaluating expression", &e),
                    }
                }
                b.points = kept;
                out.push(Message::Batch(b));
            }
        }
    }
}
