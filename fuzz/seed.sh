#!/bin/sh
# Seeds the fuzz corpora from the repository's own inputs (never commit corpora: see .gitignore).
# Run from anywhere: fuzz/seed.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus"

seed() { # seed TARGET FILE...
    target=$1; shift
    mkdir -p "$corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$corpus/$target/"
    done
    echo "$target: $(ls "$corpus/$target" | wc -l) inputs"
}

# TICKscripts: the examples and the syntax fixtures.
set -- "$root"/tickscripts/*.tick "$root"/tests/fixtures/syntax/ok/*.tick "$root"/tests/fixtures/syntax/err/*.tick
seed syntax_parse "$@"
seed syntax_fmt_idempotent "$@"

# Line protocol: the fixtures and the examples' inputs.
seed lineproto_roundtrip "$root"/tests/fixtures/lineproto/* "$root"/tickscripts/*.lp
