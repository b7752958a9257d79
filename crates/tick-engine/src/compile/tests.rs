//! Every message of the semantic pass with the script text its span covers.

use super::*;

/// Compiles `src`; returns the task (if any) and each diagnostic as (message, spanned text).
fn compile(src: &str) -> (Option<Task>, Vec<(String, String)>) {
    let (program, parse_diags) = tick_syntax::parse(src);
    let errors: Vec<_> = parse_diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    let (task, diags) = Compiler::new().compile("t", &program, &CompileOptions::default());
    let diags = diags
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| {
            (
                d.message.clone(),
                src.get(d.span.range()).unwrap_or("<bad span>").to_string(),
            )
        })
        .collect();
    (task, diags)
}

fn errors(src: &str) -> Vec<(String, String)> {
    compile(src).1
}

fn one(msg: &str, text: &str) -> Vec<(String, String)> {
    vec![(msg.to_string(), text.to_string())]
}

#[test]
fn a_plain_stream_pipeline_compiles() {
    let (task, errs) = compile(
        "stream\n  |from()\n    .measurement('cpu')\n  |where(lambda: \"usage_idle\" < 10.0)\n",
    );
    assert_eq!(errs, vec![]);
    let task = task.unwrap();
    assert_eq!(
        task.node_names(),
        vec![
            ("stream0", "stream"),
            ("from1", "from"),
            ("where2", "where")
        ]
    );
    assert_eq!(task.measurements(), Some(&["cpu".to_string()][..]));
}

#[test]
fn redefining_a_var_is_an_error_at_its_name() {
    assert_eq!(
        errors("var x = 1\nvar x = 2\nstream|from()"),
        one("attempted to redefine x, vars are immutable", "x")
    );
}

#[test]
fn an_undefined_name_lists_the_names_in_scope() {
    assert_eq!(
        errors("var a = 'cpu'\nstream|from().measurement(m)"),
        one("name \"m\" is undefined. Names in scope: stream,a", "m")
    );
}

#[test]
fn a_bare_identifier_statement_is_ignored() {
    assert_eq!(errors("foo\nstream|from()"), vec![]);
}

#[test]
fn a_batch_task_is_not_supported_yet() {
    assert_eq!(
        errors("batch|query('select 1')"),
        one("batch tasks are not supported yet", "batch")
    );
}

#[test]
fn a_script_without_stream_is_rejected() {
    assert_eq!(
        errors("var x = 1"),
        one("a script needs a `stream` pipeline", "")
    );
}

#[test]
fn a_property_called_with_a_pipe_gets_the_dot_hint() {
    assert_eq!(
        errors("stream|from()|measurement('cpu')"),
        one(
            "no chaining method \"measurement\" on from, but property does exist. Use '.' operator instead: 'node.measurement(..)'",
            "measurement"
        )
    );
}

#[test]
fn stream_dot_from_gets_the_pipe_hint() {
    assert_eq!(
        errors("stream.from()"),
        one(
            "no property method \"from\" on stream, but chaining method does exist. Use '|' operator instead: 'node|from(..)'",
            "from"
        )
    );
}

#[test]
fn stream_accepts_no_node_but_from() {
    assert_eq!(
        errors("stream|window()"),
        one("no method or property \"window\" on stream", "window")
    );
}

#[test]
fn an_unknown_property_gets_a_did_you_mean_hint() {
    assert_eq!(
        errors("stream|from().measurment('cpu')"),
        one(
            "no method or property \"measurment\" on from (did you mean .measurement?)",
            "measurment"
        )
    );
}

#[test]
fn an_int_is_not_a_duration() {
    assert_eq!(
        errors("stream|from().truncate(10)"),
        one(
            "error calling func \"truncate\" on obj from: value of type int is not assignable to type duration",
            "10"
        )
    );
}

#[test]
fn too_many_arguments_name_the_property_and_node() {
    assert_eq!(
        errors("stream|from().measurement('a', 'b')"),
        one(
            "too many arguments to set property measurement on from",
            "measurement('a', 'b')"
        )
    );
}

#[test]
fn a_reference_where_a_string_is_expected_suggests_single_quotes() {
    assert_eq!(
        errors("stream|from().measurement(\"cpu\")"),
        one(
            "cannot assign reference to type string, did you use double quotes instead of single quotes?",
            "\"cpu\""
        )
    );
}

#[test]
fn a_known_but_unimplemented_node_is_reported_not_ignored() {
    assert_eq!(
        errors("stream|from()|join()"),
        one("node \"join\" is not supported yet", "join")
    );
}

#[test]
fn every_error_of_a_script_is_reported_at_once() {
    let errs = errors("stream|from().truncate(10)\nstream|from()|join()\nvar x = 1\nvar x = 2");
    assert_eq!(errs.len(), 3, "{errs:?}");
}

#[test]
fn star_and_names_cannot_be_mixed_in_group_by() {
    assert_eq!(
        errors("stream|from().groupBy(*, 'host')"),
        one(
            "cannot group by both '*' and named dimensions",
            "groupBy(*, 'host')"
        )
    );
}

#[test]
fn an_empty_dimension_is_rejected() {
    assert_eq!(
        errors("stream|from().groupBy('')"),
        one("dimensions cannot not be the empty string", "''")
    );
}

#[test]
fn exclude_needs_star() {
    assert_eq!(
        errors("stream|from()|groupBy('host').exclude('a')"),
        one("exclude requires '*'", "exclude('a')")
    );
}

#[test]
fn eval_needs_one_as_name_per_lambda() {
    assert_eq!(
        errors("stream|from()|eval(lambda: 1)"),
        one(
            "must specify same number of expressions and .as() names: got 0 as names, and 1 expressions.",
            "eval(lambda: 1)"
        )
    );
}

#[test]
fn eval_tags_must_be_as_names() {
    assert_eq!(
        errors("stream|from()|eval(lambda: 'a').as('x').tags('zz')"),
        one(
            "invalid tag name \"zz\", name is not present is .as() names",
            "'zz'"
        )
    );
}

#[test]
fn a_duration_default_is_rejected() {
    assert_eq!(
        errors("stream|from()|default().field('d', 5m)"),
        one(
            "unsupported type time.Duration for field \"d\", field default values must be float,int,string or bool",
            "5m"
        )
    );
}

#[test]
fn a_constant_type_mismatch_in_a_lambda_is_a_compile_error() {
    let errs = errors("stream|from()|where(lambda: 1 + 2.0 > 1)");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(
        errs[0].0,
        "mismatched type to binary operator. got int + float. see bool(), int(), float(), string(), duration()"
    );
}

#[test]
fn dbrp_statements_are_collected_in_order() {
    let (task, errs) = compile("dbrp \"telegraf\".\"autogen\"\ndbrp \"db\".\"rp\"\nstream|from()");
    assert_eq!(errs, vec![]);
    let task = task.unwrap();
    assert_eq!(
        task.dbrps(),
        &[
            Dbrp {
                db: "telegraf".into(),
                rp: "autogen".into()
            },
            Dbrp {
                db: "db".into(),
                rp: "rp".into()
            }
        ]
    );
}

#[test]
fn a_from_without_measurement_makes_the_task_take_every_measurement() {
    let (task, _) = compile("stream|from().measurement('cpu')\nstream|from()");
    let task = task.unwrap();
    assert_eq!(task.measurements(), None);
    assert!(task.accepts("mem"));
    let (task, _) = compile("stream|from().measurement('cpu')\nstream|from().measurement('mem')");
    let task = task.unwrap();
    assert!(task.accepts("mem") && task.accepts("cpu") && !task.accepts("disk"));
}

#[test]
fn a_var_can_feed_two_chains_and_nodes_are_named_in_creation_order() {
    let (task, errs) =
        compile("var f = stream|from()\nf|where(lambda: TRUE)\nf|eval(lambda: 1).as('x')");
    assert_eq!(errs, vec![]);
    let task = task.unwrap();
    assert_eq!(
        task.to_dot(),
        "digraph t {\nstream0 -> from1;\nfrom1 -> where2;\nfrom1 -> eval3;\n}"
    );
}

#[test]
fn method_names_ignore_the_case_of_their_first_letter() {
    assert_eq!(errors("stream|from().Measurement('cpu')"), vec![]);
}

#[test]
fn constant_vars_are_evaluated_and_inlined() {
    let (task, errs) =
        compile("var d = 2 * 5m\nvar m = 'cpu'\nstream|from().measurement(m).truncate(d)");
    assert_eq!(errs, vec![]);
    assert_eq!(task.unwrap().measurements(), Some(&["cpu".to_string()][..]));
}

#[test]
fn list_vars_expand_into_variadic_arguments() {
    assert_eq!(
        errors("var tags = ['host', 'dc']\nstream|from().groupBy(tags)"),
        vec![]
    );
}

#[test]
fn quiet_is_a_property_of_every_node() {
    assert_eq!(
        errors("stream|from().quiet()|where(lambda: TRUE).quiet()"),
        vec![]
    );
}

const MQTT: HandlerSpec = HandlerSpec {
    kind: "mqtt",
    args: &[ArgType::String],
    variadic: None,
    properties: &[
        crate::handler_use::PropertySpec {
            name: "brokerName",
            args: &[ArgType::String],
            variadic: None,
            doc: "",
        },
        crate::handler_use::PropertySpec {
            name: "topic",
            args: &[ArgType::String],
            variadic: None,
            doc: "",
        },
        crate::handler_use::PropertySpec {
            name: "qos",
            args: &[ArgType::Int],
            variadic: None,
            doc: "",
        },
        crate::handler_use::PropertySpec {
            name: "retained",
            args: &[ArgType::Bool],
            variadic: None,
            doc: "",
        },
    ],
    doc: "",
};

fn compile_with_mqtt(src: &str) -> (Option<Task>, Vec<(String, String)>) {
    let (program, parse_diags) = tick_syntax::parse(src);
    assert!(parse_diags.iter().all(|d| !d.is_error()), "{parse_diags:?}");
    let (task, diags) =
        Compiler::new()
            .with_handlers(&[MQTT])
            .compile("t", &program, &CompileOptions::default());
    let diags = diags
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| {
            (
                d.message.clone(),
                src.get(d.span.range()).unwrap_or("<bad span>").to_string(),
            )
        })
        .collect();
    (task, diags)
}

#[test]
fn a_property_after_a_handler_goes_to_the_handler_when_both_have_it() {
    let src = "stream|from()|alert().crit(lambda: TRUE).mqtt('alerts').topic('b').qos(2).message('m').warn(lambda: FALSE)";
    let (task, errs) = compile_with_mqtt(src);
    assert_eq!(errs, vec![]);
    let task = task.unwrap();
    let uses = task.handler_uses();
    assert_eq!(uses.len(), 1);
    let (node, h) = &uses[0];
    assert_eq!(node, "alert2");
    assert_eq!(h.kind, "mqtt");
    assert_eq!(h.args, vec![Literal::String("alerts".into())]);
    assert_eq!(
        h.property("topic"),
        Some(&[Literal::String("b".into())][..])
    );
    assert_eq!(h.property("qos"), Some(&[Literal::Int(2)][..]));
    assert_eq!(h.property("message"), None);
    assert_eq!(&src[h.span.range()], "mqtt('alerts')");
}

#[test]
fn handler_uses_are_listed_in_script_order_with_their_alert_node() {
    let src = "var a = stream|from()|alert().crit(lambda: TRUE).mqtt('x')\na.mqtt('y')|alert().crit(lambda: TRUE).mqtt('z')";
    let (task, errs) = compile_with_mqtt(src);
    assert_eq!(errs, vec![]);
    let got: Vec<(String, Literal)> = task
        .unwrap()
        .handler_uses()
        .iter()
        .map(|(n, h)| (n.clone(), h.args[0].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("alert2".into(), Literal::String("x".into())),
            ("alert2".into(), Literal::String("y".into())),
            ("alert3".into(), Literal::String("z".into())),
        ]
    );
}

#[test]
fn handler_properties_are_strictly_typed() {
    let (_, errs) = compile_with_mqtt("stream|from()|alert().mqtt('a').qos('2')");
    assert_eq!(
        errs,
        one(
            "error calling func \"qos\" on obj mqtt: value of type string is not assignable to type int",
            "'2'"
        )
    );
    let (_, errs) = compile_with_mqtt("stream|from()|alert().mqtt('a').retained()");
    assert_eq!(
        errs,
        one(
            "not enough arguments to set property retained on mqtt: want 1, got 0",
            "retained()"
        )
    );
}

#[test]
fn an_alert_property_called_with_a_pipe_gets_the_dot_hint() {
    let (_, errs) = compile_with_mqtt("stream|from()|alert()|crit(lambda: TRUE)");
    assert_eq!(
        errs,
        one(
            "no chaining method \"crit\" on alert, but property does exist. Use '.' operator instead: 'node.crit(..)'",
            "crit"
        )
    );
    let (_, errs) = compile_with_mqtt("stream|from()|alert()|mqtt('a')");
    assert_eq!(
        errs[0].0,
        "no chaining method \"mqtt\" on alert, but property does exist. Use '.' operator instead: 'node.mqtt(..)'"
    );
}

#[test]
fn too_many_lambdas_for_a_level() {
    let (_, errs) = compile_with_mqtt("stream|from()|alert().crit(lambda: TRUE, lambda: FALSE)");
    assert_eq!(
        errs,
        one(
            "too many arguments to set property crit on alert",
            "crit(lambda: TRUE, lambda: FALSE)"
        )
    );
}

#[test]
fn a_pipe_after_a_handler_continues_from_the_alert() {
    let (task, errs) =
        compile_with_mqtt("stream|from()|alert().crit(lambda: TRUE).mqtt('a').qos(1)|log()");
    assert_eq!(errs, vec![]);
    assert_eq!(
        task.unwrap().to_dot(),
        "digraph t {\nstream0 -> from1;\nfrom1 -> alert2;\nalert2 -> log3;\n}"
    );
}

#[test]
fn handlers_are_not_properties_of_other_nodes() {
    let (_, errs) = compile_with_mqtt("stream|from().mqtt('a')");
    assert_eq!(errs, one("no method or property \"mqtt\" on from", "mqtt"));
}

#[test]
fn a_window_period_must_be_a_duration() {
    assert_eq!(
        errors("stream|from()|window().period(10)"),
        one(
            "error calling func \"period\" on obj window: value of type int is not assignable to type duration",
            "10"
        )
    );
}

#[test]
fn window_validation_messages_are_prefixed_like_kapacitor() {
    assert_eq!(
        errors("stream|from()|window().period(10s).periodCount(5).everyCount(1)"),
        one(
            "invalid TICKscript: cannot specify both period and periodCount",
            "periodCount(5)"
        )
    );
    assert_eq!(
        errors("stream|from()|window().periodCount(5).everyCount(1).align()"),
        one(
            "invalid TICKscript: can only align windows based off time, not count",
            "align()"
        )
    );
    assert_eq!(
        errors("stream|from()|window().periodCount(5)"),
        one(
            "invalid TICKscript: everyCount must be greater than zero",
            "periodCount(5)"
        )
    );
    assert_eq!(
        errors("stream|from()|window().every(5s)"),
        one(
            "window node must have either a non zero period or non zero period count",
            "window()"
        )
    );
}

#[test]
fn percentile_needs_a_float() {
    assert_eq!(
        errors("stream|from()|percentile('v', 50)"),
        one(
            "error calling func \"percentile\" on obj from: value of type int is not assignable to type float",
            "50"
        )
    );
}

#[test]
fn a_typed_var_without_a_value_is_an_error() {
    assert_eq!(
        errors("var x float\nstream|from()"),
        one("missing value for var \"x\"", "x")
    );
}

#[test]
fn a_top_level_unary_on_the_wrong_type_is_an_error() {
    let errs = errors("var x = -TRUE\nstream|from()");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "invalid arugument to '-' true");
}

#[test]
fn the_catalogue_names_nodes_like_kapacitor() {
    let (task, errs) = compile(
        "stream|from()|groupBy('h')|stateDuration(lambda: TRUE)|stateCount(lambda: TRUE)|httpOut('x')|window().period(1s)|mean('v')",
    );
    assert_eq!(errs, vec![]);
    let names: Vec<&str> = task
        .as_ref()
        .unwrap()
        .node_names()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        vec![
            "stream0",
            "from1",
            "groupby2",
            "state_duration3",
            "state_count4",
            "http_out5",
            "window6",
            "mean7"
        ]
    );
}

#[test]
fn a_batch_pipeline_beside_a_stream_one_is_still_reported() {
    assert_eq!(
        errors("stream|from()\nbatch|query('select 1')"),
        one("batch tasks are not supported yet", "batch")
    );
}

#[test]
fn a_misspelt_handler_property_gets_a_hint_from_the_handler() {
    let (_, errs) = compile_with_mqtt("stream|from()|alert().mqtt('a').qoss(2)");
    assert_eq!(
        errs,
        one(
            "no method or property \"qoss\" on alert (did you mean .qos?)",
            "qoss"
        )
    );
}

#[test]
fn a_handler_property_without_its_handler_names_the_handler_it_belongs_to() {
    let hint = "no method or property \"qos\" on alert (qos is a property of .mqtt(): write it right after .mqtt(...))";
    assert_eq!(
        compile_with_mqtt("stream|from()|alert().crit(lambda: TRUE).qos(5)").1,
        one(hint, "qos")
    );
    // A property of no handler still gets the closest name.
    assert_eq!(
        compile_with_mqtt("stream|from()|alert().crit(lambda: TRUE).mqt('a')").1,
        one(
            "no method or property \"mqt\" on alert (did you mean .mqtt?)",
            "mqt"
        )
    );
}

/// The handler check `compile_checking` is given: QoS outside 0-2, at the property.
fn qos_check(u: &HandlerUse) -> Vec<Diagnostic> {
    u.properties
        .iter()
        .filter(|p| p.name == "qos" && !matches!(p.args.as_slice(), [Literal::Int(0..=2)]))
        .map(|p| Diagnostic::error(p.span, "bad qos"))
        .collect()
}

fn errors_checking(src: &str) -> Vec<(String, String)> {
    let (program, _) = tick_syntax::parse(src);
    let (task, diags) = Compiler::new().with_handlers(&[MQTT]).compile_checking(
        "t",
        &program,
        &CompileOptions::default(),
        &qos_check,
    );
    assert!(task.is_none());
    diags
        .into_iter()
        .map(|d| {
            let text = src.get(d.span.range()).unwrap_or("<bad span>");
            (d.message, text.to_string())
        })
        .collect()
}

#[test]
fn the_handler_check_runs_on_an_alert_that_is_not_built_because_of_another_property() {
    assert_eq!(
        errors_checking(
            "stream|from()|alert().crit(lambda: TRUE).message('{{ .Time ').mqtt('a').qos(3)"
        ),
        vec![
            (
                "template: message:1: unclosed action".to_string(),
                "'".to_string()
            ),
            ("bad qos".to_string(), "qos(3)".to_string()),
        ]
    );
}

#[test]
fn the_handler_check_runs_when_another_node_has_an_error() {
    assert_eq!(
        errors_checking(
            "stream|from()|window().period(10)|alert().crit(lambda: TRUE).mqtt('a').qos(3)"
        ),
        vec![
            (
                "error calling func \"period\" on obj window: value of type int is not assignable to type duration".to_string(),
                "10".to_string()
            ),
            ("bad qos".to_string(), "qos(3)".to_string()),
        ]
    );
}
