//! Go float formatting: `%v`/`%g` shortest digits with the exponent cut-off at 6, `%e`, `%f`, and
//! the `encoding/json` number form (<https://pkg.go.dev/fmt>,
//! <https://pkg.go.dev/strconv#FormatFloat>, <https://pkg.go.dev/encoding/json#Marshal>: plain
//! decimal from 1e-6 up to 1e21, else an exponent).

use std::fmt::Write as _;

/// Decimal digits of a float: value = 0.d₁d₂…dₙ × 10^dp (Go's `decimalSlice` convention).
pub(crate) struct Digits {
    /// ASCII digits without trailing zeros; `"0"` for zero.
    pub(crate) d: Vec<u8>,
    /// Position of the decimal point relative to the first digit.
    pub(crate) dp: i32,
}

/// Parses Rust's `{:e}` output (`-1.234e-5`) into digits.
fn parse_exp(s: &str) -> Digits {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d.iter().all(|c| *c == b'0') {
        return Digits {
            d: vec![b'0'],
            dp: 1,
        };
    }
    Digits { d, dp: exp + 1 }
}

/// Beyond this many digits the exact decimal expansion of any f64 is all zeros (at most 767
/// significant digits and 1074 fractional ones), and Rust's formatter rejects precisions above
/// 65535: format at most this many and pad with zeros.
const EXACT_DIGITS: usize = 1100;

/// Shortest round-trip digits.
pub(crate) fn shortest(x: f64) -> Digits {
    parse_exp(&format!("{x:e}"))
}

/// Digits rounded (exactly, ties to even) to `n` significant digits, `n ≥ 1`.
pub(crate) fn significant(x: f64, n: usize) -> Digits {
    parse_exp(&format!("{:.*e}", n.clamp(1, EXACT_DIGITS) - 1, x))
}

fn push_exp(out: &mut String, e: char, exp: i32) {
    out.push(e);
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    let _ = write!(out, "{a}");
}

/// `%e` layout of `digits` with `prec` fractional digits (zero padded).
fn fmt_e(out: &mut String, dg: &Digits, prec: usize, e: char) {
    out.push(char::from(dg.d[0]));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(char::from(*dg.d.get(i).unwrap_or(&b'0')));
        }
    }
    let exp = if dg.d == b"0" { 0 } else { dg.dp - 1 };
    push_exp(out, e, exp);
}

/// `%f` layout of `digits` with `prec` fractional digits.
fn fmt_f(out: &mut String, dg: &Digits, prec: usize) {
    if dg.dp > 0 {
        for i in 0..dg.dp as usize {
            out.push(char::from(*dg.d.get(i).unwrap_or(&b'0')));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec as i64 {
            let j = dg.dp as i64 + i;
            let c = if j < 0 {
                b'0'
            } else {
                *dg.d.get(j as usize).unwrap_or(&b'0')
            };
            out.push(char::from(c));
        }
    }
}

/// Go `strconv.FormatFloat(x, 'g', prec, 64)` for finite `x` without the sign; `prec < 0` is shortest.
/// `upper` selects `E`. `sharp` keeps trailing zeros (`%#g`).
pub(crate) fn write_g_abs(out: &mut String, x: f64, prec: i64, upper: bool, sharp: bool) {
    let x = x.abs();
    let shortest_mode = prec < 0;
    let mut dg = if shortest_mode {
        shortest(x)
    } else {
        significant(x, prec.max(1) as usize)
    };
    let mut prec = if shortest_mode {
        dg.d.len() as i64
    } else {
        prec.max(1)
    };
    let mut eprec = prec;
    if eprec > dg.d.len() as i64 && dg.d.len() as i64 >= dg.dp as i64 {
        eprec = dg.d.len() as i64;
    }
    if sharp && !shortest_mode {
        eprec = prec;
    }
    if shortest_mode {
        eprec = 6;
    }
    let is_zero = dg.d == b"0";
    if is_zero {
        dg.dp = 1;
    }
    let exp = dg.dp as i64 - 1;
    let e = if upper { 'E' } else { 'e' };
    if exp < -4 || exp >= eprec {
        if !sharp && prec > dg.d.len() as i64 {
            prec = dg.d.len() as i64;
        }
        fmt_e(out, &dg, (prec - 1).max(0) as usize, e);
        return;
    }
    if !sharp && prec > dg.dp as i64 {
        prec = dg.d.len() as i64;
    }
    fmt_f(out, &dg, (prec - dg.dp as i64).max(0) as usize);
}

/// Go `%v` of a float64: shortest digits, exponent form when e < −4 or e ≥ 6
/// (`1e+06`, `1e-05`, `999999`, `NaN`, `+Inf`, `-0`).
pub fn write_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        if x.is_sign_negative() {
            out.push('-');
        }
        write_g_abs(out, x, -1, false, false);
    }
}

/// `%e` with `prec` digits after the point, finite `x`, no sign.
pub(crate) fn write_e_abs(out: &mut String, x: f64, prec: usize, upper: bool) {
    let dg = parse_exp(&format!("{:.*e}", prec.min(EXACT_DIGITS), x.abs()));
    fmt_e(out, &dg, prec, if upper { 'E' } else { 'e' });
}

/// `%f` with `prec` digits after the point, finite `x`, no sign (exact, ties to even).
pub(crate) fn write_f_abs(out: &mut String, x: f64, prec: usize) {
    let exact = prec.min(EXACT_DIGITS);
    let _ = write!(out, "{:.*}", exact, x.abs());
    out.extend(std::iter::repeat_n('0', prec - exact));
}

/// Plain decimal with the shortest round-trip digits and never an exponent (`1e21` →
/// `1000000000000000000000`, `5e-324` → `0.` + 323 zeros + `5`); `NaN`, `+Inf`, `-Inf`. This is the
/// TICKscript `string()` form of a float: Go's `strconv.FormatFloat(x, 'f', -1, 64)`, as
/// Kapacitor's `tick/stateful/functions.go` `str.Call` uses.
pub fn write_decimal_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{x}");
    }
}

/// The value NaN or ±Inf, which JSON cannot encode (`json: unsupported value: NaN`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnsupportedValue(pub f64);

impl std::fmt::Display for UnsupportedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        write_float(&mut s, self.0);
        write!(f, "json: unsupported value: {s}")
    }
}

impl std::error::Error for UnsupportedValue {}

/// Go `encoding/json` number form: plain decimal when x is 0 or 1e-6 ≤ |x| < 1e21, otherwise
/// exponent form without zero padding (`1e+21`, `1e-7`). NaN and ±Inf fail.
pub fn write_json_float(out: &mut String, x: f64) -> Result<(), UnsupportedValue> {
    if !x.is_finite() {
        return Err(UnsupportedValue(x));
    }
    let a = x.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let dg = shortest(a);
        if x < 0.0 {
            out.push('-');
        }
        out.push(char::from(dg.d[0]));
        if dg.d.len() > 1 {
            out.push('.');
            for c in &dg.d[1..] {
                out.push(char::from(*c));
            }
        }
        let exp = dg.dp - 1;
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{}", exp.unsigned_abs());
    } else {
        // Rust's Display is the shortest round-trip digits in plain decimal, `-0` for -0.0.
        let _ = write!(out, "{x}");
    }
    Ok(())
}
