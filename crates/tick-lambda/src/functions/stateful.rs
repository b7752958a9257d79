//! Stateful functions `count`, `sigma`, `spread` (Kapacitor `tick/stateful/functions.go` `count`,
//! `sigma`, `spread`). Each compiled call owns
//! one [`FnState`] slot in the caller's [`crate::State`].

use super::t::*;
use super::{Func, Imp, Sig};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Count,
    Sigma,
    Spread,
}

/// The running state of one stateful call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FnState {
    Count(i64),
    /// Welford's running mean and sum of squared deviations.
    Sigma {
        n: f64,
        mean: f64,
        m2: f64,
    },
    Spread {
        min: f64,
        max: f64,
    },
}

impl FnState {
    pub(crate) fn new(kind: Kind) -> FnState {
        match kind {
            Kind::Count => FnState::Count(0),
            Kind::Sigma => FnState::Sigma {
                n: 0.0,
                mean: 0.0,
                m2: 0.0,
            },
            Kind::Spread => FnState::Spread {
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
            },
        }
    }

    /// `count()`: the new count.
    pub(crate) fn count(&mut self) -> i64 {
        match self {
            FnState::Count(n) => {
                *n = n.wrapping_add(1);
                *n
            }
            _ => 0,
        }
    }

    /// `sigma(x)`: |x − mean| / sample stddev, including x; 0 when n < 2 or stddev is 0.
    pub(crate) fn sigma(&mut self, x: f64) -> f64 {
        match self {
            FnState::Sigma { n, mean, m2 } => {
                *n += 1.0;
                let delta = x - *mean;
                *mean += delta / *n;
                *m2 += delta * (x - *mean);
                if *n < 2.0 {
                    return 0.0;
                }
                let stddev = (*m2 / (*n - 1.0)).sqrt();
                if stddev == 0.0 {
                    0.0
                } else {
                    (x - *mean).abs() / stddev
                }
            }
            _ => 0.0,
        }
    }

    /// `spread(x)`: running max − min, including x.
    pub(crate) fn spread(&mut self, x: f64) -> f64 {
        match self {
            FnState::Spread { min, max } => {
                if x < *min {
                    *min = x;
                }
                if x > *max {
                    *max = x;
                }
                *max - *min
            }
            _ => 0.0,
        }
    }
}

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "count",
        sigs: &[Sig(&[], I)],
        imp: Imp::Stateful(Kind::Count),
        doc: "Counts evaluations: 1, 2, 3, ...",
        examples: &[],
    },
    Func {
        name: "sigma",
        sigs: &[Sig(&[F], F)],
        imp: Imp::Stateful(Kind::Sigma),
        doc: "Distance of x from the running mean, in running sample standard deviations.",
        examples: &[],
    },
    Func {
        name: "spread",
        sigs: &[Sig(&[F], F)],
        imp: Imp::Stateful(Kind::Spread),
        doc: "Running max − min of x.",
        examples: &[],
    },
];
