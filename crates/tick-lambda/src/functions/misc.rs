//! `isPresent`, `if` and `humanBytes` (Kapacitor `tick/stateful/functions.go` `isPresent`,
//! `ifFunc`, `humanBytes`).

use std::borrow::Cow;

use super::t::*;
use super::{FnEnv, Func, Imp, Sig, take};
use crate::value::V;

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "isPresent",
        sigs: &[
            Sig(&[M], B),
            Sig(&[B], B),
            Sig(&[S], B),
            Sig(&[I], B),
            Sig(&[F], B),
        ],
        imp: Imp::Pure(|a, _| Ok(V::Bool(!matches!(a.first(), Some(V::Missing))))),
        doc: "False only for a reference that is neither a field nor a tag.",
        examples: &[("isPresent(1)", "true")],
    },
    Func {
        name: "if",
        sigs: &[
            Sig(&[B, F, F], F),
            Sig(&[B, I, I], I),
            Sig(&[B, S, S], S),
            Sig(&[B, B, B], B),
            Sig(&[B, R, R], R),
            Sig(&[B, T, T], T),
            Sig(&[B, D, D], D),
        ],
        imp: Imp::Pure(if_),
        doc: "a when cond is true, else b; both branches have the same type and are always evaluated.",
        examples: &[("if(TRUE, 1, 2)", "1"), ("if(FALSE, 'a', 'b')", "b")],
    },
    Func {
        name: "humanBytes",
        sigs: &[Sig(&[F], S), Sig(&[I], S)],
        imp: Imp::Pure(human_bytes_fn),
        doc: "A byte count in SI units (go-humanize Bytes): `83 MB`.",
        examples: &[
            ("humanBytes(1000)", "1.0 kB"),
            ("humanBytes(82854982.0)", "83 MB"),
        ],
    },
];

fn if_<'a>(a: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let cond = matches!(a.first(), Some(V::Bool(true)));
    Ok(if cond { take(a, 1) } else { take(a, 2) })
}

fn human_bytes_fn<'a>(a: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let n: u64 = match a.first() {
        // Go's uint64(int64): negative values wrap.
        Some(V::Int(i)) => *i as u64,
        Some(V::Float(f)) => go_f64_to_u64(*f),
        _ => 0,
    };
    Ok(V::Str(Cow::Owned(human_bytes(n))))
}

/// Go's float64 → uint64 conversion as its compiler emits it on amd64 (Go's
/// `cmd/compile/internal/ssagen/ssa.go`, `float64ToUint64`): below 2^63 through int64,
/// otherwise `int64(f - 2^63) | 1<<63`. The OR (not XOR) makes every value too large for
/// int64, NaN included, come out as 2^63: `humanBytes(1e300)` is `9.2 EB` in Kapacitor 1.5.7.
fn go_f64_to_u64(f: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f < TWO63 {
        crate::ops::go_f64_to_i64(f) as u64
    } else {
        (crate::ops::go_f64_to_i64(f - TWO63) as u64) | (1 << 63)
    }
}

/// go-humanize `Bytes`: SI units, one decimal below 10 of the unit.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let x = n as f64;
    let e = (x.ln() / 1000f64.ln()).floor();
    let unit = UNITS.get(e as usize).copied().unwrap_or("EB");
    let val = (x / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {unit}")
    } else {
        format!("{val:.0} {unit}")
    }
}
