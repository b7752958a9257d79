//! The node catalogue (`docs/ARCHITECTURE.md`, "Recipes"): one file per node with its `SPEC`,
//! registered in the ordered `NODES` slice that `tick check`, `tick show`, hints and docs all
//! read. Owns the list of node kinds and the Kapacitor chain methods we know but do not run yet.

use crate::node_spec::NodeSpec;

pub(crate) mod aggregate;
pub(crate) mod change_detect;
pub(crate) mod combine;
pub(crate) mod deadman;
pub(crate) mod default;
pub(crate) mod delete;
pub(crate) mod derivative;
pub(crate) mod eval;
pub(crate) mod flatten;
pub(crate) mod from;
pub(crate) mod group_by;
pub(crate) mod http_out;
pub(crate) mod http_post;
pub(crate) mod influxdb_out;
pub(crate) mod log;
pub(crate) mod sample;
pub(crate) mod shift;
pub(crate) mod state_tracking;
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
    &influxdb_out::SPEC,
    &http_post::SPEC,
    &crate::alert::SPEC,
];

/// The catalogue entry creating a node with chain method `method`.
pub(crate) fn by_method(method: &str) -> Option<&'static NodeSpec> {
    NODES
        .iter()
        .copied()
        .find(|s| crate::node_spec::same_method(s.method, method))
}

/// Names of all catalogue entries, for docs and `tick show`.
pub fn methods() -> impl Iterator<Item = &'static str> {
    NODES.iter().map(|s| s.method)
}
