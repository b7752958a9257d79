//! Go RE2 regex syntax on top of the `regex` crate. The two agree except where Go is
//! ASCII-only and the crate is Unicode-aware: `\w \W \d \D \s \S \b \B`. Owns that
//! translation; the regex engine itself is the crate's.

/// Compiles a TICKscript regex (`/.../`, already unescaped) with Go's meaning: `\w`, `\d`,
/// `\s` and `\b` are ASCII-only as in Go, so `/(\w)l/` does not match `él`.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&translate(pattern))
}

/// Go's `\s` is `[\t\n\f\r ]` (no vertical tab).
const SPACE: &str = r"\t\n\x0C\r ";

fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    // Position inside the class, to know when `]` is a literal (first item).
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let rep: Option<String> = match (in_class, e) {
                    (false, 'w') => Some("[[:word:]]".into()),
                    (false, 'W') => Some("[[:^word:]]".into()),
                    (false, 'd') => Some("[[:digit:]]".into()),
                    (false, 'D') => Some("[[:^digit:]]".into()),
                    (false, 's') => Some(format!("[{SPACE}]")),
                    (false, 'S') => Some(format!("[^{SPACE}]")),
                    (false, 'b') => Some(r"(?-u:\b)".into()),
                    (false, 'B') => Some(r"(?-u:\B)".into()),
                    (true, 'w') => Some("[:word:]".into()),
                    (true, 'W') => Some("[:^word:]".into()),
                    (true, 'd') => Some("[:digit:]".into()),
                    (true, 'D') => Some("[:^digit:]".into()),
                    (true, 's') => Some(SPACE.into()),
                    (true, 'S') => Some(format!("[^{SPACE}]")),
                    _ => None,
                };
                match rep {
                    Some(r) => out.push_str(&r),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                class_start = false;
            }
            '[' if !in_class => {
                out.push('[');
                in_class = true;
                class_start = true;
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class `[:alpha:]`: copy through its closing `:]`.
                out.push('[');
                for p in chars.by_ref() {
                    out.push(p);
                    if p == ']' {
                        break;
                    }
                }
                class_start = false;
            }
            '[' => {
                // Go: a literal `[` inside a class; the crate would read a nested class.
                out.push_str(r"\[");
                class_start = false;
            }
            ']' if in_class && !class_start => {
                out.push(']');
                in_class = false;
            }
            ']' if in_class => {
                out.push_str(r"\]");
                class_start = false;
            }
            c => {
                out.push(c);
                class_start = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii_only_like_go() {
        let re = compile_regex(r"^\w+$").unwrap();
        assert!(re.is_match("abc_1"));
        assert!(!re.is_match("é"));
        assert!(compile_regex(r"^\d$").unwrap().is_match("7"));
        assert!(!compile_regex(r"^\d$").unwrap().is_match("٣"));
        assert!(!compile_regex(r"^\s$").unwrap().is_match("\u{b}"));
        assert!(compile_regex(r"^\s$").unwrap().is_match("\t"));
        assert!(compile_regex(r"^[\w-]+$").unwrap().is_match("a-b"));
        assert!(!compile_regex(r"^[\w-]+$").unwrap().is_match("é"));
        assert!(compile_regex(r"^[^\d]+$").unwrap().is_match("ab"));
        assert!(compile_regex(r"^[\S]+$").unwrap().is_match("ab"));
        assert!(!compile_regex(r"^[\S]+$").unwrap().is_match("a b"));
        assert!(compile_regex(r"\bfoo\b").unwrap().is_match("a foo b"));
    }

    #[test]
    fn brackets_follow_go_class_rules() {
        assert!(compile_regex(r"^[]a]+$").unwrap().is_match("]a"));
        assert!(compile_regex(r"^[[:alpha:]]+$").unwrap().is_match("ab"));
        assert!(compile_regex(r"^[a[]+$").unwrap().is_match("[a"));
        assert!(compile_regex(r"\[x\]").unwrap().is_match("[x]"));
        assert!(compile_regex("[").is_err());
    }
}
