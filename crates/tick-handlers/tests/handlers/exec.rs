use tick_handlers::{Handler, HandlerError, Services};

use crate::common::*;

#[tokio::test]
async fn exec_writes_the_json_on_the_programs_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdin.json");
    // `'cat > "$0"'` then the file: the program gets each argument as one argument.
    let u = handler_use(
        "exec",
        vec![
            s("/bin/sh"),
            s("-c"),
            s("cat > \"$0\""),
            s(out.to_str().unwrap()),
        ],
        vec![],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    h.handle(&critical_event()).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{CRITICAL_JSON}\n")
    );
}

#[tokio::test]
async fn exec_passes_an_argument_with_a_space_as_one_argument() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args.txt");
    let u = handler_use(
        "exec",
        vec![
            s("/bin/sh"),
            s("-c"),
            s("printf '%s|' \"$@\" > \"$0\"; cat > /dev/null"),
            s(out.to_str().unwrap()),
            s("a 2"),
            s("b"),
        ],
        vec![],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    h.handle(&critical_event()).await.unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a 2|b|");
}

#[tokio::test]
async fn exec_reports_a_failing_program_with_its_output() {
    let u = handler_use(
        "exec",
        vec![
            s("/bin/sh"),
            s("-c"),
            s("cat > /dev/null; echo out; echo err >&2; exit 3"),
        ],
        vec![],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    match &err {
        HandlerError::ExecFailed {
            reason,
            stdout,
            stderr,
        } => {
            assert_eq!(reason, "exit status: 3");
            assert_eq!(stdout, "out\n");
            assert_eq!(stderr, "err\n");
        }
        other => panic!("unexpected error {other}"),
    }
    assert_eq!(
        err.to_string(),
        r#"exec command failed: exit status: 3; stdout: "out\n"; stderr: "err\n""#
    );
}

#[tokio::test]
async fn exec_reports_a_program_that_does_not_exist() {
    let u = handler_use("exec", vec![s("/nonexistent/prog")], vec![]);
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let err = h.handle(&critical_event()).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("exec command failed: cannot start \"/nonexistent/prog\": "),
        "{err}"
    );
}

#[tokio::test]
async fn exec_does_not_deadlock_on_a_program_that_writes_before_reading() {
    // 1 MB of output before reading stdin: more than any pipe buffer, so stdin must be fed
    // while the output is collected.
    let u = handler_use(
        "exec",
        vec![
            s("/bin/sh"),
            s("-c"),
            s("head -c 1000000 /dev/zero; cat > /dev/null"),
        ],
        vec![],
    );
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let mut big = critical_event();
    big.state.message = "x".repeat(1_000_000);
    let r = tokio::time::timeout(std::time::Duration::from_secs(20), h.handle(&big)).await;
    assert!(matches!(r, Ok(Ok(()))), "{r:?}");
}

#[tokio::test]
async fn exec_counts_a_program_that_ignores_its_input_by_its_exit_status() {
    let u = handler_use("exec", vec![s("/bin/true")], vec![]);
    let mut h = Handler::from_use(&u, &Services::default()).unwrap();
    let mut big = critical_event();
    big.state.message = "x".repeat(1_000_000);
    h.handle(&big).await.unwrap();
}
