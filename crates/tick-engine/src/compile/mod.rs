//! The semantic pass (what Kapacitor's `Evaluate` does, tick/eval.go at v1.5.7): evaluates a parsed
//! script's statements, checks every chain and property call against the catalogue (`nodes::NODES`)
//! and the injected handler specs, types the arguments strictly, compiles lambdas, and builds the
//! [`Task`]. Reports every error it can, each with a span. Owns the messages of this phase
//! (`messages.rs`); runs nothing.

mod messages;

use std::collections::HashMap;
use std::sync::Arc;

use tick_lambda::{Lambda, VarValue, Vars};
use tick_syntax::ast::{self, ChainOp, Expr, Stmt};
use tick_syntax::{Diagnostic, Span};

use crate::handler_use::{ArgType, HandlerSpec, HandlerUse, Literal, PropertyUse};
use crate::node_props::{ArgValue, BuildContext, NodeProps, Setting, Value};
use crate::node_runtime::NodeStats;
use crate::node_spec::{Arg, NodeProperty, NodeSpec, same_method};
use crate::nodes;
use crate::nodes::deadman::{Deadman, GroupCounts};
use crate::task::{Dbrp, Task, TaskNode};

pub(crate) use messages::CompileError;

/// Options of a compilation.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Options for every lambda of the script (time zone of `"time"`).
    pub lambda: tick_lambda::CompileOptions,
    /// `.ServerInfo` of the alert templates (`hostname` of kapacitor.conf).
    pub server: crate::template_data::ServerInfo,
    /// Handler kinds (`slack`, `pagerDuty2`) that every alert node without a handler of that
    /// kind gets, with default options: the services whose `kapacitor.conf` section says
    /// `global = true` (Kapacitor's `newAlertNode`, alert.go at v1.5.7).
    pub global_handlers: Vec<String>,
    /// Every alert node is `.stateChangesOnly()` (keeping a duration the script gave): a
    /// global service's `state-changes-only = true` (Kapacitor's `newAlertNode`).
    pub state_changes_only: bool,
    /// What sends the requests of `httpPost` nodes; `None` (`tick check`, `tick test`): they
    /// post nothing and pass their data on unchanged.
    pub row_posters: Option<crate::row_post::SharedRowPosters>,
}

/// Compiles scripts into tasks. Handler methods of the alert node (`.mqtt('t')`, ...) come from the
/// injected specs: plug-ins are injected, not discovered, so the engine does not depend on
/// `tick-handlers` (see `docs/ARCHITECTURE.md`, "Code map").
#[derive(Debug, Clone, Default)]
pub struct Compiler {
    handlers: Vec<HandlerSpec>,
}

impl Compiler {
    /// A compiler with no handler kinds; add them with [`Compiler::with_handlers`].
    pub fn new() -> Compiler {
        Compiler::default()
    }

    /// Adds the handler kinds the alert node accepts.
    pub fn with_handlers(mut self, specs: &[HandlerSpec]) -> Compiler {
        self.handlers.extend_from_slice(specs);
        self
    }

    /// Checks and builds `program` as task `task_name`. Returns the task when there is no error,
    /// and every diagnostic (errors and warnings) in any case.
    pub fn compile(
        &self,
        task_name: &str,
        program: &ast::Program,
        opts: &CompileOptions,
    ) -> (Option<Task>, Vec<Diagnostic>) {
        self.compile_checking(task_name, program, opts, &|_| Vec::new())
    }

    /// [`Compiler::compile`], and `check` on every handler use of the script: the rules of the
    /// handler kind that argument types cannot express (QoS 0-2, a configured broker, a
    /// writable log mode), each problem (an error, or a warning about what fails at every
    /// alert) with its span. The uses of a node that is not built
    /// because another of its properties failed are checked too: the handler's values do not
    /// depend on that property, and one run of `tick check` lists every error of the node.
    ///
    /// Long because it is the compiler's two passes in order, read top to bottom: the
    /// statements into pending nodes, then every pending node built (or, when poisoned, only
    /// its values checked) while the task's tables fill (measurements, handler uses, deadmen);
    /// the passes share the diagnostics and those tables.
    pub fn compile_checking(
        &self,
        task_name: &str,
        program: &ast::Program,
        opts: &CompileOptions,
        check: &dyn Fn(&HandlerUse) -> Vec<Diagnostic>,
    ) -> (Option<Task>, Vec<Diagnostic>) {
        let mut cx = Cx {
            handlers: &self.handlers,
            opts,
            diags: Vec::new(),
            vars: Vars::new(),
            node_vars: HashMap::new(),
            nodes: Vec::new(),
            dbrps: Vec::new(),
        };
        cx.check_task_type(program);
        cx.nodes.push(PendingNode::new(
            &nodes::stream::SPEC,
            None,
            Span::default(),
        ));
        for stmt in &program.stmts {
            cx.statement(stmt);
        }
        let Cx {
            diags,
            nodes: pending,
            dbrps,
            ..
        } = cx;
        let mut diags = diags;
        let mut task_nodes: Vec<TaskNode> = Vec::with_capacity(pending.len());
        let mut measurements: Option<Vec<String>> = Some(Vec::new());
        let mut handler_uses = Vec::new();
        // Indices into `handler_uses` of the handlers a global service added.
        let mut global_uses: Vec<usize> = Vec::new();
        let mut deadmen: Vec<Deadman> = Vec::new();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); pending.len()];
        for (i, n) in pending.iter().enumerate() {
            if let Some(p) = n.parent {
                children[p].push(i);
            }
        }
        for (i, (n, kids)) in pending.into_iter().zip(children).enumerate() {
            let name = format!("{}{}", n.spec.kind, i);
            let mut props = NodeProps {
                method: n.spec.method,
                span: n.span,
                args: n.args,
                settings: n.settings,
                handlers: n.handlers,
            };
            if n.spec.method == "from" {
                match (props.string("measurement"), measurements.as_mut()) {
                    (Some(m), Some(ms)) if !ms.iter().any(|x| x == m.value) => {
                        ms.push(m.value.to_string())
                    }
                    (None, _) => measurements = None,
                    _ => {}
                }
            }
            if n.spec.handlers {
                add_globals(&mut props, opts, &mut global_uses, handler_uses.len());
            }
            for h in &props.handlers {
                handler_uses.push((name.clone(), h.clone()));
            }
            let bcx = BuildContext {
                task_name,
                node_name: &name,
                server: &opts.server,
                row_posters: opts.row_posters.as_ref(),
            };
            if n.poisoned {
                // The node is not built, but errors inside the values it was given (a
                // template, a lambda) do not depend on the link that failed: they are
                // reported now, so that every error of the script shows at once. Errors about
                // the node as a whole (a missing property) may stem from that link: left out.
                if let Err(es) = (n.spec.build)(&props, &bcx) {
                    let values: Vec<Span> = props
                        .args
                        .iter()
                        .chain(props.settings.iter().flat_map(|s| &s.args))
                        .map(|a| a.span)
                        .collect();
                    diags.extend(es.into_iter().filter(|d| {
                        values
                            .iter()
                            .any(|v| v.start <= d.span.start && d.span.end <= v.end)
                    }));
                }
                continue;
            }
            if let (Some(watched), Some(interval)) =
                (n.watches, nodes::deadman::interval(&props.args))
            {
                deadmen.push(Deadman {
                    stats: i,
                    watched,
                    interval,
                    next_tick: None,
                });
            }
            match (n.spec.build)(&props, &bcx) {
                Ok(node) => task_nodes.push(TaskNode {
                    name: name.clone(),
                    method: n.spec.method,
                    children: kids,
                    node,
                    quiet: props.quiet(),
                    stats: NodeStats {
                        name,
                        ..NodeStats::default()
                    },
                    group_counts: None,
                }),
                Err(mut es) => diags.append(&mut es),
            }
        }
        for (i, (_, handler)) in handler_uses.iter().enumerate() {
            for mut d in check(handler) {
                if global_uses.contains(&i) {
                    d.message = format!(
                        "the {} handler that `global = true` in the configuration adds to every alert: {}",
                        handler.kind, d.message
                    );
                }
                diags.push(d);
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            return (None, diags);
        }
        for d in &deadmen {
            if let Some(n) = task_nodes.get_mut(d.watched) {
                n.group_counts = Some(GroupCounts::default());
            }
        }
        let mut task = Task::new(
            task_name.to_string(),
            task_nodes,
            dbrps,
            measurements,
            handler_uses,
        );
        task.deadmen = deadmen;
        (Some(task), diags)
    }
}

/// What a global service does to an alert node (Kapacitor's `newAlertNode`, alert.go at
/// v1.5.7): a handler of its kind, with default options, unless the script names one; and
/// `.stateChangesOnly()` when a global service asks for it (a duration the script gave stays).
/// The added handlers point at the alert node's call; their positions among the task's
/// handler uses (from `first`) go to `global_uses`.
fn add_globals(
    props: &mut NodeProps,
    opts: &CompileOptions,
    global_uses: &mut Vec<usize>,
    first: usize,
) {
    for kind in &opts.global_handlers {
        if props.handlers.iter().any(|h| &h.kind == kind) {
            continue;
        }
        global_uses.push(first + props.handlers.len());
        props.handlers.push(HandlerUse {
            kind: kind.clone(),
            args: Vec::new(),
            properties: Vec::new(),
            span: props.span,
        });
    }
    if opts.state_changes_only && props.setting("stateChangesOnly").is_none() {
        props.settings.push(Setting {
            name: "stateChangesOnly",
            args: Vec::new(),
            span: props.span,
        });
    }
}

/// A node created by the script, before it is built.
struct PendingNode {
    spec: &'static NodeSpec,
    parent: Option<usize>,
    span: Span,
    args: Vec<ArgValue>,
    settings: Vec<Setting>,
    handlers: Vec<HandlerUse>,
    /// For the `stats` node of a `deadman`: the node it watches.
    watches: Option<usize>,
    /// A property call of this node failed its check: building it would only add follow-on
    /// errors (a rejected `.period(10)` is not "no period").
    poisoned: bool,
}

impl PendingNode {
    fn new(spec: &'static NodeSpec, parent: Option<usize>, span: Span) -> PendingNode {
        PendingNode {
            spec,
            parent,
            span,
            args: Vec::new(),
            settings: Vec::new(),
            handlers: Vec::new(),
            watches: None,
            poisoned: false,
        }
    }
}

/// The value of a top-level expression.
#[derive(Debug, Clone)]
enum Val {
    /// A constant, lambda, list or star.
    Data(VarValue),
    /// A pipeline node (index into `Cx::nodes`).
    Node(usize),
    /// The handler object returned by `.mqtt('t')` on alert node `node` (Kapacitor's
    /// `AlertNodeData.Mqtt` returns an `MQTTHandler` that embeds the alert, pipeline/alert.go at
    /// v1.5.7).
    Handler { node: usize, handler: usize },
    /// A reference `"x"` outside a lambda.
    Reference(String),
}

struct Cx<'a> {
    handlers: &'a [HandlerSpec],
    opts: &'a CompileOptions,
    diags: Vec<Diagnostic>,
    vars: Vars,
    node_vars: HashMap<String, Val>,
    nodes: Vec<PendingNode>,
    dbrps: Vec<Dbrp>,
}

/// The root identifier of a chain, if it is one.
fn chain_root(mut e: &Expr) -> Option<&ast::Ident> {
    loop {
        match e {
            Expr::Chain { left, .. } => e = left,
            Expr::Ident(i) => return Some(i),
            _ => return None,
        }
    }
}

impl Cx<'_> {
    fn error(&mut self, span: Span, e: CompileError) {
        self.diags.push(Diagnostic::error(span, e.to_string()));
    }

    /// The task type comes first (Kapacitor's `taskTypeFromProgram`, services/task_store/util.go at
    /// v1.5.7, looks at the roots of the top-level chains before anything is evaluated): a stream
    /// task needs a chain rooted at `stream`.
    fn check_task_type(&mut self, program: &ast::Program) {
        let mut stream = false;
        let mut batch: Option<Span> = None;
        for stmt in &program.stmts {
            let e = match stmt {
                Stmt::Var { value, .. } => value,
                Stmt::Expr(e @ Expr::Chain { .. }) => e,
                _ => continue,
            };
            if let Some(root) = chain_root(e) {
                if !matches!(e, Expr::Chain { .. }) {
                    continue;
                }
                match root.name.as_str() {
                    "stream" => stream = true,
                    "batch" => batch = batch.or(Some(root.span)),
                    _ => {}
                }
            }
        }
        // A script with both roots is invalid in Kapacitor; we name the unsupported part.
        match (batch, stream) {
            (Some(span), _) => self.error(span, CompileError::BatchNotSupported),
            (None, false) => self.error(Span::default(), CompileError::NoStream),
            (None, true) => {}
        }
    }

    fn statement(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Dbrp { db, rp, .. } => self.dbrps.push(Dbrp {
                db: db.name.clone(),
                rp: rp.name.clone(),
            }),
            Stmt::TypedVar { name, .. } => {
                self.error(
                    name.span,
                    CompileError::MissingVarValue {
                        name: name.name.clone(),
                    },
                );
            }
            Stmt::Var { name, value, .. } => {
                let defined = name.name == "stream"
                    || name.name == "batch"
                    || self.vars.get(&name.name).is_some()
                    || self.node_vars.contains_key(&name.name);
                if defined {
                    self.error(
                        name.span,
                        CompileError::Redefined {
                            name: name.name.clone(),
                        },
                    );
                    return;
                }
                let Some(v) = self.expr(value) else { return };
                match v {
                    Val::Data(d) => self.vars.insert(name.name.clone(), d),
                    Val::Reference(r) => {
                        self.error(
                            value.span(),
                            CompileError::ReferenceOutsideLambda { name: r },
                        );
                    }
                    other => {
                        self.node_vars.insert(name.name.clone(), other);
                    }
                }
            }
            // Quirk: a bare identifier statement is never resolved (Kapacitor's `eval`,
            // tick/eval.go at v1.5.7, pushes it and pops it unused).
            Stmt::Expr(Expr::Ident(_)) => {}
            Stmt::Expr(e) => {
                let _ = self.expr(e);
            }
        }
    }

    fn names_in_scope(&self) -> String {
        let mut names: Vec<&str> = vec!["stream"];
        names.extend(self.vars.names());
        let mut nodes: Vec<&str> = self.node_vars.keys().map(String::as_str).collect();
        nodes.sort();
        names.extend(nodes);
        names.join(",")
    }

    /// Evaluates a top-level expression; `None` after reporting an error.
    fn expr(&mut self, e: &Expr) -> Option<Val> {
        match e {
            Expr::Chain { .. } => self.chain(e),
            Expr::Ident(i) => {
                if i.name == "stream" {
                    return Some(Val::Node(0));
                }
                if i.name == "batch" {
                    // Already reported by the task-type check.
                    return None;
                }
                if let Some(v) = self.vars.get(&i.name) {
                    return Some(Val::Data(v.clone()));
                }
                if let Some(v) = self.node_vars.get(&i.name) {
                    return Some(v.clone());
                }
                let in_scope = self.names_in_scope();
                self.error(
                    i.span,
                    CompileError::Undefined {
                        name: i.name.clone(),
                        in_scope,
                    },
                );
                None
            }
            Expr::Reference(r) => Some(Val::Reference(r.name.clone())),
            Expr::Int { value, .. } => {
                Some(Val::Data(VarValue::Value(tick_lambda::Value::Int(*value))))
            }
            Expr::Float { value, .. } => Some(Val::Data(VarValue::Value(
                tick_lambda::Value::Float(*value),
            ))),
            Expr::Duration { nanos, .. } => Some(Val::Data(VarValue::Value(
                tick_lambda::Value::Duration(*nanos),
            ))),
            Expr::String { value, .. } => Some(Val::Data(VarValue::Value(
                tick_lambda::Value::String(value.clone()),
            ))),
            Expr::Bool { value, .. } => {
                Some(Val::Data(VarValue::Value(tick_lambda::Value::Bool(*value))))
            }
            Expr::Regex { pattern, span } => match tick_lambda::compile_regex(pattern) {
                Ok(re) => Some(Val::Data(VarValue::Value(tick_lambda::Value::Regex(
                    Arc::new(re),
                )))),
                Err(err) => {
                    self.error(
                        *span,
                        CompileError::Regex {
                            message: err.to_string(),
                        },
                    );
                    None
                }
            },
            Expr::Star { .. } => Some(Val::Data(VarValue::Star)),
            Expr::List { items, .. } => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.expr(item) {
                        Some(Val::Data(d)) => out.push(d),
                        Some(_) => {
                            self.error(item.span(), CompileError::BadListItem);
                            ok = false;
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(Val::Data(VarValue::List(out)))
            }
            Expr::Lambda { .. } => Some(Val::Data(VarValue::Lambda(e.clone()))),
            Expr::Unary { .. } | Expr::Binary { .. } => {
                match tick_lambda::eval_constant(e, &self.vars) {
                    Ok(v) => Some(Val::Data(VarValue::Value(v))),
                    Err(err) => {
                        self.diags
                            .push(Diagnostic::error(err.span, err.error.to_string()));
                        None
                    }
                }
            }
            Expr::Call(c) => {
                self.error(
                    c.name.span,
                    CompileError::TopLevelCall {
                        name: c.name.name.clone(),
                    },
                );
                None
            }
        }
    }

    /// Evaluates a chain iteratively (long chains must not recurse).
    fn chain(&mut self, e: &Expr) -> Option<Val> {
        let mut links: Vec<(ChainOp, &ast::Call, bool)> = Vec::new();
        let mut cur = e;
        while let Expr::Chain {
            op,
            left,
            call,
            property_read,
            ..
        } = cur
        {
            links.push((*op, call, *property_read));
            cur = left;
        }
        let mut val = self.expr(cur)?;
        for (op, call, property_read) in links.into_iter().rev() {
            let target = match val {
                Val::Node(n) | Val::Handler { node: n, .. } => Some(n),
                _ => None,
            };
            match self.link(val.clone(), op, call, property_read) {
                Some(v) => val = v,
                None => {
                    if let (ChainOp::Dot, Some(n)) = (op, target) {
                        // The node will not be built, but the rest of its chain is still
                        // checked, so that every error of the script is reported at once.
                        self.nodes[n].poisoned = true;
                        continue;
                    }
                    return None;
                }
            }
        }
        Some(val)
    }

    fn node_label(&self, idx: usize) -> &'static str {
        self.nodes.get(idx).map_or("node", |n| n.spec.method)
    }

    /// One `|x()`, `.x()` or `@x()` applied to `val`.
    ///
    /// Long because it is the one decision table of chaining: what each operator means on a
    /// node, on a handler and on a property, with Kapacitor's message for each wrong pairing,
    /// in one place rather than spread over helpers that each see part of it.
    fn link(
        &mut self,
        val: Val,
        op: ChainOp,
        call: &ast::Call,
        property_read: bool,
    ) -> Option<Val> {
        let name = call.name.name.as_str();
        let nspan = call.name.span;
        let (node, handler) = match val {
            Val::Node(n) => (n, None),
            Val::Handler { node, handler } => (node, Some(handler)),
            Val::Data(_) | Val::Reference(_) => {
                self.error(
                    nspan,
                    CompileError::NotANode {
                        name: name.to_string(),
                    },
                );
                return None;
            }
        };
        let spec = self.nodes[node].spec;
        let on = self.node_label(node);
        if property_read {
            self.error(
                nspan,
                CompileError::PropertyRead {
                    name: name.to_string(),
                    on,
                },
            );
            return None;
        }
        match op {
            ChainOp::Pipe => {
                if spec.has_chain(name) && same_method("deadman", name) {
                    return self.deadman(node, call, on);
                }
                if spec.has_chain(name) {
                    let Some(child) = nodes::by_method(name) else {
                        self.error(
                            nspan,
                            CompileError::NotSupported {
                                name: name.to_string(),
                            },
                        );
                        return None;
                    };
                    let site = CallSite::Node {
                        method: child.method,
                        on,
                    };
                    let args =
                        self.call_args(call, child.args, child.optional, child.variadic, site)?;
                    let idx = self.nodes.len();
                    let mut pn = PendingNode::new(child, Some(node), call.span);
                    pn.args = args;
                    self.nodes.push(pn);
                    return Some(Val::Node(idx));
                }
                if self.is_property(spec, name) {
                    self.error(
                        nspan,
                        CompileError::UseDot {
                            name: name.to_string(),
                            on,
                        },
                    );
                } else {
                    self.unknown(spec, name, nspan, on, None);
                }
                None
            }
            ChainOp::Dot => {
                // A property on both the handler and the alert goes to the handler: Kapacitor's
                // `getProperties` (tick/eval.go at v1.5.7) lets a handler's own field win over one
                // of the alert it embeds.
                if let Some(h) = handler {
                    let kind = self.nodes[node].handlers[h].kind.clone();
                    let hs = self.handlers.iter().find(|s| s.kind == kind).copied();
                    if let Some((hs, ps)) = hs.and_then(|hs| {
                        hs.properties
                            .iter()
                            .find(|p| same_method(p.name, name))
                            .map(|ps| (hs, ps))
                    }) {
                        {
                            let site = CallSite::Property {
                                name: ps.name,
                                on: hs.kind,
                            };
                            let args = self.literal_args(call, ps.args, ps.variadic, site)?;
                            self.nodes[node].handlers[h].properties.push(PropertyUse {
                                name: ps.name.to_string(),
                                args,
                                span: call.span,
                            });
                            return Some(Val::Handler { node, handler: h });
                        }
                    }
                }
                if same_method("quiet", name) || spec.property(name).is_some() {
                    let prop = spec.property(name).copied().unwrap_or(QUIET);
                    let site = CallSite::Property {
                        name: prop.name,
                        on,
                    };
                    let args =
                        self.call_args(call, prop.args, prop.optional, prop.variadic, site)?;
                    self.nodes[node].settings.push(Setting {
                        name: prop.name,
                        args,
                        span: call.span,
                    });
                    return Some(Val::Node(node));
                }
                let handler_spec = if spec.handlers {
                    self.handlers
                        .iter()
                        .find(|s| same_method(s.kind, name))
                        .copied()
                } else {
                    None
                };
                {
                    if let Some(hs) = handler_spec {
                        let site = CallSite::Property { name: hs.kind, on };
                        let args = self.literal_args(call, hs.args, hs.variadic, site)?;
                        let list = &mut self.nodes[node].handlers;
                        list.push(HandlerUse {
                            kind: hs.kind.to_string(),
                            args,
                            properties: Vec::new(),
                            span: call.span,
                        });
                        return Some(Val::Handler {
                            node,
                            handler: list.len() - 1,
                        });
                    }
                }
                if spec.has_chain(name) {
                    self.error(
                        nspan,
                        CompileError::UsePipe {
                            name: name.to_string(),
                            on,
                        },
                    );
                } else {
                    let kind = handler.map(|h| self.nodes[node].handlers[h].kind.clone());
                    self.unknown(spec, name, nspan, on, kind.as_deref());
                }
                None
            }
            ChainOp::At => {
                self.error(
                    nspan,
                    CompileError::Unknown {
                        name: name.to_string(),
                        on,
                        hint: String::new(),
                    },
                );
                None
            }
        }
    }

    /// `|deadman(threshold, interval[, lambda...])` (Kapacitor's `node.Deadman`, pipeline/node.go
    /// at v1.5.7): sugar for a `stats` source watching `node`, then
    /// `derivative('emitted').unit(interval).nonNegative()`, then an alert with crit
    /// `"emitted" <= threshold AND ...`, the deadman id and message. Returns the alert, so that its
    /// properties can follow.
    fn deadman(&mut self, node: usize, call: &ast::Call, on: &'static str) -> Option<Val> {
        let site = CallSite::Node {
            method: "deadman",
            on,
        };
        let args = self.call_args(
            call,
            &[Arg::FLOAT, Arg::DURATION],
            &[],
            Some(Arg::LAMBDA),
            site,
        )?;
        let (threshold, interval) = match (args.first(), args.get(1)) {
            (Some(t), Some(i)) => (t.clone(), i.clone()),
            _ => return None,
        };
        let (Value::Float(th), Value::Duration(every)) = (&threshold.value, &interval.value) else {
            return None;
        };
        let span = call.span;
        let extra: Vec<Expr> = call
            .args
            .iter()
            .skip(2)
            .filter_map(|a| match self.expr(a) {
                Some(Val::Data(VarValue::Lambda(Expr::Lambda { body, .. }))) => Some(*body),
                _ => None,
            })
            .collect();
        let crit = nodes::deadman::crit(*th, extra, span);
        let crit = match Lambda::compile(
            &Expr::Lambda {
                body: Box::new(crit),
                span,
            },
            &self.vars,
            &self.opts.lambda,
        ) {
            Ok(l) => l,
            Err(errs) => {
                for e in errs {
                    self.diags
                        .push(Diagnostic::error(e.span, e.error.to_string()));
                }
                return None;
            }
        };
        let watched = format!("{}{}", self.nodes[node].spec.kind, node);
        let every_text = tick_lambda::Value::Duration(*every).to_string();
        let setting = |name: &'static str, value: Value| Setting {
            name,
            args: vec![ArgValue::new(value, span)],
            span,
        };
        let stats_idx = self.nodes.len();
        let mut stats = PendingNode::new(&nodes::deadman::SPEC, None, span);
        stats.args = vec![interval.clone()];
        stats.watches = Some(node);
        self.nodes.push(stats);
        let mut derivative = PendingNode::new(&nodes::derivative::SPEC, Some(stats_idx), span);
        derivative.args = vec![ArgValue::new(Value::String("emitted".to_string()), span)];
        derivative.settings = vec![
            setting("unit", interval.value.clone()),
            Setting {
                name: "nonNegative",
                args: Vec::new(),
                span,
            },
        ];
        self.nodes.push(derivative);
        let alert_idx = self.nodes.len();
        let mut alert = PendingNode::new(&crate::alert::SPEC, Some(stats_idx + 1), span);
        alert.settings = vec![
            setting("crit", Value::Lambda(crit)),
            setting("id", Value::String(nodes::deadman::id(&watched))),
            setting(
                "message",
                Value::String(nodes::deadman::message(&every_text)),
            ),
        ];
        self.nodes.push(alert);
        Some(Val::Node(alert_idx))
    }

    fn is_property(&self, spec: &NodeSpec, name: &str) -> bool {
        same_method("quiet", name)
            || spec.property(name).is_some()
            || (spec.handlers && self.handlers.iter().any(|h| same_method(h.kind, name)))
    }

    /// `handler`: the kind of the handler object the call was made on, whose properties are
    /// candidates for the hint too.
    fn unknown(
        &mut self,
        spec: &NodeSpec,
        name: &str,
        span: Span,
        on: &'static str,
        handler: Option<&str>,
    ) {
        let mut candidates: Vec<(&str, char)> =
            spec.properties.iter().map(|p| (p.name, '.')).collect();
        if let Some(hs) = handler.and_then(|k| self.handlers.iter().find(|s| s.kind == k)) {
            candidates.extend(hs.properties.iter().map(|p| (p.name, '.')));
        }
        candidates.push(("quiet", '.'));
        if spec.handlers {
            candidates.extend(self.handlers.iter().map(|h| (h.kind, '.')));
        }
        candidates.extend(spec.chains.iter().map(|c| (*c, '|')));
        // A handler's property on the alert itself (`.qos(1)` without `.mqtt()` before it, or
        // after another handler) is best answered with its owner, not with a look-alike name.
        let owners: Vec<&str> = if spec.handlers {
            self.handlers
                .iter()
                .filter(|h| h.properties.iter().any(|p| same_method(p.name, name)))
                .map(|h| h.kind)
                .collect()
        } else {
            Vec::new()
        };
        let hint = if owners.is_empty() {
            messages::did_you_mean(name, &candidates)
        } else {
            messages::property_of(name, &owners)
        };
        self.error(
            span,
            CompileError::Unknown {
                name: name.to_string(),
                on,
                hint,
            },
        );
    }

    /// Checks and converts the arguments of a node or property call.
    fn call_args(
        &mut self,
        call: &ast::Call,
        args: &[Arg],
        optional: &[Arg],
        variadic: Option<Arg>,
        site: CallSite,
    ) -> Option<Vec<ArgValue>> {
        // Lists are expanded into variadic positions (`groupBy(tags)` with `var tags = [...]`).
        let mut values: Vec<(Val, Span)> = Vec::new();
        let mut ok = true;
        for a in &call.args {
            match self.expr(a) {
                Some(Val::Data(VarValue::List(items))) if variadic.is_some() => {
                    values.extend(items.into_iter().map(|d| (Val::Data(d), a.span())));
                }
                Some(v) => values.push((v, a.span())),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let max = args.len() + optional.len();
        if variadic.is_none() && values.len() > max {
            self.error(call.span, CompileError::TooManyArgs { site });
            return None;
        }
        if values.len() < args.len() {
            self.error(
                call.span,
                CompileError::TooFewArgs {
                    site,
                    want: args.len(),
                    got: values.len(),
                },
            );
            return None;
        }
        let mut out = Vec::with_capacity(values.len());
        for (i, (v, span)) in values.into_iter().enumerate() {
            let Some(want) = want_arg(args, optional, variadic, i) else {
                continue;
            };
            let cmp = match (&v, want) {
                (Val::Data(VarValue::Lambda(body)), Arg::T(ArgType::Lambda)) => {
                    crate::node_props::FieldCmp::from_lambda(body)
                }
                _ => None,
            };
            match self.convert(v, want, span, site) {
                Some(value) => out.push(ArgValue { value, span, cmp }),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// One argument value against its declared type, strictly (Kapacitor sets properties by Go
    /// reflection, which converts nothing: `evalFunc`, tick/eval.go at v1.5.7).
    fn convert(&mut self, v: Val, want: Arg, span: Span, site: CallSite) -> Option<Value> {
        use tick_lambda::Value as L;
        let got = match &v {
            Val::Reference(_) => {
                if matches!(want, Arg::T(ArgType::String) | Arg::StringOrStar | Arg::Any) {
                    self.error(span, CompileError::ReferenceForString);
                    return None;
                }
                "reference"
            }
            Val::Node(_) | Val::Handler { .. } => "node",
            Val::Data(VarValue::Lambda(_)) => "lambda",
            Val::Data(VarValue::List(_)) => "list",
            Val::Data(VarValue::Star) => "star",
            Val::Data(VarValue::Value(x)) => x.type_name(),
        };
        let value = match (want, v) {
            (Arg::T(ArgType::Lambda), Val::Data(VarValue::Lambda(body))) => {
                return match Lambda::compile(&body, &self.vars, &self.opts.lambda) {
                    Ok(l) => Some(Value::Lambda(l)),
                    Err(errs) => {
                        for e in errs {
                            self.diags
                                .push(Diagnostic::error(e.span, e.error.to_string()));
                        }
                        None
                    }
                };
            }
            (Arg::T(ArgType::Star) | Arg::StringOrStar | Arg::Any, Val::Data(VarValue::Star)) => {
                Some(Value::Star)
            }
            (
                Arg::T(ArgType::String) | Arg::StringOrStar | Arg::Any,
                Val::Data(VarValue::Value(L::String(s))),
            ) => Some(Value::String(s)),
            (Arg::T(ArgType::Int) | Arg::Any, Val::Data(VarValue::Value(L::Int(i)))) => {
                Some(Value::Int(i))
            }
            (Arg::T(ArgType::Float) | Arg::Any, Val::Data(VarValue::Value(L::Float(f)))) => {
                Some(Value::Float(f))
            }
            (Arg::T(ArgType::Bool) | Arg::Any, Val::Data(VarValue::Value(L::Bool(b)))) => {
                Some(Value::Bool(b))
            }
            (
                Arg::T(ArgType::Duration) | Arg::Any | Arg::IntOrDuration,
                Val::Data(VarValue::Value(L::Duration(d))),
            ) => Some(Value::Duration(d)),
            (Arg::IntOrDuration, Val::Data(VarValue::Value(L::Int(i)))) => Some(Value::Int(i)),
            _ => None,
        };
        if value.is_none() && want == Arg::IntOrDuration {
            // `newSampleNode` (pipeline/sample.go at v1.5.7) panics with this message.
            self.error(
                span,
                CompileError::Refused {
                    site,
                    message: "must pass int64 or duration to new sample node",
                },
            );
            return None;
        }
        if value.is_none() {
            self.error(
                span,
                CompileError::ArgType {
                    site,
                    got,
                    want: messages::arg_name(want),
                },
            );
        }
        value
    }

    /// Arguments of handler methods and handler properties, as literals.
    fn literal_args(
        &mut self,
        call: &ast::Call,
        args: &[ArgType],
        variadic: Option<ArgType>,
        site: CallSite,
    ) -> Option<Vec<Literal>> {
        let arg = |t: ArgType| match t {
            ArgType::Any => Arg::Any,
            t => Arg::T(t),
        };
        let want: Vec<Arg> = args.iter().map(|t| arg(*t)).collect();
        let vals = self.call_args(call, &want, &[], variadic.map(arg), site)?;
        let mut out = Vec::with_capacity(vals.len());
        for a in vals {
            out.push(match a.value {
                Value::String(s) => Literal::String(s),
                Value::Int(i) => Literal::Int(i),
                Value::Float(f) => Literal::Float(f),
                Value::Bool(b) => Literal::Bool(b),
                Value::Duration(d) => Literal::Duration(d),
                Value::Lambda(_) | Value::Star => {
                    self.error(
                        a.span,
                        CompileError::ArgType {
                            site,
                            got: "lambda",
                            want: "literal",
                        },
                    );
                    return None;
                }
            });
        }
        Some(out)
    }
}

fn want_arg(args: &[Arg], optional: &[Arg], variadic: Option<Arg>, i: usize) -> Option<Arg> {
    if let Some(a) = args.get(i) {
        return Some(*a);
    }
    if let Some(a) = optional.get(i - args.len()) {
        return Some(*a);
    }
    variadic
}

const QUIET: NodeProperty = NodeProperty::flag("quiet", "Suppress this node's error logging.");

/// Where an argument was passed, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallSite {
    /// `|window(...)` on `on`.
    Node {
        method: &'static str,
        on: &'static str,
    },
    /// `.period(...)` on `on`.
    Property {
        name: &'static str,
        on: &'static str,
    },
}

#[cfg(test)]
mod tests;
