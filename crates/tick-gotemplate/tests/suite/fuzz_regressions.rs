//! Replays minimized fuzz inputs (`fuzz/regressions/gotemplate/`) and hostile templates on the
//! stable toolchain: parsing and rendering must return, never panic, and keep spans inside the
//! source.

use crate::common;

use common::Data;
use tick_gotemplate::{Escape, FuncSet, Template};

fn check(src: &str) {
    match Template::parse("message", src, &FuncSet::new().with("json")) {
        Ok(t) => {
            for escape in [Escape::Text, Escape::Html] {
                let t = t.clone().with_escape(escape);
                let mut out = String::from("stale");
                if let Err(e) = t.render(&Data::new(), &mut out) {
                    assert!(out.is_empty(), "{src:?}: output kept after error");
                    assert!(e.offset <= src.len(), "{src:?}: offset outside source");
                }
            }
        }
        Err(e) => {
            assert!(
                e.span.end <= src.len() && src.is_char_boundary(e.span.end),
                "{src:?}: bad span {:?}",
                e.span
            );
        }
    }
}

#[test]
fn committed_fuzz_regressions_parse_and_render_without_panicking() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/gotemplate");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("regressions directory exists") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        check(&String::from_utf8_lossy(&bytes));
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

#[test]
fn hostile_templates_return_instead_of_panicking() {
    let cases = [
        "{{",
        "{{-",
        "{{- ",
        "{{ -}}",
        "{{ . -}}",
        "{{/*",
        "{{/**/",
        "{{ 'é",
        "{{ \"\\",
        "{{ $",
        "{{ $x := ",
        "{{ range $a, $b, $c := .Tags }}{{ end }}",
        "{{ range $a, 1 := .Tags }}{{ end }}",
        "{{ else if }}",
        "{{ if 1 }}{{ else }}{{ else }}{{ end }}",
        "{{ printf \"%[99]d %[0]d %[x]d %[1\" 1 }}",
        "{{ printf \"%.*d %-*d\" -1 2 -5 3 }}",
        "{{ printf \"%c %q %U\" -1 1114112 -5 }}",
        "{{ slice .List 3 1 }}{{ slice \"é\" 1 }}",
        "{{ index .List -1 }}",
        "{{ .Duration.Round 0 }}{{ .Duration.Truncate .Duration }}",
        "{{ 9223372036854775808 }}",
        "{{ -9223372036854775808 }}",
        "{{ 0x_1 }}{{ 1__0 }}{{ 1_ }}",
        "{{ 1e400 }}",
        "{{ ($x := 1) }}{{ $x }}",
        "{{ (nil).A }}",
        "{{ .List.x }}",
        "{{ range .List }}{{ continue }}{{ end }}",
        "\u{0}{{ \"\u{0}\" }}",
    ];
    for src in cases {
        check(src);
    }
}
