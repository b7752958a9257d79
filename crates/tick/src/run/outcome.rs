//! How `tick run` ends: `--http-out` files, alerts lost to template failures, `--stats`, the
//! points read and lines rejected, and the exit status. Owns the closing messages on stderr;
//! does not own the drain (`drain.rs`), whose losses it is given.

use tick_engine::Pipeline;

use super::pipeline::Finished;
use super::plan::Plan;
use crate::report;
use crate::stats::Stats;

/// Reports the end of the run and returns its exit status. `finished` is the pipeline thread's
/// result (`None` when a signal left it behind); `lost` the alerts the drain lost.
pub(crate) fn finish(
    plan: &Plan,
    finished: Option<Finished>,
    http_rejected: u64,
    mut lost: u64,
    mut stats: Stats,
) -> u8 {
    let mut code = 0u8;
    match finished {
        Some((pipeline, result)) => {
            let rejected = match result {
                Ok(rejected) => rejected + http_rejected,
                Err(e) => {
                    report::stderr(&format!("error: reading input: {e}\n"));
                    return 1;
                }
            };
            if let Some(dir) = &plan.http_out
                && let Err(e) = crate::http::write_http_out(dir, pipeline.tasks())
            {
                report::stderr(&format!("error: --http-out: {e:#}\n"));
                code = 1;
            }
            lost += unrendered(&pipeline);
            stats.pipeline(pipeline.tasks(), &pipeline.topics().stats());
            if let Some(format) = plan.stats {
                report::stderr(&stats.render(format));
            }
            report::stderr(&format!(
                "tick: {} points read, {rejected} lines rejected\n",
                pipeline.points()
            ));
            if plan.strict && rejected > 0 {
                code = 1;
            }
        }
        None => {
            if let Some(format) = plan.stats {
                report::stderr(&stats.render(format));
            }
        }
    }
    if lost > 0 {
        report::stderr(&format!(
            "tick: {lost} alert deliveries failed or were lost\n"
        ));
        code = 1;
    }
    code
}

/// Alerts not sent because their message or details failed to render, reported.
fn unrendered(pipeline: &Pipeline) -> u64 {
    let lost: u64 = pipeline
        .tasks()
        .flat_map(|t| t.stats())
        .map(|s| s.lost_events)
        .sum();
    if lost > 0 {
        report::stderr(&format!(
            "tick: {lost} alert(s) were not sent because their message or details \
             failed to render\n"
        ));
    }
    lost
}
