//! Runs the engine's golden cases in `tickscripts/` (every `NAME.tick` with a
//! `NAME.expected.jsonl`, except `alert_*`, which the alert tests run): the JSON lines the
//! script's `.log('LOG')` handler would write must equal the expectations, each case checked
//! against Kapacitor 1.5.7 as its first line says (the repository's `tests/golden.rs` enforces
//! that line).

#![allow(clippy::unwrap_used)] // a broken fixture should fail loudly

use std::path::Path;

use tick_engine::{CompileOptions, Compiler, Point};
use tick_engine::{Emission, HandlerRef, Topics};

/// The fixture's points, read by the real line-protocol parser (tags and strings may hold
/// escaped spaces, quotes and commas); `#` lines are comments.
fn points(lp: &str) -> Vec<Point> {
    use tick_engine::FieldValue;
    use tick_lineproto::{FieldValue as Lp, Lines, ParseOptions};
    Lines::new(lp.as_bytes(), ParseOptions::default())
        .map(|(n, p)| p.unwrap_or_else(|e| panic!("line {n}: {e}")))
        .map(|p| {
            let tags = tick_engine::Tags::from_pairs(
                p.tags.iter().map(|t| (t.key.as_ref(), t.value.as_ref())),
            );
            let fields = p.fields.iter().map(|f| {
                let v = match &f.value {
                    Lp::Float(x) => FieldValue::Float(*x),
                    Lp::Int(i) => FieldValue::Int(*i),
                    Lp::String(s) => FieldValue::String(s.to_string()),
                    Lp::Bool(b) => FieldValue::Bool(*b),
                };
                (f.key.to_string(), v)
            });
            Point::new(
                p.measurement.as_ref(),
                "db",
                "rp",
                tags,
                tick_engine::Fields::from_pairs(fields),
                p.time,
            )
        })
        .collect()
}

fn run_case(dir: &Path, stem: &str) -> Result<(), String> {
    let src = std::fs::read_to_string(dir.join(format!("{stem}.tick"))).unwrap();
    let lp = std::fs::read_to_string(dir.join(format!("{stem}.lp"))).unwrap();
    let expected = std::fs::read_to_string(dir.join(format!("{stem}.expected.jsonl"))).unwrap();
    let (program, diags) = tick_syntax::parse(&src);
    if diags.iter().any(|d| d.is_error()) {
        return Err(format!("{stem}: {diags:?}"));
    }
    let (task, diags) = Compiler::new()
        .with_handlers(&[crate::common::LOG])
        .compile(stem, &program, &CompileOptions::default());
    let mut task = task.ok_or_else(|| format!("{stem}: {diags:?}"))?;
    let mut topics = Topics::new();
    let (mut emissions, mut deliveries): (Vec<Emission>, _) = (Vec::new(), Vec::new());
    for p in points(&lp) {
        if task.accepts(&p.name) {
            task.push(&p, &mut emissions);
        }
        for e in emissions.drain(..) {
            topics.collect(e, &mut deliveries);
        }
    }
    let got: String = deliveries
        .iter()
        .filter(|d| matches!(d.handler, HandlerRef::Alert { .. }))
        .filter_map(|d| tick_engine::json::event_to_string(&d.event).ok())
        .collect();
    if got == expected {
        Ok(())
    } else {
        Err(format!("{stem}:\n--- expected\n{expected}--- got\n{got}"))
    }
}

#[test]
fn engine_golden_cases_match_their_expected_log_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tickscripts");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".expected.jsonl").map(str::to_string)
        })
        .filter(|s| !s.starts_with("alert_"))
        .collect();
    stems.sort();
    assert!(stems.len() >= 5, "{stems:?}");
    let failures: Vec<String> = stems
        .iter()
        .filter_map(|s| run_case(&dir, s).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
