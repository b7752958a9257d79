//! Replays every input under `fuzz/regressions/lineproto/` (minimized fuzz findings and hand-written
//! corner cases) through the `lineproto_roundtrip` invariant.

#![allow(clippy::unwrap_used)] // test helpers: a bad case should fail loudly

#[path = "../support/roundtrip.rs"]
mod roundtrip;

#[test]
fn every_saved_fuzz_input_keeps_the_round_trip_invariant() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/lineproto");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| roundtrip::check(&data));
        assert!(outcome.is_ok(), "{} breaks the invariant", path.display());
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
