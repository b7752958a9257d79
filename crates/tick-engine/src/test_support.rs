//! Helpers for the unit tests of nodes: compile a script, run points written in a small
//! line-protocol subset through it, and read what a `|log()` node saw. Test builds only.

#![allow(clippy::unwrap_used)] // a bad fixture should fail loudly

use tick_syntax::Diagnostic;

pub(crate) use crate::testing::point;
use crate::{CompileOptions, Compiler, Task};

pub(crate) fn task(script: &str) -> Task {
    let (program, diags) = tick_syntax::parse(script);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let (task, diags) = Compiler::new().compile("t", &program, &CompileOptions::default());
    assert!(task.is_some(), "{diags:?}");
    task.unwrap()
}

/// Runs `lines` through `script` (routing by measurement) and returns the lines of its `|log()`
/// nodes from `group=` on: `group=host=a dimension_0=host tag_host=a field_v=1 time=...`.
pub(crate) fn run_log(script: &str, lines: &[&str]) -> Vec<String> {
    run_log_task(&mut task(script), lines)
}

/// [`run_log`] on a task the caller keeps (to read its stats afterwards).
pub(crate) fn run_log_task(t: &mut Task, lines: &[&str]) -> Vec<String> {
    let mut emissions = Vec::new();
    for p in lines.iter().map(|l| point(l)) {
        if t.accepts(&p.name) {
            t.push(&p, &mut emissions);
        }
    }
    t.drain_logs()
        .into_iter()
        .map(|r| {
            r.line
                .split_once(" group=")
                .map(|(_, rest)| format!("group={rest}"))
                .unwrap_or(r.line)
        })
        .collect()
}

/// The error diagnostics of compiling `src`, as (message, the script text of its span).
pub(crate) fn compile_errors(src: &str) -> Vec<(String, String)> {
    let (program, diags) = tick_syntax::parse(src);
    let mut all: Vec<Diagnostic> = diags;
    let (_, more) = Compiler::new().compile("t", &program, &CompileOptions::default());
    all.extend(more);
    all.into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| {
            let text = src.get(d.span.range()).unwrap_or("<bad span>").to_string();
            (d.message, text)
        })
        .collect()
}

/// Error summaries of every node of `t`: `(node name, message, count)`.
pub(crate) fn errors(t: &Task) -> Vec<(String, String, u64)> {
    t.stats()
        .into_iter()
        .flat_map(|s| {
            let name = s.name.clone();
            s.error_summaries
                .into_iter()
                .map(move |e| (name.clone(), e.message, e.count))
        })
        .collect()
}
