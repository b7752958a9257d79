//! `tick run`'s handlers: the MQTT brokers, one dispatcher queue per handler a script names
//! and per topic-handler file, and the [`Router`] that sends each delivery of the pipeline to
//! its queue. Owns building handlers (and their errors, exit status 2) and the routing tables;
//! does not own the handlers' work (`tick-handlers`) or the drain (`drain.rs`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use foldhash::{HashMap, HashMapExt as _};
use tick_engine::Pipeline;
use tick_engine::{Delivery, HandlerRef};
use tick_handlers::mqtt::{MqttService, MqttSettings};
use tick_handlers::{Dispatcher, Handler, HandlerOptions, InfluxDbSink, InfluxDbWriters, Services};

use super::Exit;
use super::plan::Plan;
use super::state::{self, Batch, StateSender, StateThread, StateWriter};
use crate::report;

/// A script's handler: `(task, alert node, index among the node's handlers)`.
type AlertHandler = (Arc<str>, Arc<str>, usize);

/// The one place that decides which handler queue a delivery goes to.
pub(crate) struct Router {
    /// The queue of each handler a script names.
    alert: HashMap<AlertHandler, usize>,
    /// The queue of each topic handler, by the topics' handler index (`None`: no queue).
    topic: Vec<Option<usize>>,
    /// The queues; taken out (`None`) by the drain.
    dispatcher: Arc<Mutex<Option<Dispatcher>>>,
    /// The writer of the alert state (`--state-dir`), which queues each batch once its
    /// events are on disk.
    state: Option<StateSender>,
    /// The writer of each `influxDBOut` node, per task (in the pipeline's task order), in the
    /// order of `Task::influxdb_outs`.
    influxdb: Vec<Vec<InfluxDbSink>>,
}

impl Router {
    /// Prints the `|log()` lines the pipeline produced since the last call and hands its
    /// deliveries to their handler queues, in one batch (`Dispatcher::flush`). With
    /// `--state-dir`, the batch goes to the state writer instead, with the events whose state
    /// it set: the writer queues it once that state is synced to disk, so no handler gets an
    /// event whose state a crash could lose. `log_text` is a reused buffer.
    pub(crate) fn send(
        &self,
        pipeline: &mut Pipeline,
        deliveries: &mut Vec<Delivery>,
        log_text: &mut String,
    ) {
        for task in pipeline.tasks_mut() {
            for record in task.drain_logs() {
                log_text.push_str(&record.line);
                log_text.push('\n');
            }
        }
        if !log_text.is_empty() {
            report::stderr(log_text);
            log_text.clear();
        }
        if !self.influxdb.is_empty() {
            for (task, sinks) in pipeline.tasks_mut().zip(&self.influxdb) {
                if !sinks.is_empty() {
                    task.drain_influxdb_writes(|i, writes| {
                        if let Some(sink) = sinks.get(i) {
                            sink.send(writes);
                        }
                    });
                }
            }
        }
        let Some(writer) = &self.state else {
            if !deliveries.is_empty() {
                state::release(&self.dispatcher, self.route(deliveries));
            }
            return;
        };
        let mut events = Vec::new();
        let mut deleted = Vec::new();
        let topics = pipeline.topics_mut();
        topics.take_deleted(&mut deleted);
        topics.take_changes(&mut events);
        if events.is_empty() && deliveries.is_empty() && deleted.is_empty() {
            return;
        }
        let batch = Batch {
            deleted,
            events,
            deliveries: self.route(deliveries).collect(),
        };
        if let Err(batch) = writer.send(batch) {
            // The writer is gone (counted as a failed write): the handlers still get their
            // events.
            state::release(&self.dispatcher, batch.deliveries.into_iter());
        }
    }

    /// Each delivery with the queue of its handler (none: dropped).
    fn route<'a>(
        &'a self,
        deliveries: &'a mut Vec<Delivery>,
    ) -> impl Iterator<Item = (usize, Arc<tick_engine::Event>)> + 'a {
        deliveries
            .drain(..)
            .filter_map(|d| Some((self.queue_of(&d.handler)?, d.event)))
    }

    fn queue_of(&self, handler: &HandlerRef) -> Option<usize> {
        match handler {
            HandlerRef::Alert { task, node, index } => self
                .alert
                .get(&(task.clone(), node.clone(), *index))
                .copied(),
            HandlerRef::Topic(i) => self.topic.get(*i).copied().flatten(),
        }
    }
}

/// The handlers of a run, before the pipeline thread takes the router.
pub(crate) struct Handlers {
    pub(crate) router: Router,
    /// The MQTT brokers (drained after the handler queues).
    pub(crate) services: Services,
    /// Set to make a pipeline waiting for room in a queue (`--queue-full wait`) drop instead.
    pub(crate) stop_waiting: Arc<AtomicBool>,
    /// The writer of the alert state (`--state-dir`), waited for before the drain.
    pub(crate) state_thread: Option<StateThread>,
    /// The writers of the `influxDBOut` nodes (drained after the handler queues).
    pub(crate) influxdb: Option<InfluxDbWriters>,
}

impl Handlers {
    /// The queues shared by the router and the drain.
    pub(crate) fn dispatcher(&self) -> Arc<Mutex<Option<Dispatcher>>> {
        Arc::clone(&self.router.dispatcher)
    }
}

/// Connects the brokers and builds a queue for every handler of the scripts and of the
/// handler files (`kind: publish` files go to `pipeline`'s topics instead). Every error is
/// reported; any error refuses the run.
pub(crate) fn start(
    plan: &Plan,
    scripts: &[PathBuf],
    pipeline: &mut Pipeline,
    runtime: &tokio::runtime::Runtime,
    state: Option<StateWriter>,
) -> Result<Handlers, Exit> {
    let services = start_services(plan, pipeline, runtime)?;
    let mut dispatcher = Dispatcher::new(runtime.handle().clone(), plan.dispatch);
    let stop_waiting = dispatcher.canceller();
    let mut errors = String::new();
    let _guard = runtime.enter();
    let alert = alert_queues(scripts, pipeline, &services, &mut dispatcher, &mut errors);
    let topic = topic_queues(plan, pipeline, &services, &mut dispatcher, &mut errors);
    let (influxdb, sinks) = influxdb_writers(scripts, pipeline, &services, runtime, &mut errors);
    if !errors.is_empty() {
        report::stderr(&errors);
        return Err(Exit::Status(2));
    }
    let dispatcher = Arc::new(Mutex::new(Some(dispatcher)));
    let (state, state_thread) = match state {
        Some(writer) => match writer.start(Arc::clone(&dispatcher)) {
            Ok((sender, thread)) => (Some(sender), Some(thread)),
            Err(e) => {
                report::stderr(&format!("error: starting the state writer thread: {e}\n"));
                return Err(Exit::Status(2));
            }
        },
        None => (None, None),
    };
    Ok(Handlers {
        router: Router {
            alert,
            topic,
            dispatcher,
            state,
            influxdb: sinks,
        },
        services,
        stop_waiting,
        state_thread,
        influxdb,
    })
}

/// A writer for every `influxDBOut` node of the scripts, and their sinks per task.
fn influxdb_writers(
    scripts: &[PathBuf],
    pipeline: &Pipeline,
    services: &Services,
    runtime: &tokio::runtime::Runtime,
    errors: &mut String,
) -> (Option<InfluxDbWriters>, Vec<Vec<InfluxDbSink>>) {
    let mut nodes = Vec::new();
    let mut per_task = Vec::new();
    for (path, task) in scripts.iter().zip(pipeline.tasks()) {
        let outs = task.influxdb_outs();
        per_task.push(outs.len());
        for settings in outs {
            if let Err(e) = services.config.influxdb_cluster(&settings.cluster) {
                errors.push_str(&format!(
                    "{}: error: {}: {e}\n",
                    path.display(),
                    settings.node
                ));
            }
            nodes.push((task.name().to_string(), settings));
        }
    }
    if nodes.is_empty() || !errors.is_empty() {
        return (None, Vec::new());
    }
    match InfluxDbWriters::start(runtime.handle(), &services.config, &nodes) {
        Ok((writers, sinks)) => {
            let mut sinks = sinks.into_iter();
            let per_task = per_task
                .into_iter()
                .map(|n| sinks.by_ref().take(n).collect())
                .collect();
            (Some(writers), per_task)
        }
        Err(e) => {
            errors.push_str(&format!("error: influxDBOut: {e}\n"));
            (None, Vec::new())
        }
    }
}

/// The services the handlers reach through `--config` (its sections, e.g. `[[slack]]`), and the
/// `[[mqtt]]` brokers, connected when a handler uses `.mqtt()`.
fn start_services(
    plan: &Plan,
    pipeline: &Pipeline,
    runtime: &tokio::runtime::Runtime,
) -> Result<Services, Exit> {
    let mut services = Services {
        config: plan.config.clone().unwrap_or_default(),
        ..Services::default()
    };
    let needs_mqtt = pipeline
        .tasks()
        .any(|t| t.handler_uses().iter().any(|(_, u)| u.kind == "mqtt"))
        || plan.handler_files.iter().any(|s| s.kind == "mqtt");
    if !needs_mqtt {
        return Ok(services);
    }
    let Some(cfg) = plan.config.as_ref() else {
        report::stderr(
            "error: a script or handler file uses .mqtt(), but no --config with [[mqtt]] brokers was given\n",
        );
        return Err(Exit::Status(2));
    };
    let settings = MqttSettings {
        outbox_limit: plan.mqtt_outbox,
        ..MqttSettings::default()
    };
    match runtime.block_on(async { MqttService::start(cfg, settings) }) {
        Ok(svc) => services.mqtt = Some(svc),
        Err(e) => {
            report::stderr(&format!("error: {e}\n"));
            return Err(Exit::Status(2));
        }
    }
    Ok(services)
}

/// One queue per handler use of every script (`scripts`: the file of each task, in order),
/// labelled `task:node:kind`.
fn alert_queues(
    scripts: &[PathBuf],
    pipeline: &Pipeline,
    services: &Services,
    dispatcher: &mut Dispatcher,
    errors: &mut String,
) -> HashMap<AlertHandler, usize> {
    let mut queues = HashMap::new();
    for (path, task) in scripts.iter().zip(pipeline.tasks()) {
        let mut per_node: HashMap<&str, usize> = HashMap::new();
        for (node, handler_use) in task.handler_uses() {
            let index = per_node.entry(node.as_str()).or_insert(0);
            match Handler::from_use(handler_use, services) {
                Ok(handler) => {
                    let label = format!("{}:{}:{}", task.name(), node, handler_use.kind);
                    let slot = dispatcher.add(label, handler);
                    queues.insert(
                        (Arc::from(task.name()), Arc::from(node.as_str()), *index),
                        slot,
                    );
                }
                Err(e) => errors.push_str(&format!(
                    "{}: error: {} handler of {node}: {e}\n",
                    path.display(),
                    handler_use.kind
                )),
            }
            *index += 1;
        }
    }
    queues
}

/// One queue per topic-handler file, labelled `topic/id`, indexed by the topics' handler
/// index; publish files are registered with the topics themselves.
fn topic_queues(
    plan: &Plan,
    pipeline: &mut Pipeline,
    services: &Services,
    dispatcher: &mut Dispatcher,
    errors: &mut String,
) -> Vec<Option<usize>> {
    let mut queues: Vec<Option<usize>> = Vec::new();
    for spec in &plan.handler_files {
        let matcher = match &spec.match_src {
            Some(src) => match compile_match(src, &plan.compile) {
                Ok(l) => Some(l),
                Err(msg) => {
                    errors.push_str(&format!("{}: error: match: {msg}\n", spec.path.display()));
                    continue;
                }
            },
            None => None,
        };
        // `kind: publish` is routed by the topics themselves, as Kapacitor's publish handler
        // hands events back to its alert service (services/alert/service.go,
        // `createHandlerFromSpec`, at v1.5.7): no queue.
        if let HandlerOptions::Publish(o) = &spec.options {
            match o.validate(&spec.topic) {
                Ok(()) => {
                    pipeline.topics_mut().add_publish_handler(
                        &spec.topic,
                        &spec.id,
                        matcher,
                        &o.topics,
                    );
                }
                Err(e) => errors.push_str(&format!("{}: error: {e}\n", spec.path.display())),
            }
            continue;
        }
        match Handler::from_file_spec(spec, services) {
            Ok(handler) => {
                let index = pipeline
                    .topics_mut()
                    .add_handler(&spec.topic, &spec.id, matcher);
                let slot = dispatcher.add(format!("{}/{}", spec.topic, spec.id), handler);
                if queues.len() <= index {
                    queues.resize(index + 1, None);
                }
                queues[index] = Some(slot);
            }
            Err(e) => errors.push_str(&format!("{}: error: {e}\n", spec.path.display())),
        }
    }
    queues
}

/// Compiles a topic-handler file's `match` expression.
fn compile_match(
    src: &str,
    opts: &tick_engine::CompileOptions,
) -> Result<tick_lambda::Lambda, String> {
    let (expr, diags) = tick_syntax::parse_expr(src);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let expr = expr.ok_or_else(|| "empty match expression".to_string())?;
    tick_lambda::Lambda::compile_match(&expr, &opts.lambda).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })
}
