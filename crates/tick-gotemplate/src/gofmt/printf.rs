//! Go `fmt.Sprintf` for template `printf` (<https://pkg.go.dev/fmt>): verbs, flags, width and
//! precision, and Go's error texts for wrong verbs, missing and extra arguments.

use std::fmt::Write as _;

use super::{float, write_duration, write_time};
use crate::value::Value;

/// Go's limit on widths and precisions; larger numbers are treated as bad.
const TOO_LARGE: usize = 1_000_000;
const MAX_DEPTH: usize = 32;

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer<'o> {
    out: &'o mut String,
    f: Flags,
    erroring: bool,
}

/// Go `fmt.Sprintf(format, args...)`, appended to `out`. A [`Value::NoValue`] argument is a
/// nil interface (`%!s(<nil>)`, `%v` → `<nil>`).
// Long because it follows Go's `(*pp).doPrintf` (fmt/print.go) step by step (flags, argument
// index, width, precision, verb), so that the two read side by side.
pub fn sprintf(out: &mut String, format: &str, args: &[Value<'_>]) {
    let mut p = Printer {
        out,
        f: Flags::default(),
        erroring: false,
    };
    let b = format.as_bytes();
    let end = b.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let lasti = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        if i > lasti {
            p.out.push_str(&format[lasti..i]);
        }
        if i >= end {
            break;
        }
        i += 1; // skip %
        p.f = Flags::default();
        // Flags.
        while i < end {
            match b[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good_arg_num = true;
        // Argument index.
        let (n, ni, ok) = arg_number(b, i, args.len());
        if let Some(n) = n {
            arg_num = n;
            reordered = true;
        }
        if !ok {
            good_arg_num = false;
        }
        let after_index = ni != i;
        i = ni;
        // Width.
        if i < end && b[i] == b'*' {
            i += 1;
            match args.get(arg_num).and_then(int_arg) {
                Some(w) => {
                    if w < 0 {
                        p.f.minus = true;
                        p.f.zero = false;
                    }
                    let w = w.unsigned_abs() as usize;
                    if w > TOO_LARGE {
                        p.out.push_str("%!(BADWIDTH)");
                    } else {
                        p.f.wid = Some(w);
                    }
                }
                None => p.out.push_str("%!(BADWIDTH)"),
            }
            arg_num += 1;
        } else {
            let (num, is_num, ni) = parse_num(b, i, end);
            if is_num {
                p.f.wid = Some(num);
            }
            if after_index && is_num {
                good_arg_num = false;
            }
            i = ni;
        }
        // Precision.
        if i < end && b[i] == b'.' {
            i += 1;
            let (n, ni, ok) = arg_number(b, i, args.len());
            if let Some(n) = n {
                arg_num = n;
                reordered = true;
            }
            if !ok {
                good_arg_num = false;
            }
            let after_index = ni != i;
            i = ni;
            if i < end && b[i] == b'*' {
                i += 1;
                match args.get(arg_num).and_then(int_arg) {
                    Some(pr) if pr >= 0 && (pr as usize) <= TOO_LARGE => {
                        p.f.prec = Some(pr as usize);
                    }
                    _ => p.out.push_str("%!(BADPREC)"),
                }
                arg_num += 1;
            } else {
                let (num, is_num, ni) = parse_num(b, i, end);
                p.f.prec = Some(if is_num { num } else { 0 });
                if after_index && is_num {
                    good_arg_num = false;
                }
                i = ni;
            }
        }
        if !after_index {
            let (n, ni, ok) = arg_number(b, i, args.len());
            if let Some(n) = n {
                arg_num = n;
                reordered = true;
            }
            if !ok {
                good_arg_num = false;
            }
            i = ni;
        }
        if i >= end {
            p.out.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        if verb == '%' {
            p.out.push('%');
        } else if !good_arg_num {
            let _ = write!(p.out, "%!{verb}(BADINDEX)");
        } else if arg_num >= args.len() {
            let _ = write!(p.out, "%!{verb}(MISSING)");
        } else {
            let a = &args[arg_num];
            arg_num += 1;
            p.print_arg(a, verb, 0);
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.out.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.out.push_str(", ");
            }
            if let Value::NoValue = a {
                p.out.push_str("<nil>");
            } else {
                p.out.push_str(a.type_name());
                p.out.push('=');
                p.print_arg(a, 'v', 0);
            }
        }
        p.out.push(')');
    }
}

fn int_arg(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Int(i) | Value::GoInt(i) | Value::Duration(i) => Some(*i),
        Value::Uint(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

/// `[n]` argument index: (new zero-based index, position after it, ok).
fn arg_number(b: &[u8], i: usize, nargs: usize) -> (Option<usize>, usize, bool) {
    if i >= b.len() || b[i] != b'[' {
        return (None, i, true);
    }
    let mut j = i + 1;
    while j < b.len() && b[j] != b']' {
        j += 1;
    }
    if j >= b.len() {
        return (None, i + 1, false);
    }
    let (num, is_num, ni) = parse_num(b, i + 1, j);
    if !is_num || ni != j {
        return (None, j + 1, false);
    }
    if num >= 1 && num <= nargs {
        (Some(num - 1), j + 1, true)
    } else {
        (None, j + 1, false)
    }
}

/// Go's `parsenum`: an overlong number consumes everything up to `end`.
fn parse_num(b: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    let mut num = 0usize;
    let mut is_num = false;
    let mut i = start;
    while i < end && b[i].is_ascii_digit() {
        if num > TOO_LARGE {
            return (0, false, end);
        }
        num = num * 10 + usize::from(b[i] - b'0');
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

impl Printer<'_> {
    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid else {
            self.out.push_str(s);
            return;
        };
        let n = s.chars().count();
        if n >= w {
            self.out.push_str(s);
            return;
        }
        let fill = if self.f.zero && !self.f.minus {
            '0'
        } else {
            ' '
        };
        if self.f.minus {
            self.out.push_str(s);
            fill_n(self.out, ' ', w - n);
        } else {
            fill_n(self.out, fill, w - n);
            self.out.push_str(s);
        }
    }

    fn bad_verb(&mut self, v: &Value<'_>, verb: char, depth: usize) {
        self.erroring = true;
        let _ = write!(self.out, "%!{verb}(");
        if let Value::NoValue = v {
            self.out.push_str("<nil>");
        } else {
            self.out.push_str(v.type_name());
            self.out.push('=');
            self.print_arg(v, 'v', depth);
        }
        self.out.push(')');
        self.erroring = false;
    }

    fn print_arg(&mut self, v: &Value<'_>, verb: char, depth: usize) {
        if depth > MAX_DEPTH {
            self.out.push_str("...");
            return;
        }
        if verb == 'T' {
            let t = v.type_name().to_owned();
            self.fmt_s(&t);
            return;
        }
        match v {
            Value::NoValue => match verb {
                'v' => self.pad("<nil>"),
                _ => self.bad_verb(v, verb, depth),
            },
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(v, verb, depth),
            },
            Value::Int(i) | Value::GoInt(i) => {
                self.fmt_integer(v, *i < 0, i.unsigned_abs(), verb, depth)
            }
            Value::Uint(u) => self.fmt_integer(v, false, *u, verb, depth),
            Value::Float(x) => self.fmt_float(v, *x, verb, depth),
            Value::Str(s) => self.fmt_string(v, s, verb, depth),
            Value::Duration(d) => {
                if !self.erroring && matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
                    let mut s = String::new();
                    write_duration(&mut s, *d);
                    self.fmt_string(v, &s, verb, depth);
                } else {
                    self.fmt_integer(v, *d < 0, d.unsigned_abs(), verb, depth);
                }
            }
            Value::Time(t) => {
                let mut s = String::new();
                write_time(&mut s, t);
                if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
                    self.fmt_string(v, &s, verb, depth);
                } else {
                    self.bad_verb(v, verb, depth);
                }
            }
            Value::Map(m) => {
                self.out.push_str("map[");
                for (k, (key, val)) in m.entries_sorted().enumerate() {
                    if k > 0 {
                        self.out.push(' ');
                    }
                    self.print_arg(&Value::str(key), verb, depth + 1);
                    self.out.push(':');
                    self.print_arg(&val, verb, depth + 1);
                }
                self.out.push(']');
            }
            Value::List(l) => {
                self.out.push('[');
                for k in 0..l.len() {
                    if k > 0 {
                        self.out.push(' ');
                    }
                    if let Some(val) = l.get(k) {
                        self.print_arg(&val, verb, depth + 1);
                    }
                }
                self.out.push(']');
            }
            Value::Object(o) => {
                self.out.push('{');
                let mut first = true;
                let plus = self.f.plus;
                o.for_each_field(&mut |name, val| {
                    if !first {
                        self.out.push(' ');
                    }
                    first = false;
                    if plus {
                        self.out.push_str(name);
                        self.out.push(':');
                    }
                    self.print_arg(&val, verb, depth + 1);
                });
                self.out.push('}');
            }
        }
    }

    fn fmt_s(&mut self, s: &str) {
        match self.f.prec {
            Some(p) => {
                let cut = s.char_indices().nth(p).map_or(s.len(), |(i, _)| i);
                self.pad(&s[..cut]);
            }
            None => self.pad(s),
        }
    }

    fn fmt_string(&mut self, v: &Value<'_>, s: &str, verb: char, depth: usize) {
        match verb {
            'v' if self.f.sharp => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' | 'X' => self.fmt_sx(s, verb == 'X'),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(v, verb, depth),
        }
    }

    fn fmt_sx(&mut self, s: &str, upper: bool) {
        let bytes = s.as_bytes();
        let n = self.f.prec.map_or(bytes.len(), |p| p.min(bytes.len()));
        let mut buf = String::new();
        for (k, byte) in bytes[..n].iter().enumerate() {
            if self.f.space && k > 0 {
                buf.push(' ');
            }
            if self.f.sharp && (self.f.space || k == 0) {
                buf.push_str(if upper { "0X" } else { "0x" });
            }
            if upper {
                let _ = write!(buf, "{byte:02X}");
            } else {
                let _ = write!(buf, "{byte:02x}");
            }
        }
        self.pad(&buf);
    }

    fn fmt_q(&mut self, s: &str) {
        let mut buf = String::new();
        if self.f.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || !c.is_control()) {
            buf.push('`');
            buf.push_str(s);
            buf.push('`');
        } else {
            quote_into(&mut buf, s, '"', self.f.plus);
        }
        self.pad(&buf);
    }

    fn fmt_integer(&mut self, v: &Value<'_>, negative: bool, u: u64, verb: char, depth: usize) {
        let (base, upper) = match verb {
            'v' | 'd' => (10, false),
            'b' => (2, false),
            'o' | 'O' => (8, false),
            'x' => (16, false),
            'X' => (16, true),
            'c' => {
                let c = if negative {
                    '\u{fffd}'
                } else {
                    u32::try_from(u)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}')
                };
                self.pad(c.encode_utf8(&mut [0u8; 4]));
                return;
            }
            'q' => {
                let c = if negative {
                    '\u{fffd}'
                } else {
                    u32::try_from(u)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}')
                };
                let mut buf = String::new();
                quote_into(&mut buf, c.encode_utf8(&mut [0u8; 4]), '\'', self.f.plus);
                self.pad(&buf);
                return;
            }
            'U' => {
                let mut buf = String::new();
                if negative {
                    buf.push('-');
                }
                let _ = write!(buf, "U+{u:04X}");
                if self.f.sharp
                    && !negative
                    && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32)
                    && !c.is_control()
                {
                    let _ = write!(buf, " '{c}'");
                }
                self.pad(&buf);
                return;
            }
            _ => {
                self.bad_verb(v, verb, depth);
                return;
            }
        };
        let mut digits = match base {
            2 => format!("{u:b}"),
            8 => format!("{u:o}"),
            16 if upper => format!("{u:X}"),
            16 => format!("{u:x}"),
            _ => format!("{u}"),
        };
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let w = self.f.wid.unwrap_or(0);
                fill_n(self.out, ' ', w);
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid.is_some() {
            prec = self.f.wid.unwrap_or(0);
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        if digits.len() < prec {
            digits = "0".repeat(prec - digits.len()) + &digits;
        }
        let mut buf = String::new();
        if negative {
            buf.push('-');
        } else if self.f.plus {
            buf.push('+');
        } else if self.f.space {
            buf.push(' ');
        }
        if self.f.sharp {
            match base {
                2 => buf.push_str("0b"),
                8 if !digits.starts_with('0') => buf.push('0'),
                16 => buf.push_str(if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if verb == 'O' {
            buf.push_str("0o");
        }
        buf.push_str(&digits);
        let zero = self.f.zero;
        self.f.zero = false;
        self.pad(&buf);
        self.f.zero = zero;
    }

    fn fmt_float(&mut self, v: &Value<'_>, x: f64, verb: char, depth: usize) {
        let mut num = String::new();
        num.push(if x.is_sign_negative() && !x.is_nan() {
            '-'
        } else {
            '+'
        });
        if x.is_nan() {
            num.push_str("NaN");
        } else if x.is_infinite() {
            num.push_str("Inf");
        } else {
            match verb {
                'v' | 'g' | 'G' => {
                    let prec = self.f.prec.map_or(-1, |p| p as i64);
                    float::write_g_abs(&mut num, x, prec, verb == 'G', self.f.sharp);
                }
                'e' | 'E' => float::write_e_abs(&mut num, x, self.f.prec.unwrap_or(6), verb == 'E'),
                'f' | 'F' => float::write_f_abs(&mut num, x, self.f.prec.unwrap_or(6)),
                _ => {
                    self.bad_verb(v, verb, depth);
                    return;
                }
            }
        }
        if !matches!(verb, 'v' | 'g' | 'G' | 'e' | 'E' | 'f' | 'F') {
            self.bad_verb(v, verb, depth);
            return;
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        let special = x.is_nan() || x.is_infinite();
        if special {
            let zero = self.f.zero;
            self.f.zero = false;
            let s = if x.is_nan() && !self.f.space && !self.f.plus {
                &num[1..]
            } else {
                &num[..]
            };
            let s = s.to_owned();
            self.pad(&s);
            self.f.zero = zero;
            return;
        }
        if self.f.plus || !num.starts_with('+') {
            if let Some(w) = self.f.wid
                && self.f.zero
                && !self.f.minus
                && w > num.len()
            {
                self.out.push_str(&num[..1]);
                fill_n(self.out, '0', w - num.len());
                self.out.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        let s = num[1..].to_owned();
        self.pad(&s);
    }
}

/// Appends `n` copies of the ASCII character `c`.
fn fill_n(out: &mut String, c: char, n: usize) {
    const SPACES: &str = "                                ";
    const ZEROS: &str = "00000000000000000000000000000000";
    let chunk = if c == '0' { ZEROS } else { SPACES };
    let mut n = n;
    while n > 0 {
        let k = n.min(chunk.len());
        out.push_str(&chunk[..k]);
        n -= k;
    }
}

/// Go `strconv.Quote`: `s` in double quotes with Go's escapes.
pub fn write_go_quoted(out: &mut String, s: &str) {
    quote_into(out, s, '"', false);
}

/// Go `strconv.Quote`-style quoting (`ascii_only` for `%+q`).
fn quote_into(buf: &mut String, s: &str, q: char, ascii_only: bool) {
    buf.push(q);
    for c in s.chars() {
        match c {
            '\x07' => buf.push_str("\\a"),
            '\x08' => buf.push_str("\\b"),
            '\x0c' => buf.push_str("\\f"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            '\x0b' => buf.push_str("\\v"),
            '\\' => buf.push_str("\\\\"),
            c if c == q => {
                buf.push('\\');
                buf.push(c);
            }
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(buf, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || (ascii_only && !c.is_ascii()) => {
                if (c as u32) < 0x10000 {
                    let _ = write!(buf, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(buf, "\\U{:08x}", c as u32);
                }
            }
            c => buf.push(c),
        }
    }
    buf.push(q);
}
