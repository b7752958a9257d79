//! Math functions (Kapacitor `tick/stateful/functions.go` `math1`, `math2`, `mathI`, `mathIF`) with
//! Go `math` semantics (<https://pkg.go.dev/math>): NaN and ±Inf propagate, nothing fails. Every
//! function runs Go's own algorithm (`crate::gomath`), so results match Kapacitor's to the last
//! bit; `abs`, `ceil`, `floor`, `trunc`, `sqrt` and `mod` are exact, and Rust's are used.

use super::t::*;
use super::{FnEnv, Func, Imp, Sig, arg_f, arg_i};
use crate::gomath as gm;
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
    "acos" => gm::acos, "Arc cosine, radians.", [("acos(1.0)", "0")];
    "acosh" => gm::acosh, "Inverse hyperbolic cosine.", [("acosh(1.0)", "0")];
    "asin" => gm::asin, "Arc sine, radians.", [("asin(0.0)", "0")];
    "asinh" => gm::asinh, "Inverse hyperbolic sine.", [("asinh(0.0)", "0")];
    "atan" => gm::atan, "Arc tangent, radians.", [("atan(0.0)", "0")];
    "atanh" => gm::atanh, "Inverse hyperbolic tangent.", [("atanh(0.0)", "0")];
    "cbrt" => gm::cbrt, "Cube root.", [("cbrt(27.0)", "3")];
    "ceil" => f64::ceil, "Least integer value not below x.", [("ceil(1.2)", "2")];
    "cos" => gm::cos, "Cosine.", [("cos(0.0)", "1")];
    "cosh" => gm::cosh, "Hyperbolic cosine.", [("cosh(0.0)", "1")];
    "erf" => gm::erf, "Error function.", [("erf(0.0)", "0")];
    "erfc" => gm::erfc, "Complementary error function.", [("erfc(0.0)", "1")];
    "exp" => gm::exp, "e**x.", [("exp(0.0)", "1")];
    "exp2" => gm::exp2, "2**x.", [("exp2(10.0)", "1024")];
    "expm1" => gm::expm1, "e**x - 1, accurate near 0.", [("expm1(0.0)", "0")];
    "floor" => f64::floor, "Greatest integer value not above x.", [("floor(-2.5)", "-3")];
    "gamma" => gm::gamma, "Gamma function.", [("gamma(5.0)", "24")];
    "j0" => gm::j0, "Bessel function of the first kind, order 0.", [("j0(0.0)", "1")];
    "j1" => gm::j1, "Bessel function of the first kind, order 1.", [("j1(0.0)", "0")];
    "log" => gm::log, "Natural logarithm, as Go computes it: `log(3.0)` is one bit below the nearest float.", [("log(1.0)", "0"), ("log(0.0)", "-Inf"), ("log(3.0)", "1.0986122886681096")];
    "log10" => gm::log10, "Decimal logarithm.", [("log10(100.0)", "2")];
    "log1p" => gm::log1p, "log(1 + x), accurate near 0.", [("log1p(0.0)", "0")];
    "log2" => gm::log2, "Binary logarithm.", [("log2(8.0)", "3")];
    "logb" => gm::logb, "Binary exponent of x.", [("logb(8.0)", "3")];
    "sin" => gm::sin, "Sine.", [("sin(0.0)", "0")];
    "sinh" => gm::sinh, "Hyperbolic sine.", [("sinh(0.0)", "0")];
    "sqrt" => f64::sqrt, "Square root.", [("sqrt(4.0)", "2"), ("sqrt(-1.0)", "NaN")];
    "tan" => gm::tan, "Tangent.", [("tan(0.0)", "0")];
    "tanh" => gm::tanh, "Hyperbolic tangent.", [("tanh(0.0)", "0")];
    "trunc" => f64::trunc, "Integer part of x.", [("trunc(-2.7)", "-2")];
    "y0" => gm::y0, "Bessel function of the second kind, order 0.", [("y0(0.0)", "-Inf")];
    "y1" => gm::y1, "Bessel function of the second kind, order 1.", [("y1(0.0)", "-Inf")];
};

pub(crate) const BINARY: &[Func] = float2_fns! {
    "atan2" => gm::atan2, "Arc tangent of y/x using both signs.", [("atan2(0.0, 1.0)", "0")];
    "hypot" => gm::hypot, "sqrt(x*x + y*y) without overflow.", [("hypot(3.0, 4.0)", "5")];
    "max" => gm::max, "The larger of two floats (not the |max() aggregate).", [("max(1.0, 2.0)", "2")];
    "min" => gm::min, "The smaller of two floats.", [("min(1.0, 2.0)", "1")];
    "mod" => |x, y| x % y, "Floating-point remainder of x/y, sign of x.", [("mod(7.5, 2.0)", "1.5"), ("mod(-7.0, 3.0)", "-1")];
    "pow" => gm::pow, "x**y.", [("pow(2.0, 10.0)", "1024")];
};

pub(crate) const OTHER: &[Func] = &[
    Func {
        name: "pow10",
        sigs: &[Sig(&[I], F)],
        imp: Imp::Pure(|args, _| Ok(V::Float(gm::pow10(arg_i(args, 0))))),
        doc: "10**n.",
        examples: &[("pow10(3)", "1000"), ("pow10(-1)", "0.1")],
    },
    Func {
        name: "jn",
        sigs: &[Sig(&[I, F], F)],
        imp: Imp::Pure(|args, _| {
            Ok(V::Float(gm::jn(
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
            Ok(V::Float(gm::yn(
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
