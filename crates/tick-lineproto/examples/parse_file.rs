//! Parses a line-protocol file once with `Lines` and prints how many lines were good and bad:
//! a fixed amount of work for instruction counts (`valgrind --tool=callgrind`), which, unlike
//! times, repeat exactly on a busy machine.
//!
//! `cargo build --release -p tick-lineproto --example parse_file`
//! `valgrind --tool=callgrind target/release/examples/parse_file points.lp`

#![allow(clippy::print_stdout)]

use tick_lineproto::{Lines, ParseOptions};

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| std::io::Error::other("usage: parse_file FILE"))?;
    let input = std::fs::read(path)?;
    let (mut good, mut bad, mut fields) = (0u64, 0u64, 0u64);
    for (_, result) in Lines::new(&input, ParseOptions::default()) {
        match result {
            Ok(point) => {
                good += 1;
                fields += point.fields.len() as u64;
            }
            Err(_) => bad += 1,
        }
    }
    println!("{good} good lines with {fields} fields, {bad} bad lines");
    Ok(())
}
