//! Kapacitor's HTTP API under `tick run --http`, in Kapacitor v1.5.7's JSON, so that Kapacitor's
//! own `kapacitor` CLI (`list topics`, `show-topic`, `list tasks`, `show TASK`, ...) works
//! against tick: the alert API (`apiServer`, services/alert/api.go) and the task API, read-only
//! (`Service.handleTask` and `handleListTasks`, services/task_store/service.go). Owns the
//! routes, their query parameters, their JSON and their errors; the live state comes through
//! [`view::StateView`] (answered on the pipeline thread), the rest ([`ApiInfo`]: scripts,
//! handler files, start time) is fixed when the run starts.
//!
//! Tasks and topic handlers come from the files given to `tick run`, so every request that
//! would define, change or delete one is refused with Kapacitor's error JSON and a message that
//! says so. Deleting a topic's state is served.

mod gojson;
mod pattern;
pub(crate) mod view;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tick_engine::{Event, Level, TopicSnapshot};

use crate::http::Feed;
use gojson::Json;
use pattern::Pattern;
use view::{NodeSnapshot, StateView, TaskSnapshot};

/// The API's version header (`X-Kapacitor-Version`, which `kapacitor` reads on ping): the
/// Kapacitor release whose API tick serves.
pub(crate) const KAPACITOR_VERSION: &str = "1.5.7";

const BASE: &str = "/kapacitor/v1";

/// What the API shows that does not change while tick runs.
#[derive(Debug, Default)]
pub(crate) struct ApiInfo {
    /// The tasks, in command-line order.
    pub(crate) tasks: Vec<TaskInfo>,
    /// The topic handlers of `--handler` files.
    pub(crate) handlers: Vec<HandlerInfo>,
    /// When the run started, ns since the epoch: every task's created, modified and
    /// last-enabled time.
    pub(crate) started: i64,
}

/// A task's script and dbrps.
#[derive(Debug, Clone)]
pub(crate) struct TaskInfo {
    pub(crate) name: String,
    /// The script as written.
    pub(crate) script: String,
    pub(crate) dbrps: Vec<tick_engine::Dbrp>,
}

/// A topic handler file, as Kapacitor's `HandlerSpec` shows it.
#[derive(Debug, Clone)]
pub(crate) struct HandlerInfo {
    pub(crate) topic: String,
    pub(crate) id: String,
    pub(crate) kind: String,
    /// The options as written in the file.
    pub(crate) options: serde_json::Value,
    /// The match expression, `""` when none.
    pub(crate) match_src: String,
}

impl ApiInfo {
    /// The topics the API shows before any event: every alert node's own topic where the node
    /// has handlers, and every topic a handler file names (Kapacitor makes them when it
    /// registers the handlers).
    pub(crate) fn declared_topics<'a>(
        &self,
        tasks: impl Iterator<Item = &'a tick_engine::Task>,
    ) -> Vec<String> {
        let mut topics: Vec<String> = tasks
            .flat_map(|t| {
                t.handler_uses()
                    .iter()
                    .map(move |(node, _)| format!("main:{}:{node}", t.name()))
            })
            .chain(self.handlers.iter().map(|h| h.topic.clone()))
            .collect();
        topics.sort();
        topics.dedup();
        topics
    }
}

#[derive(Clone)]
struct Api {
    feed: Feed,
    info: Arc<ApiInfo>,
}

/// The API's routes, with the `X-Kapacitor-Version` header and Kapacitor's content type on
/// every answer.
pub(crate) fn router(feed: Feed, info: Arc<ApiInfo>) -> Router {
    Router::new()
        .route("/kapacitor/v1/alerts/topics", get(list_topics))
        .route(
            "/kapacitor/v1/alerts/topics/{*rest}",
            get(get_topic_path)
                .delete(delete_topic_path)
                .post(refuse_handler_change)
                .put(refuse_handler_change)
                .patch(refuse_handler_change),
        )
        .route(
            "/kapacitor/v1/tasks",
            get(list_tasks).post(refuse_task_change),
        )
        .route(
            "/kapacitor/v1/tasks/{task}",
            get(get_task)
                .patch(refuse_task_change)
                .delete(refuse_task_change),
        )
        .with_state(Api { feed, info })
}

/// Adds `X-Kapacitor-Version` (Kapacitor's `versionHeader`, services/httpd/handler.go at
/// v1.5.7) to an answer.
pub(crate) async fn version_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        "X-Kapacitor-Version",
        HeaderValue::from_static(KAPACITOR_VERSION),
    );
    response
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body.to_pretty(),
    )
        .into_response()
}

fn ok(body: &Json) -> Response {
    json_response(StatusCode::OK, body)
}

/// Kapacitor's `httpd.HttpError` with `pretty`: `{"error": message}`, indented.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, &Json::object([("error", Json::str(message))]))
}

/// A refused request: its status and Kapacitor's error message.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

fn shutting_down() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down")
}

fn link(rel: &str, href: String) -> Json {
    Json::object([("rel", Json::str(rel)), ("href", Json::String(href))])
}

fn time(nanos: i64) -> Json {
    let mut out = String::new();
    tick_engine::json::write_rfc3339_nano(&mut out, nanos);
    Json::String(out)
}

/// Kapacitor's `alert.ParseLevel` (alert/types.go at v1.5.7): upper-cased, then found in
/// `OKINFOWARNINGCRITICAL` at the start of a level's name, so `""` is OK and `crit` CRITICAL.
fn parse_level(s: &str) -> Result<Level, String> {
    let upper = s.to_uppercase();
    match "OKINFOWARNINGCRITICAL".find(upper.as_str()) {
        Some(0) => Ok(Level::Ok),
        Some(2) => Ok(Level::Info),
        Some(6) => Ok(Level::Warning),
        Some(13) => Ok(Level::Critical),
        _ => Err(format!("unknown alert level '{upper}'")),
    }
}

fn query_pattern(params: &HashMap<String, String>) -> Result<Pattern, Refusal> {
    Pattern::parse(params.get("pattern").map_or("", String::as_str))
        .map_err(|e| Refusal(StatusCode::BAD_REQUEST, format!("invalid pattern: {e}")))
}

fn topic_json(t: &TopicSnapshot) -> Json {
    let href = format!("{BASE}/alerts/topics/{}", t.id);
    Json::object([
        ("link", link("self", href.clone())),
        ("id", Json::str(&*t.id)),
        ("level", Json::str(t.level().as_str())),
        ("collected", Json::int(t.collected)),
        ("events-link", link("events", format!("{href}/events"))),
        (
            "handlers-link",
            link("handlers", format!("{href}/handlers")),
        ),
    ])
}

fn event_json(topic: &str, e: &Event) -> Json {
    let mut duration = String::new();
    tick_gotemplate::gofmt::write_duration(&mut duration, e.state.duration);
    Json::object([
        (
            "link",
            link(
                "self",
                format!("{BASE}/alerts/topics/{topic}/events/{}", e.state.id),
            ),
        ),
        ("id", Json::str(e.state.id.as_str())),
        (
            "state",
            Json::object([
                ("message", Json::str(e.state.message.as_str())),
                ("details", Json::str(e.state.details.as_str())),
                ("time", time(e.state.time)),
                ("duration", Json::String(duration)),
                ("level", Json::str(e.state.level.as_str())),
            ]),
        ),
    ])
}

fn handler_json(h: &HandlerInfo) -> Json {
    Json::object([
        (
            "link",
            link(
                "self",
                format!("{BASE}/alerts/topics/{}/handlers/{}", h.topic, h.id),
            ),
        ),
        ("id", Json::str(h.id.as_str())),
        ("kind", Json::str(h.kind.as_str())),
        ("options", Json::from_value(&h.options)),
        ("match", Json::str(h.match_src.as_str())),
    ])
}

/// The request's path and query as sent: Kapacitor's `r.URL.String()` for list links.
fn self_href(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string())
}

/// `GET /kapacitor/v1/alerts/topics` (`handleListTopics`): `pattern`, `min-level`.
async fn list_topics(
    State(api): State<Api>,
    Query(params): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let pattern = match query_pattern(&params) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let min_level = match parse_level(params.get("min-level").map_or("", String::as_str)) {
        Ok(l) => l,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let Some(topics) = api.feed.ask(|v: &mut dyn StateView| v.topics()).await else {
        return shutting_down();
    };
    let list: Vec<Json> = topics
        .iter()
        .filter(|t| pattern.matches(&t.id) && t.level() >= min_level)
        .map(topic_json)
        .collect();
    ok(&Json::object([
        ("link", link("self", self_href(&uri))),
        ("topics", Json::Array(list)),
    ]))
}

/// What a path under `/alerts/topics/` names (`handleRouteTopicGet`, services/alert/api.go at
/// v1.5.7, which tells them apart with `path.Match`).
enum TopicPath<'a> {
    Topic,
    Events,
    Event(&'a str),
    Handlers,
    Handler(&'a str),
}

fn topic_path(rest: &str) -> (&str, TopicPath<'_>) {
    let topic = rest.split('/').next().unwrap_or("");
    let is = |p: &str| Pattern::parse(p).is_ok_and(|p| p.matches(rest));
    let last = rest.rsplit('/').next().unwrap_or("");
    let kind = if is("*/events") {
        TopicPath::Events
    } else if is("*/events/*") {
        TopicPath::Event(last)
    } else if is("*/handlers") {
        TopicPath::Handlers
    } else if is("*/handlers/*") {
        TopicPath::Handler(last)
    } else {
        TopicPath::Topic
    };
    (topic, kind)
}

/// `GET /kapacitor/v1/alerts/topics/<topic>[/events[/<id>]|/handlers[/<id>]]`.
async fn get_topic_path(
    State(api): State<Api>,
    UrlPath(rest): UrlPath<String>,
    Query(params): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let (topic, kind) = topic_path(&rest);
    match kind {
        TopicPath::Handlers => {
            let pattern = match query_pattern(&params) {
                Ok(p) => p,
                Err(r) => return r.into_response(),
            };
            let mut handlers: Vec<&HandlerInfo> = api
                .info
                .handlers
                .iter()
                .filter(|h| h.topic == topic && pattern.matches(&h.id))
                .collect();
            handlers.sort_by(|a, b| a.id.cmp(&b.id));
            ok(&Json::object([
                ("link", link("self", self_href(&uri))),
                ("topic", Json::str(topic)),
                (
                    "handlers",
                    Json::Array(handlers.into_iter().map(handler_json).collect()),
                ),
            ]))
        }
        TopicPath::Handler(id) => {
            match api
                .info
                .handlers
                .iter()
                .find(|h| h.topic == topic && h.id == id)
            {
                Some(h) => ok(&handler_json(h)),
                None => error(StatusCode::NOT_FOUND, format!("unknown handler: {id:?}")),
            }
        }
        TopicPath::Events => {
            let min_level = match parse_level(params.get("min-level").map_or("", String::as_str)) {
                Ok(l) => l,
                Err(e) => return error(StatusCode::BAD_REQUEST, e),
            };
            let Some(snapshot) = ask_topic(&api, topic).await else {
                return shutting_down();
            };
            let Some(snapshot) = snapshot else {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("failed to get topic events: unknown topic {topic:?}"),
                );
            };
            let events: Vec<Json> = view::events_at_least(&snapshot, min_level)
                .iter()
                .map(|e| event_json(topic, e))
                .collect();
            ok(&Json::object([
                (
                    "link",
                    link("self", format!("{BASE}/alerts/topics/{topic}/events")),
                ),
                ("topic", Json::str(topic)),
                ("events", Json::Array(events)),
            ]))
        }
        TopicPath::Event(id) => {
            let Some(snapshot) = ask_topic(&api, topic).await else {
                return shutting_down();
            };
            match snapshot
                .as_ref()
                .and_then(|t| t.events.iter().find(|e| e.state.id == id))
            {
                Some(e) => ok(&event_json(topic, e)),
                None => error(
                    StatusCode::NOT_FOUND,
                    format!("unknown event {id:?} in topic {topic:?}"),
                ),
            }
        }
        TopicPath::Topic => {
            let Some(snapshot) = ask_topic(&api, topic).await else {
                return shutting_down();
            };
            match snapshot {
                Some(t) => ok(&topic_json(&t)),
                None => error(StatusCode::NOT_FOUND, format!("unknown topic: {topic:?}")),
            }
        }
    }
}

/// One topic from the pipeline thread: `None` when tick is stopping, `Some(None)` when the
/// topic does not exist.
async fn ask_topic(api: &Api, topic: &str) -> Option<Option<TopicSnapshot>> {
    let topic = topic.to_string();
    api.feed
        .ask(move |v: &mut dyn StateView| v.topic(&topic))
        .await
}

/// `DELETE /kapacitor/v1/alerts/topics/<topic>` (`handleDeleteTopic`): forgets the topic's
/// state; 204 whether or not it existed. A handler path is refused: handlers come from files.
async fn delete_topic_path(State(api): State<Api>, UrlPath(rest): UrlPath<String>) -> Response {
    let (dir, _) = rest.rsplit_once('/').unwrap_or(("", &rest));
    if format!("{dir}/").ends_with("handlers/") {
        return handlers_are_files();
    }
    let (topic, _) = topic_path(&rest);
    let topic = topic.to_string();
    match api
        .feed
        .ask(move |v: &mut dyn StateView| v.delete_topic(&topic))
        .await
    {
        Some(()) => StatusCode::NO_CONTENT.into_response(),
        None => shutting_down(),
    }
}

fn handlers_are_files() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "topic handlers are read-only in tick: they come from the handler files given to \
         `tick run --handler`; change the file and restart tick",
    )
}

async fn refuse_handler_change() -> Response {
    handlers_are_files()
}

async fn refuse_task_change(method: Method) -> Response {
    let what = match method {
        Method::POST => "defined",
        Method::DELETE => "deleted",
        _ => "updated",
    };
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "tasks cannot be {what} through tick's API: tasks come from the TICKscript files \
             given to `tick run`; change the file and restart tick"
        ),
    )
}

/// `script-format` and `dot-view` of the task endpoints.
struct TaskViewOptions {
    raw_script: bool,
    labels: bool,
}

fn task_view_options(params: &HashMap<String, String>) -> Result<TaskViewOptions, Refusal> {
    let raw_script = match params.get("script-format").map_or("", String::as_str) {
        "" | "formatted" => false,
        "raw" => true,
        other => {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                format!("invalid script-format parameter {other:?}"),
            ));
        }
    };
    let labels = match params.get("dot-view").map_or("", String::as_str) {
        "" | "attributes" => false,
        "labels" => true,
        other => {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                format!("invalid dot-view parameter {other:?}"),
            ));
        }
    };
    Ok(TaskViewOptions { raw_script, labels })
}

/// The script as Kapacitor shows it: formatted (`tick.Format`) unless `raw`, or as written
/// when it cannot be formatted.
fn script_text(task: &TaskInfo, raw: bool) -> String {
    if raw {
        return task.script.clone();
    }
    tick_syntax::format(&task.script).unwrap_or_else(|_| task.script.clone())
}

fn dbrps_json(task: &TaskInfo) -> Json {
    Json::Array(
        task.dbrps
            .iter()
            .map(|d| {
                Json::object([
                    ("db", Json::str(d.db.as_str())),
                    ("rp", Json::str(d.rp.as_str())),
                ])
            })
            .collect(),
    )
}

/// A node's statistics by Kapacitor's names, sorted (its `statMap`, node.go and alert.go at
/// v1.5.7). `avg_exec_time_ns` is not measured by tick: 0.
fn node_stats(n: &NodeSnapshot) -> Vec<(&'static str, u64)> {
    let mut stats = vec![
        ("avg_exec_time_ns", 0),
        ("errors", n.errors),
        ("working_cardinality", n.working_cardinality),
    ];
    if let Some(a) = &n.alert {
        let [ok, info, warn, crit] = a.triggered;
        stats.extend([
            ("alerts_inhibited", a.inhibited.iter().sum()),
            ("alerts_triggered", a.triggered.iter().sum()),
            ("crits_triggered", crit),
            ("infos_triggered", info),
            ("oks_triggered", ok),
            ("warns_triggered", warn),
        ]);
    }
    stats.sort_by_key(|(k, _)| *k);
    stats
}

/// The DOT graph of a running task with its statistics (`ExecutingTask.EDot` and `node.edot`,
/// task.go and node.go at v1.5.7): as attributes, or with `labels` as Graphviz labels.
fn executing_dot(t: &TaskSnapshot, labels: bool) -> String {
    let mut s = format!("digraph {} {{\n", t.name);
    // Throughput is not measured by tick: Kapacitor's figure for an idle task.
    if labels {
        s.push_str(
            "graph [label=\"Throughput: 0.00 points/s\" forcelabels=true pad=\"0.8,0.5\"];\n",
        );
    } else {
        s.push_str("graph [throughput=\"0.00 points/s\"];\n");
    }
    for (i, children) in &t.graph {
        let Some(n) = t.nodes.get(*i) else { continue };
        let shown = |(k, v): &(&str, u64)| {
            if *k == "avg_exec_time_ns" {
                format!(
                    "{k}={}",
                    if labels {
                        "0s".into()
                    } else {
                        "\"0s\"".to_string()
                    }
                )
            } else if labels {
                format!("{k}={v}")
            } else {
                format!("{k}=\"{v}\"")
            }
        };
        let stats: Vec<String> = node_stats(n).iter().map(shown).collect();
        if labels {
            s.push_str(&format!(
                "\n{} [xlabel=\"{}\"];\n",
                n.name,
                stats.join("\\r")
            ));
        } else {
            let mut attrs = String::new();
            for a in &stats {
                attrs.push_str(a);
                attrs.push(' ');
            }
            s.push_str(&format!("\n{} [{attrs}];\n", n.name));
        }
        for c in children {
            let Some(child) = t.nodes.get(*c) else {
                continue;
            };
            if labels {
                s.push_str(&format!(
                    "{} -> {} [label=\"processed={}\"];\n",
                    n.name, child.name, n.sent
                ));
            } else {
                s.push_str(&format!(
                    "{} -> {} [processed=\"{}\"];\n",
                    n.name, child.name, n.sent
                ));
            }
        }
    }
    s.push('}');
    s
}

/// `{"task-stats": ..., "node-stats": ...}` (`ExecutionStats`).
fn execution_stats(t: &TaskSnapshot) -> Json {
    let mut children = vec![0u64; t.nodes.len()];
    for (i, c) in &t.graph {
        if let Some(n) = children.get_mut(*i) {
            *n = c.len() as u64;
        }
    }
    let mut nodes: Vec<(String, Json)> = t
        .nodes
        .iter()
        .zip(children)
        .map(|(n, children)| {
            let mut stats = node_stats(n);
            stats.push(("collected", n.collected));
            stats.push(("emitted", n.sent * children));
            stats.sort_by_key(|(k, _)| *k);
            (
                n.name.clone(),
                Json::object(stats.into_iter().map(|(k, v)| (k, Json::int(v)))),
            )
        })
        .collect();
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    Json::object([
        (
            "task-stats",
            Json::object([("throughput", Json::float(0.0))]),
        ),
        ("node-stats", Json::Object(nodes)),
    ])
}

/// The value of one field of a task (`handleListTasks`' field names).
fn task_field(
    field: &str,
    info: &TaskInfo,
    live: &TaskSnapshot,
    opts: &TaskViewOptions,
    started: i64,
) -> Option<Json> {
    Some(match field {
        "link" => link("self", format!("{BASE}/tasks/{}", info.name)),
        "id" => Json::str(info.name.as_str()),
        "template-id" => Json::str(""),
        "type" => Json::str("stream"),
        "dbrps" => dbrps_json(info),
        "script" => Json::String(script_text(info, opts.raw_script)),
        "vars" => Json::object(Vec::<(String, Json)>::new()),
        "dot" => Json::String(executing_dot(live, opts.labels)),
        "status" => Json::str("enabled"),
        "executing" => Json::bool(true),
        "error" => Json::str(""),
        "stats" => execution_stats(live),
        "created" | "modified" | "last-enabled" => time(started),
        _ => return None,
    })
}

/// The fields of `GET /kapacitor/v1/tasks/<id>`, in the order of Kapacitor's `client.Task`.
const TASK_FIELDS: [&str; 15] = [
    "link",
    "id",
    "template-id",
    "type",
    "dbrps",
    "script",
    "vars",
    "dot",
    "status",
    "executing",
    "error",
    "stats",
    "created",
    "modified",
    "last-enabled",
];

/// `GET /kapacitor/v1/tasks/<id>` (`handleTask`): `script-format`, `dot-view`, `replay-id`.
async fn get_task(
    State(api): State<Api>,
    UrlPath(id): UrlPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(info) = api.info.tasks.iter().find(|t| t.name == id) else {
        return error(StatusCode::NOT_FOUND, "no task exists");
    };
    let opts = match task_view_options(&params) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    if let Some(replay) = params
        .get("replay-id")
        .filter(|r| !r.is_empty() && *r != "main")
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("no running replay with ID: {replay}"),
        );
    }
    let Some(live) = ask_task(&api, &id).await else {
        return shutting_down();
    };
    let Some(live) = live else {
        return error(StatusCode::NOT_FOUND, "no task exists");
    };
    let fields = TASK_FIELDS
        .iter()
        .filter_map(|f| task_field(f, info, &live, &opts, api.info.started).map(|v| (*f, v)));
    ok(&Json::object(fields))
}

async fn ask_task(api: &Api, id: &str) -> Option<Option<TaskSnapshot>> {
    let id = id.to_string();
    api.feed
        .ask(move |v: &mut dyn StateView| v.tasks().into_iter().find(|t| t.name == id))
        .await
}

/// Go's `strconv.ParseInt(s, 10, 64)` error for `s`.
fn parse_int_error(s: &str) -> String {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let reason = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        "value out of range"
    } else {
        "invalid syntax"
    };
    format!("strconv.ParseInt: parsing {s:?}: {reason}")
}

fn int_param(params: &HashMap<String, String>, name: &str, default: i64) -> Result<i64, Refusal> {
    match params.get(name).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            Refusal(
                StatusCode::BAD_REQUEST,
                format!(
                    "invalid {name} parameter {s:?} must be an integer: {}",
                    parse_int_error(s)
                ),
            )
        }),
    }
}

/// `GET /kapacitor/v1/tasks` (`handleListTasks`): `pattern`, `fields` (repeatable), `offset`,
/// `limit` (100), `script-format`, `dot-view`. Each task is a Go map, so its keys are sorted.
async fn list_tasks(
    State(api): State<Api>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    // Kapacitor's `Query().Get` takes a parameter's first value.
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in &pairs {
        params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut fields: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "fields")
        .map(|(_, v)| v.as_str())
        .collect();
    if fields.is_empty() {
        // Kapacitor's `allTaskFields`: every field of a task but `template-id` (the list's
        // keys are sorted, so their order does not matter).
        fields = TASK_FIELDS
            .into_iter()
            .filter(|f| *f != "template-id")
            .collect();
    } else {
        fields.extend(["id", "link"]);
    }
    let opts = match task_view_options(&params) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let (offset, limit) = match (
        int_param(&params, "offset", 0),
        int_param(&params, "limit", 100),
    ) {
        (Ok(o), Ok(l)) => (o, l),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let pattern = params.get("pattern").map_or("", String::as_str);
    // The task store matches with path.Match and ignores a malformed pattern's error.
    let matcher = Pattern::parse(pattern).ok();
    let mut infos: Vec<&TaskInfo> = api.info.tasks.iter().collect();
    infos.sort_by(|a, b| a.name.cmp(&b.name));
    let chosen = page(
        &infos,
        |t| matcher.as_ref().is_some_and(|m| m.matches(&t.name)),
        offset,
        limit,
    );
    let Some(live) = api.feed.ask(|v: &mut dyn StateView| v.tasks()).await else {
        return shutting_down();
    };
    let mut tasks = Vec::new();
    for info in chosen {
        let Some(snapshot) = live.iter().find(|t| t.name == info.name) else {
            continue;
        };
        let mut members: Vec<(&str, Json)> = Vec::new();
        for f in &fields {
            if members.iter().any(|(k, _)| k == f) {
                continue;
            }
            match task_field(f, info, snapshot, &opts, api.info.started) {
                Some(v) => members.push((f, v)),
                None => {
                    return error(StatusCode::BAD_REQUEST, format!("unsupported field {f:?}"));
                }
            }
        }
        members.sort_by(|a, b| a.0.cmp(b.0));
        tasks.push(Json::object(members));
    }
    ok(&Json::object([("tasks", Json::Array(tasks))]))
}

/// Kapacitor's `storage.DoListFunc` (services/storage/storage.go at v1.5.7) over ids sorted by
/// name: the matching ids after the first `offset`, at most `limit`, where the page size is
/// bounded by the number of ids (matching or not). A negative limit lists every id, pattern or
/// not (`IndexedStore.list`).
fn page<'a, T>(ids: &[&'a T], matches: impl Fn(&T) -> bool, offset: i64, limit: i64) -> Vec<&'a T> {
    if limit < 0 {
        return ids.to_vec();
    }
    let total = ids.len() as i64;
    let upper = offset.saturating_add(limit).min(total);
    let size = upper - offset;
    if size <= 0 {
        return Vec::new();
    }
    let mut seen = 0i64;
    let mut out = Vec::new();
    for id in ids {
        if !matches(id) {
            continue;
        }
        seen += 1;
        if seen <= offset {
            continue;
        }
        out.push(*id);
        if out.len() as i64 == size {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_as_kapacitor_parses_them() {
        assert_eq!(parse_level(""), Ok(Level::Ok));
        assert_eq!(parse_level("warning"), Ok(Level::Warning));
        assert_eq!(parse_level("CRIT"), Ok(Level::Critical));
        assert_eq!(parse_level("inf"), Ok(Level::Info));
        assert_eq!(parse_level("bad"), Err("unknown alert level 'BAD'".into()));
        assert_eq!(parse_level("K"), Err("unknown alert level 'K'".into()));
    }

    #[test]
    fn topic_paths_are_told_apart_as_kapacitor_does() {
        let kind = |p| match topic_path(p) {
            (t, TopicPath::Topic) => format!("topic {t}"),
            (t, TopicPath::Events) => format!("events {t}"),
            (t, TopicPath::Event(e)) => format!("event {t} {e}"),
            (t, TopicPath::Handlers) => format!("handlers {t}"),
            (t, TopicPath::Handler(h)) => format!("handler {t} {h}"),
        };
        assert_eq!(kind("cpu"), "topic cpu");
        assert_eq!(kind("main:t:alert2/events"), "events main:t:alert2");
        assert_eq!(kind("cpu/events/cpu:host=a"), "event cpu cpu:host=a");
        assert_eq!(kind("cpu/handlers"), "handlers cpu");
        assert_eq!(kind("cpu/handlers/log"), "handler cpu log");
        // An event id with a slash is not an event path: the topic is shown.
        assert_eq!(kind("cpu/events/a/b"), "topic cpu");
    }

    #[test]
    fn pages_follow_do_list_func() {
        let ids = ["a", "b", "c"];
        let refs: Vec<&&str> = ids.iter().collect();
        let all = |_: &&str| true;
        fn names(v: Vec<&&'static str>) -> Vec<&'static str> {
            v.into_iter().copied().collect()
        }
        assert_eq!(names(page(&refs, all, 0, 100)), ["a", "b", "c"]);
        assert_eq!(names(page(&refs, all, 1, 1)), ["b"]);
        assert_eq!(names(page(&refs, all, 3, 100)), Vec::<&str>::new());
        assert_eq!(names(page(&refs, |s| *s != "a", 0, -1)), ["a", "b", "c"]);
    }

    #[test]
    fn int_errors_are_go_strconv_errors() {
        assert_eq!(
            parse_int_error("abc"),
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            parse_int_error("99999999999999999999"),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
        );
    }
}
