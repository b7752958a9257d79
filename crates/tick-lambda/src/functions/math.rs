//! Math functions (Kapacitor `tick/stateful/functions.go` `math1`, `math2`, `mathI`, `mathIF`) with
//! Go `math` semantics (<https://pkg.go.dev/math>): NaN and ±Inf propagate, nothing
//! fails. Where Go's formula differs from a correctly rounded one (`log10`, `log2`, `pow10`),
//! Go's formula is used so results match to the last bit.

use super::t::*;
use super::{FnEnv, Func, Imp, Sig, arg_f, arg_i};
use crate::value::V;

macro_rules! float_fns {
    ($( $name:literal => $f:expr, $doc:literal, [$( ($ex:literal, $want:literal) ),*] ;)*) => {
        &[ $( Func {
            name: $name,
            sigs: &[Sig(&[F], F)],
            imp: Imp::Pure(|args: &mut [V<'_>], _: &FnEnv| {
                let f: fn(f64) -> f64 = $f;
                Ok(V::Float(f(arg_f(args, 0))))
            }),
            doc: $doc,
            examples: &[$( ($ex, $want) ),*],
        }, )* ]
    };
}

macro_rules! float2_fns {
    ($( $name:literal => $f:expr, $doc:literal, [$( ($ex:literal, $want:literal) ),*] ;)*) => {
        &[ $( Func {
            name: $name,
            sigs: &[Sig(&[F, F], F)],
            imp: Imp::Pure(|args: &mut [V<'_>], _: &FnEnv| {
                let f: fn(f64, f64) -> f64 = $f;
                Ok(V::Float(f(arg_f(args, 0), arg_f(args, 1))))
            }),
            doc: $doc,
            examples: &[$( ($ex, $want) ),*],
        }, )* ]
    };
}

pub(crate) const UNARY: &[Func] = float_fns! {
    "abs" => f64::abs, "Absolute value.", [("abs(-2.0)", "2")];
    "acos" => f64::acos, "Arc cosine, radians.", [("acos(1.0)", "0")];
    "acosh" => f64::acosh, "Inverse hyperbolic cosine.", [("acosh(1.0)", "0")];
    "asin" => f64::asin, "Arc sine, radians.", [("asin(0.0)", "0")];
    "asinh" => f64::asinh, "Inverse hyperbolic sine.", [("asinh(0.0)", "0")];
    "atan" => f64::atan, "Arc tangent, radians.", [("atan(0.0)", "0")];
    "atanh" => f64::atanh, "Inverse hyperbolic tangent.", [("atanh(0.0)", "0")];
    "cbrt" => f64::cbrt, "Cube root.", [("cbrt(27.0)", "3")];
    "ceil" => f64::ceil, "Least integer value not below x.", [("ceil(1.2)", "2")];
    "cos" => f64::cos, "Cosine.", [("cos(0.0)", "1")];
    "cosh" => f64::cosh, "Hyperbolic cosine.", [("cosh(0.0)", "1")];
    "erf" => libm::erf, "Error function.", [("erf(0.0)", "0")];
    "erfc" => libm::erfc, "Complementary error function.", [("erfc(0.0)", "1")];
    "exp" => f64::exp, "e**x.", [("exp(0.0)", "1")];
    "exp2" => f64::exp2, "2**x.", [("exp2(10.0)", "1024")];
    "expm1" => f64::exp_m1, "e**x - 1, accurate near 0.", [("expm1(0.0)", "0")];
    "floor" => f64::floor, "Greatest integer value not above x.", [("floor(-2.5)", "-3")];
    "gamma" => libm::tgamma, "Gamma function.", [("gamma(5.0)", "24")];
    "j0" => libm::j0, "Bessel function of the first kind, order 0.", [("j0(0.0)", "1")];
    "j1" => libm::j1, "Bessel function of the first kind, order 1.", [("j1(0.0)", "0")];
    "log" => f64::ln, "Natural logarithm.", [("log(1.0)", "0"), ("log(0.0)", "-Inf")];
    "log10" => go_log10, "Decimal logarithm.", [("log10(100.0)", "2")];
    "log1p" => f64::ln_1p, "log(1 + x), accurate near 0.", [("log1p(0.0)", "0")];
    "log2" => go_log2, "Binary logarithm.", [("log2(8.0)", "3")];
    "logb" => go_logb, "Binary exponent of x.", [("logb(8.0)", "3")];
    "sin" => f64::sin, "Sine.", [("sin(0.0)", "0")];
    "sinh" => f64::sinh, "Hyperbolic sine.", [("sinh(0.0)", "0")];
    "sqrt" => f64::sqrt, "Square root.", [("sqrt(4.0)", "2"), ("sqrt(-1.0)", "NaN")];
    "tan" => f64::tan, "Tangent.", [("tan(0.0)", "0")];
    "tanh" => f64::tanh, "Hyperbolic tangent.", [("tanh(0.0)", "0")];
    "trunc" => f64::trunc, "Integer part of x.", [("trunc(-2.7)", "-2")];
    "y0" => libm::y0, "Bessel function of the second kind, order 0.", [("y0(0.0)", "-Inf")];
    "y1" => libm::y1, "Bessel function of the second kind, order 1.", [("y1(0.0)", "-Inf")];
};

pub(crate) const BINARY: &[Func] = float2_fns! {
    "atan2" => f64::atan2, "Arc tangent of y/x using both signs.", [("atan2(0.0, 1.0)", "0")];
    "hypot" => f64::hypot, "sqrt(x*x + y*y) without overflow.", [("hypot(3.0, 4.0)", "5")];
    "max" => go_max, "The larger of two floats (not the |max() aggregate).", [("max(1.0, 2.0)", "2")];
    "min" => go_min, "The smaller of two floats.", [("min(1.0, 2.0)", "1")];
    "mod" => |x, y| x % y, "Floating-point remainder of x/y, sign of x.", [("mod(7.5, 2.0)", "1.5"), ("mod(-7.0, 3.0)", "-1")];
    "pow" => f64::powf, "x**y.", [("pow(2.0, 10.0)", "1024")];
};

pub(crate) const OTHER: &[Func] = &[
    Func {
        name: "pow10",
        sigs: &[Sig(&[I], F)],
        imp: Imp::Pure(|args, _| Ok(V::Float(go_pow10(arg_i(args, 0))))),
        doc: "10**n.",
        examples: &[("pow10(3)", "1000"), ("pow10(-1)", "0.1")],
    },
    Func {
        name: "jn",
        sigs: &[Sig(&[I, F], F)],
        imp: Imp::Pure(|args, _| {
            Ok(V::Float(libm::jn(
                bessel_order(arg_i(args, 0)),
                arg_f(args, 1),
            )))
        }),
        doc: "Bessel function of the first kind, order n.",
        examples: &[("jn(0, 0.0)", "1"), ("jn(2, 0.0)", "0")],
    },
    Func {
        name: "yn",
        sigs: &[Sig(&[I, F], F)],
        imp: Imp::Pure(|args, _| {
            Ok(V::Float(libm::yn(
                bessel_order(arg_i(args, 0)),
                arg_f(args, 1),
            )))
        }),
        doc: "Bessel function of the second kind, order n.",
        examples: &[("yn(0, 0.0)", "-Inf")],
    },
];

/// Orders beyond ±100000 are clamped: the recurrences are linear in the order, and for any
/// argument that fits the result has long since underflowed or stopped changing in f64.
fn bessel_order(n: i64) -> i32 {
    n.clamp(-100_000, 100_000) as i32
}

/// `(frac, exp)` with `x = frac * 2**exp`, `0.5 <= |frac| < 1` (Go `math.Frexp`).
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (mut x, mut exp) = (x, 0i64);
    if x.abs() < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range first.
        x *= (1u64 << 52) as f64;
        exp = -52;
    }
    let bits = x.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i64 - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exp)
}

/// Go: `Log(x) * (1/Ln10)`.
fn go_log10(x: f64) -> f64 {
    x.ln() * std::f64::consts::LOG10_E
}

/// Go: exact for powers of two, else `Log(frac)*(1/Ln2) + exp`.
fn go_log2(x: f64) -> f64 {
    let (frac, exp) = frexp(x);
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    frac.ln() * std::f64::consts::LOG2_E + exp as f64
}

fn go_logb(x: f64) -> f64 {
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_infinite() {
        f64::INFINITY
    } else if x.is_nan() {
        x
    } else {
        (frexp(x).1 - 1) as f64
    }
}

fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { y } else { x }
    } else if x > y {
        x
    } else {
        y
    }
}

fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { x } else { y }
    } else if x < y {
        x
    } else {
        y
    }
}

/// Go's `Pow10`: a product of two table entries (each correctly rounded), as Go computes it.
fn go_pow10(n: i64) -> f64 {
    let lit = |e: i64| format!("1e{e}").parse::<f64>().unwrap_or(f64::NAN);
    if (0..=308).contains(&n) {
        lit(n % 32) * lit(32 * (n / 32))
    } else if (-323..0).contains(&n) {
        let m = -n;
        lit(-32 * (m / 32)) / lit(m % 32)
    } else if n > 0 {
        f64::INFINITY
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_go_for_normals_and_subnormals() {
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(-3.0), (-0.75, 2));
        assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
        assert_eq!(frexp(0.0), (0.0, 0));
    }

    #[test]
    fn logb_and_log2_follow_go_special_cases() {
        assert_eq!(go_logb(8.0), 3.0);
        assert_eq!(go_logb(0.1), -4.0);
        assert_eq!(go_logb(0.0), f64::NEG_INFINITY);
        assert_eq!(go_logb(f64::NEG_INFINITY), f64::INFINITY);
        assert_eq!(go_log2(1024.0), 10.0);
        assert_eq!(go_log2(0.0), f64::NEG_INFINITY);
        assert!(go_log2(-1.0).is_nan());
    }

    #[test]
    fn max_and_min_propagate_nan_and_prefer_signed_zero_like_go() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(f64::NAN, f64::INFINITY), f64::INFINITY);
        assert!(go_max(-0.0, 0.0).is_sign_positive());
        assert!(go_min(0.0, -0.0).is_sign_negative());
        assert_eq!(go_min(f64::NAN, f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn pow10_covers_the_table_range_and_beyond() {
        assert_eq!(go_pow10(0), 1.0);
        assert_eq!(go_pow10(23), 1e23);
        assert_eq!(go_pow10(-5), 1e-5);
        assert_eq!(go_pow10(309), f64::INFINITY);
        assert_eq!(go_pow10(-324), 0.0);
        assert_eq!(go_pow10(i64::MIN), 0.0);
    }
}
