//! Template `printf`: Go `fmt.Sprintf` verbs, flags, rounding and wrong-verb fallbacks.

use crate::common;

use common::{F, render, render_f};

#[test]
fn fixed_precision_pads_and_rounds_the_exact_binary_value_half_to_even() {
    assert_eq!(render("{{ printf \"%0.3f\" 85.5 }}"), "85.500");
    assert_eq!(
        render("{{ printf \"%.0f %.0f %.0f\" 2.5 3.5 0.5 }}"),
        "2 4 0"
    );
    assert_eq!(render("{{ printf \"%.1f\" 0.05 }}"), "0.1");
    assert_eq!(render("{{ printf \"%.2f\" 1.005 }}"), "1.00");
    assert_eq!(
        render("{{ printf \"%f\" 1e21 }}"),
        "1000000000000000000000.000000"
    );
}

#[test]
fn wrong_verbs_print_the_type_and_value() {
    assert_eq!(render("{{ printf \"%d\" 85.5 }}"), "%!d(float64=85.5)");
    assert_eq!(render("{{ printf \"%s\" .Fields.i }}"), "%!s(int64=7)");
    assert_eq!(render("{{ printf \"%s\" 3 }}"), "%!s(int=3)");
    assert_eq!(
        render_f(F::Int(3), "{{ printf \"%.2f\" .F }}"),
        "%!f(int64=03)"
    );
    assert_eq!(render("{{ printf \"%d\" true }}"), "%!d(bool=true)");
    assert_eq!(render("{{ printf \"%z\" 1 }}"), "%!z(int=1)");
    assert_eq!(
        render("{{ printf \"%f\" .Duration }}"),
        "%!f(time.Duration=90000000000)"
    );
}

#[test]
fn missing_and_extra_arguments_are_reported_inline() {
    assert_eq!(render("{{ printf \"%d %d\" 1 }}"), "1 %!d(MISSING)");
    assert_eq!(
        render("{{ printf \"%d\" 1 .Fields.i }}"),
        "1%!(EXTRA int64=7)"
    );
    assert_eq!(
        render("{{ printf \"x\" 1 \"a\" }}"),
        "x%!(EXTRA int=1, string=a)"
    );
    assert_eq!(render("{{ printf \"abc%\" }}"), "abc%!(NOVERB)");
    assert_eq!(
        render("{{ printf \"%100000000d\" 1 }}"),
        "%!(NOVERB)%!(EXTRA int=1)"
    );
}

#[test]
fn nil_arguments_print_as_nil() {
    assert_eq!(
        render("{{ printf \"%v|%s|%d\" nil nil nil }}"),
        "<nil>|%!s(<nil>)|%!d(<nil>)"
    );
}

#[test]
fn width_precision_and_flags() {
    assert_eq!(
        render("{{ printf \"%5.1f|%-6d|%06.2f|%+d|% d\" 3.14159 42 -3.14159 5 5 }}"),
        "  3.1|42    |-03.14|+5| 5"
    );
    assert_eq!(
        render("{{ printf \"%x %X %#x %o %b %c %U\" 255 255 255 8 5 65 128512 }}"),
        "ff FF 0xff 10 101 A U+1F600"
    );
    assert_eq!(
        render("{{ printf \"%8s|%-8s|%.2s|%x|% x\" \"abc\" \"abc\" \"abcdef\" \"hi\" \"hi\" }}"),
        "     abc|abc     |ab|6869|68 69"
    );
    assert_eq!(
        render("{{ printf \"%q %t %%\" \"a\\\"b\" true }}"),
        "\"a\\\"b\" true %"
    );
    assert_eq!(
        render("{{ printf \"%.3d|%.0d|%5.3d\" 7 0 7 }}"),
        "007||  007"
    );
    assert_eq!(render("{{ printf \"%[2]d %[1]d\" 1 2 }}"), "2 1");
    assert_eq!(render("{{ printf \"%*d\" 5 42 }}"), "   42");
}

#[test]
fn float_verbs_e_g_and_v() {
    assert_eq!(
        render("{{ printf \"%e|%E|%g|%G\" 1234.5678 1234.5678 1234.5678 1e-7 }}"),
        "1.234568e+03|1.234568E+03|1234.5678|1E-07"
    );
    assert_eq!(
        render("{{ printf \"%.3g|%.3g|%.3v\" 1234.5678 0.0001234 2.0 }}"),
        "1.23e+03|0.000123|2"
    );
    assert_eq!(
        render("{{ printf \"%v %v\" 1e6 100000.0 }}"),
        "1e+06 100000"
    );
    assert_eq!(render("{{ printf \"%.2e\" 0.0 }}"), "0.00e+00");
}

#[test]
fn precisions_beyond_the_exact_digits_pad_with_zeros() {
    let out = render("{{ printf \"%.2000f|%.1500e\" 0.5 0.5 }}");
    let (f, e) = out.split_once('|').unwrap();
    assert_eq!(f, format!("0.5{}", "0".repeat(1999)));
    assert_eq!(e, format!("5.{}e-01", "0".repeat(1500)));
    // %g drops trailing zeros: the exact binary value of 0.1 has 55 significant digits.
    assert_eq!(
        render("{{ printf \"%.3000g\" 0.1 }}"),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    assert_eq!(render("{{ printf \"%.800000f\" 1.0 }}").len(), 800_002);
}

#[test]
fn nan_and_inf_are_padded_with_spaces() {
    assert_eq!(
        render_f(F::Float(f64::NAN), "{{ printf \"%6.2f|%v\" .F .F }}"),
        "   NaN|NaN"
    );
    assert_eq!(
        render_f(
            F::Float(f64::INFINITY),
            "{{ printf \"%+.1f|%05.1f\" .F .F }}"
        ),
        "+Inf| +Inf"
    );
    assert_eq!(
        render_f(F::Float(f64::NEG_INFINITY), "{{ printf \"%05.1f\" .F }}"),
        " -Inf"
    );
}

#[test]
fn strings_maps_and_durations_use_their_string_forms() {
    assert_eq!(
        render("{{ printf \"%s %v %d\" .Duration .Duration .Duration }}"),
        "1m30s 1m30s 90000000000"
    );
    assert_eq!(render("{{ printf \"%v\" .Tags }}"), "map[host:a region:b]");
    assert_eq!(
        render("{{ printf \"%d\" .Tags }}"),
        "map[%!d(string=host):%!d(string=a) %!d(string=region):%!d(string=b)]"
    );
    assert_eq!(
        render("{{ printf \"%s\" .Time }}"),
        "2016-06-01 12:00:00.123 +0000 UTC"
    );
    assert_eq!(
        render("{{ printf \"%T %T %T\" 1 .Fields.v .Tags }}"),
        "int float64 map[string]string"
    );
}
