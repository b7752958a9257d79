//! Every function against the values Go itself printed.
//!
//! `testdata/go_values.txt` holds, one case a line, `name arg... want [want2]`: the arguments and
//! Go's results as bit patterns (`math.Float64bits`, hex; integer arguments in decimal). `want`
//! is Go's result with its amd64 `Exp` on the fused multiply-add path, `want2` (only where it
//! differs) the result on the plain path; each case is checked on both. The values were printed
//! by Go 1.19.8 on linux/amd64 with `testdata/gen_go_values.go`:
//!
//! ```text
//! cd crates/tick-lambda/src/gomath/testdata
//! go run gen_go_values.go < go_values.txt > new.txt && diff go_values.txt new.txt
//! ```
//!
//! The inputs are, per function: special values (±0, ±Inf, NaN, subnormals, the largest
//! finite values, the boundaries of the algorithms' intervals, `log(3)`'s 3, ...), thirty
//! pseudo-random ones, up to thirty on which the platform's libm (or the `libm` crate) gave
//! other bits than Go, and up to thirty on which Go's two `Exp` paths differ; the last two
//! groups were picked by running both over about 4000 pseudo-random inputs per function.

use super::*;

const GO_VALUES: &str = include_str!("testdata/go_values.txt");

fn bits(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("hex bits"))
}

fn int(s: &str) -> i32 {
    s.parse().expect("decimal integer")
}

/// The function `name` of the lambda language, by the implementation the lambda uses, and the
/// number of its arguments.
fn call(name: &str, a: &[&str]) -> (usize, f64) {
    let x = || bits(a[0]);
    let y = || bits(a[1]);
    let unary = |f: fn(f64) -> f64| (1, f(x()));
    let binary = |f: fn(f64, f64) -> f64| (2, f(x(), y()));
    match name {
        "abs" => unary(f64::abs),
        "acos" => unary(acos),
        "acosh" => unary(acosh),
        "asin" => unary(asin),
        "asinh" => unary(asinh),
        "atan" => unary(atan),
        "atanh" => unary(atanh),
        "cbrt" => unary(cbrt),
        "ceil" => unary(f64::ceil),
        "cos" => unary(cos),
        "cosh" => unary(cosh),
        "erf" => unary(erf),
        "erfc" => unary(erfc),
        "exp" => unary(exp),
        "exp2" => unary(exp2),
        "expm1" => unary(expm1),
        "floor" => unary(f64::floor),
        "gamma" => unary(gamma),
        "j0" => unary(j0),
        "j1" => unary(j1),
        "log" => unary(log),
        "log10" => unary(log10),
        "log1p" => unary(log1p),
        "log2" => unary(log2),
        "logb" => unary(logb),
        "sin" => unary(sin),
        "sinh" => unary(sinh),
        "sqrt" => unary(f64::sqrt),
        "tan" => unary(tan),
        "tanh" => unary(tanh),
        "trunc" => unary(f64::trunc),
        "y0" => unary(y0),
        "y1" => unary(y1),
        "atan2" => binary(atan2),
        "hypot" => binary(hypot),
        "max" => binary(max),
        "min" => binary(min),
        "mod" => binary(|x, y| x % y),
        "pow" => binary(pow),
        "pow10" => (1, pow10(int(a[0]).into())),
        "jn" => (2, jn(int(a[0]), y())),
        "yn" => (2, yn(int(a[0]), y())),
        _ => panic!("unknown function {name}"),
    }
}

/// Same bits, or both NaN (Go's NaN payloads are not part of any output).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Checks every case of `name` on both of Go's `Exp` paths, and with the path this machine's
/// CPU selects; returns the number of cases.
fn check(name: &str) -> usize {
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in GO_VALUES.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        if w[0] != name {
            continue;
        }
        cases += 1;
        let (n, _) = call(name, &w[1..]);
        let want_fma = bits(w[1 + n]);
        let want_plain = w.get(2 + n).map_or(want_fma, |s| bits(s));
        for (fma, want) in [
            (Some(true), want_fma),
            (Some(false), want_plain),
            (None, f64::NAN),
        ] {
            let want = if fma.is_none() {
                if exp::use_fma() { want_fma } else { want_plain }
            } else {
                want
            };
            exp::FORCE_FMA.set(fma);
            let (_, got) = call(name, &w[1..]);
            exp::FORCE_FMA.set(None);
            if !same(got, want) {
                failures.push(format!(
                    "{line}: fma={fma:?} got {:016x} want {:016x}",
                    got.to_bits(),
                    want.to_bits()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ from Go:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases > 0, "no cases for {name}");
    cases
}

macro_rules! go_value_tests {
    ($($name:ident),* $(,)?) => {
        /// One test per function, named after it.
        mod matches_go {
            $(
                #[test]
                fn $name() {
                    super::check(stringify!($name).trim_start_matches("r#"));
                }
            )*
        }

        #[test]
        fn every_case_belongs_to_a_tested_function() {
            let tested = [$(stringify!($name)),*];
            let total: usize = tested.iter().map(|n| check(n.trim_start_matches("r#"))).sum();
            assert_eq!(total, GO_VALUES.lines().count());
        }
    };
}

go_value_tests!(
    abs, acos, acosh, asin, asinh, atan, atanh, cbrt, ceil, cos, cosh, erf, erfc, exp, exp2, expm1,
    floor, gamma, j0, j1, log, log10, log1p, log2, logb, sin, sinh, sqrt, tan, tanh, trunc, y0, y1,
    atan2, hypot, max, min, r#mod, pow, pow10, jn, yn,
);

#[test]
fn log_3_is_gos_and_one_bit_below_the_correctly_rounded_value() {
    assert_eq!(super::log(3.0).to_bits(), 0x3ff1_93ea_7aad_030a);
    assert_eq!(3f64.ln().to_bits(), 0x3ff1_93ea_7aad_030b);
}

#[test]
fn exp_paths_differ_where_go_s_do() {
    assert_eq!(exp::exp_amd64(1.7, true).to_bits(), 0x4015_e552_770d_f8a7);
    assert_eq!(exp::exp_amd64(1.7, false).to_bits(), 0x4015_e552_770d_f8a6);
}

#[test]
fn frexp_and_ldexp_follow_go_for_normals_and_subnormals() {
    assert_eq!(frexp(8.0), (0.5, 4));
    assert_eq!(frexp(-3.0), (-0.75, 2));
    assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073));
    assert_eq!(frexp(0.0), (0.0, 0));
    assert_eq!(ldexp(0.5, -1073), f64::from_bits(1));
    assert_eq!(ldexp(0.75, -1074), f64::from_bits(1));
    assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
    assert_eq!(ldexp(-1.0, i64::MAX), f64::NEG_INFINITY);
    assert_eq!(modf(-3.5), (-3.0, -0.5));
}
