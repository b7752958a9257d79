//! Level selection with hysteresis (Kapacitor's `AlertNode.determineLevel` and
//! `findFirstMatchLevel`, alert.go at v1.5.7). Owns only the order in which the level and reset
//! predicates are consulted; evaluating them (and logging their errors) is the caller's.

use crate::event::Level;

/// The alert's level predicates as the selection sees them.
///
/// Implementations evaluate the compiled lambdas against the current point and log errors;
/// the selection only needs the two answers below.
pub(crate) trait LevelPredicates {
    /// True when the predicate of `level` is set **and** evaluates to true. An unset
    /// predicate, a false result and an evaluation error all count as "not matched".
    fn matches(&mut self, level: Level) -> bool;
    /// True when the reset predicate of `level` is set **and** evaluates to false (the alert stays
    /// at `level`). An unset reset, a true result and an evaluation error all let the level drop
    /// (Kapacitor's `determineLevel` logs a failing reset and goes on as if it had passed).
    fn reset_holds(&mut self, level: Level) -> bool;
}

const DESCENDING: [Level; 3] = [Level::Critical, Level::Warning, Level::Info];

/// The level for one point, given the group's `current` level (Kapacitor's
/// `AlertNode.determineLevel`).
///
/// Note that the predicate of `current` itself is evaluated twice when nothing higher
/// matches (steps 1 and 3), as in Kapacitor; stateful functions such as `count()` see both.
pub(crate) fn select_level(current: Level, predicates: &mut impl LevelPredicates) -> Level {
    let floor = current.max(Level::Info);
    // 1. Escalation or stay: CRITICAL down to max(current, INFO).
    for level in DESCENDING.into_iter().filter(|l| *l >= floor) {
        if predicates.matches(level) {
            return level;
        }
    }
    // 2. Reset: a failing reset keeps the current level.
    if current != Level::Ok && predicates.reset_holds(current) {
        return current;
    }
    // 3. Downgrade: current down to INFO.
    for level in DESCENDING.into_iter().filter(|l| *l <= current) {
        if predicates.matches(level) {
            return level;
        }
    }
    Level::Ok
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Threshold predicates over one value: `level > t` and resets `level < r`.
    pub(crate) struct Thresholds {
        pub value: Option<f64>,
        pub levels: [Option<f64>; 4],
        pub resets: [Option<f64>; 4],
        pub evaluated: Vec<Level>,
    }

    impl Thresholds {
        pub(crate) fn documented(with_resets: bool) -> Thresholds {
            let r = |x| if with_resets { Some(x) } else { None };
            Thresholds {
                value: None,
                levels: [None, Some(60.0), Some(70.0), Some(80.0)],
                resets: [None, r(50.0), r(60.0), r(70.0)],
                evaluated: Vec::new(),
            }
        }
    }

    impl LevelPredicates for Thresholds {
        fn matches(&mut self, level: Level) -> bool {
            if self.levels[level as usize].is_some() {
                self.evaluated.push(level);
            }
            match (self.levels[level as usize], self.value) {
                (Some(t), Some(v)) => v > t,
                // A missing value is an evaluation error: not matched.
                _ => false,
            }
        }
        fn reset_holds(&mut self, level: Level) -> bool {
            match (self.resets[level as usize], self.value) {
                (Some(r), Some(v)) => v >= r,
                // Unset, or an error (missing value): the reset counts as passed.
                _ => false,
            }
        }
    }

    fn run(preds: &mut Thresholds, values: &[Option<f64>]) -> Vec<Level> {
        let mut current = Level::Ok;
        values
            .iter()
            .map(|v| {
                preds.value = *v;
                current = select_level(current, preds);
                current
            })
            .collect()
    }

    use Level::{Critical as C, Info as I, Ok as O, Warning as W};

    #[test]
    fn documented_hysteresis_example_gives_info_warning_warning_critical_info_info_ok() {
        let values = [61.0, 73.0, 64.0, 85.0, 62.0, 56.0, 47.0].map(Some);
        let levels = run(&mut Thresholds::documented(true), &values);
        assert_eq!(levels, vec![I, W, W, C, I, I, O]);
    }

    #[test]
    fn without_resets_the_level_follows_the_highest_matching_predicate() {
        let values = [61.0, 73.0, 64.0, 85.0, 62.0, 56.0, 47.0].map(Some);
        let levels = run(&mut Thresholds::documented(false), &values);
        assert_eq!(levels, vec![I, W, I, C, I, O, O]);
    }

    #[test]
    fn stays_critical_until_crit_reset_passes() {
        let mut p = Thresholds {
            value: None,
            levels: [None, None, None, Some(5.0)],
            resets: [None, None, None, Some(1.0)],
            evaluated: Vec::new(),
        };
        let levels = run(&mut p, &[Some(10.0), Some(3.0), Some(2.0), Some(0.5)]);
        assert_eq!(levels, vec![C, C, C, O]);
    }

    #[test]
    fn reset_error_counts_as_passed_and_lets_the_level_drop() {
        // crit "x" > 5.0, critReset "x" < 1.0; a point without x takes CRITICAL to OK.
        let mut p = Thresholds {
            value: None,
            levels: [None, None, None, Some(5.0)],
            resets: [None, None, None, Some(1.0)],
            evaluated: Vec::new(),
        };
        assert_eq!(run(&mut p, &[Some(10.0), None]), vec![C, O]);
    }

    #[test]
    fn predicate_errors_count_as_not_matched() {
        // crit "x" > 5.0, warn "x" > 2.0: x=10, (no x), x=3, (no x) → CRITICAL OK WARNING OK.
        let mut p = Thresholds {
            value: None,
            levels: [None, None, Some(2.0), Some(5.0)],
            resets: [None; 4],
            evaluated: Vec::new(),
        };
        assert_eq!(
            run(&mut p, &[Some(10.0), None, Some(3.0), None]),
            vec![C, O, W, O]
        );
    }

    #[test]
    fn a_critical_group_evaluates_crit_twice_when_it_no_longer_matches() {
        let mut p = Thresholds {
            value: None,
            levels: [None, None, None, Some(5.0)],
            resets: [None; 4],
            evaluated: Vec::new(),
        };
        run(&mut p, &[Some(10.0)]);
        assert_eq!(p.evaluated, vec![C]);
        p.evaluated.clear();
        p.value = None;
        assert_eq!(select_level(C, &mut p), O);
        assert_eq!(p.evaluated, vec![C, C]);
    }

    #[test]
    fn from_ok_every_set_predicate_is_tried_from_critical_down() {
        let mut p = Thresholds::documented(true);
        p.value = Some(10.0);
        assert_eq!(select_level(O, &mut p), O);
        assert_eq!(p.evaluated, vec![C, W, I]);
    }
}
