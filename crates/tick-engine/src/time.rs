//! Go `time.Time.Truncate` and `Round` on nanosecond timestamps
//! (<https://pkg.go.dev/time#Time.Truncate>, <https://pkg.go.dev/time#Time.Round>), as Kapacitor
//! v1.5.7 applies them in `FromNode.Point` (stream.go) and its windows (window.go). Owns only the
//! arithmetic; which node applies it is the node's business.
//!
//! Go measures both from its zero time, 0001-01-01T00:00:00Z, not from the Unix epoch. For a
//! divisor of 24h the two agree; for `1w` weeks start on Monday (0001-01-01 was a Monday).

/// Seconds from 0001-01-01T00:00:00Z to the Unix epoch.
const ZERO_TO_UNIX_SECS: i128 = 62_135_596_800;
const ZERO_TO_UNIX_NANOS: i128 = ZERO_TO_UNIX_SECS * 1_000_000_000;

/// The range of times a point can carry (`MinNanoTime` and `MaxNanoTime` in the InfluxDB
/// models/time.go that Kapacitor v1.5.7 vendors; the line-protocol parser refuses others).
const MIN_TIME: i64 = -9_223_372_036_854_775_806;
const MAX_TIME: i64 = 9_223_372_036_854_775_806;

/// A truncated or rounded time brought back into [`MIN_TIME`, `MAX_TIME`]. Go's `time.Time`
/// can hold the earlier time (`truncate(1w)` of the smallest time is 1677-09-20T00:00:00Z);
/// nanosecond integers cannot, so the time stays at the edge (docs/COMPATIBILITY.md). Staying
/// inside the range keeps it apart from the alert state's "never triggered" mark, so the
/// durations that follow start at 0 as Kapacitor's do.
fn clamp(v: i128) -> i64 {
    v.clamp(MIN_TIME as i128, MAX_TIME as i128) as i64
}

/// `t` rounded down to a multiple of `d` since Go's zero time; `t` unchanged when `d <= 0`.
pub(crate) fn truncate(t: i64, d: i64) -> i64 {
    if d <= 0 {
        return t;
    }
    let abs = t as i128 + ZERO_TO_UNIX_NANOS;
    let r = abs.rem_euclid(d as i128);
    clamp(t as i128 - r)
}

/// `t` rounded to the nearest multiple of `d` since Go's zero time, halfway values rounded up;
/// `t` unchanged when `d <= 0`.
pub(crate) fn round(t: i64, d: i64) -> i64 {
    if d <= 0 {
        return t;
    }
    let d = d as i128;
    let abs = t as i128 + ZERO_TO_UNIX_NANOS;
    let r = abs.rem_euclid(d);
    if r + r < d {
        clamp(t as i128 - r)
    } else {
        clamp(t as i128 + (d - r))
    }
}

/// Go's `time.RFC3339Nano` in UTC: fractional seconds with trailing zeros trimmed, none when
/// zero (`1970-01-01T00:00:01Z`, `...:01.5Z`).
pub(crate) fn rfc3339_nano(t: i64) -> String {
    let secs = t.div_euclid(1_000_000_000);
    let nanos = t.rem_euclid(1_000_000_000) as u32;
    let Some(dt) = chrono::DateTime::from_timestamp(secs, nanos) else {
        return t.to_string();
    };
    let mut s = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;
    const H: i64 = 3600 * S;
    const DAY: i64 = 24 * H;

    #[test]
    fn truncating_to_a_divisor_of_a_day_aligns_to_the_epoch() {
        assert_eq!(truncate(15 * S, 10 * S), 10 * S);
        assert_eq!(truncate(DAY + 5 * H, DAY), DAY);
        assert_eq!(truncate(-5 * S, 10 * S), -10 * S);
    }

    #[test]
    fn truncating_to_a_week_starts_weeks_on_monday() {
        // 1970-01-01 was a Thursday; the Monday before is 1969-12-29 = -3 days.
        assert_eq!(truncate(0, 7 * DAY), -3 * DAY);
        // 2021-03-14 (a Sunday) 15:09:26 truncates to Monday 2021-03-08 00:00:00.
        let sunday = 1_615_734_566 * S;
        assert_eq!(truncate(sunday, 7 * DAY), 1_615_161_600 * S);
    }

    #[test]
    fn rounding_takes_halfway_values_up_also_for_negative_times() {
        assert_eq!(round(-5 * S, 10 * S), 0);
        assert_eq!(round(5 * S, 10 * S), 10 * S);
        assert_eq!(round(4 * S, 10 * S), 0);
        assert_eq!(round(-6 * S, 10 * S), -10 * S);
    }

    #[test]
    fn rfc3339_nano_trims_trailing_zeros_of_the_fraction() {
        assert_eq!(rfc3339_nano(S), "1970-01-01T00:00:01Z");
        assert_eq!(rfc3339_nano(S + 500_000_000), "1970-01-01T00:00:01.5Z");
        assert_eq!(
            rfc3339_nano(1_464_782_400_123_456_789),
            "2016-06-01T12:00:00.123456789Z"
        );
        assert_eq!(rfc3339_nano(-1), "1969-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn a_zero_or_negative_duration_leaves_the_time_alone() {
        assert_eq!(truncate(123, 0), 123);
        assert_eq!(round(123, -1), 123);
    }

    #[test]
    fn extreme_times_saturate_instead_of_overflowing() {
        assert_eq!(round(MAX_TIME, 10 * S), MAX_TIME);
        assert_eq!(truncate(MIN_TIME, 7 * DAY), MIN_TIME);
        assert_eq!(truncate(i64::MIN, 7 * DAY), MIN_TIME);
    }
}
