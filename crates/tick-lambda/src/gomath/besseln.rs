//! `jn` and `yn`, the Bessel functions of order n (Go's src/math/jn.go).

use super::bessel0::{INV_SQRT_PI, j0, y0};
use super::bessel1::{j1, y1};
use super::log::log;
use super::trig::sincos;

/// 2**302.
const TWO302: f64 = f64::from_bits((1023 + 302) << 52);

/// Go's `Jn`: the Bessel function of the first kind, order n.
pub(crate) fn jn(n: i32, x: f64) -> f64 {
    const TWO_M29: f64 = 1.0 / (1u64 << 29) as f64;
    if x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return 0.0;
    }
    // J(-n, x) = (-1)**n * J(n, x), J(n, -x) = (-1)**n * J(n, x); J(-n, -x) = J(n, x).
    if n == 0 {
        return j0(x);
    }
    if x == 0.0 {
        return 0.0;
    }
    let (mut n, mut x) = (n, x);
    if n < 0 {
        (n, x) = (-n, -x);
    }
    if n == 1 {
        return j1(x);
    }
    let mut sign = false;
    if x < 0.0 {
        x = -x;
        if n & 1 == 1 {
            sign = true; // odd n and negative x
        }
    }
    let mut b;
    if f64::from(n) <= x {
        // Safe to use J(n+1,x) = 2n/x * J(n,x) - J(n-1,x).
        if x >= TWO302 {
            let (s, c) = sincos(x);
            let temp = match n & 3 {
                0 => c + s,
                1 => -c + s,
                2 => -c - s,
                _ => c - s,
            };
            b = INV_SQRT_PI * temp / x.sqrt();
        } else {
            b = j1(x);
            let mut a = j0(x);
            for i in 1..n {
                (a, b) = (b, b * (f64::from(i + i) / x) - a);
            }
        }
    } else if x < TWO_M29 {
        // x is tiny, return the first Taylor expansion of J(n,x).
        if n > 33 {
            // Underflow.
            b = 0.0;
        } else {
            let temp = x * 0.5;
            b = temp;
            let mut a = 1.0;
            for i in 2..=n {
                a *= f64::from(i); // a = n!
                b *= temp; // b = (x/2)**n
            }
            b /= a;
        }
    } else {
        // Backward recurrence, with the number of terms from the continued fraction.
        let w = f64::from(n + n) / x;
        let h = 2.0 / x;
        let mut q0 = w;
        let mut z = w + h;
        let mut q1 = w * z - 1.0;
        let mut k = 1;
        while q1 < 1e9 {
            k += 1;
            z += h;
            (q0, q1) = (q1, z * q1 - q0);
        }
        let m = n + n;
        let mut t = 0.0;
        let mut i = 2 * (n + k);
        while i >= m {
            t = 1.0 / (f64::from(i) / x - t);
            i -= 2;
        }
        let mut a = t;
        b = 1.0;
        // Estimate log((2/x)**n * n!) = n*log(2/x) + n*ln(n); below the largest argument of
        // exp, the recurrence cannot overflow.
        let mut tmp = f64::from(n);
        let v = 2.0 / x;
        tmp *= log((v * tmp).abs());
        if tmp < 7.097_827_128_933_839_730_96e+02 {
            for i in (1..n).rev() {
                let di = f64::from(i + i);
                (a, b) = (b, b * di / x - a);
            }
        } else {
            for i in (1..n).rev() {
                let di = f64::from(i + i);
                (a, b) = (b, b * di / x - a);
                // Scale b to avoid spurious overflow.
                if b > 1e100 {
                    a /= b;
                    t /= b;
                    b = 1.0;
                }
            }
        }
        b = t * j0(x) / b;
    }
    if sign { -b } else { b }
}

/// Go's `Yn`: the Bessel function of the second kind, order n.
pub(crate) fn yn(n: i32, x: f64) -> f64 {
    if x < 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if n == 0 {
        return y0(x);
    }
    if x == 0.0 {
        if n < 0 && n & 1 == 1 {
            return f64::INFINITY;
        }
        return f64::NEG_INFINITY;
    }
    let mut n = n;
    let mut sign = false;
    if n < 0 {
        n = -n;
        if n & 1 == 1 {
            sign = true; // sign true if n < 0 && |n| odd
        }
    }
    if n == 1 {
        return if sign { -y1(x) } else { y1(x) };
    }
    let b = if x >= TWO302 {
        let (s, c) = sincos(x);
        let temp = match n & 3 {
            0 => s - c,
            1 => -s - c,
            2 => -s + c,
            _ => s + c,
        };
        INV_SQRT_PI * temp / x.sqrt()
    } else {
        let mut a = y0(x);
        let mut b = y1(x);
        // Quit if b is -Inf.
        let mut i = 1;
        while i < n && b != f64::NEG_INFINITY {
            (a, b) = (b, (f64::from(i + i) / x) * b - a);
            i += 1;
        }
        b
    };
    if sign { -b } else { b }
}
