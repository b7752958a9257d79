//! The node catalogue (`docs/ARCHITECTURE.md`, "Recipes"): one file per node with its `SPEC`,
//! registered in the ordered `NODES` slice that `tick check`, `tick show`, hints and docs all
//! read. Owns the list of node kinds and the Kapacitor chain methods we know but do not run yet.

use crate::node::NodeSpec;

pub(crate) mod aggregate;
pub(crate) mod change_detect;
pub(crate) mod combine;
pub(crate) mod default;
pub(crate) mod delete;
pub(crate) mod derivative;
pub(crate) mod eval;
pub(crate) mod flatten;
pub(crate) mod from;
pub(crate) mod group_by;
pub(crate) mod http_out;
pub(crate) mod log;
pub(crate) mod sample;
pub(crate) mod shift;
pub(crate) mod state_tracking;
pub(crate) mod stats;
pub(crate) mod stream;
pub(crate) mod top;
pub(crate) mod transformation;
#[path = "where.rs"]
pub(crate) mod where_;
pub(crate) mod window;

/// Every node kind we run, in documentation order.
pub(crate) const NODES: &[&NodeSpec] = &[
    &stream::SPEC,
    &from::SPEC,
    &where_::SPEC,
    &eval::SPEC,
    &group_by::SPEC,
    &default::SPEC,
    &delete::SPEC,
    &window::SPEC,
    &aggregate::COUNT,
    &aggregate::SUM,
    &aggregate::MEAN,
    &aggregate::MEDIAN,
    &aggregate::MODE,
    &aggregate::SPREAD,
    &aggregate::STDDEV,
    &aggregate::FIRST,
    &aggregate::LAST,
    &aggregate::MIN,
    &aggregate::MAX,
    &aggregate::PERCENTILE,
    &top::TOP,
    &top::BOTTOM,
    &top::DISTINCT,
    &derivative::SPEC,
    &flatten::SPEC,
    &combine::SPEC,
    &shift::SPEC,
    &sample::SPEC,
    &change_detect::SPEC,
    &transformation::DIFFERENCE,
    &transformation::CUMULATIVE_SUM,
    &transformation::MOVING_AVERAGE,
    &transformation::ELAPSED,
    &state_tracking::DURATION,
    &state_tracking::COUNT,
    &log::SPEC,
    &http_out::SPEC,
    &crate::alert::SPEC,
];

/// The chain methods (`|x()`) of every processing node in Kapacitor (`pipeline/node.go`
/// `chainnode`). A method here without a `NODES` entry is reported as
/// `node "x" is not supported yet`, never ignored, except `deadman`, which the compiler expands
/// into `stats`, `derivative` and `alert` nodes (Kapacitor's `pipeline/node.go` `Deadman` at
/// v1.5.7).
pub const CHAIN_METHODS: &[&str] = &[
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

/// Top-level sources and other Kapacitor words that are valid but not run by us.
pub const UNSUPPORTED_SOURCES: &[&str] = &["batch", "query"];

/// The catalogue entry creating a node with chain method `method`.
pub(crate) fn by_method(method: &str) -> Option<&'static NodeSpec> {
    NODES
        .iter()
        .copied()
        .find(|s| crate::node::same_method(s.method, method))
}

/// Names of all catalogue entries, for docs and `tick show`.
pub fn methods() -> impl Iterator<Item = &'static str> {
    NODES.iter().map(|s| s.method)
}

/// After a node set tags `changed` on `p` (Kapacitor's `SetTags`, edge/messages.go at v1.5.7,
/// which recomputes the group id): when one of them is a dimension, the point moves to the
/// group its new tags name.
pub(crate) fn regroup_after_set_tags<'k>(
    groups: &mut crate::group::GroupInterner,
    p: &mut crate::point::Point,
    mut changed: impl Iterator<Item = &'k str>,
) {
    let dims = p.dimensions.tag_names();
    if dims.is_empty() || !changed.any(|k| dims.iter().any(|d| &**d == k)) {
        return;
    }
    p.group = groups.id(&p.name, &p.tags, &p.dimensions);
}
