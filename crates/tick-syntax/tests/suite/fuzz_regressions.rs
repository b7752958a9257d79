//! Replays every input under `fuzz/regressions/syntax/` through both syntax fuzz checks, so a
//! crasher once found stays fixed on stable Rust without cargo-fuzz.

use std::path::Path;

#[test]
fn syntax_fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/syntax");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    for f in files {
        let data = std::fs::read(&f).unwrap_or_default();
        crate::support::invariants::parse_invariants(&data);
        crate::support::invariants::fmt_idempotent(&data);
    }
}
