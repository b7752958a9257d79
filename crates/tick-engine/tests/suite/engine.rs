//! Engine-level tests: one `run(script, lines)` helper and cases per node. Points are built
//! directly from a small line-protocol subset (no escapes); what comes out is observed through
//! a `|log()` node's lines, which show name, group, dimensions, tags, fields and time.

#![allow(clippy::unwrap_used)] // test helpers: a bad fixture should fail loudly

use tick_engine::{CompileOptions, Compiler, FieldValue, Task};

use crate::common::point;

fn task(script: &str) -> Task {
    let (program, diags) = tick_syntax::parse(script);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let (task, diags) = Compiler::new().compile("t", &program, &CompileOptions::default());
    assert!(task.is_some(), "{diags:?}");
    task.unwrap()
}

/// Runs `lines` through `script` (routing by measurement like the binary) and returns the
/// lines logged by its `|log()` nodes, without the constant `prefix= ... rp=rp` head.
fn run(script: &str, lines: &str) -> Vec<String> {
    let mut t = task(script);
    let mut emissions = Vec::new();
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let p = point(line);
        if t.accepts(&p.name) {
            t.push(&p, &mut emissions);
        }
    }
    t.drain_logs()
        .into_iter()
        .map(|r| {
            r.line
                .split_once(" group=")
                .map(|(_, rest)| format!("group={rest}"))
                .unwrap_or(r.line)
        })
        .collect()
}

#[test]
fn from_keeps_only_its_measurement() {
    let out = run(
        "stream|from().measurement('cpu')|log()",
        "cpu v=1 1\nmem v=2 2\ncpu v=3 3",
    );
    assert_eq!(
        out,
        vec![
            "group= field_v=1 time=1970-01-01T00:00:00.000000001Z",
            "group= field_v=3 time=1970-01-01T00:00:00.000000003Z",
        ]
    );
}

#[test]
fn from_where_calls_are_anded() {
    let out = run(
        "stream|from().where(lambda: \"v\" > 1.0).where(lambda: \"v\" < 5.0)|log()",
        "cpu v=1 1\ncpu v=3 2\ncpu v=7 3",
    );
    assert_eq!(
        out,
        vec!["group= field_v=3 time=1970-01-01T00:00:00.000000002Z"]
    );
}

#[test]
fn from_where_state_is_shared_by_all_groups() {
    // `count() == 2` in from().where() passes only the 2nd point overall: Kapacitor's `newFromNode`
    // (stream.go at v1.5.7) compiles one expression for all groups.
    let out = run(
        "stream|from().groupBy('host').where(lambda: count() == 2)|log()",
        "cpu,host=a v=1 1\ncpu,host=b v=2 2\ncpu,host=a v=3 3\ncpu,host=b v=4 4",
    );
    assert_eq!(
        out,
        vec![
            "group=\"host=b\" dimension_0=host tag_host=b field_v=2 time=1970-01-01T00:00:00.000000002Z"
        ]
    );
}

#[test]
fn where_node_state_is_per_group() {
    // `|groupBy('host')|where(lambda: count() == 1)` passes the first point of each group:
    // Kapacitor's `WhereNode.newGroup` (where.go at v1.5.7) copies the expression per group.
    let out = run(
        "stream|from()|groupBy('host')|where(lambda: count() == 1)|log()",
        "cpu,host=h1 v=1 1\ncpu,host=h2 v=2 2\ncpu,host=h1 v=3 3\ncpu,host=h2 v=4 4\ncpu,host=h1 v=5 5",
    );
    assert_eq!(out.len(), 2);
    assert!(out[0].contains("field_v=1 "));
    assert!(out[1].contains("field_v=2 "));
}

#[test]
fn where_drops_points_on_evaluation_errors_and_counts_them_once_per_message() {
    let mut t = task("stream|from()|where(lambda: \"x\" > 1.0)|log()");
    let mut em = Vec::new();
    for line in ["cpu v=1 1", "cpu x=5 2", "cpu v=2 3"] {
        t.push(&point(line), &mut em);
    }
    assert_eq!(t.drain_logs().len(), 1);
    let stats = t.stats();
    let w = stats.iter().find(|s| s.name == "where2").unwrap();
    assert_eq!((w.received, w.emitted, w.errors), (3, 1, 2));
    assert_eq!(w.error_summaries.len(), 1);
    assert_eq!(
        w.error_summaries[0].message,
        "error while evaluating expression: left reference value \"x\" is missing value"
    );
    assert_eq!(w.error_summaries[0].count, 2);
}

#[test]
fn group_by_star_uses_only_the_tags_the_point_has() {
    let out = run(
        "stream|from().groupBy(*)|log()",
        "cpu,host=a,region=us,dc=x v=1 1\ncpu v=2 2",
    );
    assert_eq!(
        out,
        vec![
            "group=\"dc=x,host=a,region=us\" dimension_0=dc dimension_1=host dimension_2=region tag_dc=x tag_host=a tag_region=us field_v=1 time=1970-01-01T00:00:00.000000001Z",
            "group= field_v=2 time=1970-01-01T00:00:00.000000002Z",
        ]
    );
}

#[test]
fn group_by_measurement_puts_the_name_and_a_newline_first() {
    let out = run(
        "stream|from().groupBy('host').groupByMeasurement()|log()",
        "cpu,host=a v=1 1",
    );
    assert_eq!(
        out,
        vec![
            "group=\"cpu\\nhost=a\" dimension_0=host tag_host=a field_v=1 time=1970-01-01T00:00:00.000000001Z"
        ]
    );
}

#[test]
fn group_by_node_ors_by_measurement_with_the_incoming_flag() {
    let out = run(
        "stream|from().groupByMeasurement()|groupBy('host')|log()",
        "cpu,host=a v=1 1",
    );
    assert!(out[0].starts_with("group=\"cpu\\nhost=a\""), "{out:?}");
}

#[test]
fn group_by_star_with_exclude_and_a_reset() {
    let out = run(
        "stream|from()|groupBy(*).exclude('dc')|log()",
        "cpu,host=a,dc=x v=1 1",
    );
    assert!(
        out[0].starts_with("group=\"host=a\" dimension_0=host "),
        "{out:?}"
    );
    let out = run(
        "stream|from().groupBy('host')|groupBy()|log()",
        "cpu,host=a v=1 1",
    );
    assert!(out[0].starts_with("group= tag_host=a"), "{out:?}");
}

#[test]
fn a_missing_group_tag_gives_an_empty_value() {
    let out = run(
        "stream|from().groupBy('host','region')|log()",
        "cpu,host=b v=1 1",
    );
    assert!(out[0].starts_with("group=\"host=b,region=\" "), "{out:?}");
}

#[test]
fn truncate_then_round_rewrite_the_time_after_where() {
    // truncate(10s).round(20s) maps 15s → 10s → 20s; where sees the original time (Kapacitor's
    // `FromNode.Point`, stream.go at v1.5.7, matches before it truncates and rounds).
    let out = run(
        "stream|from().truncate(10s).round(20s).where(lambda: unixNano(\"time\") == 15000000000)|log()",
        "cpu v=1 15000000000\ncpu v=2 10000000000",
    );
    assert_eq!(out, vec!["group= field_v=1 time=1970-01-01T00:00:20Z"]);
}

#[test]
fn eval_without_keep_outputs_only_its_results_and_keeps_tags() {
    let out = run(
        "stream|from()|eval(lambda: \"v\" * 2.0).as('double')|log()",
        "cpu,host=a v=10,w=1 1",
    );
    assert_eq!(
        out,
        vec!["group= tag_host=a field_double=20 time=1970-01-01T00:00:00.000000001Z"]
    );
}

#[test]
fn eval_later_expressions_see_earlier_results() {
    // eval(lambda: "a" * 2, lambda: "x0" + 1).as('x0','x1') gives x1 = 2a+1: Kapacitor's
    // `EvalNode.eval` (eval.go at v1.5.7) stores each result in the scope the next one reads.
    let out = run(
        "stream|from()|eval(lambda: \"a\" * 2, lambda: \"x0\" + 1).as('x0','x1')|log()",
        "cpu a=3i 1",
    );
    assert_eq!(
        out,
        vec!["group= field_x0=6 field_x1=7 time=1970-01-01T00:00:00.000000001Z"]
    );
}

#[test]
fn eval_reloads_a_point_value_over_an_earlier_result() {
    // Quirk, on value=10,other=5: before each expression Kapacitor's `EvalNode.eval` (eval.go at
    // v1.5.7) fills the scope from the point (`fillScope`, expr.go), so a later reference to
    // `value` reads the point's 10 over the earlier result 20, and that is what is output.
    let out = run(
        "stream|from()|eval(lambda: \"value\" * 2.0, lambda: \"value\" + 1.0).as('value','v3')|log()",
        "cpu value=10,other=5 1",
    );
    assert_eq!(
        out,
        vec!["group= field_v3=11 field_value=10 time=1970-01-01T00:00:00.000000001Z"]
    );
    let out = run(
        "stream|from()|eval(lambda: \"value\" * 2.0, lambda: \"other\" + 0.0).as('other','v3')|log()",
        "cpu value=10,other=5 1",
    );
    assert_eq!(
        out,
        vec!["group= field_other=5 field_v3=5 time=1970-01-01T00:00:00.000000001Z"]
    );
    let out = run(
        "stream|from()|eval(lambda: \"value\" * 2.0).as('value')|log()",
        "cpu value=10,other=5 1",
    );
    assert_eq!(
        out,
        vec!["group= field_value=20 time=1970-01-01T00:00:00.000000001Z"]
    );
}

#[test]
fn eval_keep_without_arguments_keeps_all_fields_and_tag_results() {
    let out = run(
        "stream|from()|eval(lambda: 'x', lambda: \"v\" + 1.0).as('t','w').tags('t').keep()|log()",
        "cpu v=1 1",
    );
    assert_eq!(
        out,
        vec!["group= tag_t=x field_t=x field_v=1 field_w=2 time=1970-01-01T00:00:00.000000001Z"]
    );
}

#[test]
fn eval_keep_with_a_list_takes_results_then_fields() {
    let out = run(
        "stream|from()|eval(lambda: \"v\" + 1.0).as('w').keep('w', 'u')|log()",
        "cpu v=1,u=9,z=0 1",
    );
    assert_eq!(
        out,
        vec!["group= field_u=9 field_w=2 time=1970-01-01T00:00:00.000000001Z"]
    );
    let mut t = task("stream|from()|eval(lambda: \"v\" + 1.0).as('w').keep('nope')|log()");
    t.push(&point("cpu v=1 1"), &mut Vec::new());
    assert!(t.drain_logs().is_empty());
    let s = t.stats();
    assert_eq!(
        s[2].error_summaries[0].message,
        "error evaluating expression: cannot keep field \"nope\", field does not exist"
    );
}

#[test]
fn eval_tag_results_must_be_strings() {
    let mut t = task("stream|from()|eval(lambda: 1.5).as('t').tags('t')|log()");
    t.push(&point("cpu v=1 1"), &mut Vec::new());
    assert!(t.drain_logs().is_empty());
    assert_eq!(
        t.stats()[2].error_summaries[0].message,
        "error evaluating expression: result of a tag expression must be of type string, got float64"
    );
}

#[test]
fn eval_errors_drop_the_point() {
    let mut t = task("stream|from()|eval(lambda: \"missing\" * 2.0).as('x')|log()");
    t.push(&point("cpu v=1 1"), &mut Vec::new());
    assert!(t.drain_logs().is_empty());
    assert_eq!(
        t.stats()[2].error_summaries[0].message,
        "error evaluating expression: invalid math operator * for type missing"
    );
}

#[test]
fn eval_count_state_is_per_group() {
    // |groupBy('host')|eval(lambda: count()) gives 1, 1, 2, 2, 3: Kapacitor's `EvalNode.newGroup`
    // (eval.go at v1.5.7) copies the expressions per group.
    let out = run(
        "stream|from()|groupBy('host')|eval(lambda: count()).as('c')|log()",
        "cpu,host=h1 v=1 1\ncpu,host=h2 v=1 2\ncpu,host=h1 v=1 3\ncpu,host=h2 v=1 4\ncpu,host=h1 v=1 5",
    );
    let counts: Vec<&str> = out
        .iter()
        .map(|l| {
            l.split("field_c=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(counts, vec!["1", "1", "2", "2", "3"]);
}

#[test]
fn default_sets_absent_fields_and_absent_or_empty_tags() {
    let out = run(
        "stream|from()|default().field('v', 0.0).field('n', 7).tag('host', 'none').tag('dc', 'x')|log()",
        "cpu,dc=y v=1 1\ncpu w=2 2",
    );
    assert_eq!(
        out,
        vec![
            "group= tag_dc=y tag_host=none field_n=7 field_v=1 time=1970-01-01T00:00:00.000000001Z",
            "group= tag_dc=x tag_host=none field_n=7 field_v=0 field_w=2 time=1970-01-01T00:00:00.000000002Z",
        ]
    );
}

#[test]
fn deleting_a_group_tag_regroups_to_nil() {
    let out = run(
        "stream|from().groupBy('host')|delete().tag('host').field('v')|log()",
        "cpu,host=a v=1,w=2 1",
    );
    assert_eq!(
        out,
        vec!["group= field_w=2 time=1970-01-01T00:00:00.000000001Z"]
    );
}

#[test]
fn a_var_feeding_two_chains_delivers_depth_first_in_order() {
    let out = run(
        "var f = stream|from()\nf|log().prefix('A')\nf|log().prefix('B')",
        "cpu v=1 1\ncpu v=2 2",
    );
    // The helper strips the prefix; the order shows A then B for each point.
    assert_eq!(out.len(), 4);
    assert!(out[0].contains("field_v=1") && out[1].contains("field_v=1"));
    assert!(out[2].contains("field_v=2") && out[3].contains("field_v=2"));
}

#[test]
fn stats_count_received_and_emitted_per_node() {
    let mut t = task("stream|from().measurement('cpu')|where(lambda: \"v\" > 1.0)");
    let mut em = Vec::new();
    for line in ["cpu v=1 1", "mem v=5 2", "cpu v=5 3"] {
        t.push(&point(line), &mut em);
    }
    let s: Vec<(String, u64, u64)> = t
        .stats()
        .into_iter()
        .map(|s| (s.name, s.received, s.emitted))
        .collect();
    assert_eq!(
        s,
        vec![
            ("stream0".into(), 3, 3),
            ("from1".into(), 3, 2),
            ("where2".into(), 2, 1)
        ]
    );
}

/// Field `name` of each logged line.
fn field_of(lines: &[String], name: &str) -> Vec<String> {
    let key = format!("field_{name}=");
    lines
        .iter()
        .map(|l| {
            l.split(' ')
                .find_map(|kv| kv.strip_prefix(&key))
                .unwrap_or("<none>")
                .to_string()
        })
        .collect()
}

fn count_window(n: usize, agg: &str, values: &[&str]) -> Vec<String> {
    let lines: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("cpu {v} {}\n", (i + 1) * 1_000_000_000))
        .collect();
    run(
        &format!("stream|from()|window().periodCount({n}).everyCount({n})|{agg}|log()"),
        &lines,
    )
}

#[test]
fn mean_takes_its_type_from_the_first_point_with_the_field() {
    // w=1, v=2.5, v=3 → mean 2.75: the first point that has the field decides the reducer's type
    // (Kapacitor's `influxqlGroup.realizeReduceContextFromFields`, influxql.go at v1.5.7).
    let out = count_window(3, "mean('v')", &["w=1", "v=2.5", "v=3"]);
    assert_eq!(
        out,
        vec!["group= field_mean=2.75 time=1970-01-01T00:00:03Z"]
    );
}

#[test]
fn sum_skips_points_of_the_other_numeric_type() {
    // int 1, float 2.5, int 3 → sum int 4: the int reducer refuses the float point and goes on
    // (Kapacitor's `influxqlGroup.BatchPoint`, influxql.go at v1.5.7).
    let out = count_window(3, "sum('v')", &["v=1i", "v=2.5", "v=3i"]);
    assert_eq!(field_of(&out, "sum"), vec!["4"]);
    let mut t = task("stream|from()|window().periodCount(3).everyCount(3)|sum('v')");
    for (i, v) in ["v=1i", "v=2.5", "v=3i"].iter().enumerate() {
        t.push(&point(&format!("cpu {v} {}", i + 1)), &mut Vec::new());
    }
    assert_eq!(
        t.stats()[3].error_summaries[0].message,
        "failed to aggregate point in batch: field v has wrong type: got float64 exp int64"
    );
}

#[test]
fn an_empty_window_gives_count_zero_and_sum_zero_only() {
    // A batch in which no point has the field counts as empty (Kapacitor's
    // `influxqlGroup.EndBatch`, influxql.go at v1.5.7, realizes a float reducer with no data).
    let lines = "cpu w=1 1000000000\ncpu w=2 2000000000";
    let script =
        |agg: &str| format!("stream|from()|window().periodCount(2).everyCount(2)|{agg}|log()");
    assert_eq!(
        field_of(&run(&script("count('v')"), lines), "count"),
        vec!["0"]
    );
    assert_eq!(field_of(&run(&script("sum('v')"), lines), "sum"), vec!["0"]);
    assert!(run(&script("mean('v')"), lines).is_empty());
}

#[test]
fn aggregates_keep_only_group_tags_and_take_the_window_time() {
    let out = run(
        "stream|from().groupBy('host')|window().periodCount(2).everyCount(2)|max('v').as('m')|log()",
        "cpu,host=a,dc=x v=1,w=7 1000000000\ncpu,host=a,dc=y v=5,w=8 2000000000",
    );
    // max is a selector: the selected point's tags and fields, the field renamed.
    assert_eq!(
        out,
        vec!["group=host=a dimension_0=host tag_dc=y tag_host=a field_m=5 field_w=8 time=1970-01-01T00:00:02Z"
            .replace("group=host=a", "group=\"host=a\"")]
    );
    let out = run(
        "stream|from().groupBy('host')|window().periodCount(2).everyCount(2)|mean('v')|log()",
        "cpu,host=a,dc=x v=1,w=7 1000000000\ncpu,host=a,dc=y v=5,w=8 2000000000",
    );
    assert_eq!(
        out,
        vec!["group=\"host=a\" dimension_0=host tag_host=a field_mean=3 time=1970-01-01T00:00:02Z"]
    );
}

#[test]
fn mode_follows_kapacitors_run_rule() {
    // 9,2 → 2; 3,2,1 → 1; 3,3,5,5 → 3; 5,3,5,3 → 5; 3,5,5,3 → 5: `FloatModeReduceSlice` in the
    // InfluxDB influxql/call_iterator.go that Kapacitor v1.5.7 vendors.
    let m = |vals: &[&str]| {
        let vs: Vec<String> = vals.iter().map(|v| format!("v={v}")).collect();
        let refs: Vec<&str> = vs.iter().map(String::as_str).collect();
        field_of(&count_window(vals.len(), "mode('v')", &refs), "mode")
    };
    assert_eq!(m(&["9", "2"]), vec!["2"]);
    assert_eq!(m(&["3", "2", "1"]), vec!["1"]);
    assert_eq!(m(&["3", "3", "5", "5"]), vec!["3"]);
    assert_eq!(m(&["5", "3", "5", "3"]), vec!["5"]);
    assert_eq!(m(&["3", "5", "5", "3"]), vec!["5"]);
}

#[test]
fn median_stddev_and_spread() {
    assert_eq!(
        field_of(
            &count_window(4, "median('v')", &["v=4i", "v=1i", "v=3i", "v=2i"]),
            "median"
        ),
        vec!["2.5"]
    );
    assert_eq!(
        field_of(&count_window(1, "stddev('v')", &["v=4"]), "stddev"),
        vec!["0"]
    );
    assert_eq!(
        field_of(&count_window(2, "stddev('v')", &["v=1", "v=3"]), "stddev"),
        vec!["1.4142135623730951"]
    );
    assert_eq!(
        field_of(
            &count_window(3, "spread('v')", &["v=4i", "v=1i", "v=9i"]),
            "spread"
        ),
        vec!["8"]
    );
}

#[test]
fn percentile_picks_the_rounded_index_or_nothing() {
    // index floor(n·p/100 + 0.5) − 1: n=4, p=50 → 1 (the second smallest); n=1, p=10 → -1.
    assert_eq!(
        field_of(
            &count_window(
                4,
                "percentile('v', 50.0)",
                &["v=40", "v=10", "v=30", "v=20"]
            ),
            "percentile"
        ),
        vec!["20"]
    );
    assert!(count_window(1, "percentile('v', 10.0)", &["v=40"]).is_empty());
}

#[test]
fn first_and_last_prefer_the_larger_value_on_equal_times() {
    let lines = "cpu v=1 5\ncpu v=7 5\ncpu v=3 5";
    let script =
        |agg: &str| format!("stream|from()|window().periodCount(3).everyCount(3)|{agg}|log()");
    assert_eq!(
        field_of(&run(&script("first('v')"), lines), "first"),
        vec!["7"]
    );
    assert_eq!(
        field_of(&run(&script("last('v')"), lines), "last"),
        vec!["7"]
    );
}

#[test]
fn stream_aggregates_emit_a_timestamp_when_the_next_one_arrives() {
    // Two points at t=1 with values 1 and 5 give mean 3 at t=1 once a t=2 point arrives
    // (Kapacitor's `influxqlGroup.Point`, influxql.go at v1.5.7).
    let out = run(
        "stream|from()|mean('v')|log()",
        "cpu v=1 1000000000\ncpu v=5 1000000000",
    );
    assert!(out.is_empty());
    let out = run(
        "stream|from()|mean('v')|log()",
        "cpu v=1 1000000000\ncpu v=5 1000000000\ncpu v=9 2000000000",
    );
    assert_eq!(out, vec!["group= field_mean=3 time=1970-01-01T00:00:01Z"]);
}

#[test]
fn a_string_field_cannot_be_averaged() {
    assert!(count_window(1, "mean('s')", &["s=\"x\""]).is_empty());
}

#[test]
fn derivative_follows_the_spec_example() {
    // Kapacitor's `DerivativeNode.derivative` (derivative.go at v1.5.7): v = 10i@1s, 20i@3s,
    // 30i@3s, (no v)@4s, "s"@5s, 5i@6s, 9.0@8s → 5 @3s, −8.333333333333334 @6s, 2 @8s (a point at
    // the same time is stored though not emitted; one without a number is neither).
    let lines = "cpu v=10i 1000000000\ncpu v=20i 3000000000\ncpu v=30i 3000000000\ncpu w=1 4000000000\n\
                 cpu v=\"s\" 5000000000\ncpu v=5i 6000000000\ncpu v=9 8000000000";
    let out = run("stream|from()|derivative('v').as('d')|log()", lines);
    assert_eq!(field_of(&out, "d"), vec!["5", "-8.333333333333334", "2"]);
    assert!(out[1].ends_with("time=1970-01-01T00:00:06Z"));
    let mut t = task("stream|from()|derivative('v')");
    for l in lines.lines() {
        t.push(&point(l.trim()), &mut Vec::new());
    }
    let msgs: Vec<(String, u64)> = t.stats()[2]
        .error_summaries
        .iter()
        .map(|e| (e.message.clone(), e.count))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (
                "cannot perform derivative: elaspsed time was 0".to_string(),
                1
            ),
            (
                "cannot perform derivative: field is the wrong type: <nil>".to_string(),
                1
            ),
            (
                "cannot perform derivative: field is the wrong type: string".to_string(),
                1
            ),
        ]
    );
}

#[test]
fn derivative_non_negative_drops_but_remembers_decreases() {
    let out = run(
        "stream|from()|derivative('v').nonNegative().unit(2s)|log()",
        "cpu v=10 1000000000\ncpu v=4 2000000000\ncpu v=8 3000000000",
    );
    // 4 → 8 over 1s is 4/s, 8 per 2s; the input field is overwritten by default.
    assert_eq!(field_of(&out, "v"), vec!["8"]);
}

#[test]
fn state_duration_and_count_follow_the_spec_example() {
    // Kapacitor's `stateDurationTracker.track` and `stateCountTracker.track` (state_tracking.go at
    // v1.5.7): v>0 at 1, 2, 4.5 s, false at 5 s, true at 6 s, missing at 7 s (an evaluation error:
    // dropped, state unchanged), true at 8 s.
    let lines = "cpu v=1 1000000000\ncpu v=1 2000000000\ncpu v=1 4500000000\ncpu v=-1 5000000000\n\
                 cpu v=1 6000000000\ncpu w=1 7000000000\ncpu v=1 8000000000";
    let out = run(
        "stream|from()|stateDuration(lambda: \"v\" > 0.0)|log()",
        lines,
    );
    assert_eq!(
        field_of(&out, "state_duration"),
        vec!["0", "1", "3.5", "-1", "0", "2"]
    );
    let out = run("stream|from()|stateCount(lambda: \"v\" > 0.0)|log()", lines);
    assert_eq!(
        field_of(&out, "state_count"),
        vec!["1", "2", "3", "-1", "1", "2"]
    );
    let out = run(
        "stream|from()|stateDuration(lambda: \"v\" > 0.0).unit(1m).as('m')|log()",
        "cpu v=1 0\ncpu v=1 30000000000",
    );
    assert_eq!(field_of(&out, "m"), vec!["0", "0.5"]);
}

#[test]
fn http_out_keeps_the_latest_row_of_each_group_in_creation_order() {
    use tick_engine::{Row, RowValue};
    let mut t = task("stream|from().groupBy('host')|httpOut('top')");
    assert_eq!(t.http_out(), vec![("top".to_string(), vec![])]);
    for l in ["cpu,host=b v=1 1", "cpu,host=a v=2 2", "cpu,host=b v=3 3"] {
        t.push(&point(l), &mut Vec::new());
    }
    let row = |host: &str, time: i64, v: f64| Row {
        name: "cpu".into(),
        tags: vec![("host".into(), host.into())],
        columns: vec!["time".into(), "v".into()],
        values: vec![vec![
            RowValue::Time(time),
            RowValue::Field(FieldValue::Float(v)),
        ]],
    };
    assert_eq!(
        t.http_out(),
        vec![("top".to_string(), vec![row("b", 3, 3.0), row("a", 2, 2.0)])]
    );
}

#[test]
fn http_out_shows_a_window_aggregate_at_the_window_time() {
    // The row of Kapacitor's `models.Row` (models/result.go at v1.5.7), which httpOut caches:
    // {"name":"cpu","tags":{"host":"a"},"columns":["time","mean"],...}
    use tick_engine::RowValue;
    let mut t = task(
        "stream|from().groupBy('host')|window().period(10s).every(10s).align()|mean('v')|httpOut('m')",
    );
    for l in [
        "cpu,host=a v=1 1000000000",
        "cpu,host=a v=3 2000000000",
        "cpu,host=a v=9 11000000000",
    ] {
        t.push(&point(l), &mut Vec::new());
    }
    let rows = &t.http_out()[0].1;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].columns,
        vec!["time".to_string(), "mean".to_string()]
    );
    assert_eq!(
        rows[0].values,
        vec![vec![
            RowValue::Time(10_000_000_000),
            RowValue::Field(FieldValue::Float(2.0))
        ]]
    );
}

/// Records every row it is given and answers 201.
struct RecordingPosters(std::sync::Arc<std::sync::Mutex<Vec<tick_engine::Row>>>);

impl tick_engine::RowPosters for RecordingPosters {
    fn poster(
        &self,
        _: &tick_engine::HttpPostSpec,
    ) -> Result<Box<dyn tick_engine::RowPoster>, String> {
        Ok(Box::new(RecordingPosters(std::sync::Arc::clone(&self.0))))
    }
}

impl tick_engine::RowPoster for RecordingPosters {
    fn post(&mut self, row: &tick_engine::Row) -> tick_engine::PostOutcome {
        self.0.lock().unwrap().push(row.clone());
        tick_engine::PostOutcome {
            code: 201,
            error: None,
        }
    }
}

#[test]
fn http_post_posts_a_batch_as_one_row_and_gives_each_point_the_code() {
    // Kapacitor's httpPostGroup.BufferedBatch (http_post.go at v1.5.7): one post per batch,
    // its `ToRow`, and the status on every point.
    use tick_engine::RowValue;
    let rows = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let opts = CompileOptions {
        row_posters: Some(tick_engine::SharedRowPosters(std::sync::Arc::new(
            RecordingPosters(std::sync::Arc::clone(&rows)),
        ))),
        ..CompileOptions::default()
    };
    let (program, _) = tick_syntax::parse(
        "stream|from().groupBy('host')|window().period(10s).every(10s)|httpPost('http://x/').codeField('c')|httpOut('o')",
    );
    let (t, diags) = Compiler::new().compile("t", &program, &opts);
    let mut t = t.unwrap_or_else(|| panic!("{diags:?}"));
    for l in [
        "cpu,host=a v=1 1000000000",
        "cpu,host=a v=3 2000000000",
        "cpu,host=a v=9 11000000000",
    ] {
        t.push(&point(l), &mut Vec::new());
    }
    let posted = rows.lock().unwrap().clone();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].tags, vec![("host".to_string(), "a".to_string())]);
    assert_eq!(posted[0].columns, vec!["time".to_string(), "v".to_string()]);
    assert_eq!(posted[0].values.len(), 2);
    let out = &t.http_out()[0].1;
    assert_eq!(out[0].columns, vec!["time", "c", "v"]);
    assert_eq!(
        out[0].values[1],
        vec![
            RowValue::Time(2_000_000_000),
            RowValue::Field(FieldValue::Int(201)),
            RowValue::Field(FieldValue::Float(3.0))
        ]
    );
}

#[test]
fn influxdb_out_writes_each_point_of_a_window_with_no_database_of_the_batch() {
    // Kapacitor's `InfluxDBOutNode.BufferedBatch` (influxdb_out.go at v1.5.7) writes a batch's
    // points with no database or retention policy of their own: only the node's.
    let mut t =
        task("stream|from()|window().period(2s).every(2s)|influxDBOut().retentionPolicy('r')");
    let mut emissions = Vec::new();
    for line in [
        "cpu,host=a v=1 0",
        "cpu,host=b v=2i 1000000000",
        "cpu,host=a v=3 2000000000",
    ] {
        t.push(&point(line), &mut emissions);
    }
    let mut got = Vec::new();
    t.drain_influxdb_writes(|i, writes| {
        for w in writes {
            got.push((
                i,
                w.database.to_string(),
                w.retention_policy.to_string(),
                w.line,
            ));
        }
    });
    assert_eq!(
        got,
        vec![
            (
                0,
                String::new(),
                "r".to_string(),
                "cpu,host=a v=1 0".to_string()
            ),
            (
                0,
                String::new(),
                "r".to_string(),
                "cpu,host=b v=2i 1000000000".to_string()
            ),
        ]
    );
}

#[test]
fn every_catalogue_node_has_an_engine_case() {
    // Each NODES entry is exercised here (alert by the alert tests), so a node added to the
    // catalogue cannot go untested.
    let src = include_str!("engine.rs");
    let missing: Vec<&str> = tick_engine::node_methods()
        .filter(|m| *m != "stream" && *m != "alert")
        .filter(|m| !src.contains(&format!("|{m}(")) && !src.contains(&format!("\"{m}('")))
        .collect();
    assert!(missing.is_empty(), "nodes without a case: {missing:?}");
}

#[test]
fn log_levels_other_than_debug_info_and_error_log_at_info() {
    use tick_engine::LogLevel;
    let mut t = task("stream|from()|log().level('WARN')|log().level('DEBUG')|log().level('error')");
    t.push(&point("cpu v=1 1"), &mut Vec::new());
    let levels: Vec<LogLevel> = t.drain_logs().into_iter().map(|r| r.level).collect();
    assert_eq!(
        levels,
        vec![LogLevel::Info, LogLevel::Debug, LogLevel::Error]
    );
}

#[test]
fn min_prefers_the_earliest_point_on_equal_values_and_use_point_times_keeps_its_time() {
    let out = run(
        "stream|from()|window().periodCount(3).everyCount(3)|min('v').usePointTimes()|log()",
        "cpu v=5,k=1 1000000000\ncpu v=3,k=2 2000000000\ncpu v=3,k=3 3000000000",
    );
    assert_eq!(
        out,
        vec!["group= field_k=2 field_min=3 time=1970-01-01T00:00:02Z"]
    );
}

#[test]
fn group_by_after_a_window_regroups_the_batch_and_emits_it_when_the_next_batch_arrives() {
    // As Kapacitor's GroupByNode (tickscripts/group_by_window_batches): the second window's
    // batch releases the first one's groups, and is itself held.
    let out = run(
        "stream|from()|window().periodCount(3).everyCount(3)|groupBy('host')|count('v')|log()",
        "cpu,host=a v=1 1\ncpu,host=b v=2 2\ncpu,host=a v=3 3\ncpu,host=a v=4 4\ncpu,host=a v=5 5\ncpu,host=c v=6 6",
    );
    assert_eq!(
        out,
        vec![
            "group=\"host=a\" dimension_0=host tag_host=a field_count=2 time=1970-01-01T00:00:00.000000003Z",
            "group=\"host=b\" dimension_0=host tag_host=b field_count=1 time=1970-01-01T00:00:00.000000003Z",
        ]
    );
}

#[test]
fn regex_variables_use_go_semantics_where_word_characters_are_ascii() {
    // Regexes follow Go's RE2 syntax, where `\w` is [0-9A-Za-z_] only
    // (<https://pkg.go.dev/regexp/syntax>): `é` is not a word character, so only host=ab passes.
    let out = run(
        "var r = /^\\w+$/\nstream|from()|where(lambda: \"host\" =~ r)|log()",
        "cpu,host=é v=1 1\ncpu,host=ab v=2 2",
    );
    assert_eq!(
        out,
        vec!["group= tag_host=ab field_v=2 time=1970-01-01T00:00:00.000000002Z"]
    );
}

#[test]
fn change_detect_and_sample_start_afresh_in_each_batch() {
    // Checked against Kapacitor 1.5.7 (with an alert instead of the log): the batches [1, 1, 2]
    // and [2, 3, 4] give [1@1s] and [2@4s, 4@6s].
    let out = run(
        "stream|from()|window().periodCount(3).everyCount(3)|changeDetect('v')|sample(2)|log()",
        "cpu v=1 1000000000\ncpu v=1 2000000000\ncpu v=2 3000000000\ncpu v=2 4000000000\ncpu v=3 5000000000\ncpu v=4 6000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= field_v=1 time=1970-01-01T00:00:01Z",
            "group= field_v=2 time=1970-01-01T00:00:04Z",
            "group= field_v=4 time=1970-01-01T00:00:06Z",
        ]
    );
}

#[test]
fn shift_moves_a_batch_and_its_points() {
    // As tickscripts/shift_window, checked against Kapacitor 1.5.7.
    let out = run(
        "stream|from()|window().periodCount(2).everyCount(2)|shift(-1s)|log()",
        "cpu v=1 5000000000\ncpu v=2 6000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= field_v=1 time=1970-01-01T00:00:04Z",
            "group= field_v=2 time=1970-01-01T00:00:05Z",
        ]
    );
}

#[test]
fn a_transformation_starts_afresh_in_each_batch_and_keeps_only_group_tags() {
    // Checked against Kapacitor 1.5.7 (with an alert instead of the log): the second batch's
    // type is int, so 5.0 is an error after which the sum 4 is emitted again at 4 s.
    let out = run(
        "stream|from()|window().periodCount(3).everyCount(3)|cumulativeSum('v').as('s')|log()",
        "cpu,host=a v=1 1000000000\ncpu,host=b v=2 2000000000\ncpu,host=a v=3 3000000000\ncpu,host=a v=4i 4000000000\ncpu,host=a v=5 5000000000\ncpu,host=a v=6i 6000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= field_s=1 time=1970-01-01T00:00:01Z",
            "group= field_s=3 time=1970-01-01T00:00:02Z",
            "group= field_s=6 time=1970-01-01T00:00:03Z",
            "group= field_s=4 time=1970-01-01T00:00:04Z",
            "group= field_s=4 time=1970-01-01T00:00:04Z",
            "group= field_s=10 time=1970-01-01T00:00:06Z",
        ]
    );
}

#[test]
fn difference_moving_average_and_elapsed_per_group() {
    // As tickscripts/difference_groups, moving_average_groups and elapsed_groups, checked
    // against Kapacitor 1.5.7.
    let lines = "cpu,host=a v=1i 1000000000\ncpu,host=a v=3i 2000000000\ncpu,host=b v=1.5 2000000000\ncpu,host=a v=10i 2000000000\ncpu,host=a v=7i 6000000000";
    let fields = |script: &str| -> Vec<String> {
        run(script, lines)
            .iter()
            .map(|l| l.split(' ').skip(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(
        fields("stream|from().groupBy('host')|difference('v')|log()"),
        [
            "tag_host=a field_difference=2 time=1970-01-01T00:00:02Z",
            "tag_host=a field_difference=4 time=1970-01-01T00:00:06Z"
        ]
    );
    assert_eq!(
        fields("stream|from().groupBy('host')|movingAverage('v', 2)|log()"),
        [
            "tag_host=a field_movingAverage=2 time=1970-01-01T00:00:02Z",
            "tag_host=a field_movingAverage=6.5 time=1970-01-01T00:00:02Z",
            "tag_host=a field_movingAverage=8.5 time=1970-01-01T00:00:06Z"
        ]
    );
    assert_eq!(
        fields("stream|from().groupBy('host')|elapsed('v', 2s)|log()"),
        [
            "tag_host=a field_elapsed=0 time=1970-01-01T00:00:02Z",
            "tag_host=a field_elapsed=0 time=1970-01-01T00:00:02Z",
            "tag_host=a field_elapsed=2 time=1970-01-01T00:00:06Z"
        ]
    );
}

#[test]
fn distinct_on_a_stream_reduces_each_time_when_the_next_arrives() {
    // Checked against Kapacitor 1.5.7 (with an alert instead of the log): the first point
    // without v does not fix the type, "x" does; 1i is then of the wrong type; false sorts
    // before true at one time; the run at 3 s is still pending at the end.
    let out = run(
        "stream|from()|distinct('v').usePointTimes()|log()",
        "cpu,host=a w=1 1000000000\ncpu,host=a v=\"x\" 1000000000\ncpu,host=b v=\"y\" 1000000000\ncpu,host=c v=\"x\" 1000000000\ncpu,host=c v=1i 1000000000\ncpu,host=a v=true 2000000000\ncpu,host=a v=false 2000000000\ncpu,host=a v=true 3000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= field_distinct=x time=1970-01-01T00:00:01Z",
            "group= field_distinct=y time=1970-01-01T00:00:01Z",
            "group= field_distinct=false time=1970-01-01T00:00:02Z",
            "group= field_distinct=true time=1970-01-01T00:00:02Z",
        ]
    );
}

#[test]
fn top_and_bottom_keep_the_selected_points_tags() {
    // As tickscripts/top_window and bottom_unique_as, checked against Kapacitor 1.5.7.
    let lines = "cpu,host=a v=5 0\ncpu,host=b v=9 1000000000\ncpu,host=c v=7 2000000000\ncpu,host=a v=9 3000000000\ncpu,host=a v=8 6000000000";
    assert_eq!(
        run(
            "stream|from()|window().period(6s).every(6s)|top(2, 'v')|log()",
            lines
        ),
        vec![
            "group= tag_host=b field_top=9 time=1970-01-01T00:00:06Z",
            "group= tag_host=a field_top=9 time=1970-01-01T00:00:06Z",
        ]
    );
    assert_eq!(
        run(
            "stream|from()|window().period(6s).every(6s)|bottom(1, 'v', 'host').as('low')|log()",
            lines
        ),
        vec!["group= tag_host=a field_low=5 time=1970-01-01T00:00:06Z"]
    );
}

#[test]
fn flatten_in_a_batch_emits_each_time_and_the_last_at_the_batch_end() {
    // Checked against Kapacitor 1.5.7 (with an alert instead of the log): the point at 2 s has
    // no host, so its time flattens to no fields and is not emitted.
    let out = run(
        "stream|from()|window().periodCount(4).everyCount(4)|flatten().on('host')|log()",
        "m,host=a u=1 1000000000\nm,host=b u=2 1000000000\nm u=3 2000000000\nm,host=a u=4 3000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= field_a.u=1 field_b.u=2 time=1970-01-01T00:00:01Z",
            "group= field_a.u=4 time=1970-01-01T00:00:03Z",
        ]
    );
}

#[test]
fn combine_pairs_the_points_of_one_time_in_index_order() {
    // As tickscripts/combine_all, checked against Kapacitor 1.5.7.
    let out = run(
        "stream|from()|combine(lambda: TRUE, lambda: TRUE).as('x', 'y')|log()",
        "m,s=a v=1 1000000000\nm,s=b v=2 1000000000\nm,s=c v=3 1000000000\nm,s=a v=4 2000000000",
    );
    assert_eq!(
        out,
        vec![
            "group= tag_x.s=a tag_y.s=b field_x.v=1 field_y.v=2 time=1970-01-01T00:00:01Z",
            "group= tag_x.s=a tag_y.s=c field_x.v=1 field_y.v=3 time=1970-01-01T00:00:01Z",
            "group= tag_x.s=b tag_y.s=c field_x.v=2 field_y.v=3 time=1970-01-01T00:00:01Z",
        ]
    );
}
