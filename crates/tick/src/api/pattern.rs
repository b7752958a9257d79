//! The `pattern` query parameter of Kapacitor's list endpoints: Go's `path.Match`
//! (<https://pkg.go.dev/path#Match>), which Kapacitor's `alert.PatternMatch` (alert/topics.go at
//! v1.5.7) and its task store (services/storage/indexed.go `IndexedStore.list`) call. `*` is any
//! run of characters but `/`, `?` one character but `/`, `[...]` a class (`^` negates, `a-z`
//! ranges), `\` escapes. A malformed pattern is refused as a whole, whatever the name.

/// Go's `path.ErrBadPattern` text.
pub(crate) const BAD_PATTERN: &str = "syntax error in pattern";

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Star,
    AnyChar,
    Char(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A parsed pattern; the empty pattern matches every name (as Kapacitor treats it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pattern {
    tokens: Option<Vec<Token>>,
}

impl Pattern {
    /// Parses `pattern`; `Err(BAD_PATTERN)` when it is malformed.
    pub(crate) fn parse(pattern: &str) -> Result<Pattern, &'static str> {
        if pattern.is_empty() {
            return Ok(Pattern { tokens: None });
        }
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::Star,
                '?' => Token::AnyChar,
                '\\' => Token::Char(chars.next().ok_or(BAD_PATTERN)?),
                '[' => {
                    let negated = chars.next_if_eq(&'^').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        if !ranges.is_empty() && chars.next_if_eq(&']').is_some() {
                            break;
                        }
                        let lo = class_char(&mut chars)?;
                        let hi = if chars.next_if_eq(&'-').is_some() {
                            class_char(&mut chars)?
                        } else {
                            lo
                        };
                        ranges.push((lo, hi));
                    }
                    Token::Class { negated, ranges }
                }
                c => Token::Char(c),
            });
        }
        Ok(Pattern {
            tokens: Some(tokens),
        })
    }

    /// Whether `name` matches.
    pub(crate) fn matches(&self, name: &str) -> bool {
        match &self.tokens {
            None => true,
            Some(tokens) => {
                let name: Vec<char> = name.chars().collect();
                match_here(tokens, &name)
            }
        }
    }
}

/// One character of a class: `\` escapes; an unescaped `-` or `]`, or the end, is malformed.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, &'static str> {
    match chars.next() {
        None | Some('-' | ']') => Err(BAD_PATTERN),
        Some('\\') => chars.next().ok_or(BAD_PATTERN),
        Some(c) => Ok(c),
    }
}

fn match_here(tokens: &[Token], name: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return name.is_empty();
    };
    match first {
        Token::Star => {
            // Any run of characters up to the next '/'.
            let mut i = 0;
            loop {
                if match_here(rest, &name[i..]) {
                    return true;
                }
                match name.get(i) {
                    Some(&c) if c != '/' => i += 1,
                    _ => return false,
                }
            }
        }
        token => match name.split_first() {
            Some((&c, name_rest)) if one(token, c) => match_here(rest, name_rest),
            _ => false,
        },
    }
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Star => false,
        Token::AnyChar => c != '/',
        Token::Char(want) => c == *want,
        Token::Class { negated, ranges } => {
            let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
            inside != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, name: &str) -> bool {
        Pattern::parse(p).unwrap().matches(name)
    }

    #[test]
    fn follows_go_path_match() {
        // Cases from the examples of https://pkg.go.dev/path#Match.
        assert!(m("abc", "abc"));
        assert!(m("*", "abc"));
        assert!(m("*c", "abc"));
        assert!(!m("a*", "ab/c"));
        assert!(m("a*/b", "abc/b"));
        assert!(!m("a*/b", "a/c/b"));
        assert!(m("a*b*c*d*e*/f", "axbxcxdxe/f"));
        assert!(m("a[^b-d]c", "aec"));
        assert!(!m("a[b-d]e", "aec"));
        assert!(m("a\\*b", "a*b"));
        assert!(m("a?c", "abc"));
        assert!(m("main*", "main:cpu:alert2"));
        assert!(m("", "anything"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for p in ["[", "a[", "[]", "[^]", "a\\", "[a-", "[-]", "[x-]"] {
            assert_eq!(Pattern::parse(p), Err(BAD_PATTERN), "{p}");
        }
    }
}
