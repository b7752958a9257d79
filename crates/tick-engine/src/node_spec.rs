//! What a catalogue entry declares: a node kind's chain method, arguments, properties and the
//! chain methods allowed after it (`NodeSpec`), and how it is built (`BuildFn`). Owns no node
//! behaviour (that is `nodes/*.rs`), no property values (`node_props.rs`) and no script checking
//! (`compile/`).

use std::fmt;

use tick_syntax::Diagnostic;

use crate::handler_use::ArgType;
use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::Node;

/// The type of one argument of a node (`|derivative('v')`) or node property (`.period(5m)`).
/// Strict: no int→float or int→duration coercion, as Kapacitor's reflection-based setters
/// (`evalFunc`, tick/eval.go at v1.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// Exactly this type.
    T(ArgType),
    /// A string or `*` (`groupBy('host')`, `groupBy(*)`).
    StringOrStar,
    /// Any literal; the build function checks it (`default().field('f', value)`).
    Any,
    /// An int or a duration (`sample(3)`, `sample(10s)`).
    IntOrDuration,
}

impl Arg {
    pub(crate) const STRING: Arg = Arg::T(ArgType::String);
    pub(crate) const INT: Arg = Arg::T(ArgType::Int);
    pub(crate) const FLOAT: Arg = Arg::T(ArgType::Float);
    pub(crate) const BOOL: Arg = Arg::T(ArgType::Bool);
    pub(crate) const DURATION: Arg = Arg::T(ArgType::Duration);
    pub(crate) const LAMBDA: Arg = Arg::T(ArgType::Lambda);
}

/// One property of a node: `.period(5m)` is `NodeProperty { name: "period", args: &[Arg::DURATION] }`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeProperty {
    /// The TICKscript name (`stateChangesOnly`); matched with its first letter case-insensitive
    /// (Kapacitor's `capitalizeFirst`, tick/eval.go at v1.5.7: `.crit` and `.Crit` are the same).
    pub name: &'static str,
    /// Required arguments.
    pub args: &'static [Arg],
    /// Optional arguments after the required ones (`.stateChangesOnly()` / `.stateChangesOnly(5m)`).
    pub optional: &'static [Arg],
    /// Any number of further arguments of this type (`.keep('a', 'b')`).
    pub variadic: Option<Arg>,
    /// One line saying what the property does.
    #[allow(
        dead_code,
        reason = "catalogue documentation, not yet printed by any command"
    )]
    pub doc: &'static str,
}

impl NodeProperty {
    /// A property with exactly these arguments.
    pub(crate) const fn new(
        name: &'static str,
        args: &'static [Arg],
        doc: &'static str,
    ) -> NodeProperty {
        NodeProperty {
            name,
            args,
            optional: &[],
            variadic: None,
            doc,
        }
    }
    /// A property with no arguments (`.noRecoveries()`).
    pub(crate) const fn flag(name: &'static str, doc: &'static str) -> NodeProperty {
        NodeProperty {
            name,
            args: &[],
            optional: &[],
            variadic: None,
            doc,
        }
    }
    pub(crate) const fn optional(mut self, optional: &'static [Arg]) -> NodeProperty {
        self.optional = optional;
        self
    }
    pub(crate) const fn variadic(mut self, arg: Arg) -> NodeProperty {
        self.variadic = Some(arg);
        self
    }
}

/// How a node is built from its checked properties. `Err` carries every problem, each with a
/// span into the script.
pub(crate) type BuildFn =
    fn(&NodeProps, &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>>;

/// A node kind in the catalogue (one entry of the ordered `NODES` slice; no registry is discovered
/// at run time, see `docs/ARCHITECTURE.md`): everything `tick check`, `tick show`, hints and docs
/// know about it.
#[derive(Clone, Copy)]
pub(crate) struct NodeSpec {
    /// The chain method that creates it: `from`, `groupBy`, `stateDuration`, `mean`.
    pub method: &'static str,
    /// The prefix of its node name (Kapacitor's `node.Name`, pipeline/node.go at v1.5.7: the kind
    /// then the node's number): `from` → `from1`, `groupBy` → `groupby2`.
    pub kind: &'static str,
    /// Arguments of the chain method itself (`|derivative('v')`).
    pub args: &'static [Arg],
    pub optional: &'static [Arg],
    pub variadic: Option<Arg>,
    /// Chain methods allowed after it (`|x`). Those without a `NODES` entry are reported as not
    /// supported yet.
    pub chains: &'static [&'static str],
    /// Its properties, besides `.quiet()` which every node has (Kapacitor's `node.Quiet`,
    /// pipeline/node.go at v1.5.7).
    pub properties: &'static [NodeProperty],
    /// Whether the injected handler methods (`.mqtt('t')`, ...) are properties of this node
    /// (the alert node).
    pub handlers: bool,
    /// One line saying what the node does.
    #[allow(
        dead_code,
        reason = "catalogue documentation, not yet printed by any command"
    )]
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
    pub(crate) fn property(&self, name: &str) -> Option<&'static NodeProperty> {
        self.properties.iter().find(|p| same_method(p.name, name))
    }
    pub(crate) fn has_chain(&self, name: &str) -> bool {
        self.chains.iter().any(|c| same_method(c, name))
    }
}

/// Method names compare with the first letter upper-cased (Kapacitor's `capitalizeFirst`,
/// tick/eval.go at v1.5.7).
pub(crate) fn same_method(a: &str, b: &str) -> bool {
    let mut x = a.chars();
    let mut y = b.chars();
    match (x.next(), y.next()) {
        (Some(p), Some(q)) => p.eq_ignore_ascii_case(&q) && x.as_str() == y.as_str(),
        (None, None) => true,
        _ => false,
    }
}

/// The chain methods (`|x()`) of every processing node in Kapacitor (`pipeline/node.go`
/// `chainnode`). A method here without a `NODES` entry is reported as
/// `node "x" is not supported yet`, never ignored, except `deadman`, which the compiler expands
/// into `stats`, `derivative` and `alert` nodes (Kapacitor's `pipeline/node.go` `Deadman` at
/// v1.5.7).
pub(crate) const CHAIN_METHODS: &[&str] = &[
    "alert",
    "barrier",
    "bottom",
    "changeDetect",
    "combine",
    "count",
    "cumulativeSum",
    "deadman",
    "default",
    "delete",
    "derivative",
    "difference",
    "distinct",
    "ec2Autoscale",
    "elapsed",
    "eval",
    "first",
    "flatten",
    "groupBy",
    "holtWinters",
    "holtWintersWithFit",
    "httpOut",
    "httpPost",
    "influxDBOut",
    "join",
    "k8sAutoscale",
    "kapacitorLoopback",
    "last",
    "log",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "movingAverage",
    "noOp",
    "percentile",
    "sample",
    "shift",
    "sideload",
    "spread",
    "stateCount",
    "stateDuration",
    "stats",
    "stddev",
    "sum",
    "swarmAutoscale",
    "top",
    "trickle",
    "union",
    "where",
    "window",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_match_with_either_case_of_the_first_letter() {
        assert!(same_method("crit", "Crit"));
        assert!(same_method("stateChangesOnly", "StateChangesOnly"));
        assert!(!same_method("crit", "cRit"));
        assert!(!same_method("crit", "cri"));
    }
}
