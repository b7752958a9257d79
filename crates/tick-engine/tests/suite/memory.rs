//! Memory bound of windows (issue 7): 100,000 groups with a 1-minute window at one point per
//! second per group must stay under 1 GB. Slow in debug builds, so ignored by default; run with
//!
//! ```text
//! cargo test -p tick-engine --release --test suite memory -- --ignored --nocapture
//! ```
//!
//! It reads the peak resident set size (`VmHWM`) from `/proc/self/status` (Linux only), so it
//! must run alone in its process (it is the only test of this file).

#![allow(clippy::unwrap_used, clippy::print_stderr)] // a test: report and fail loudly

use std::sync::Arc;

use tick_engine::{CompileOptions, Compiler, FieldValue, Fields, Point, Tags};

const GROUPS: usize = 100_000;
const SECONDS: i64 = 90;
const S: i64 = 1_000_000_000;

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
#[ignore = "slow in debug builds; run in release (see the module docs)"]
fn one_minute_windows_of_100k_groups_at_one_point_per_second_stay_under_1_gb() {
    let script = "stream|from().measurement('cpu').groupBy('host')\
        |window().period(1m).every(10s)|mean('usage_idle')\
        |alert().crit(lambda: \"mean\" < 10.0)";
    let (program, _) = tick_syntax::parse(script);
    let (task, diags) = Compiler::new().compile("mem", &program, &CompileOptions::default());
    let mut task = task.unwrap_or_else(|| panic!("{diags:?}"));
    // Strings shared like the binary's interner does: one Arc per distinct name, key and value.
    let (name, db, rp): (Arc<str>, Arc<str>, Arc<str>) = ("cpu".into(), "db".into(), "rp".into());
    let (host, region, field): (Arc<str>, Arc<str>, Arc<str>) =
        ("host".into(), "region".into(), "usage_idle".into());
    let us: Arc<str> = "us-east-1".into();
    let hosts: Vec<Arc<str>> = (0..GROUPS)
        .map(|i| Arc::from(format!("server-{i:06}")))
        .collect();
    let mut emissions = Vec::new();
    let mut pushed = 0u64;
    let start = std::time::Instant::now();
    for s in 0..SECONDS {
        for (i, h) in hosts.iter().enumerate() {
            let p = Point::new(
                name.clone(),
                db.clone(),
                rp.clone(),
                Tags::from_pairs([(host.clone(), h.clone()), (region.clone(), us.clone())]),
                Fields::from_pairs([(field.clone(), FieldValue::Float((i % 100) as f64))]),
                s * S + i as i64,
            );
            task.push_owned(p, &mut emissions);
            pushed += 1;
        }
        emissions.clear();
    }
    let elapsed = start.elapsed();
    let peak = peak_rss_bytes().unwrap();
    eprintln!(
        "{pushed} points in {:.2?} ({:.0} points/s); peak RSS {:.1} MiB",
        elapsed,
        pushed as f64 / elapsed.as_secs_f64(),
        peak as f64 / (1024.0 * 1024.0)
    );
    let stats = task.stats();
    // Every group emits one mean every 10 s from 10 s on: 8 windows per group.
    assert_eq!(stats[3].emitted, 8 * GROUPS as u64, "{stats:?}");
    assert!(peak < 1_000_000_000, "peak RSS {peak} bytes");
}
