//! `tick test`: runs golden cases offline — each `NAME.tick` over `NAME.lp` — and compares the
//! alert events with `NAME.expected.jsonl` (the JSON lines a `.log()` handler would write:
//! Kapacitor's `logHandler.Handle`, services/alert/handlers.go at v1.5.7). No handler runs: every
//! alert node is observed as if it had one log handler.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use tick_engine::{Delivery, HandlerRef};
use tick_lineproto::{Precision, Reader};

use crate::report;
use crate::script;
use tick_engine::{Origin, Pipeline};

#[derive(Debug, clap::Args)]
#[command(
    about = "Run golden cases: NAME.tick over NAME.lp, compared with NAME.expected.jsonl",
    long_about = "Run golden cases offline: each NAME.tick is run over the points in NAME.lp \
        (deadman's clock follows the points' time) \
        (line protocol, nanosecond timestamps unless --precision), and the alert events it \
        produces are compared line by line with NAME.expected.jsonl — the JSON lines \
        Kapacitor's .log() handler writes for each event (every alert node is observed as if \
        it had one log handler). Handlers named in the script are not run. As in Kapacitor, an \
        alert node with neither a handler nor a .topic() emits no events. Each \
        |httpOut('NAME') endpoint is compared with CASE.NAME.expected.json when that file \
        exists, so window and aggregate scripts can be tested without an alert.\n\n\
        Exit status: 0 all cases pass; 1 a case differs; 2 a script is invalid.",
    after_help = "Examples:\n  tick test tickscripts/\n  tick test cpu_alert.tick --update"
)]
pub(crate) struct Args {
    /// Scripts, or directories whose scripts with both NAME.lp and NAME.expected.jsonl are cases
    #[arg(default_value = "tickscripts", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Write the events produced into NAME.expected.jsonl instead of comparing
    #[arg(long)]
    update: bool,
    /// Timestamp precision of the .lp files
    #[arg(long, default_value = "n", value_parser = crate::options::parse_precision, value_name = "P")]
    precision: Precision,
    /// Time zone for the time functions of lambdas; default UTC
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

enum Outcome {
    Pass,
    Fail(String),
    Invalid(String),
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    let opts = crate::options::compile_options(args.tz.as_deref())?;
    let mut cases = Vec::new();
    for path in &args.paths {
        collect_cases(path, &mut cases)?;
    }
    cases.sort();
    let (mut passed, mut failed, mut invalid) = (0u32, 0u32, 0u32);
    let mut out = String::new();
    for case in &cases {
        let name = case.with_extension("").display().to_string();
        match run_case(case, &args, &opts)? {
            Outcome::Pass => {
                passed += 1;
                out.push_str(&format!("ok      {name}\n"));
            }
            Outcome::Fail(diff) => {
                failed += 1;
                out.push_str(&format!("FAILED  {name}\n{diff}"));
            }
            Outcome::Invalid(diags) => {
                invalid += 1;
                out.push_str(&format!("INVALID {name}\n{diags}"));
            }
        }
    }
    out.push_str(&format!("{passed} passed, {} failed\n", failed + invalid));
    report::stdout(&out);
    Ok(ExitCode::from(if invalid > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    }))
}

/// Every `*.tick` under `path` (or `path` itself) that has a `.lp` beside it and at least one
/// expectation: `NAME.expected.jsonl` (alert events) or `NAME.<endpoint>.expected.json`
/// (an `|httpOut('<endpoint>')`).
fn collect_cases(path: &Path, cases: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "tick")
                && p.with_extension("lp").exists()
                && (p.with_extension("expected.jsonl").exists() || !endpoint_files(&p)?.is_empty())
            {
                cases.push(p);
            }
        }
    } else if path.exists() {
        cases.push(path.to_path_buf());
    } else {
        anyhow::bail!("{}: no such file or directory", path.display());
    }
    Ok(())
}

/// The `NAME.<endpoint>.expected.json` files beside `case`, as (endpoint, path).
fn endpoint_files(case: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let (Some(dir), Some(stem)) = (case.parent(), case.file_stem().and_then(|s| s.to_str())) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{stem}.");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })? {
        let p = entry?.path();
        let Some(file) = p.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if let Some(endpoint) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".expected.json"))
            .filter(|e| !e.is_empty() && !e.contains('.'))
        {
            found.push((endpoint.to_string(), p.clone()));
        }
    }
    found.sort();
    Ok(found)
}

fn run_case(
    case: &Path,
    args: &Args,
    opts: &tick_engine::CompileOptions,
) -> anyhow::Result<Outcome> {
    let src =
        std::fs::read_to_string(case).with_context(|| format!("reading {}", case.display()))?;
    let (task, diags) = script::diagnose(&script::task_name(case), &src, opts, None);
    let Some(task) = task else {
        return Ok(Outcome::Invalid(script::render_all(case, &src, &diags)));
    };
    let points = case.with_extension("lp");
    let input = std::fs::read(&points).with_context(|| format!("reading {}", points.display()))?;
    let run = run_points(task, &input, args.precision)?;
    let events_path = case.with_extension("expected.jsonl");
    let endpoint_paths = endpoint_files(case)?;
    if args.update {
        if events_path.exists() || endpoint_paths.is_empty() {
            std::fs::write(&events_path, &run.events)?;
        }
        let stem = case.with_extension("");
        for (endpoint, body) in &run.endpoints {
            std::fs::write(
                format!("{}.{endpoint}.expected.json", stem.display()),
                format!("{body}\n"),
            )?;
        }
        return Ok(Outcome::Pass);
    }
    let mut report = String::new();
    if events_path.exists() {
        let expected = std::fs::read_to_string(&events_path)
            .with_context(|| format!("reading {}", events_path.display()))?;
        if expected != run.events {
            report.push_str(&diff(&expected, &run.events));
        }
    }
    for (endpoint, path) in &endpoint_paths {
        let expected =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let expected = expected.trim_end_matches('\n');
        let actual = run
            .endpoints
            .iter()
            .find(|(name, _)| name == endpoint)
            .map_or("(no such httpOut endpoint)", |(_, body)| body.as_str());
        if expected != actual {
            report.push_str(&format!(
                "  httpOut('{endpoint}'):\n    - {expected}\n    + {actual}\n"
            ));
        }
    }
    Ok(if report.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(report)
    })
}

/// What a case produced: the alert events as JSON lines, and each `|httpOut` endpoint's final
/// content as Kapacitor serves it.
struct CaseRun {
    events: String,
    endpoints: Vec<(String, String)>,
}

/// Runs the points through the task.
fn run_points(
    task: tick_engine::Task,
    input: &[u8],
    precision: Precision,
) -> anyhow::Result<CaseRun> {
    // The events compared are those of the alert nodes with a handler (what Kapacitor would
    // send); a script with no handler at all is compared on every event its alert nodes
    // trigger, as Kapacitor counts and logs them.
    let handled: Vec<String> = task
        .handler_uses()
        .iter()
        .map(|(node, _)| node.to_string())
        .collect();
    let compared = |node: &str| handled.is_empty() || handled.iter().any(|n| n == node);
    let mut pipeline = Pipeline::new(vec![task], &Origin::default())
        .observing_alerts()
        .with_point_clock(true);
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut out = String::new();
    let mut errors = String::new();
    Reader::new(input)
        .with_precision(precision)
        .with_now(|| 0)
        .for_each(|_, result| {
            match result {
                Ok(point) => pipeline.push(point, &mut deliveries),
                Err(e) => errors.push_str(&format!("{e}\n")),
            }
            for d in deliveries.drain(..) {
                if let HandlerRef::Alert { index: 0, node, .. } = &d.handler
                    && compared(node)
                    && let Err(e) = tick_engine::json::encode_event(&d.event, &mut out)
                {
                    errors.push_str(&format!(
                        "event {}: failed to marshal alert data json: {e}\n",
                        d.event.state.id
                    ));
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        })?;
    if !errors.is_empty() {
        report::stderr(&errors);
    }
    let mut endpoints = Vec::new();
    for task in pipeline.tasks() {
        for (name, rows) in task.http_out() {
            let body = crate::http::series_json(&rows)
                .map_err(|e| anyhow::anyhow!("httpOut {name:?}: {e}"))?;
            endpoints.push((name, body));
        }
    }
    Ok(CaseRun {
        events: out,
        endpoints,
    })
}

/// A line-by-line diff: `-` expected, `+` actual, with line numbers.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                out.push_str(&format!("  event {}:\n", i + 1));
                if let Some(x) = x {
                    out.push_str(&format!("    - {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("    + {y}\n"));
                }
            }
        }
    }
    if out.is_empty() {
        out.push_str("  (differs only in trailing newlines)\n");
    }
    out
}
