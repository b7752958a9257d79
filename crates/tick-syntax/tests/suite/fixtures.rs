//! Data-driven syntax tests: each case is a file, so adding a case needs no code.
//!
//! * `tests/fixtures/syntax/ok/*.tick` and every `tickscripts/*.tick` must parse without
//!   errors, keep every span inside the source and inside its parent, format idempotently, and
//!   format to a script that parses to the same program.
//! * `tests/fixtures/syntax/err/*.tick` carry their expected diagnostics as comments under the
//!   line they point at: `//    ^ error: message` (the caret's column is the diagnostic's
//!   column). The file must produce exactly those diagnostics, no more.
//! * Each ok fixture's syntax tree is also snapshotted (insta, `tests/suite/snapshots/`) as the
//!   dump of `tick_syntax::dump::program`.

use std::path::{Path, PathBuf};

use crate::support::invariants::check_spans;
use tick_syntax::LineIndex;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tick_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "tick"));
    files.sort();
    files
}

/// The round-trip properties every valid script must have.
fn check_ok(path: &Path, src: &str) -> Result<(), String> {
    let name = path.display();
    let (program, diags) = tick_syntax::parse(src);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(tick_syntax::render(&name.to_string(), src, d));
    }
    check_spans(src, &program).map_err(|e| format!("{name}: {e}"))?;
    let once = tick_syntax::format(src).map_err(|d| format!("{name}: format failed: {d:?}"))?;
    let twice =
        tick_syntax::format(&once).map_err(|d| format!("{name}: reformat failed: {d:?}"))?;
    if once != twice {
        return Err(format!(
            "{name}: formatting is not idempotent:\n--- once\n{once}--- twice\n{twice}"
        ));
    }
    let (again, _) = tick_syntax::parse(&once);
    if again.without_spans() != program.without_spans() {
        return Err(format!(
            "{name}: formatted script means something else:\n{once}"
        ));
    }
    let before: Vec<&String> = program.comments.iter().flat_map(|c| &c.lines).collect();
    let after: Vec<&String> = again.comments.iter().flat_map(|c| &c.lines).collect();
    if before != after {
        return Err(format!("{name}: comments changed: {before:?} → {after:?}"));
    }
    Ok(())
}

#[test]
fn ok_fixtures_parse_and_round_trip_through_the_formatter() {
    let files = tick_files(&root().join("tests/fixtures/syntax/ok"));
    assert!(
        files.len() >= 5,
        "expected ok fixtures, found {}",
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let src = std::fs::read_to_string(p).ok()?;
            check_ok(p, &src).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each ok fixture's tree, dumped by `tick_syntax::dump::program`, matches the reviewed
/// snapshot `tests/suite/snapshots/fixtures__<name>.snap` (named after the fixture's file stem).
#[test]
fn ok_fixtures_match_their_ast_snapshots() {
    let files = tick_files(&root().join("tests/fixtures/syntax/ok"));
    assert!(
        files.len() >= 5,
        "expected ok fixtures, found {}",
        files.len()
    );
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (program, diags) = tick_syntax::parse(&src);
        assert!(
            !diags.iter().any(|d| d.is_error()),
            "{}: {diags:?}",
            path.display()
        );
        let dump = tick_syntax::dump::program(&program);
        insta::with_settings!({
            description => format!("tests/fixtures/syntax/ok/{name}.tick"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, dump);
        });
    }
}

#[test]
fn every_tickscript_example_round_trips_through_the_formatter() {
    let failures: Vec<String> = tick_files(&root().join("tickscripts"))
        .iter()
        .filter_map(|p| {
            let src = std::fs::read_to_string(p).ok()?;
            check_ok(p, &src).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `(line, col, "error: message")` expected by the annotations of an err fixture.
fn expected_annotations(src: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut code_line = 0;
    for (i, line) in src.lines().enumerate() {
        let annotation = line.strip_prefix("//").and_then(|rest| {
            let caret = rest.find('^')?;
            if !rest[..caret].chars().all(|c| c == ' ') {
                return None;
            }
            let msg = rest[caret..].trim_start_matches('^').strip_prefix(' ')?;
            (msg.starts_with("error: ") || msg.starts_with("warning: "))
                .then(|| (line[..2 + caret].chars().count() + 1, msg.to_string()))
        });
        match annotation {
            Some((col, msg)) => out.push((code_line, col, msg)),
            None => code_line = i + 1,
        }
    }
    out
}

#[test]
fn err_fixtures_produce_exactly_their_annotated_diagnostics() {
    let files = tick_files(&root().join("tests/fixtures/syntax/err"));
    assert!(
        files.len() >= 5,
        "expected err fixtures, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in files {
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        let expected = expected_annotations(&src);
        if expected.is_empty() {
            failures.push(format!(
                "{}: no `//  ^ error: ...` annotation",
                path.display()
            ));
            continue;
        }
        let (_, diags) = tick_syntax::parse(&src);
        let index = LineIndex::new(&src);
        let actual: Vec<(usize, usize, String)> = diags
            .iter()
            .map(|d| {
                let (l, c) = index.line_col(&src, d.span.start as usize);
                let sev = if d.is_error() { "error" } else { "warning" };
                (l, c, format!("{sev}: {}", d.message))
            })
            .collect();
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  actual   {actual:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
