//! The one place the binary writes human-facing text (libraries never print).

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::io::Write as _;

/// Writes `text` to stderr as is.
pub(crate) fn stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `text` to stdout as is.
pub(crate) fn stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
