//! Rendering a parsed template against caller data (Go `text/template/exec` semantics):
//! field chains, methods on times and durations, function calls, control flow, variables,
//! and Go's execution error texts. Writes straight into the caller's buffer.

use std::borrow::Cow;
use std::fmt::Display;

use crate::Template;
use crate::ast::{Arg, Branch, Command, Func, List, Node, NumberKind, Pipe};
use crate::builtins::Builtin;
use crate::error::{ExecError, line_col};
use crate::funcs::Funcs;
use crate::gofmt::{self, write_v};
use crate::html::Escaper;
use crate::value::{GoTime, Value};

/// Total range iterations allowed in one render (a guard against `{{ range 1000000000 }}`).
const MAX_ITERATIONS: usize = 1_000_000;
/// Largest output of one render.
const MAX_OUTPUT: usize = 16 << 20;
/// Total bytes that function calls may produce in one render, printed or not.
const MAX_PRODUCED: usize = 4 * MAX_OUTPUT;

struct Fail {
    pos: usize,
    context: String,
    message: String,
}

type R<T> = Result<T, Box<Fail>>;

fn fail<T>(pos: usize, node: &dyn Display, message: String) -> R<T> {
    Err(Box::new(Fail {
        pos,
        context: node.to_string(),
        message,
    }))
}

enum Flow {
    Normal,
    Break,
    Continue,
}

struct State<'t, 'a> {
    funcs: &'t dyn Funcs,
    root: Value<'a>,
    /// Variables; slot `n` lives at `vars[n - 1]` (slot 0 is the root, `$`).
    vars: Vec<Value<'a>>,
    iterations: usize,
    produced: usize,
    /// Declared element type of the map the current receiver came from: Go names that type
    /// (`interface {}` for Fields) in `can't evaluate field` errors.
    elem_type: Option<String>,
    /// Buffers for the intermediate results of an action's html/template escapers.
    scratch: (String, String),
}

/// Renders `root`, the tree of `t` (escaped for html/template or not).
pub(crate) fn render<'a>(
    t: &Template,
    root: &'a List,
    data: &'a dyn crate::value::Object,
    funcs: &dyn Funcs,
    out: &mut String,
) -> Result<(), ExecError> {
    let mut st = State {
        funcs,
        root: Value::Object(data),
        vars: Vec::new(),
        iterations: 0,
        produced: 0,
        elem_type: None,
        scratch: (String::new(), String::new()),
    };
    let dot = st.root.clone();
    match st.walk(&dot, root, out) {
        Ok(_) => Ok(()),
        Err(f) => {
            let (line, col) = line_col(&t.src, f.pos);
            Err(ExecError {
                name: t.name.clone(),
                offset: f.pos,
                line,
                col,
                context: f.context,
                message: f.message,
                escape: false,
            })
        }
    }
}

impl<'a> State<'_, 'a> {
    fn var(&self, slot: usize) -> Value<'a> {
        match slot {
            0 => self.root.clone(),
            n => self.vars.get(n - 1).cloned().unwrap_or(Value::NoValue),
        }
    }

    fn set_var(&mut self, slot: usize, v: Value<'a>) {
        match slot {
            0 => self.root = v,
            n => {
                if let Some(x) = self.vars.get_mut(n - 1) {
                    *x = v;
                }
            }
        }
    }

    fn produce(&mut self, n: usize, cmd: &Command) -> R<()> {
        self.produced += n;
        if self.produced > MAX_PRODUCED {
            return fail(
                cmd.pos,
                cmd,
                format!("functions produced more than {MAX_PRODUCED} bytes"),
            );
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value<'a>, list: &'a List, out: &mut String) -> R<Flow> {
        for node in list {
            match node {
                Node::Text(s) => out.push_str(s),
                Node::Action(pipe, chain) => {
                    // Fast path for the common `{{ .A.B }}`: plain field and key lookups.
                    if let Some(v) = simple_field(dot, pipe) {
                        self.print(&v, chain, out);
                        continue;
                    }
                    let v = self.pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        self.print(&v, chain, out);
                    }
                }
                Node::If(b) | Node::With(b) => {
                    let is_with = matches!(node, Node::With(_));
                    let v = self.pipeline(dot, &b.pipe)?;
                    let flow = if v.is_true() {
                        if is_with {
                            self.walk(&v, &b.list, out)?
                        } else {
                            self.walk(dot, &b.list, out)?
                        }
                    } else if let Some(e) = &b.else_list {
                        self.walk(dot, e, out)?
                    } else {
                        Flow::Normal
                    };
                    self.vars.truncate(b.vars_before.saturating_sub(1));
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range(r) => {
                    let flow = self.range(dot, &r.branch, out)?;
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Break(_) => return Ok(Flow::Break),
                Node::Continue(_) => return Ok(Flow::Continue),
            }
            if out.len() > MAX_OUTPUT {
                return fail(0, &"", format!("output exceeds {MAX_OUTPUT} bytes"));
            }
        }
        Ok(Flow::Normal)
    }

    /// Prints an action's value: as text/template prints it, or through the escapers
    /// html/template gave the action.
    fn print(&mut self, v: &Value<'a>, chain: &[Escaper], out: &mut String) {
        match chain {
            [] => match v {
                Value::Str(s) => out.push_str(s),
                Value::NoValue => out.push_str("<no value>"),
                other => write_v(out, other, 0),
            },
            [only] => only.apply_value(v, out),
            [first, rest @ .., last] => {
                // Intermediate results go through two buffers kept for the whole render.
                let (mut cur, mut next) = std::mem::take(&mut self.scratch);
                cur.clear();
                first.apply_value(v, &mut cur);
                for e in rest {
                    next.clear();
                    e.apply(&cur, &mut next);
                    std::mem::swap(&mut cur, &mut next);
                }
                last.apply(&cur, out);
                self.scratch = (cur, next);
            }
        }
    }

    fn range(&mut self, dot: &Value<'a>, b: &'a Branch, out: &mut String) -> R<Flow> {
        let val = self.commands(dot, &b.pipe)?;
        let mark = self.vars.len();
        if !b.pipe.is_assign {
            for _ in &b.pipe.decl {
                self.vars.push(val.clone());
            }
        }
        let ndecl = if b.pipe.is_assign {
            0
        } else {
            b.pipe.decl.len()
        };
        let decl = &b.pipe.decl;
        let mut ran = false;
        let mut body = |st: &mut Self, key: Value<'a>, elem: Value<'a>| -> R<bool> {
            st.iterations += 1;
            if st.iterations > MAX_ITERATIONS {
                return fail(
                    b.pipe.pos,
                    &b.pipe,
                    format!("range exceeds {MAX_ITERATIONS} iterations"),
                );
            }
            match decl.as_slice() {
                [v] => st.set_var(v.slot, elem.clone()),
                [k, v] => {
                    st.set_var(k.slot, key);
                    st.set_var(v.slot, elem.clone());
                }
                _ => {}
            }
            let flow = st.walk(&elem, &b.list, out)?;
            st.vars.truncate(mark + ndecl);
            Ok(!matches!(flow, Flow::Break))
        };
        match &val {
            Value::Map(m) => {
                for (k, v) in m.entries_sorted() {
                    ran = true;
                    if !body(self, Value::Str(Cow::Borrowed(k)), v.clone())? {
                        break;
                    }
                }
            }
            Value::List(l) => {
                for i in 0..l.len() {
                    ran = true;
                    let elem = l.get(i).unwrap_or(Value::NoValue);
                    if !body(self, Value::GoInt(i as i64), elem)? {
                        break;
                    }
                }
            }
            Value::Int(n) | Value::GoInt(n) => {
                if decl.len() > 1 {
                    return fail(
                        b.pipe.pos,
                        &b.pipe,
                        "can't use int to iterate over more than one variable".into(),
                    );
                }
                let n = *n;
                let mut i = 0;
                while i < n {
                    ran = true;
                    let v = if let Value::Int(_) = val {
                        Value::Int(i)
                    } else {
                        Value::GoInt(i)
                    };
                    if !body(self, v.clone(), v)? {
                        break;
                    }
                    i += 1;
                }
            }
            Value::NoValue => {}
            other => {
                let mut s = String::new();
                write_v(&mut s, other, 0);
                return fail(b.pipe.pos, &b.pipe, format!("range can't iterate over {s}"));
            }
        }
        let flow = if !ran {
            match &b.else_list {
                Some(e) => self.walk(dot, e, out)?,
                None => Flow::Normal,
            }
        } else {
            Flow::Normal
        };
        self.vars.truncate(b.vars_before.saturating_sub(1));
        Ok(match flow {
            // break/continue inside the else branch belong to an outer range.
            Flow::Break => Flow::Break,
            Flow::Continue => Flow::Continue,
            Flow::Normal => Flow::Normal,
        })
    }

    /// Evaluates the commands of a pipeline, without its declarations.
    fn commands(&mut self, dot: &Value<'a>, pipe: &'a Pipe) -> R<Value<'a>> {
        let mut value: Option<Value<'a>> = None;
        for cmd in &pipe.cmds {
            value = Some(self.command(dot, cmd, value)?);
        }
        Ok(value.unwrap_or(Value::NoValue))
    }

    fn pipeline(&mut self, dot: &Value<'a>, pipe: &'a Pipe) -> R<Value<'a>> {
        let v = self.commands(dot, pipe)?;
        for d in &pipe.decl {
            if pipe.is_assign {
                self.set_var(d.slot, v.clone());
            } else {
                // Declarations always extend the stack; the parser gave them the next slot.
                while self.vars.len() + 1 < d.slot {
                    self.vars.push(Value::NoValue);
                }
                self.vars.truncate(d.slot - 1);
                self.vars.push(v.clone());
            }
        }
        Ok(v)
    }

    fn not_a_function(&self, cmd: &Command, final_: &Option<Value<'a>>) -> R<()> {
        if cmd.args.len() > 1 || final_.is_some() {
            let first = &cmd.args[0];
            return fail(
                first.pos(),
                first,
                format!("can't give argument to non-function {first}"),
            );
        }
        Ok(())
    }

    fn command(
        &mut self,
        dot: &Value<'a>,
        cmd: &'a Command,
        final_: Option<Value<'a>>,
    ) -> R<Value<'a>> {
        let first = &cmd.args[0];
        match first {
            Arg::Field(pos, names) => {
                self.field_chain(dot, dot.clone(), first, *pos, names, &cmd.args, final_)
            }
            Arg::Chain(pos, inner, names) => {
                if let Arg::Nil(_) = inner.as_ref() {
                    return fail(
                        *pos,
                        first,
                        format!("indirection through explicit nil in {first}"),
                    );
                }
                let recv = self.arg(dot, inner)?;
                self.field_chain(dot, recv, first, *pos, names, &cmd.args, final_)
            }
            Arg::Func(pos, f) => self.function(dot, f, *pos, cmd, &cmd.args[1..], final_),
            Arg::Pipe(_, p) => {
                self.not_a_function(cmd, &final_)?;
                self.pipeline(dot, p)
            }
            Arg::Variable(pos, v, names) => {
                let value = self.var(v.slot);
                if names.is_empty() {
                    self.not_a_function(cmd, &final_)?;
                    return Ok(value);
                }
                self.field_chain(dot, value, first, *pos, names, &cmd.args, final_)
            }
            _ => {
                self.not_a_function(cmd, &final_)?;
                match first {
                    Arg::Nil(pos) => fail(*pos, first, "nil is not a command".into()),
                    other => self.arg(dot, other),
                }
            }
        }
    }

    /// Evaluates an argument as Go passes it to an `interface{}` parameter.
    fn arg(&mut self, dot: &Value<'a>, a: &'a Arg) -> R<Value<'a>> {
        match a {
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => Ok(Value::NoValue),
            Arg::Field(pos, names) => self.field_chain(
                dot,
                dot.clone(),
                a,
                *pos,
                names,
                std::slice::from_ref(a),
                None,
            ),
            Arg::Variable(pos, v, names) => {
                let value = self.var(v.slot);
                if names.is_empty() {
                    return Ok(value);
                }
                self.field_chain(dot, value, a, *pos, names, std::slice::from_ref(a), None)
            }
            Arg::Chain(pos, inner, names) => {
                if let Arg::Nil(_) = inner.as_ref() {
                    return fail(*pos, a, format!("indirection through explicit nil in {a}"));
                }
                let recv = self.arg(dot, inner)?;
                self.field_chain(dot, recv, a, *pos, names, std::slice::from_ref(a), None)
            }
            Arg::Pipe(_, p) => self.pipeline(dot, p),
            Arg::Func(pos, f) => {
                let cmd = Command {
                    pos: *pos,
                    args: vec![a.clone()],
                };
                self.function(dot, f, *pos, &cmd, &[], None)
            }
            Arg::Bool(_, b) => Ok(Value::Bool(*b)),
            Arg::Number(pos, n) => match n.kind {
                NumberKind::Int(i) => Ok(Value::GoInt(i)),
                NumberKind::Float(f) => Ok(Value::Float(f)),
                NumberKind::Overflow => fail(*pos, a, format!("{} overflows int", n.text)),
            },
            Arg::Str(_, _, s) => Ok(Value::Str(Cow::Borrowed(s))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field_chain(
        &mut self,
        dot: &Value<'a>,
        mut recv: Value<'a>,
        node: &Arg,
        pos: usize,
        names: &[String],
        args: &'a [Arg],
        final_: Option<Value<'a>>,
    ) -> R<Value<'a>> {
        let n = names.len();
        for name in &names[..n.saturating_sub(1)] {
            let from_map = map_elem_type(&recv);
            recv = self.field(dot, name, node, pos, &args[..0], None, recv)?;
            self.elem_type = from_map;
        }
        let result = match names.last() {
            Some(name) => self.field(dot, name, node, pos, args, final_, recv),
            None => Ok(recv),
        };
        self.elem_type = None;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        dot: &Value<'a>,
        name: &str,
        node: &Arg,
        pos: usize,
        args: &'a [Arg],
        final_: Option<Value<'a>>,
        recv: Value<'a>,
    ) -> R<Value<'a>> {
        let has_args = args.len() > 1 || final_.is_some();
        match &recv {
            Value::NoValue => Ok(Value::NoValue),
            Value::Time(t) if is_time_method(name) => {
                let a = self.method_args(dot, name, node, pos, args, final_, time_arity(name))?;
                time_method(t, name, &a).or_else(|m| fail(pos, node, m))
            }
            Value::Duration(d) if is_duration_method(name) => {
                let a =
                    self.method_args(dot, name, node, pos, args, final_, duration_arity(name))?;
                duration_method(*d, name, &a).or_else(|m| fail(pos, node, m))
            }
            Value::Object(o) => match o.field(name) {
                Some(v) => {
                    if has_args {
                        return fail(
                            pos,
                            node,
                            format!("{name} has arguments but cannot be invoked as function"),
                        );
                    }
                    Ok(v)
                }
                None => fail(
                    pos,
                    node,
                    format!("can't evaluate field {name} in type {}", o.type_name()),
                ),
            },
            Value::Map(m) => {
                if has_args {
                    return fail(
                        pos,
                        node,
                        format!("{name} is not a method but has arguments"),
                    );
                }
                Ok(m.get(name).unwrap_or(Value::NoValue))
            }
            other => fail(
                pos,
                node,
                format!(
                    "can't evaluate field {name} in type {}",
                    self.elem_type.as_deref().unwrap_or(other.type_name())
                ),
            ),
        }
    }

    /// Evaluates a method's arguments (`args[0]` is the method's own node) plus the piped value,
    /// checking the count.
    #[allow(clippy::too_many_arguments)]
    fn method_args(
        &mut self,
        dot: &Value<'a>,
        name: &str,
        node: &Arg,
        pos: usize,
        args: &'a [Arg],
        final_: Option<Value<'a>>,
        want: usize,
    ) -> R<Vec<Value<'a>>> {
        let given = args.len().saturating_sub(1) + usize::from(final_.is_some());
        if given != want {
            return fail(
                pos,
                node,
                format!("wrong number of args for {name}: want {want} got {given}"),
            );
        }
        let mut out = Vec::with_capacity(want);
        for a in args.iter().skip(1) {
            out.push(self.arg(dot, a)?);
        }
        out.extend(final_);
        Ok(out)
    }

    // Long because it is one match over the function called, a custom one or each builtin
    // with Go's argument checks and messages (text/template/exec.go `evalCall`, funcs.go).
    fn function(
        &mut self,
        dot: &Value<'a>,
        f: &Func,
        pos: usize,
        cmd: &Command,
        args: &'a [Arg],
        final_: Option<Value<'a>>,
    ) -> R<Value<'a>> {
        let name = f.name();
        let given = args.len() + usize::from(final_.is_some());
        let ident = &cmd.args[0];
        match f {
            Func::Custom(name) => {
                let mut vals = Vec::with_capacity(given);
                for a in args {
                    vals.push(self.arg(dot, a)?);
                }
                vals.extend(final_);
                match self.funcs.call(name, &vals) {
                    Ok(v) => Ok(v),
                    Err(m) => fail(cmd.pos, cmd, format!("error calling {name}: {m}")),
                }
            }
            Func::Builtin(b, _) => {
                let (fixed, variadic) = b.arity();
                if variadic && given < fixed {
                    return fail(
                        pos,
                        ident,
                        format!(
                            "wrong number of args for {name}: want at least {fixed} got {given}"
                        ),
                    );
                }
                if !variadic && given != fixed {
                    return fail(
                        pos,
                        ident,
                        format!("wrong number of args for {name}: want {fixed} got {given}"),
                    );
                }
                match b {
                    Builtin::And | Builtin::Or => {
                        let want = *b == Builtin::Or;
                        let mut v = Value::NoValue;
                        for a in args {
                            v = self.arg(dot, a)?;
                            if v.is_true() == want {
                                return Ok(v);
                            }
                        }
                        if let Some(f) = final_ {
                            v = f;
                        }
                        Ok(v)
                    }
                    Builtin::Printf => {
                        let mut vals = Vec::with_capacity(given);
                        for (i, a) in args.iter().enumerate() {
                            let v = self.arg(dot, a)?;
                            if i == 0 && !matches!(v, Value::Str(_)) {
                                return fail(a.pos(), a, format_type_error(a, &v));
                            }
                            vals.push(v);
                        }
                        if let Some(f) = final_ {
                            if vals.is_empty() && !matches!(f, Value::Str(_)) {
                                let msg = match &f {
                                    Value::NoValue => "invalid value; expected string".to_owned(),
                                    other => format!(
                                        "wrong type for value; expected string; got {}",
                                        other.type_name()
                                    ),
                                };
                                return fail(pos, ident, msg);
                            }
                            vals.push(f);
                        }
                        let mut s = String::new();
                        if let Some((Value::Str(fmt), rest)) = vals.split_first() {
                            gofmt::sprintf(&mut s, fmt, rest);
                        }
                        self.produce(s.len(), cmd)?;
                        Ok(Value::Str(Cow::Owned(s)))
                    }
                    Builtin::Call => {
                        let v = match args.first() {
                            Some(a) => self.arg(dot, a)?,
                            None => final_.clone().unwrap_or(Value::NoValue),
                        };
                        let msg = match v {
                            Value::NoValue => "call of nil".to_owned(),
                            other => {
                                let what =
                                    args.first().map(ToString::to_string).unwrap_or_default();
                                format!("non-function {what} of type {}", other.type_name())
                            }
                        };
                        fail(cmd.pos, cmd, format!("error calling call: {msg}"))
                    }
                    _ => {
                        let mut vals = Vec::with_capacity(given);
                        for a in args {
                            vals.push(self.arg(dot, a)?);
                        }
                        vals.extend(final_);
                        match b.call(&vals) {
                            Ok(v) => {
                                if let Value::Str(Cow::Owned(s)) = &v {
                                    self.produce(s.len(), cmd)?;
                                }
                                Ok(v)
                            }
                            Err(m) => fail(cmd.pos, cmd, format!("error calling {name}: {m}")),
                        }
                    }
                }
            }
        }
    }
}

/// The element type of a map value (`map[string]interface {}` → `interface {}`).
fn map_elem_type(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Map(m) => m
            .type_name()
            .split_once(']')
            .map(|(_, elem)| elem.to_owned()),
        _ => None,
    }
}

/// `{{ .A.B }}` through structs and maps only; `None` sends anything else (methods, errors,
/// pipelines) down the general path.
fn simple_field<'a>(dot: &Value<'a>, pipe: &Pipe) -> Option<Value<'a>> {
    if !pipe.decl.is_empty() || pipe.cmds.len() != 1 {
        return None;
    }
    let [Arg::Field(_, names)] = pipe.cmds[0].args.as_slice() else {
        return None;
    };
    let mut names = names.iter();
    let first = names.next()?;
    let mut v = match dot {
        Value::Object(o) => o.field(first)?,
        Value::Map(m) => m.get(first).unwrap_or(Value::NoValue),
        _ => return None,
    };
    for name in names {
        v = match v {
            Value::Object(o) => o.field(name)?,
            Value::Map(m) => m.get(name).unwrap_or(Value::NoValue),
            Value::NoValue => Value::NoValue,
            _ => return None,
        };
    }
    Some(v)
}

/// Go's message for a non-string `printf` format argument.
fn format_type_error(a: &Arg, v: &Value<'_>) -> String {
    match a {
        Arg::Number(..) | Arg::Bool(..) | Arg::Nil(_) => format!("expected string; found {a}"),
        _ => match v {
            Value::NoValue => "invalid value; expected string".to_owned(),
            other => format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            ),
        },
    }
}

fn is_time_method(name: &str) -> bool {
    matches!(
        name,
        "Format"
            | "Unix"
            | "UnixNano"
            | "UnixMilli"
            | "UnixMicro"
            | "String"
            | "Year"
            | "Month"
            | "Day"
            | "Hour"
            | "Minute"
            | "Second"
            | "Nanosecond"
            | "YearDay"
            | "Weekday"
            | "UTC"
            | "IsZero"
    )
}

fn time_arity(name: &str) -> usize {
    usize::from(name == "Format")
}

fn time_method<'a>(t: &GoTime, name: &str, args: &[Value<'a>]) -> Result<Value<'a>, String> {
    let civil_field = |layout: &str| {
        let mut s = String::new();
        gofmt::format_time(&mut s, t, layout);
        s
    };
    let num = |layout: &str| civil_field(layout).trim().parse::<i64>().unwrap_or(0);
    Ok(match name {
        "Format" => match &args[0] {
            Value::Str(layout) => {
                let mut s = String::new();
                gofmt::format_time(&mut s, t, layout);
                Value::Str(Cow::Owned(s))
            }
            Value::NoValue => return Err("invalid value; expected string".into()),
            other => {
                return Err(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                ));
            }
        },
        "Unix" => Value::Int(t.unix()),
        "UnixNano" => Value::Int(t.unix_nanos),
        "UnixMilli" => Value::Int(t.unix_nanos.div_euclid(1_000_000)),
        "UnixMicro" => Value::Int(t.unix_nanos.div_euclid(1_000)),
        "String" => {
            let mut s = String::new();
            gofmt::write_time(&mut s, t);
            Value::Str(Cow::Owned(s))
        }
        "Year" => Value::GoInt(num("2006")),
        "Month" => Value::Str(Cow::Owned(civil_field("January"))),
        "Day" => Value::GoInt(num("2")),
        "Hour" => Value::GoInt(num("15")),
        "Minute" => Value::GoInt(num("4")),
        "Second" => Value::GoInt(num("5")),
        "Nanosecond" => Value::GoInt(t.unix_nanos.rem_euclid(1_000_000_000)),
        "YearDay" => Value::GoInt(num("002")),
        "Weekday" => Value::Str(Cow::Owned(civil_field("Monday"))),
        "UTC" => Value::Time(GoTime::utc(t.unix_nanos)),
        "IsZero" => Value::Bool(false),
        _ => Value::NoValue,
    })
}

fn is_duration_method(name: &str) -> bool {
    matches!(
        name,
        "Seconds"
            | "Minutes"
            | "Hours"
            | "Nanoseconds"
            | "Microseconds"
            | "Milliseconds"
            | "String"
            | "Abs"
            | "Round"
            | "Truncate"
    )
}

fn duration_arity(name: &str) -> usize {
    usize::from(matches!(name, "Round" | "Truncate"))
}

fn duration_method<'a>(d: i64, name: &str, args: &[Value<'a>]) -> Result<Value<'a>, String> {
    // Go splits whole and fractional seconds to keep precision.
    let secs = |unit: i64| (d / unit) as f64 + (d % unit) as f64 / unit as f64;
    Ok(match name {
        "Seconds" => Value::Float(secs(1_000_000_000)),
        "Minutes" => Value::Float(secs(60_000_000_000)),
        "Hours" => Value::Float(secs(3_600_000_000_000)),
        "Nanoseconds" => Value::Int(d),
        "Microseconds" => Value::Int(d / 1_000),
        "Milliseconds" => Value::Int(d / 1_000_000),
        "String" => {
            let mut s = String::new();
            gofmt::write_duration(&mut s, d);
            Value::Str(Cow::Owned(s))
        }
        "Abs" => Value::Duration(if d == i64::MIN { i64::MAX } else { d.abs() }),
        "Round" | "Truncate" => {
            let m = match &args[0] {
                Value::Duration(m) | Value::Int(m) | Value::GoInt(m) => *m,
                other => {
                    return Err(format!(
                        "wrong type for value; expected time.Duration; got {}",
                        other.type_name()
                    ));
                }
            };
            Value::Duration(if m <= 0 {
                d
            } else if name == "Truncate" {
                d - d % m
            } else {
                round_duration(d, m)
            })
        }
        _ => Value::NoValue,
    })
}

fn round_duration(d: i64, m: i64) -> i64 {
    // Go compares `r + r < m` in unsigned arithmetic so it cannot overflow.
    let less_than_half = |r: i64| (r as u64).wrapping_add(r as u64) < m as u64;
    let r = d % m;
    if d < 0 {
        let r = -r;
        if less_than_half(r) {
            return d + r;
        }
        d.checked_sub(m - r).unwrap_or(i64::MIN)
    } else {
        if less_than_half(r) {
            return d - r;
        }
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}
