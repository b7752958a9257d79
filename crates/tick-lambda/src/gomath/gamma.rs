//! `gamma` (Go's src/math/gamma.go).

use super::exp::exp;
use super::pow::pow;
use super::trig::sin;
use super::{go_i64, modf};
use std::f64::consts::PI;

const GAM_P: [f64; 7] = [
    1.601_195_224_767_518_614_07e-04,
    1.191_351_470_065_863_849_13e-03,
    1.042_137_975_617_615_699_35e-02,
    4.763_678_004_571_372_314_64e-02,
    2.074_482_276_484_359_751_50e-01,
    4.942_148_268_014_971_007_53e-01,
    9.999_999_999_999_999_967_96e-01,
];
const GAM_Q: [f64; 8] = [
    -2.315_818_733_241_201_298_19e-05,
    5.396_055_804_933_033_978_42e-04,
    -4.456_419_138_517_972_404_94e-03,
    1.181_397_852_220_604_355_52e-02,
    3.582_363_986_054_986_533_73e-02,
    -2.345_917_957_182_433_485_68e-01,
    7.143_049_170_302_730_740_85e-02,
    1.000_000_000_000_000_003_20e+00,
];
const GAM_S: [f64; 5] = [
    7.873_113_957_930_936_283_97e-04,
    -2.295_499_616_133_781_263_80e-04,
    -2.681_326_178_057_812_328_25e-03,
    3.472_222_216_054_586_673_10e-03,
    8.333_333_333_334_822_571_26e-02,
];

/// Go's `stirling`: Gamma(x) for x > 33 as the product of the two results, kept apart so the
/// caller can avoid overflow.
fn stirling(x: f64) -> (f64, f64) {
    const SQRT_TWO_PI: f64 = 2.506_628_274_631_000_502_417;
    const MAX_STIRLING: f64 = 143.01608;
    if x > 200.0 {
        return (f64::INFINITY, 1.0);
    }
    let mut w = 1.0 / x;
    w = 1.0 + w * ((((GAM_S[0] * w + GAM_S[1]) * w + GAM_S[2]) * w + GAM_S[3]) * w + GAM_S[4]);
    let mut y1 = exp(x);
    let mut y2 = 1.0;
    if x > MAX_STIRLING {
        // Avoid Pow() overflow.
        let v = pow(x, 0.5 * x - 0.25);
        (y1, y2) = (v, v / y1);
    } else {
        y1 = pow(x, x - 0.5) / y1;
    }
    (y1, SQRT_TWO_PI * w * y2)
}

fn is_neg_int(x: f64) -> bool {
    x < 0.0 && modf(x).1 == 0.0
}

/// Go's `Gamma`.
pub(crate) fn gamma(x: f64) -> f64 {
    const EULER: f64 = 0.577_215_664_901_532_860_606_512_090_082_402_431_042_159_335_939_92;
    if is_neg_int(x) || x == f64::NEG_INFINITY || x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut q = x.abs();
    let mut p = q.floor();
    if q > 33.0 {
        if x >= 0.0 {
            let (y1, y2) = stirling(x);
            return y1 * y2;
        }
        // Reflection; x is not an integer here, and q = |x| > 33.
        let signgam: f64 = if go_i64(p) & 1 == 0 { -1.0 } else { 1.0 };
        let mut z = q - p;
        if z > 0.5 {
            p += 1.0;
            z = q - p;
        }
        z = q * sin(PI * z);
        if z == 0.0 {
            return f64::INFINITY.copysign(signgam);
        }
        let (sq1, sq2) = stirling(q);
        let absz = z.abs();
        let d = absz * sq1 * sq2;
        z = if d.is_infinite() {
            PI / absz / sq1 / sq2
        } else {
            PI / d
        };
        return signgam * z;
    }

    // Reduce the argument.
    let mut x = x;
    let mut z = 1.0;
    while x >= 3.0 {
        x -= 1.0;
        z *= x;
    }
    let small = |x: f64, z: f64| {
        if x == 0.0 {
            f64::INFINITY
        } else {
            z / ((1.0 + EULER * x) * x)
        }
    };
    while x < 0.0 {
        if x > -1e-09 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    while x < 2.0 {
        if x < 1e-09 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    if x == 2.0 {
        return z;
    }
    x -= 2.0;
    p = (((((x * GAM_P[0] + GAM_P[1]) * x + GAM_P[2]) * x + GAM_P[3]) * x + GAM_P[4]) * x
        + GAM_P[5])
        * x
        + GAM_P[6];
    q = ((((((x * GAM_Q[0] + GAM_Q[1]) * x + GAM_Q[2]) * x + GAM_Q[3]) * x + GAM_Q[4]) * x
        + GAM_Q[5])
        * x
        + GAM_Q[6])
        * x
        + GAM_Q[7];
    z * p / q
}
