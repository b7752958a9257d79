//! Time functions (Kapacitor `tick/stateful/functions.go`): `unixNano`, `minute`, `hour`, `day`,
//! `month`, `year`, `weekday` (0 = Sunday), read in the configured zone, and `now()`.

use chrono::{Datelike, TimeZone, Timelike};

use super::t::*;
use super::{FnEnv, Func, Imp, Sig};
use crate::value::V;

fn time_arg(a: &[V<'_>]) -> i64 {
    match a.first() {
        Some(V::Time(t)) => *t,
        _ => 0,
    }
}

macro_rules! part {
    ($name:literal, $doc:literal, $f:expr) => {
        Func {
            name: $name,
            sigs: &[Sig(&[T], I)],
            imp: Imp::Pure(|a, env: &FnEnv| {
                let t = env.tz.timestamp_nanos(time_arg(a));
                let f: fn(&chrono::DateTime<chrono_tz::Tz>) -> i64 = $f;
                Ok(V::Int(f(&t)))
            }),
            doc: $doc,
            examples: &[],
        }
    };
}

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "unixNano",
        sigs: &[Sig(&[T], I)],
        imp: Imp::Pure(|a, _| Ok(V::Int(time_arg(a)))),
        doc: "Nanoseconds since the Unix epoch.",
        examples: &[],
    },
    part!("minute", "Minute of the hour, 0–59.", |t| i64::from(
        t.minute()
    )),
    part!("hour", "Hour of the day, 0–23.", |t| i64::from(t.hour())),
    part!("day", "Day of the month, 1–31.", |t| i64::from(t.day())),
    part!("month", "Month, 1–12.", |t| i64::from(t.month())),
    part!("year", "Year.", |t| i64::from(t.year())),
    part!("weekday", "Day of the week, 0 = Sunday.", |t| i64::from(
        t.weekday().num_days_from_sunday()
    )),
    Func {
        name: "now",
        sigs: &[Sig(&[], T)],
        imp: Imp::Now,
        doc: "The wall clock (the only use of it in lambdas).",
        examples: &[],
    },
];
