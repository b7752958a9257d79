//! Every reference in the repository resolves: code, tests and docs may cite Kapacitor's source,
//! Go's documentation or a file of this repository, never a document a reader cannot open.
//!
//! Scans the whole workspace (not `target/`, `.git/` or the fuzzer's generated corpus) — `*.rs`,
//! `*.md`, `*.tick`, `*.toml`, `*.sh` and shell scripts without an extension such as `.ci/run` —
//! and fails on:
//! * a section sign after `spec` or `STYLE` (sections of documents outside the repository), a
//!   mention of the style or dependency notes by file name, or a relative path out of the
//!   checkout into a `shared` directory;
//! * a relative link in a Markdown file whose target does not exist;
//! * a `docs/<name>.md` mention, anywhere, whose file does not exist.
//!
//! See `docs/ARCHITECTURE.md`, "Where the rules come from", for what to cite instead.

use std::fs;
use std::path::{Path, PathBuf};

/// Files allowed to hold such references while they are being reworked. None is left: keep it
/// empty. A listed file that no longer exists or no longer holds a reference fails the test, so a
/// file listed for a while must leave the list as soon as it is fixed.
const NOT_YET_FIXED: &[&str] = &[];

/// The only places [`NOT_YET_FIXED`] may name files in.
const LISTABLE: &[&str] = &["crates/tick-engine/src/nodes/", "crates/tick-handlers/"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Directories that hold build output or generated data, relative to the root.
fn skipped(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == ".git"
        || name == "target"
        || (!rel.contains('/') && name.starts_with("target-"))
        || rel == "fuzz/corpus"
        || rel == "fuzz/artifacts"
}

fn scanned(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("rs" | "md" | "tick" | "toml" | "sh") => true,
        Some(_) => false,
        None => fs::read_to_string(path).is_ok_and(|text| {
            let first = text.lines().next().unwrap_or_default();
            first.starts_with("#!") && (first.contains("sh") || first.contains("bash"))
        }),
    }
}

/// Every scanned file, as a `/`-separated path relative to the root, sorted.
fn files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                if !skipped(&rel) {
                    walk(root, &path, out);
                }
            } else if scanned(&path) {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The texts that name a document outside the repository, lower-case. Built from pieces so that
/// this file does not contain them itself.
fn outside_documents() -> Vec<String> {
    vec![
        concat!("spec ", "\u{a7}").to_string(),
        concat!("style ", "\u{a7}").to_string(),
        concat!("style", ".md").to_string(),
        concat!("dependencies", ".md").to_string(),
        concat!("..", "/shared/").to_string(),
    ]
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// `docs/<name>.md` mentions in a line (not when `docs/` is the tail of a longer path).
fn docs_mentions(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("docs/") {
        if line[..at].chars().next_back().is_some_and(is_path_char) {
            continue;
        }
        let tail: String = line[at..]
            .chars()
            .take_while(|&c| is_path_char(c))
            .collect();
        let path = tail.trim_end_matches('.');
        if path.ends_with(".md") {
            found.push(path.to_string());
        }
    }
    found
}

/// Relative link targets of a Markdown line (`[text](target)`), without their `#fragment`.
fn relative_links(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("](") {
        let rest = &line[at + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = rest[..end].split_whitespace().next().unwrap_or_default();
        let target = target.trim_start_matches('<').trim_end_matches('>');
        let target = target.split('#').next().unwrap_or_default();
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        found.push(target.to_string());
    }
    found
}

/// Every unresolvable reference of one file, as `path:line: what`.
fn problems_in(root: &Path, rel: &str) -> Vec<String> {
    let Ok(text) = fs::read_to_string(root.join(rel)) else {
        return Vec::new();
    };
    let outside = outside_documents();
    let dir = Path::new(rel).parent().unwrap_or(Path::new(""));
    let markdown = rel.ends_with(".md");
    let mut in_fence = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let lower = line.to_lowercase();
        for pattern in &outside {
            if lower.contains(pattern.as_str()) {
                out.push(format!(
                    "{rel}:{n}: cites a document outside the repository: {}",
                    line.trim()
                ));
            }
        }
        for doc in docs_mentions(line) {
            if !root.join(&doc).is_file() {
                out.push(format!("{rel}:{n}: `{doc}` does not exist"));
            }
        }
        if markdown {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            for target in relative_links(line) {
                if !root.join(dir).join(&target).exists() {
                    out.push(format!("{rel}:{n}: link target `{target}` does not exist"));
                }
            }
        }
    }
    out
}

#[test]
fn every_reference_points_at_something_in_the_repository() {
    let root = root();
    let files = files(&root);
    assert!(
        files.iter().any(|f| f == "docs/ARCHITECTURE.md") && files.iter().any(|f| f == ".ci/run"),
        "the scan should see the docs and the CI script; it saw {} files",
        files.len()
    );
    let mut problems = Vec::new();
    for rel in &files {
        if !NOT_YET_FIXED.contains(&rel.as_str()) {
            problems.extend(problems_in(&root, rel));
        }
    }
    assert!(
        problems.is_empty(),
        "references a reader cannot follow (cite Kapacitor's source at v1.5.7, Go's docs or a \
         file of this repository instead; see docs/ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_list_of_files_not_yet_fixed_only_names_files_that_still_need_fixing() {
    let root = root();
    let mut stale = Vec::new();
    for &rel in NOT_YET_FIXED {
        if !LISTABLE.iter().any(|prefix| rel.starts_with(prefix)) {
            stale.push(format!(
                "{rel}: only files under {LISTABLE:?} may be listed"
            ));
        } else if !root.join(rel).is_file() {
            stale.push(format!("{rel}: no such file; remove it from NOT_YET_FIXED"));
        } else if problems_in(&root, rel).is_empty() {
            stale.push(format!(
                "{rel}: has no reference left to fix; remove it from NOT_YET_FIXED"
            ));
        }
    }
    let mut sorted = NOT_YET_FIXED.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted != NOT_YET_FIXED {
        stale.push("NOT_YET_FIXED must be sorted and without duplicates".to_string());
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn the_scan_finds_each_kind_of_reference() {
    let outside = outside_documents();
    let sample = format!("see {}3.1", outside[0]).to_lowercase();
    assert!(outside.iter().any(|p| sample.contains(p.as_str())));
    assert_eq!(docs_mentions("see docs/GUIDE.md."), ["docs/GUIDE.md"]);
    let missing = concat!("docs", "/nodes.md");
    assert_eq!(
        docs_mentions(&format!("in `{missing}`, not fuzz/docs/x.md")),
        [missing]
    );
    assert!(docs_mentions("under docs/ and docs/*.md").is_empty());
    assert_eq!(
        relative_links(
            "[a](GUIDE.md#run) [b](https://pkg.go.dev/fmt) [c](#top) [d](../x.md \"t\")"
        ),
        ["GUIDE.md", "../x.md"]
    );
}
