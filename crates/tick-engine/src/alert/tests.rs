//! Alert node behaviour through whole scripts: levels, events, templates, forwarding and
//! routing. Expectations follow Kapacitor's alert node, alert.go at tag v1.5.7 (levels:
//! `AlertNode.determineLevel` and `findFirstMatchLevel`; events and durations:
//! `alertState.Point`, `triggered`, `duration`; flapping: `alertState.percentChange` and
//! `updateFlapping`; templates: `renderID`, `renderMessageAndDetails`); the golden cases read
//! here were each checked against Kapacitor 1.5.7, as their first line says.

use std::sync::Arc;

use tick_lambda::FieldValue;

use crate::compile::{CompileOptions, Compiler};
use crate::event::Level;
use crate::point::{Fields, Point, Tags};
use crate::task::Task;
use crate::topics::{Delivery, Emission, Topics};

const S: i64 = 1_000_000_000;

fn compile(src: &str) -> Result<Task, Vec<(String, String)>> {
    let (program, parse_diags) = tick_syntax::parse(src);
    let errors: Vec<_> = parse_diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    let (task, diags) = Compiler::new()
        .with_handlers(&[crate::testing::LOG])
        .compile("t", &program, &CompileOptions::default());
    match task {
        Some(t) => Ok(t),
        None => Err(diags
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| {
                (
                    d.message.clone(),
                    src.get(d.span.range()).unwrap_or("<bad span>").to_string(),
                )
            })
            .collect()),
    }
}

/// `cpu,host=<host> v=<v> <secs>s`
fn pt(host: &str, v: f64, secs: i64) -> Point {
    Point::new(
        "cpu",
        "db",
        "rp",
        Tags::from_pairs([("host", host)]),
        Fields::from_pairs([("v", FieldValue::Float(v))]),
        secs * S,
    )
}

struct Run {
    deliveries: Vec<Delivery>,
    task: Task,
    topics: Topics,
}

fn run_with(src: &str, points: &[Point], topics: Topics) -> Run {
    let task = compile(src).unwrap_or_else(|e| panic!("compile errors: {e:?}"));
    run_task(task, points, topics)
}

fn run_task(mut task: Task, points: &[Point], mut topics: Topics) -> Run {
    let mut deliveries = Vec::new();
    let mut emissions: Vec<Emission> = Vec::new();
    for p in points {
        task.push(p, &mut emissions);
        for e in emissions.drain(..) {
            topics.collect(e, &mut deliveries);
        }
    }
    Run {
        deliveries,
        task,
        topics,
    }
}

fn run(src: &str, points: &[Point]) -> Run {
    run_with(src, points, Topics::new())
}

/// (seconds, level, duration seconds, message) of each delivery.
fn summary(r: &Run) -> Vec<(i64, Level, i64, String)> {
    r.deliveries
        .iter()
        .map(|d| {
            (
                d.event.state.time / S,
                d.event.state.level,
                d.event.state.duration / S,
                d.event.state.message.clone(),
            )
        })
        .collect()
}

fn levels(r: &Run) -> Vec<Level> {
    r.deliveries.iter().map(|d| d.event.state.level).collect()
}

use Level::{Critical as C, Info as I, Ok as O, Warning as W};

#[test]
fn documented_hysteresis_script_emits_info_warning_warning_critical_info_info_ok() {
    let src = "stream|from().measurement('cpu')|alert()
        .info(lambda: \"v\" > 60.0).infoReset(lambda: \"v\" < 50.0)
        .warn(lambda: \"v\" > 70.0).warnReset(lambda: \"v\" < 60.0)
        .crit(lambda: \"v\" > 80.0).critReset(lambda: \"v\" < 70.0)
        .log('/tmp/x')";
    let values = [61.0, 73.0, 64.0, 85.0, 62.0, 56.0, 47.0];
    let points: Vec<Point> = values
        .iter()
        .enumerate()
        .map(|(i, v)| pt("a", *v, i as i64 + 1))
        .collect();
    assert_eq!(levels(&run(src, &points)), vec![I, W, W, C, I, I, O]);
}

#[test]
fn the_default_event_json_line_has_escaped_default_details() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).log('/tmp/x')";
    let r = run(src, &[pt("a", 90.0, 1)]);
    assert_eq!(r.deliveries.len(), 1);
    let line = crate::json::event_to_string(&r.deliveries[0].event).unwrap();
    let expected = concat!(
        r#"{"id":"cpu:nil","message":"cpu:nil is CRITICAL","details":"{\u0026#34;Name\u0026#34;:\u0026#34;cpu\u0026#34;,"#,
        r#"\u0026#34;TaskName\u0026#34;:\u0026#34;t\u0026#34;,\u0026#34;Group\u0026#34;:\u0026#34;nil\u0026#34;,"#,
        r#"\u0026#34;Tags\u0026#34;:{\u0026#34;host\u0026#34;:\u0026#34;a\u0026#34;},"#,
        r#"\u0026#34;ServerInfo\u0026#34;:{\u0026#34;Hostname\u0026#34;:\u0026#34;localhost\u0026#34;,"#,
        r#"\u0026#34;ClusterID\u0026#34;:\u0026#34;\u0026#34;,\u0026#34;ServerID\u0026#34;:\u0026#34;\u0026#34;},"#,
        r#"\u0026#34;ID\u0026#34;:\u0026#34;cpu:nil\u0026#34;,\u0026#34;Fields\u0026#34;:{\u0026#34;v\u0026#34;:90},"#,
        r#"\u0026#34;Level\u0026#34;:\u0026#34;CRITICAL\u0026#34;,"#,
        r#"\u0026#34;Time\u0026#34;:\u0026#34;1970-01-01T00:00:01Z\u0026#34;,\u0026#34;Duration\u0026#34;:0,"#,
        r#"\u0026#34;Message\u0026#34;:\u0026#34;cpu:nil is CRITICAL\u0026#34;}\n","#,
        r#""time":"1970-01-01T00:00:01Z","duration":0,"level":"CRITICAL","#,
        r#""data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"#,
        r#""values":[["1970-01-01T00:00:01Z",90]]}]},"previousLevel":"OK","recoverable":true}"#,
        "\n"
    );
    assert_eq!(line, expected);
    assert_eq!(&*r.deliveries[0].event.topic, "main:t:alert2");
}

#[test]
fn message_template_sees_time_and_fields() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0)
        .message('{{ .Time }}: v={{ index .Fields \"v\" }} {{ .Level }} {{ .Duration }}').log('/tmp/x')";
    let r = run(src, &[pt("a", 90.5, 1), pt("a", 91.0, 91)]);
    let msgs: Vec<String> = summary(&r).into_iter().map(|s| s.3).collect();
    assert_eq!(
        msgs,
        vec![
            "1970-01-01 00:00:01 +0000 UTC: v=90.5 CRITICAL 0s".to_string(),
            "1970-01-01 00:01:31 +0000 UTC: v=91 CRITICAL 1m30s".to_string(),
        ]
    );
}

#[test]
fn group_by_shows_in_group_and_id_and_keys_state_per_group() {
    let src = "stream|from().measurement('cpu').groupBy('host')|alert().crit(lambda: \"v\" > 80.0)
        .id('{{ .Name }}/{{ .Group }}').message('{{ .ID }} {{ .Level }} {{ .Tags.host }}')
        .stateChangesOnly().log('/tmp/x')";
    let points = [
        pt("a", 90.0, 1),
        pt("b", 90.0, 2),
        pt("a", 95.0, 3),
        pt("a", 10.0, 4),
        pt("b", 91.0, 5),
    ];
    let r = run(src, &points);
    assert_eq!(
        summary(&r),
        vec![
            (1, C, 0, "cpu/host=a CRITICAL a".to_string()),
            (2, C, 0, "cpu/host=b CRITICAL b".to_string()),
            (4, O, 3, "cpu/host=a OK a".to_string()),
        ]
    );
    assert_eq!(r.deliveries[0].event.data.group, "host=a");
}

#[test]
fn state_changes_only_with_a_duration_resends_every_5_seconds() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0)
        .stateChangesOnly(5s).log('/tmp/x')";
    let points: Vec<Point> = (1..=12).map(|t| pt("a", 90.0, t)).collect();
    let r = run(src, &points);
    let got: Vec<(i64, i64)> = summary(&r).into_iter().map(|s| (s.0, s.2)).collect();
    assert_eq!(got, vec![(1, 0), (6, 5), (11, 10)]);
}

#[test]
fn no_recoveries_keeps_the_previous_level_of_the_topic() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).noRecoveries().log('/tmp/x')";
    let points = [
        pt("a", 85.0, 1),
        pt("a", 50.0, 2),
        pt("a", 85.0, 3),
        pt("a", 90.0, 4),
    ];
    let r = run(src, &points);
    let got: Vec<(i64, i64, Level, bool)> = r
        .deliveries
        .iter()
        .map(|d| {
            (
                d.event.state.time / S,
                d.event.state.duration / S,
                d.event.previous_level,
                d.event.data.recoverable,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(1, 0, O, false), (3, 0, C, false), (4, 1, C, false)]
    );
}

#[test]
fn predicate_errors_count_as_not_matched_and_are_counted() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"x\" > 5.0).warn(lambda: \"x\" > 2.0).log('/tmp/x')";
    let with_x = |x: f64, t| {
        Point::new(
            "cpu",
            "db",
            "rp",
            Tags::default(),
            Fields::from_pairs([("x", FieldValue::Float(x))]),
            t * S,
        )
    };
    let without = |t| {
        Point::new(
            "cpu",
            "db",
            "rp",
            Tags::default(),
            Fields::from_pairs([("y", FieldValue::Int(1))]),
            t * S,
        )
    };
    let r = run(
        src,
        &[with_x(10.0, 1), without(2), with_x(3.0, 3), without(4)],
    );
    assert_eq!(levels(&r), vec![C, O, W, O]);
    let stats = r.task.stats();
    let alert = stats.iter().find(|s| s.name == "alert2").unwrap();
    // Point 2 (CRITICAL): crit fails in steps 1 and 3, warn in step 3; point 4 (WARNING): crit
    // in step 1, warn in steps 1 and 3.
    assert_eq!(alert.errors, 6);
}

#[test]
fn level_lambdas_are_shared_by_all_groups() {
    // |groupBy('host')|alert().crit(lambda: count() == 3) fires on the third point overall.
    let src = "stream|from().measurement('cpu')|groupBy('host')|alert().crit(lambda: count() == 3).log('/tmp/x')";
    let points = [
        pt("h1", 1.0, 1),
        pt("h2", 1.0, 2),
        pt("h1", 1.0, 3),
        pt("h2", 1.0, 4),
        pt("h1", 1.0, 5),
    ];
    let r = run(src, &points);
    let got: Vec<(i64, Level)> = summary(&r).into_iter().map(|s| (s.0, s.1)).collect();
    // t3 (h1): count 3 → CRITICAL. t5 (h1): CRITICAL group evaluates crit twice (6, 7): OK.
    assert_eq!(got, vec![(3, C), (5, O)]);
}

#[test]
fn forwarded_points_carry_level_id_message_and_duration() {
    let src = "stream|from().measurement('cpu').groupBy('host')|alert().crit(lambda: \"v\" > 80.0)
        .levelTag('lt').idTag('it').levelField('lf').idField('if').messageField('mf').durationField('df')
        |log()";
    let points = [pt("a", 90.0, 1), pt("a", 50.0, 3), pt("a", 40.0, 4)];
    let mut r = run(src, &points);
    let logs = r.task.drain_logs();
    // Only the two emitted events are forwarded; the unchanged OK at 4 s is not.
    assert_eq!(logs.len(), 2, "{logs:?}");
    let last = &logs[1].line;
    // The group is unchanged; the added tags are not dimensions.
    for want in [
        "group=\"host=a\" dimension_0=host ",
        "tag_it=\"cpu:host=a\" tag_lt=OK ",
        "field_df=2000000000 field_if=\"cpu:host=a\" field_lf=OK field_mf=\"cpu:host=a is OK\" field_v=50 ",
    ] {
        assert!(last.contains(want), "{want} missing in {last}");
    }
}

#[test]
fn an_alert_without_handlers_or_topic_emits_nothing_but_still_forwards() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0)|log()";
    let mut r = run(src, &[pt("a", 90.0, 1)]);
    assert!(r.deliveries.is_empty());
    assert_eq!(r.task.drain_logs().len(), 1);
}

#[test]
fn a_named_topic_reaches_registered_handlers() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).topic('cpu')";
    let mut topics = Topics::new();
    let h = topics.add_handler("cpu", "h", None);
    let r = run_with(src, &[pt("a", 90.0, 1)], topics);
    assert_eq!(r.deliveries.len(), 1);
    assert_eq!(r.deliveries[0].handler, crate::topics::HandlerRef::Topic(h));
    assert_eq!(&*r.deliveries[0].event.topic, "cpu");
    assert_eq!(r.topics.stored_level("cpu", "cpu:nil"), Some(C));
}

#[test]
fn inhibit_drops_events_of_the_category_while_the_inhibiting_group_is_not_ok() {
    let src = "var data = stream|from().measurement('cpu').groupBy('host')
        data|alert().crit(lambda: \"m\" > 0).inhibit('sys', 'host')
        data|alert().crit(lambda: \"c\" > 0).category('sys').log('/tmp/x')";
    let p = |host: &str, m: i64, c: i64, t: i64| {
        Point::new(
            "cpu",
            "db",
            "rp",
            Tags::from_pairs([("host", host)]),
            Fields::from_pairs([("m", FieldValue::Int(m)), ("c", FieldValue::Int(c))]),
            t * S,
        )
    };
    // a: m CRITICAL and c CRITICAL → c inhibited; b: c CRITICAL sent; a: m OK, c CRITICAL → sent.
    let r = run(src, &[p("a", 1, 1, 1), p("b", 0, 1, 2), p("a", 0, 1, 3)]);
    let got: Vec<(i64, String)> = r
        .deliveries
        .iter()
        .map(|d| (d.event.state.time / S, d.event.state.id.clone()))
        .collect();
    assert_eq!(
        got,
        vec![(2, "cpu:host=b".to_string()), (3, "cpu:host=a".to_string())]
    );
    assert_eq!(r.topics.stats().inhibited, 1);
}

#[test]
fn a_message_render_error_skips_the_event_and_counts_an_error() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0)
        .message('{{ gt (index .Fields \"v\") 80 }}').log('/tmp/x')";
    let r = run(src, &[pt("a", 90.0, 1)]);
    assert!(r.deliveries.is_empty());
    let stats = r.task.stats();
    let alert = stats.iter().find(|s| s.name == "alert2").unwrap();
    assert_eq!(alert.errors, 1);
    assert!(
        alert.error_summaries[0]
            .message
            .ends_with("error calling gt: incompatible types for comparison"),
        "{:?}",
        alert.error_summaries
    );
}

#[test]
fn an_id_template_using_level_fails_per_point() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).id('{{ .Level }}').log('/tmp/x')";
    let r = run(src, &[pt("a", 90.0, 1)]);
    assert!(r.deliveries.is_empty());
    let stats = r.task.stats();
    let alert = stats.iter().find(|s| s.name == "alert2").unwrap();
    assert!(
        alert.error_summaries[0]
            .message
            .contains("can't evaluate field Level"),
        "{:?}",
        alert.error_summaries
    );
}

#[test]
fn details_template_escapes_html_and_has_json_functions() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0)
        .details('<b>{{ .Message }}</b> {{ .Time }} {{ jsonCompact .Tags }}').log('/tmp/x')";
    let r = run(src, &[pt("a<b", 90.0, 1)]);
    assert_eq!(
        r.deliveries[0].event.state.details,
        "<b>cpu:nil is CRITICAL</b> 1970-01-01 00:00:01 &#43;0000 UTC {&#34;host&#34;:&#34;a\\u003cb&#34;}"
    );
}

#[test]
fn empty_details_gives_an_empty_string() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).details('').log('/tmp/x')";
    let r = run(src, &[pt("a", 90.0, 1)]);
    assert_eq!(r.deliveries[0].event.state.details, "");
}

#[test]
fn a_template_parse_error_points_into_the_script() {
    let src = "stream|from()|alert().message('it\\'s {{ .Level | nosuch }}').log('/tmp/x')";
    let errs = compile(src).err().unwrap();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(
        errs[0].0,
        "template: message:1: function \"nosuch\" not defined"
    );
    // The span starts at `nosuch` in the script, past the `\'` escape.
    assert!(
        !errs[0].1.is_empty() && "nosuch".starts_with(errs[0].1.as_str()),
        "{errs:?}"
    );
}

#[test]
fn flapping_thresholds_above_one_are_rejected() {
    let src = "stream|from()|alert().flapping(0.25, 1.5).log('/tmp/x')";
    let errs = compile(src).err().unwrap();
    assert_eq!(
        errs,
        vec![(
            super::FLAPPING_RANGE_ERROR.to_string(),
            "flapping(0.25, 1.5)".to_string()
        )]
    );
    // Negative values and low > high are accepted.
    assert!(compile("stream|from()|alert().flapping(0.9, -0.1).log('/tmp/x')").is_ok());
}

#[test]
fn template_spans_are_rebased_over_escapes() {
    use crate::node_props::Spanned;
    use tick_syntax::Span;
    // Source: .message('it\'s {{') with the literal at bytes 9..19.
    let lit = Spanned {
        value: "it's {{",
        span: Span::new(9, 19),
    };
    // Offset 5 in the value ("{{") is byte 9 + 1 (quote) + 5 + 1 (the escape) = 16.
    assert_eq!(super::rebase_template_span(lit, 5..7), Span::new(16, 18));
    // Triple quotes: no escapes, three quote bytes.
    let lit = Spanned {
        value: "a {{",
        span: Span::new(0, 10),
    };
    assert_eq!(super::rebase_template_span(lit, 2..4), Span::new(5, 7));
    // A value from a `var`: the span is the identifier, so it is kept whole.
    let lit = Spanned {
        value: "a {{",
        span: Span::new(30, 33),
    };
    assert_eq!(super::rebase_template_span(lit, 2..4), Span::new(30, 33));
}

#[test]
fn handler_data_is_what_topic_templates_see() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).log('/tmp/x')";
    let r = run(src, &[pt("a", 90.0, 1)]);
    let t = tick_gotemplate::Template::parse(
        "topic",
        "alerts/{{ .Name }}/{{ .Level }}/[{{ .Group }}]/{{ .Tags.host }}/{{ .ID }}",
        &tick_gotemplate::FuncSet::new(),
    )
    .unwrap();
    let mut out = String::new();
    t.render(&r.deliveries[0].event.handler_data(), &mut out)
        .unwrap();
    assert_eq!(out, "alerts/cpu/CRITICAL/[]/a/cpu:nil");
    let _ = Arc::<str>::from("");
}

/// A line-protocol subset for the golden cases: `m,k=v,... f=1.5,g=2i,s="x" ns` without escapes.
fn parse_simple_lp(text: &str) -> Vec<Point> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(crate::testing::point)
        .collect()
}

/// Runs every `tickscripts/alert_*.tick` and compares the JSON lines its `.log('LOG')` handler
/// would write with `.expected.jsonl` (each case checked against Kapacitor 1.5.7, as its first
/// line says; `tests/golden.rs` enforces that line).
#[test]
fn alert_golden_cases_match_their_expected_log_lines() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tickscripts");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with("alert_") && n.ends_with(".tick")
        })
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    let mut failures = Vec::new();
    for tick in cases {
        let stem = tick.file_stem().unwrap().to_str().unwrap().to_string();
        let src = std::fs::read_to_string(&tick)
            .unwrap()
            .replace("'LOG'", "'/tmp/alert-golden.log'");
        let points =
            parse_simple_lp(&std::fs::read_to_string(dir.join(format!("{stem}.lp"))).unwrap());
        let expected = std::fs::read_to_string(dir.join(format!("{stem}.expected.jsonl"))).unwrap();
        let (program, _) = tick_syntax::parse(&src);
        let (task, diags) = Compiler::new()
            .with_handlers(&[crate::testing::LOG])
            .compile(&stem, &program, &CompileOptions::default());
        let Some(mut task) = task else {
            failures.push(format!("{stem}: {diags:?}"));
            continue;
        };
        let mut topics = Topics::new();
        let mut deliveries = Vec::new();
        let mut emissions = Vec::new();
        for p in &points {
            task.push(p, &mut emissions);
            for e in emissions.drain(..) {
                topics.collect(e, &mut deliveries);
            }
        }
        let got: String = deliveries
            .iter()
            .filter(|d| matches!(&d.handler, crate::topics::HandlerRef::Alert { .. }))
            .filter_map(|d| crate::json::event_to_string(&d.event).ok())
            .collect();
        if got != expected {
            failures.push(format!("{stem}:\n--- expected\n{expected}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inhibitor_tag_values_come_from_the_group_tags_only() {
    // Grouped by host only: the inhibitor's `dc` value is "" (not in the group), so an event
    // with dc=x is not inhibited, while one without a dc tag is.
    let src = "var data = stream|from().measurement('cpu').groupBy('host')
        data|alert().crit(lambda: \"m\" > 0).inhibit('sys', 'host', 'dc')
        data|alert().crit(lambda: \"c\" > 0).category('sys').log('/tmp/x')";
    let p = |tags: &[(&str, &str)], m: i64, c: i64, t: i64| {
        Point::new(
            "cpu",
            "db",
            "rp",
            Tags::from_pairs(tags.iter().copied()),
            Fields::from_pairs([("m", FieldValue::Int(m)), ("c", FieldValue::Int(c))]),
            t * S,
        )
    };
    let r = run(
        src,
        &[
            p(&[("host", "a"), ("dc", "x")], 1, 1, 1),
            p(&[("host", "a")], 1, 1, 2),
        ],
    );
    let got: Vec<i64> = r
        .deliveries
        .iter()
        .map(|d| d.event.state.time / S)
        .collect();
    assert_eq!(got, vec![1]);
    assert_eq!(r.topics.stats().inhibited, 1);
}

#[test]
fn a_group_state_with_the_default_history_is_one_cache_line() {
    assert_eq!(std::mem::size_of::<super::Group>(), 64);
    assert_eq!(std::mem::align_of::<super::Group>(), 64);
}

/// A stored event state, as a state store hands it back.
fn stored(id: &str, level: Level, secs: i64) -> crate::event::EventState {
    crate::event::EventState {
        id: id.into(),
        message: String::new(),
        details: String::new(),
        time: secs * S,
        duration: 0,
        level,
    }
}

fn topic_state(topic: &str, events: Vec<crate::event::EventState>) -> crate::topics::TopicState {
    crate::topics::TopicState {
        topic: topic.into(),
        events,
    }
}

/// Runs `src` over `points` after restoring `stored` into the task and the topics.
fn run_restored(src: &str, stored: &[crate::topics::TopicState], points: &[Point]) -> Run {
    let mut task = compile(src).unwrap_or_else(|e| panic!("compile errors: {e:?}"));
    task.restore_alerts(stored);
    let mut topics = Topics::new();
    for t in stored {
        topics.restore(t);
    }
    topics.record_changes();
    run_task(task, points, topics)
}

#[test]
fn a_restored_group_starts_at_its_stored_level_and_trigger_time() {
    // Kapacitor's restoreEventState: CRITICAL stored at 10 s; the group's first point (OK at
    // 70 s) recovers it with a 60 s duration and previousLevel CRITICAL.
    let src = "stream|from().measurement('cpu').groupBy('host')|alert()
        .crit(lambda: \"v\" > 80.0).stateChangesOnly().log('/tmp/x')";
    let state = [topic_state(
        "main:t:alert2",
        vec![stored("cpu:host=a", C, 10), stored("cpu:host=b", C, 10)],
    )];
    let mut r = run_restored(src, &state, &[pt("a", 10.0, 70), pt("b", 90.0, 70)]);
    assert_eq!(summary(&r), vec![(70, O, 60, "cpu:host=a is OK".into())]);
    assert_eq!(r.deliveries[0].event.previous_level, C);
    // Only the event changed a topic: it is what a store writes.
    let mut changes = Vec::new();
    r.topics.take_changes(&mut changes);
    assert_eq!(changes.len(), 1);
    assert_eq!(&*changes[0].topic, "main:t:alert2");
    assert_eq!(changes[0].state.level, O);
    r.topics.take_changes(&mut changes);
    assert_eq!(changes.len(), 1, "taken once");
}

#[test]
fn the_own_topic_wins_over_the_named_topic_and_other_nodes_state_is_not_read() {
    // Kapacitor's AlertNode.restoreEvent: the anonymous topic first, then `.topic()`.
    let src = "stream|from().measurement('cpu').groupBy('host')|alert()
        .crit(lambda: \"v\" > 80.0).warn(lambda: \"v\" > 50.0).stateChangesOnly()
        .topic('ops').log('/tmp/x')";
    let state = [
        topic_state("main:t:alert2", vec![stored("cpu:host=a", W, 5)]),
        topic_state(
            "ops",
            vec![stored("cpu:host=a", C, 1), stored("cpu:host=b", C, 2)],
        ),
        topic_state("main:t:alert9", vec![stored("cpu:host=c", C, 3)]),
    ];
    // a: WARNING from its own topic, so WARNING again is no change; b: CRITICAL from `ops`;
    // c: another node's state is not this node's, so CRITICAL is new.
    let mut r = run_restored(
        src,
        &state,
        &[pt("a", 60.0, 9), pt("b", 90.0, 9), pt("c", 90.0, 9)],
    );
    let mut changes = Vec::new();
    r.topics.take_changes(&mut changes);
    let ids: Vec<(&str, &str, Level)> = changes
        .iter()
        .map(|e| (e.state.id.as_str(), &*e.topic, e.previous_level))
        .collect();
    assert_eq!(
        ids,
        vec![("cpu:host=c", "main:t:alert2", O), ("cpu:host=c", "ops", O)]
    );
}

#[test]
fn without_record_changes_the_topics_keep_nothing_to_write() {
    let src = "stream|from().measurement('cpu')|alert().crit(lambda: \"v\" > 80.0).log('/tmp/x')";
    let mut r = run(src, &[pt("a", 90.0, 1)]);
    assert_eq!(r.deliveries.len(), 1);
    let mut changes = Vec::new();
    r.topics.take_changes(&mut changes);
    assert!(changes.is_empty());
}
