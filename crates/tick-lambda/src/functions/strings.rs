//! String functions (Kapacitor `tick/stateful/functions.go`) with Go `strings` semantics: byte
//! offsets, `strCount(s, "")` = rune count + 1, `strSubstring` quirks as errors, and `regexReplace`
//! with Go's `ReplaceAllString` template expansion.

use std::borrow::Cow;

use super::t::*;
use super::{FnEnv, Func, Imp, Sig, arg_i, arg_s};
use crate::value::V;

fn owned<'a>(s: String) -> Result<V<'a>, String> {
    Ok(V::Str(Cow::Owned(s)))
}

fn index_i64(i: Option<usize>) -> V<'static> {
    V::Int(i.map_or(-1, |i| i as i64))
}

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "strContains",
        sigs: &[Sig(&[S, S], B)],
        imp: Imp::Pure(|a, _| Ok(V::Bool(arg_s(a, 0).contains(arg_s(a, 1))))),
        doc: "Whether s contains substr.",
        examples: &[
            ("strContains('seafood', 'foo')", "true"),
            ("strContains('abc', '')", "true"),
        ],
    },
    Func {
        name: "strContainsAny",
        sigs: &[Sig(&[S, S], B)],
        imp: Imp::Pure(|a, _| {
            let chars = arg_s(a, 1);
            Ok(V::Bool(arg_s(a, 0).chars().any(|c| chars.contains(c))))
        }),
        doc: "Whether s contains any character of chars.",
        examples: &[
            ("strContainsAny('failure', 'ui')", "true"),
            ("strContainsAny('foo', '')", "false"),
        ],
    },
    Func {
        name: "strHasPrefix",
        sigs: &[Sig(&[S, S], B)],
        imp: Imp::Pure(|a, _| Ok(V::Bool(arg_s(a, 0).starts_with(arg_s(a, 1))))),
        doc: "Whether s starts with prefix.",
        examples: &[("strHasPrefix('cpu-total', 'cpu')", "true")],
    },
    Func {
        name: "strHasSuffix",
        sigs: &[Sig(&[S, S], B)],
        imp: Imp::Pure(|a, _| Ok(V::Bool(arg_s(a, 0).ends_with(arg_s(a, 1))))),
        doc: "Whether s ends with suffix.",
        examples: &[("strHasSuffix('cpu-total', 'total')", "true")],
    },
    Func {
        name: "strCount",
        sigs: &[Sig(&[S, S], I)],
        imp: Imp::Pure(|a, _| {
            let (s, sub) = (arg_s(a, 0), arg_s(a, 1));
            let n = if sub.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(sub).count()
            };
            Ok(V::Int(n as i64))
        }),
        doc: "Non-overlapping occurrences of substr; rune count + 1 for an empty substr.",
        examples: &[
            ("strCount('cheese', 'e')", "3"),
            ("strCount('héllo', '')", "6"),
        ],
    },
    Func {
        name: "strIndex",
        sigs: &[Sig(&[S, S], I)],
        imp: Imp::Pure(|a, _| Ok(index_i64(arg_s(a, 0).find(arg_s(a, 1))))),
        doc: "Byte offset of the first substr, or -1.",
        examples: &[
            ("strIndex('héllo', 'l')", "3"),
            ("strIndex('abc', 'z')", "-1"),
        ],
    },
    Func {
        name: "strIndexAny",
        sigs: &[Sig(&[S, S], I)],
        imp: Imp::Pure(|a, _| {
            let chars = arg_s(a, 1);
            Ok(index_i64(
                arg_s(a, 0)
                    .char_indices()
                    .find(|(_, c)| chars.contains(*c))
                    .map(|(i, _)| i),
            ))
        }),
        doc: "Byte offset of the first character from chars, or -1.",
        examples: &[("strIndexAny('héllo', 'lo')", "3")],
    },
    Func {
        name: "strLastIndex",
        sigs: &[Sig(&[S, S], I)],
        imp: Imp::Pure(|a, _| Ok(index_i64(arg_s(a, 0).rfind(arg_s(a, 1))))),
        doc: "Byte offset of the last substr, or -1.",
        examples: &[("strLastIndex('héllo', 'l')", "4")],
    },
    Func {
        name: "strLastIndexAny",
        sigs: &[Sig(&[S, S], I)],
        imp: Imp::Pure(|a, _| {
            let chars = arg_s(a, 1);
            Ok(index_i64(
                arg_s(a, 0)
                    .char_indices()
                    .rev()
                    .find(|(_, c)| chars.contains(*c))
                    .map(|(i, _)| i),
            ))
        }),
        doc: "Byte offset of the last character from chars, or -1.",
        examples: &[("strLastIndexAny('héllo', 'hé')", "1")],
    },
    Func {
        name: "strLength",
        sigs: &[Sig(&[S], I)],
        imp: Imp::Pure(|a, _| Ok(V::Int(arg_s(a, 0).len() as i64))),
        doc: "Length in bytes (not characters).",
        examples: &[("strLength('héllo')", "6")],
    },
    Func {
        name: "strReplace",
        sigs: &[Sig(&[S, S, S, I], S)],
        imp: Imp::Pure(str_replace),
        doc: "Replaces the first n occurrences of old by new (all when n < 0).",
        examples: &[
            ("strReplace('abc', '', '-', -1)", "-a-b-c-"),
            ("strReplace('aaa', 'a', 'b', 2)", "bba"),
        ],
    },
    Func {
        name: "strSubstring",
        sigs: &[Sig(&[S, I, I], S)],
        imp: Imp::Pure(str_substring),
        doc: "Bytes [start, stop); stop must be below the length (quirk).",
        examples: &[
            ("strSubstring('abcdef', 0, 5)", "abcde"),
            ("strSubstring('abcdef', 5, 5)", ""),
        ],
    },
    Func {
        name: "strToLower",
        sigs: &[Sig(&[S], S)],
        imp: Imp::Pure(|a, _| owned(arg_s(a, 0).chars().map(lower).collect())),
        doc: "Lower case, character by character.",
        examples: &[("strToLower('HeLLo')", "hello")],
    },
    Func {
        name: "strToUpper",
        sigs: &[Sig(&[S], S)],
        imp: Imp::Pure(|a, _| owned(arg_s(a, 0).chars().map(upper).collect())),
        doc: "Upper case, character by character.",
        examples: &[("strToUpper('HeLLo')", "HELLO")],
    },
    Func {
        name: "strTrimSpace",
        sigs: &[Sig(&[S], S)],
        imp: Imp::Pure(|a, _| owned(arg_s(a, 0).trim().to_string())),
        doc: "Removes leading and trailing white space.",
        examples: &[("strTrimSpace('  a b \t')", "a b")],
    },
    Func {
        name: "strTrim",
        sigs: &[Sig(&[S, S], S)],
        imp: Imp::Pure(|a, _| {
            let cut = arg_s(a, 1);
            owned(arg_s(a, 0).trim_matches(|c| cut.contains(c)).to_string())
        }),
        doc: "Removes leading and trailing characters in cutset.",
        examples: &[("strTrim('xxhixx', 'x')", "hi")],
    },
    Func {
        name: "strTrimLeft",
        sigs: &[Sig(&[S, S], S)],
        imp: Imp::Pure(|a, _| {
            let cut = arg_s(a, 1);
            owned(
                arg_s(a, 0)
                    .trim_start_matches(|c| cut.contains(c))
                    .to_string(),
            )
        }),
        doc: "Removes leading characters in cutset.",
        examples: &[("strTrimLeft('xxhixx', 'x')", "hixx")],
    },
    Func {
        name: "strTrimRight",
        sigs: &[Sig(&[S, S], S)],
        imp: Imp::Pure(|a, _| {
            let cut = arg_s(a, 1);
            owned(
                arg_s(a, 0)
                    .trim_end_matches(|c| cut.contains(c))
                    .to_string(),
            )
        }),
        doc: "Removes trailing characters in cutset.",
        examples: &[("strTrimRight('xxhixx', 'x')", "xxhi")],
    },
    Func {
        name: "strTrimPrefix",
        sigs: &[Sig(&[S, S], S)],
        imp: Imp::Pure(|a, _| {
            let s = arg_s(a, 0);
            owned(s.strip_prefix(arg_s(a, 1)).unwrap_or(s).to_string())
        }),
        doc: "Removes prefix once, if present.",
        examples: &[("strTrimPrefix('cpu-total', 'cpu-')", "total")],
    },
    Func {
        name: "strTrimSuffix",
        sigs: &[Sig(&[S, S], S)],
        imp: Imp::Pure(|a, _| {
            let s = arg_s(a, 0);
            owned(s.strip_suffix(arg_s(a, 1)).unwrap_or(s).to_string())
        }),
        doc: "Removes suffix once, if present.",
        examples: &[("strTrimSuffix('cpu-total', '-total')", "cpu")],
    },
    Func {
        name: "regexReplace",
        sigs: &[Sig(&[R, S, S], S)],
        imp: Imp::Pure(regex_replace),
        doc: "Replaces every match; `$1`, `${name}` expand, `$$` is a literal `$`.",
        examples: &[
            ("regexReplace(/(\\w)l/, 'héllo', '$1-B')", "hél-Bo"),
            ("regexReplace(/a/, 'banana', '${0}${0}')", "baanaanaa"),
        ],
    },
];

/// Longest string `strReplace` and `regexReplace` build: nested replacements can grow a
/// string exponentially, so they stop with an error instead of exhausting memory.
const MAX_RESULT: usize = 64 << 20;

fn too_large() -> String {
    format!("result longer than {} MiB", MAX_RESULT >> 20)
}

fn str_replace<'a>(a: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let (s, old, new, n) = (arg_s(a, 0), arg_s(a, 1), arg_s(a, 2), arg_i(a, 3));
    if new.len() > old.len() {
        let matches = if old.is_empty() {
            s.chars().count() + 1
        } else {
            s.matches(old).count()
        };
        let count = if n < 0 {
            matches
        } else {
            matches.min(usize::try_from(n).unwrap_or(usize::MAX))
        };
        let grow = count.saturating_mul(new.len() - old.len());
        if s.len().saturating_add(grow) > MAX_RESULT {
            return Err(too_large());
        }
    }
    owned(match n {
        n if n < 0 => s.replace(old, new),
        0 => s.to_string(),
        n => s.replacen(old, new, usize::try_from(n).unwrap_or(usize::MAX)),
    })
}

fn str_substring<'a>(a: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let (s, start, stop) = (arg_s(a, 0), arg_i(a, 1), arg_i(a, 2));
    if start < 0 {
        return Err(format!("found negative index for strSubstring: {start}"));
    }
    if stop < 0 {
        return Err(format!("found negative index for strSubstring: {stop}"));
    }
    // Quirk (Kapacitor `strSubstring.Call` checks `stop >= len`): `stop == len` is rejected too,
    // so the last byte is unreachable.
    if stop >= s.len() as i64 {
        return Err(format!(
            "stop index too large for string in strSubstring: {stop}"
        ));
    }
    if start > stop {
        // Kapacitor panics here (caught in eval); we report Go's panic text as an error.
        return Err(format!(
            "runtime error: slice bounds out of range [{start}:{stop}]"
        ));
    }
    let bytes = &s.as_bytes()[start as usize..stop as usize];
    // Deviation: a slice that splits a UTF-8 character cannot be a Rust string; the broken
    // bytes become U+FFFD.
    owned(String::from_utf8_lossy(bytes).into_owned())
}

/// Go `unicode.ToLower`: a one-to-one mapping (the first char of Rust's full mapping).
fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go `unicode.ToUpper`: characters whose upper case is several characters stay as they are.
fn upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn regex_replace<'a>(a: &mut [V<'a>], _: &FnEnv) -> Result<V<'a>, String> {
    let re = match a.first() {
        Some(V::Regex(re)) => *re,
        _ => return Err("expected a regex".into()),
    };
    let (s, repl) = (arg_s(a, 1), arg_s(a, 2));
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for caps in re.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        // Go: an empty match right after another match is not replaced.
        if m.end() > last || m.start() == 0 {
            caps.expand(repl, &mut out);
        }
        if out.len() > MAX_RESULT {
            return Err(too_large());
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
    owned(out)
}
