//! `exp` (Go's amd64 assembly, src/math/exp_amd64.s, both of its paths), `exp2` and `expm1`
//! (Go's src/math/exp.go, src/math/expm1.go).

use super::ldexp;

const LN2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
const LN2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
const OVERFLOW: f64 = 7.09782712893384e+02;
const T2: f64 = 1.666_666_666_666_666_666_7e-1;
const T3: f64 = 4.166_666_666_666_666_666_7e-2;
const T4: f64 = 8.333_333_333_333_333_333_3e-3;
const T5: f64 = 1.388_888_888_888_888_888_9e-3;
const T6: f64 = 1.984_126_984_126_984_127_0e-4;
const T7: f64 = 2.480_158_730_158_730_158_7e-5;

/// Whether Go's amd64 `Exp` takes its fused multiply-add path here (`cpu.X86.HasAVX &&
/// cpu.X86.HasFMA`, src/math/exp_amd64.go).
#[cfg(target_arch = "x86_64")]
pub(super) fn use_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn use_fma() -> bool {
    false
}

#[cfg(test)]
thread_local! {
    /// Tests run both of Go's paths, whatever this machine's CPU has.
    pub(super) static FORCE_FMA: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

/// e**x as Go computes it on amd64.
pub(crate) fn exp(x: f64) -> f64 {
    #[cfg(test)]
    if let Some(fma) = FORCE_FMA.get() {
        return exp_amd64(x, fma);
    }
    exp_amd64(x, use_fma())
}

/// Go's `archExp` (src/math/exp_amd64.s). With `fma`, the steps Go runs with `VFMADD` and
/// `VFNMADD` are rounded once (`f64::mul_add`), as the instructions do.
pub(super) fn exp_amd64(x: f64, fma: bool) -> f64 {
    let bits = x.to_bits();
    if bits & !(1 << 63) >= 0x7ff0_0000_0000_0000 {
        // -Inf gives 0; NaN and +Inf are returned as they are.
        return if x == f64::NEG_INFINITY { 0.0 } else { x };
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    // CVTSD2SL rounds to nearest even; out of range it gives i32::MIN, which like any k below
    // -1075 ends in 0 below. Adding and taking away 1.5 * 2**52 rounds the same way for
    // |v| < 2**51 without a call to the C library's `roundeven`.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let v = std::f64::consts::LOG2_E * x;
    let mut k = if v < -2048.0 {
        -2048
    } else {
        ((v + ROUND) - ROUND) as i32
    };
    let kf = f64::from(k);
    let mut x = x;
    let mut p;
    if fma {
        x = (-kf).mul_add(LN2U, x);
        x = (-kf).mul_add(LN2L, x);
        x *= 0.0625;
        p = T7.mul_add(x, T6);
        p = p.mul_add(x, T5);
        p = p.mul_add(x, T4);
        p = p.mul_add(x, T3);
        p = p.mul_add(x, T2);
        p = p.mul_add(x, 0.5);
        p = p.mul_add(x, 1.0);
        x *= p;
        for _ in 0..3 {
            x *= x + 2.0;
        }
        x = x.mul_add(x + 2.0, 1.0);
    } else {
        x -= kf * LN2U;
        x -= kf * LN2L;
        x *= 0.0625;
        p = T7 * x + T6;
        p = p * x + T5;
        p = p * x + T4;
        p = p * x + T3;
        p = p * x + T2;
        p = p * x + 0.5;
        p = p * x + 1.0;
        x *= p;
        for _ in 0..4 {
            x *= x + 2.0;
        }
        x += 1.0;
    }
    // fr * 2**k, by building 2**k in the exponent field.
    k = k.wrapping_add(0x3ff);
    if k <= 0 {
        if k < -52 {
            return 0.0;
        }
        k += 0x3fe;
        x *= f64::from_bits((k as u64) << 52);
        k = 1;
    } else if k >= 0x7ff {
        return f64::INFINITY;
    }
    x * f64::from_bits((k as u64) << 52)
}

/// Go's `exp2` (src/math/exp.go): 2**x.
pub(crate) fn exp2(x: f64) -> f64 {
    const LN2HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const OVERFLOW: f64 = 1.0239999999999999e+03;
    const UNDERFLOW: f64 = -1.0740e+03;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    if x < UNDERFLOW {
        return 0.0;
    }
    let k: i64 = if x > 0.0 {
        (x + 0.5) as i64
    } else if x < 0.0 {
        (x - 0.5) as i64
    } else {
        0
    };
    let t = x - k as f64;
    let hi = t * LN2HI;
    let lo = -t * LN2LO;
    expmulti(hi, lo, k)
}

/// Go's `expmulti` (src/math/exp.go): e**r × 2**k with r = hi - lo and |r| <= ln(2)/2.
fn expmulti(hi: f64, lo: f64, k: i64) -> f64 {
    const P1: f64 = 1.666_666_666_666_666_574_15e-01;
    const P2: f64 = -2.777_777_777_701_559_338_42e-03;
    const P3: f64 = 6.613_756_321_437_934_361_17e-05;
    const P4: f64 = -1.653_390_220_546_525_153_90e-06;
    const P5: f64 = 4.138_136_797_057_238_460_39e-08;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    ldexp(y, k)
}

/// Go's `expm1` (src/math/expm1.go): e**x - 1, accurate near 0.
pub(crate) fn expm1(x: f64) -> f64 {
    const OTHRESHOLD: f64 = 7.097_827_128_933_839_730_96e+02;
    const LN2X56: f64 = 3.881_624_211_135_693_732_74e+01;
    const LN2HALFX3: f64 = 1.039_720_770_839_917_964_13e+00;
    const LN2HALF: f64 = 3.465_735_902_799_726_547_09e-01;
    const LN2HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const INVLN2: f64 = 1.442_695_040_888_963_387_00e+00;
    const TINY: f64 = 1.0 / (1u64 << 54) as f64;
    const Q1: f64 = -3.333_333_333_333_313_164_28e-02;
    const Q2: f64 = 1.587_301_587_254_814_601_65e-03;
    const Q3: f64 = -7.936_507_578_674_879_424_73e-05;
    const Q4: f64 = 4.008_217_827_329_362_395_52e-06;
    const Q5: f64 = -2.010_992_181_836_243_713_26e-07;

    if x == f64::INFINITY || x.is_nan() {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return -1.0;
    }
    let mut x = x;
    let mut absx = x;
    let mut sign = false;
    if x < 0.0 {
        absx = -absx;
        sign = true;
    }
    if absx >= LN2X56 {
        if sign {
            return -1.0;
        }
        if absx >= OTHRESHOLD {
            return f64::INFINITY;
        }
    }
    let mut c = 0.0;
    let k: i64;
    if absx > LN2HALF {
        let (hi, lo);
        if absx < LN2HALFX3 {
            if !sign {
                hi = x - LN2HI;
                lo = LN2LO;
                k = 1;
            } else {
                hi = x + LN2HI;
                lo = -LN2LO;
                k = -1;
            }
        } else {
            k = if !sign {
                (INVLN2 * x + 0.5) as i64
            } else {
                (INVLN2 * x - 0.5) as i64
            };
            let t = k as f64;
            hi = x - t * LN2HI;
            lo = t * LN2LO;
        }
        x = hi - lo;
        c = (hi - x) - lo;
    } else if absx < TINY {
        return x;
    } else {
        k = 0;
    }
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    let t = 3.0 - r1 * hfx;
    let mut e = hxs * ((r1 - t) / (6.0 - x * t));
    if k == 0 {
        return x - (x * e - hxs);
    }
    e = x * (e - c) - c;
    e -= hxs;
    if k == -1 {
        return 0.5 * (x - e) - 0.5;
    }
    if k == 1 {
        if x < -0.25 {
            return -2.0 * (e - (x + 0.5));
        }
        return 1.0 + 2.0 * (x - e);
    }
    let kbits = (k as u64) << 52;
    if k <= -2 || k > 56 {
        let y = 1.0 - (e - x);
        let y = f64::from_bits(y.to_bits().wrapping_add(kbits));
        return y - 1.0;
    }
    if k < 20 {
        let t = f64::from_bits(0x3ff0_0000_0000_0000 - (0x0020_0000_0000_0000 >> k));
        let y = t - (e - x);
        return f64::from_bits(y.to_bits().wrapping_add(kbits));
    }
    let t = f64::from_bits(((0x3ff - k) as u64) << 52);
    let mut y = x - (e + t);
    y += 1.0;
    f64::from_bits(y.to_bits().wrapping_add(kbits))
}
