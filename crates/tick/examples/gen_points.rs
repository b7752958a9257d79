//! Deterministic line-protocol generator for the end-to-end benchmarks:
//! `gen_points POINTS GROUPS` writes POINTS `cpu` lines spread round-robin over GROUPS hosts,
//! one second apart per host, with `usage_idle` below 10 for about 2% of the points, so alert
//! pipelines change state now and then. Never commit big inputs: generate them.

#![allow(clippy::print_stderr)]

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let points: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let groups: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000)
        .max(1);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    let start: i64 = 1_464_782_400_000_000_000;
    // xorshift: fixed seed, same output on every machine.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..points {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let host = i % groups;
        // About 2% of points dip below 10 (CRITICAL for the canonical alert).
        let idle = if x.is_multiple_of(50) {
            ((x >> 8) % 100) as f64 / 10.0
        } else {
            10.0 + ((x >> 8) % 900) as f64 / 10.0
        };
        let t = start + (i / groups) as i64 * 1_000_000_000 + host as i64;
        writeln!(
            w,
            "cpu,host=host{host:05},region=r{} usage_idle={idle},usage_user={}i {t}",
            host % 4,
            x % 100
        )?;
    }
    w.flush()
}
