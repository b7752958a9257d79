//! Loading scripts into tasks for every command that runs or checks them: read, parse,
//! compile against the handler catalogue, validate handler uses against the configuration,
//! and render every diagnostic the same way (`FILE:LINE:COL: error: ...` with a caret).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tick_engine::{CompileOptions, Compiler, HandlerUse, Task};
use tick_handlers::config::Config;
use tick_syntax::{Diagnostic, diagnostic::render};

/// A script compiled into a task, with its source kept for runtime diagnostics.
pub(crate) struct LoadedTask {
    pub(crate) path: PathBuf,
    pub(crate) task: Task,
    /// The script as written.
    pub(crate) source: String,
}

/// The task name of a script: its file stem (`cpu_alert.tick` → `cpu_alert`).
pub(crate) fn task_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "task".to_string())
}

/// Everything `tick check` and `tick run` find wrong with one script's source, in source
/// order: syntax, then semantics (catalogue, types, lambdas, templates), then handler uses
/// against the configuration (unknown broker, QoS out of range). With a configuration, its
/// global services' handlers are added to every alert node first.
pub(crate) fn diagnose(
    name: &str,
    src: &str,
    opts: &CompileOptions,
    config: Option<&Config>,
) -> (Option<Task>, Vec<Diagnostic>) {
    let (program, mut diags) = tick_syntax::parse(src);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let compiler = Compiler::new().with_handlers(&tick_handlers::specs());
    // Services with `global = true` add their handler to every alert node.
    let mut opts = opts.clone();
    if let Some(config) = config {
        let globals = tick_handlers::globals(config);
        opts.global_handlers = globals.handlers;
        opts.state_changes_only = globals.state_changes_only;
    }
    let opts = &opts;
    let check = |handler: &HandlerUse| {
        let mut problems = tick_handlers::check_use_with_config(handler, config);
        if handler.kind == "mqtt" {
            // Broker names can only be checked against a configuration.
            let mqtt = match config {
                Some(cfg) => tick_handlers::mqtt::validate(handler, cfg),
                None => tick_handlers::mqtt::validate_options(handler),
            };
            problems.extend(
                mqtt.into_iter()
                    .map(|(span, message)| Diagnostic::error(span, message)),
            );
        }
        problems
    };
    let (task, more) = compiler.compile_checking(name, &program, opts, &check);
    diags.extend(more);
    diags.sort_by_key(|d| d.span.start);
    let task = if diags.iter().any(Diagnostic::is_error) {
        None
    } else {
        task
    };
    (task, diags)
}

/// Renders diagnostics for `path` to a string, one after the other.
pub(crate) fn render_all(path: &Path, src: &str, diags: &[Diagnostic]) -> String {
    let shown = path.display().to_string();
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(&shown, src, d));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Loads every script; prints all diagnostics of all scripts to stderr. Returns the tasks,
/// or `None` when any script has an error (the caller exits 2).
pub(crate) fn load_all(
    paths: &[PathBuf],
    id: Option<&str>,
    opts: &CompileOptions,
    config: Option<&Config>,
) -> anyhow::Result<Option<Vec<LoadedTask>>> {
    let mut tasks = Vec::new();
    let mut failed = false;
    let mut stderr = String::new();
    for path in paths {
        let src =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = match id {
            Some(id) => id.to_string(),
            None => task_name(path),
        };
        let (task, diags) = diagnose(&name, &src, opts, config);
        stderr.push_str(&render_all(path, &src, &diags));
        match task {
            Some(task) => tasks.push(LoadedTask {
                path: path.clone(),
                task,
                source: src,
            }),
            None => failed = true,
        }
    }
    if !stderr.is_empty() {
        crate::report::stderr(&stderr);
    }
    Ok(if failed { None } else { Some(tasks) })
}
