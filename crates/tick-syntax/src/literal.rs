//! Literal decoding (Kapacitor's `tick/ast/node.go` `newNumber`, `newDur`, `newString`,
//! `newReference`, `newRegex`, v1.5.7): token text → value. Owns octal integers, float syntax,
//! duration units and overflow, and the unescaping of strings, references and regexes.

use crate::duration::{DurationError, DurationSyntax, parse_duration};
use crate::error::SyntaxError;

/// A decoded number literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

/// Decodes a number token: any `.` makes a float; otherwise a leading `0` followed by more
/// digits makes it octal (`010` = 8, `0644` = 420, `09` is an error).
pub(crate) fn number(text: &str) -> Result<Number, SyntaxError> {
    let illegal = || SyntaxError::IllegalNumber(text.to_string());
    if text.contains('.') {
        let f: f64 = text.parse().map_err(|_| illegal())?;
        if !f.is_finite() {
            return Err(illegal());
        }
        return Ok(Number::Float(f));
    }
    let radix = if text.len() > 1 && text.starts_with('0') {
        8
    } else {
        10
    };
    i64::from_str_radix(text, radix)
        .map(Number::Int)
        .map_err(|_| illegal())
}

/// Decodes a duration token (digits and one unit, as the lexer cuts it) into nanoseconds.
pub(crate) fn duration(text: &str) -> Result<i64, SyntaxError> {
    parse_duration(text, DurationSyntax::Influxql).map_err(|e| match e {
        DurationError::Invalid => SyntaxError::InvalidDuration,
        DurationError::Overflow => SyntaxError::OverflowedDuration(text.to_string()),
    })
}

/// Removes the quotes from a single- or triple-quoted string token and unescapes `\'`.
/// Returns the value and whether it was triple-quoted.
pub(crate) fn string(text: &str) -> (String, bool) {
    if text.len() >= 6 && text.starts_with("'''") && text.ends_with("'''") {
        return (text[3..text.len() - 3].to_string(), true);
    }
    let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
    (unescape(inner, '\''), false)
}

/// Removes the quotes from a reference token and unescapes `\"`.
pub(crate) fn reference(text: &str) -> String {
    unescape(text.get(1..text.len().saturating_sub(1)).unwrap_or(""), '"')
}

/// Removes the slashes from a regex token and turns `\/` into `/`.
pub(crate) fn regex(text: &str) -> String {
    unescape(text.get(1..text.len().saturating_sub(1)).unwrap_or(""), '/')
}

/// Turns each `\q` into `q`, scanning left to right; every other backslash stays.
fn unescape(s: &str, q: char) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&q) {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_with_a_leading_zero_are_octal() {
        assert_eq!(number("010"), Ok(Number::Int(8)));
        assert_eq!(number("0644"), Ok(Number::Int(420)));
        assert_eq!(number("07"), Ok(Number::Int(7)));
        assert_eq!(number("0"), Ok(Number::Int(0)));
        assert_eq!(number("00"), Ok(Number::Int(0)));
        assert_eq!(number("42"), Ok(Number::Int(42)));
        assert_eq!(number("9223372036854775807"), Ok(Number::Int(i64::MAX)));
    }

    #[test]
    fn bad_integers_are_illegal_number_syntax() {
        assert_eq!(
            number("09").map_err(|e| e.to_string()),
            Err("illegal number syntax: \"09\"".into())
        );
        assert_eq!(
            number("9223372036854775808").map_err(|e| e.to_string()),
            Err("illegal number syntax: \"9223372036854775808\"".into())
        );
    }

    #[test]
    fn any_dot_makes_a_float() {
        assert_eq!(number("1."), Ok(Number::Float(1.0)));
        assert_eq!(number(".5"), Ok(Number::Float(0.5)));
        assert_eq!(number("00.5"), Ok(Number::Float(0.5)));
        assert_eq!(number("2.25"), Ok(Number::Float(2.25)));
    }

    /// The units themselves are tested with `crate::duration`; here, the messages.
    #[test]
    fn duration_overflow_messages() {
        assert_eq!(duration("10ms"), Ok(10_000_000));
        assert_eq!(
            duration("300000w").map_err(|e| e.to_string()),
            Err("overflowed duration 300000w: choose a smaller duration or INF".into())
        );
        assert_eq!(
            duration("99999999999999999999s").map_err(|e| e.to_string()),
            Err("invalid duration".into())
        );
    }

    #[test]
    fn single_quoted_strings_unescape_only_the_quote() {
        assert_eq!(string("'a\\'b'"), ("a'b".to_string(), false));
        assert_eq!(string("'a\\nb'"), ("a\\nb".to_string(), false));
        assert_eq!(string("'a\\\\b'"), ("a\\\\b".to_string(), false));
        assert_eq!(string("''"), (String::new(), false));
    }

    #[test]
    fn triple_quoted_strings_keep_everything() {
        assert_eq!(string("''''''"), (String::new(), true));
        assert_eq!(string("'''a\\'b'''"), ("a\\'b".to_string(), true));
        assert_eq!(string("'''it's'''"), ("it's".to_string(), true));
    }

    #[test]
    fn references_and_regexes_unescape_their_delimiter() {
        assert_eq!(reference("\"a \\\"b\\\" c\""), "a \"b\" c");
        assert_eq!(reference("\"cpu.usage\""), "cpu.usage");
        assert_eq!(regex("/a\\/b/"), "a/b");
        assert_eq!(regex("/\\d+\\./"), "\\d+\\.");
    }
}
