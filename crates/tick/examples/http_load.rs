//! HTTP ingest benchmark (docs/PERFORMANCE.md): generates POINTS `cpu` lines over GROUPS hosts
//! (the same deterministic generator as `gen_points`), then in one run times
//! 1. `tick run SCRIPT --input FILE` (stdin path), and
//! 2. `tick run SCRIPT --http 127.0.0.1:PORT` fed by one client POSTing BATCH-line writes over one
//!    keep-alive loopback connection, from the first byte sent to tick's exit after SIGTERM (so
//!    every acknowledged point has gone through the pipeline),
//!
//! and prints points/s for both and the HTTP/stdin cost ratio.
//!
//! ```text
//! cargo build --release -p tick --bin tick --example http_load
//! target/release/examples/http_load [POINTS] [BATCH] [GROUPS] [SCRIPT]
//!     defaults: 10000000 5000 10000 crates/tick/benches/e2e/read_only.tick
//! ```
//! The `tick` binary is taken from next to this example's directory (`target/release/tick`),
//! or from `$TICK_BIN`.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// Long because it is a script: the steps the module comment lists, in order, sharing the input
// held in memory and the figures each step measures.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let points: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let batch: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000)
        .max(1);
    let groups: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000)
        .max(1);
    let script = args
        .next()
        .unwrap_or_else(|| "crates/tick/benches/e2e/read_only.tick".into());
    let tick = match std::env::var_os("TICK_BIN") {
        Some(p) => PathBuf::from(p),
        None => std::env::current_exe()?
            .parent()
            .and_then(|p| p.parent())
            .ok_or("no exe dir")?
            .join("tick"),
    };

    // The input, once, in memory, with the offset where each write starts.
    let mut data = Vec::with_capacity((points * 80) as usize);
    let mut starts = Vec::with_capacity((points / batch + 1) as usize);
    let start: i64 = 1_464_782_400_000_000_000;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..points {
        if i % batch == 0 {
            starts.push(data.len());
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let host = i % groups;
        let idle = (x % 1000) as f64 / 10.0;
        let t = start + (i / groups) as i64 * 1_000_000_000 + host as i64;
        writeln!(
            data,
            "cpu,host=host{host:05},region=r{} usage_idle={idle},usage_user={}i {t}",
            host % 4,
            x % 100
        )?;
    }
    starts.push(data.len());
    let file = std::env::temp_dir().join(format!("tick-http-load-{}.lp", std::process::id()));
    std::fs::write(&file, &data)?;
    println!(
        "input: {points} lines, {groups} groups, {} MB, writes of {batch} lines",
        data.len() / 1_000_000
    );

    // 1. stdin path.
    let t0 = Instant::now();
    let out = Command::new(&tick)
        .args(["run", &script, "--input"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let stdin_secs = t0.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        return Err(format!(
            "tick run --input failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }

    // 2. HTTP path.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = Command::new(&tick)
        .args(["run", &script, &format!("--http=127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let stream = loop {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("tick did not listen".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let t0 = Instant::now();
    for w in starts.windows(2) {
        let body = &data[w[0]..w[1]];
        let head = format!(
            "POST /write?db=telegraf&rp=autogen HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        writer.write_all(head.as_bytes())?;
        writer.write_all(body)?;
        let status = read_response(&mut reader)?;
        if status != 204 {
            let _ = child.kill();
            return Err(format!("write answered {status}").into());
        }
    }
    let acked_secs = t0.elapsed().as_secs_f64();
    // Peak resident memory of the HTTP tick so far (Linux).
    let peak_mb = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(|| "?".to_string(), |kb| (kb / 1024).to_string());
    drop(writer);
    drop(reader);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    if !killed.success() {
        return Err("kill -TERM failed".into());
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr)?;
    }
    let status = child.wait()?;
    let http_secs = t0.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("tick run --http exited with {status}: {stderr}").into());
    }
    let expected = format!("tick: {points} points read, 0 lines rejected");
    if !stderr.contains(&expected) {
        return Err(format!("tick did not report {expected:?}: {stderr}").into());
    }

    let rate = |secs: f64| points as f64 / secs;
    println!(
        "stdin  {stdin_secs:7.2} s  {:>10.0} points/s",
        rate(stdin_secs)
    );
    println!(
        "http   {http_secs:7.2} s  {:>10.0} points/s  (last write acknowledged after {acked_secs:.2} s; peak RSS {peak_mb} MB)",
        rate(http_secs)
    );
    println!("cost http vs stdin: {:.2}x", http_secs / stdin_secs);
    Ok(())
}

/// Reads one HTTP/1.1 response (status line, headers, Content-Length body); returns the status.
fn read_response(reader: &mut BufReader<TcpStream>) -> Result<u16, Box<dyn std::error::Error>> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line.split(' ').nth(1).ok_or("no status line")?.parse()?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(status)
}
