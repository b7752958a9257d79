//! Go's `math` package, ported so every math function of the lambda language returns the bits
//! Kapacitor's does. The platform's libm (and the `libm` crate) differ from Go in the last bit
//! on some inputs of most functions, and Go itself is not always correctly rounded
//! (`math.Log(3)` is one bit off), so matching Go means running Go's algorithms.
//!
//! Owns: the numeric algorithms, one file per family of Go's `src/math`. Does not own: the
//! function table of the lambda language (`functions/math.rs`).
//!
//! What runs is what Go runs on amd64: `Exp`, `Log` and `Hypot` follow Go's amd64 assembly
//! (`exp_amd64.s`, `log_amd64.s`, `hypot_amd64.s`), everything else Go's pure-Go code, which Go's
//! compiler does not fuse into multiply-adds on amd64; the operation order is kept exactly.
//! `Sqrt`, `Floor`, `Ceil`, `Trunc`, `Abs` and `Mod` are exact in Go and in Rust alike, so Rust's
//! own are used. Go's amd64 `Exp` takes a fused multiply-add path when the CPU has AVX and FMA
//! and a plain one otherwise, with results one bit apart on some inputs; [`exp`] makes the same
//! choice at run time, so `exp` and everything built on it (`pow`, `sinh`, `cosh`, `tanh`,
//! `erf`, `erfc`, `gamma`) match a Kapacitor running on the same machine.
//!
//! Checked against Go 1.19.8 (linux/amd64): the expected values in the tests were printed by it
//! (see `tests.rs`). A Kapacitor built with another Go release can differ only where Go's `math`
//! itself changed between the two.
//!
//! This code is derived from Go's source, `Copyright (c) 2009 The Go Authors`, under a BSD
//! license, and through it from FreeBSD's msun (Sun Microsystems) and the Cephes library;
//! the notices are in `LICENSE-GO` next to this file.

// Go's constants are kept digit for digit as Go's source writes them.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

mod bessel0;
mod bessel1;
mod besseln;
mod erf;
mod exp;
mod gamma;
mod hyper;
mod invtrig;
mod log;
mod misc;
mod pow;
mod trig;

#[cfg(test)]
mod tests;

pub(crate) use bessel0::{j0, y0};
pub(crate) use bessel1::{j1, y1};
pub(crate) use besseln::{jn, yn};
pub(crate) use erf::{erf, erfc};
pub(crate) use exp::{exp, exp2, expm1};
pub(crate) use gamma::gamma;
pub(crate) use hyper::{acosh, asinh, atanh, cosh, sinh, tanh};
pub(crate) use invtrig::{acos, asin, atan, atan2};
pub(crate) use log::{log, log1p, log2, log10, logb};
pub(crate) use misc::{cbrt, hypot, max, min};
pub(crate) use pow::{pow, pow10};
pub(crate) use trig::{cos, sin, tan};

const SHIFT: u32 = 52;
const MASK: u64 = 0x7ff;
const BIAS: i64 = 1023;
const SMALLEST_NORMAL: f64 = f64::MIN_POSITIVE;

/// Go's `normalize`: a subnormal scaled into the normal range, and the exponent to undo it.
fn normalize(x: f64) -> (f64, i64) {
    if x.abs() < SMALLEST_NORMAL {
        (x * (1u64 << 52) as f64, -52)
    } else {
        (x, 0)
    }
}

/// Go's `Frexp` (src/math/frexp.go): `(frac, exp)` with `x = frac * 2**exp`,
/// `0.5 <= |frac| < 1`.
pub(crate) fn frexp(f: f64) -> (f64, i64) {
    if f == 0.0 || !f.is_finite() {
        return (f, 0);
    }
    let (f, mut exp) = normalize(f);
    let mut x = f.to_bits();
    exp += ((x >> SHIFT) & MASK) as i64 - BIAS + 1;
    x &= !(MASK << SHIFT);
    x |= ((-1 + BIAS) as u64) << SHIFT;
    (f64::from_bits(x), exp)
}

/// Go's `Ldexp` (src/math/ldexp.go): `frac * 2**exp`, rounding once when the result is
/// subnormal.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = normalize(frac);
    let mut exp = exp.saturating_add(e);
    let mut x = frac.to_bits();
    exp = exp.saturating_add(((x >> SHIFT) & MASK) as i64 - BIAS);
    if exp < -1075 {
        return 0f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    x &= !(MASK << SHIFT);
    x |= ((exp + BIAS) as u64) << SHIFT;
    m * f64::from_bits(x)
}

/// Go's `int64(x)` on amd64 (`CVTTSD2SQ`): truncation, and `i64::MIN` for NaN and for values
/// out of range (Rust's `as` saturates instead).
fn go_i64(x: f64) -> i64 {
    if (-9.223_372_036_854_775_808e18..9.223_372_036_854_775_808e18).contains(&x) {
        x as i64
    } else {
        i64::MIN
    }
}

/// Go's `Modf` (src/math/modf.go): integer and fractional parts, both with the sign of `f`.
fn modf(f: f64) -> (f64, f64) {
    if f < 1.0 {
        if f < 0.0 {
            let (i, fr) = modf(-f);
            return (-i, -fr);
        }
        if f == 0.0 {
            return (f, f);
        }
        return (0.0, f);
    }
    let mut x = f.to_bits();
    let e = ((x >> SHIFT) & MASK).wrapping_sub(BIAS as u64);
    if e < 64 - 12 {
        x &= !((1u64 << (64 - 12 - e)) - 1);
    }
    let int = f64::from_bits(x);
    (int, f - int)
}
