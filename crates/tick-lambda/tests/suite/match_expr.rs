//! Topic-handler `match` expressions (Kapacitor `services/alert/handlers.go`): tags only, level
//! identifiers, event functions.

use crate::common;

use common::parse;
use tick_lambda::{CompileOptions, Lambda, MatchEvent};

struct Event {
    tags: Vec<(&'static str, &'static str)>,
    level: i64,
    changed: bool,
}

impl MatchEvent for Event {
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
    fn level(&self) -> i64 {
        self.level
    }
    fn changed(&self) -> bool {
        self.changed
    }
    fn name(&self) -> &str {
        "cpu alert"
    }
    fn task_name(&self) -> &str {
        "cpu_task"
    }
    fn duration(&self) -> i64 {
        90_000_000_000
    }
}

fn run(src: &str, ev: &Event) -> Result<bool, String> {
    let l = Lambda::compile_match(&parse(src), &CompileOptions::default())
        .map_err(|e| format!("compile: {}", e[0]))?;
    l.eval_match(ev, &mut l.new_state())
        .map_err(|e| e.to_string())
}

fn ev() -> Event {
    Event {
        tags: vec![("host", "web-1"), ("cpu", "cpu-total")],
        level: 3,
        changed: true,
    }
}

#[test]
fn references_read_event_tags_and_levels_are_identifiers() {
    assert_eq!(
        run("\"host\" == 'web-1' AND level() == CRITICAL", &ev()),
        Ok(true)
    );
    assert_eq!(run("level() >= WARNING", &ev()), Ok(true));
    assert_eq!(run("level() == OK OR level() == INFO", &ev()), Ok(false));
    assert_eq!(run("\"cpu\" =~ /total$/", &ev()), Ok(true));
}

#[test]
fn a_missing_tag_is_an_error() {
    assert_eq!(
        run("\"dc\" == 'eu'", &ev()),
        Err("no tag exists for dc".into())
    );
}

#[test]
fn unknown_identifiers_fail_at_compile_time() {
    assert_eq!(
        run("level() == BAD", &ev()),
        Err("compile: unknown identifier \"BAD\"".into())
    );
}

#[test]
fn event_functions_read_the_event() {
    assert_eq!(run("changed()", &ev()), Ok(true));
    assert_eq!(
        run("name() == 'cpu alert' AND taskName() == 'cpu_task'", &ev()),
        Ok(true)
    );
    assert_eq!(run("alertDuration() > 1m", &ev()), Ok(true));
    assert_eq!(
        run("level()", &ev()),
        Err("TypeGuard: expression returned unexpected type int, expected boolean".into())
    );
}

#[test]
fn event_functions_do_not_exist_in_pipeline_lambdas() {
    let errs = Lambda::compile(
        &parse("changed()"),
        &tick_lambda::Vars::new(),
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert_eq!(errs[0].to_string(), "undefined function: \"changed\"");
}
