//! Go `text/template` (and `html/template` in HTML text context) for alert templates, plus Go's
//! value formatting (<https://pkg.go.dev/text/template>, <https://pkg.go.dev/html/template>,
//! <https://pkg.go.dev/fmt>, <https://pkg.go.dev/encoding/json>). Knows Go templates, not alerts:
//! callers expose their data through [`Object`] and [`Map`], so nothing is converted per render.
//!
//! A template is parsed once and rendered many times into a reused buffer:
//!
//! ```
//! use tick_gotemplate::{FuncSet, Object, Template, Value};
//!
//! struct Data;
//! impl Object for Data {
//!     fn field(&self, name: &str) -> Option<Value<'_>> {
//!         match name {
//!             "Name" => Some(Value::str("cpu")),
//!             "Level" => Some(Value::str("CRITICAL")),
//!             _ => None,
//!         }
//!     }
//!     fn type_name(&self) -> &str {
//!         "alert.messageInfo"
//!     }
//! }
//!
//! let t = Template::parse("message", "{{ .Name }} is {{ .Level }}", &FuncSet::new()).unwrap();
//! let mut out = String::new();
//! t.render(&Data, &mut out).unwrap();
//! assert_eq!(out, "cpu is CRITICAL");
//! ```
//!
//! Extra functions (Kapacitor's `json`, `jsonCompact`) are declared by name in a [`FuncSet`] at
//! parse time and implemented by a [`Funcs`] passed to [`Template::render_with`]; they receive
//! the evaluated arguments, including [`Value::Object`] for `.`.
//!
//! [`gofmt`] holds Go's value formatting for use outside templates: `%v` floats, JSON numbers
//! and strings, RFC 3339 times, `Time.String()`, `Duration.String()` and `fmt.Sprintf`.
//!
//! In [`Escape::Html`] (alert `.details`) a template is html/template: each action's output is
//! escaped for where it lands (HTML text, attributes, URLs, `<script>`, JS strings, CSS), as
//! Go's contextual autoescaping decides once when the template is set up.
//!
//! Not supported: `{{ define }}`, `{{ template }}`, `{{ block }}`, complex numbers, hexadecimal
//! float literals; in html/template, typed content other than a declared function's
//! `template.JS` result ([`FuncSet::with_js`]) as the last command of an action.
//!
//! Known differences from Go, all outside what alert templates use: a map value that is
//! present but nil behaves like a missing key (Go fails with `nil pointer evaluating` when a
//! field is taken from it); `printf` has no hexadecimal float verbs (`%x` on a float) and no
//! Go-syntax `%#v` for maps and structs; `.Time.Month` and `.Time.Weekday` are strings.
//!
//! Guards that Go does not have (a render fails instead of running away): nesting deeper than
//! 100 levels is a parse error; one render stops after 1,000,000 range iterations, 16 MiB of
//! output or 64 MiB of strings produced by functions.

#![warn(missing_docs)]

mod ast;
mod builtins;
mod error;
mod exec;
mod funcs;
pub mod gofmt;
mod html;
mod lex;
mod parse;
mod value;

pub use error::{ExecError, ParseError};
pub use funcs::{FuncSet, Funcs, NoFuncs};
pub use value::{GoTime, List, ListRef, Map, Object, Value};

/// How interpolated values are escaped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Escape {
    /// `text/template`: values are written as they print.
    #[default]
    Text,
    /// `html/template` (alert `.details`): each action's output is escaped for where it lands
    /// in the HTML (text, attribute, URL, script, style), comments are removed, and a nil
    /// value prints nothing.
    Html,
}

/// A parsed template, ready to render many times.
#[derive(Clone, Debug)]
pub struct Template {
    name: String,
    src: String,
    root: ast::List,
    escape: Escape,
    funcs: FuncSet,
    /// The tree escaped by html/template's rules, or why it cannot be; set with
    /// [`Escape::Html`].
    html: Option<Result<ast::List, html::EscapeError>>,
}

impl Template {
    /// Parses Go template source. `name` is the template name used in error texts
    /// (`id`, `message`, `details`, `topic`); `funcs` declares the caller's extra functions
    /// (a call to any other unknown name fails with `function "x" not defined`).
    pub fn parse(name: &str, src: &str, funcs: &FuncSet) -> Result<Template, ParseError> {
        let root = parse::parse(name, src, funcs)?;
        Ok(Template {
            name: name.to_owned(),
            src: src.to_owned(),
            root,
            escape: Escape::Text,
            funcs: funcs.clone(),
            html: None,
        })
    }

    /// Sets how interpolated values are escaped (default [`Escape::Text`]). [`Escape::Html`]
    /// works out each action's context here, once, as html/template does on its first
    /// `Execute`.
    pub fn with_escape(mut self, escape: Escape) -> Template {
        self.escape = escape;
        if escape == Escape::Html && self.html.is_none() {
            self.html = Some(html::escape(&self.root, &self.funcs));
        }
        self
    }

    /// Why html/template refuses this template, if it does (set with [`Escape::Html`]);
    /// every render then fails with this error.
    pub fn escape_error(&self) -> Option<ExecError> {
        match &self.html {
            Some(Err(e)) if self.escape == Escape::Html => Some(self.escape_exec_error(e)),
            _ => None,
        }
    }

    fn escape_exec_error(&self, e: &html::EscapeError) -> ExecError {
        let (offset, line, col) = match e.at {
            html::At::Node(p) | html::At::Line(p) => {
                let (line, col) = error::line_col(&self.src, p);
                (p, line, col)
            }
            html::At::Nowhere => (0, 0, 0),
        };
        let message = match e.at {
            html::At::Node(_) => format!("html/template:{}:{line}:{col}: {}", self.name, e.message),
            html::At::Line(_) => format!("html/template:{}:{line}: {}", self.name, e.message),
            html::At::Nowhere => format!("html/template:{}: {}", self.name, e.message),
        };
        ExecError {
            name: self.name.clone(),
            offset,
            line,
            col,
            context: String::new(),
            message,
            escape: true,
        }
    }

    /// The template name given to [`Template::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renders with `data` as dot into `out`, which is cleared first. On error `out` is left
    /// empty (Go discards output written before the error). Calls to declared extra functions
    /// fail; use [`Template::render_with`] to provide them.
    pub fn render(&self, data: &dyn Object, out: &mut String) -> Result<(), ExecError> {
        self.render_with(data, &NoFuncs, out)
    }

    /// Like [`Template::render`], with `funcs` implementing the functions declared at parse time.
    pub fn render_with(
        &self,
        data: &dyn Object,
        funcs: &dyn Funcs,
        out: &mut String,
    ) -> Result<(), ExecError> {
        out.clear();
        let root = match (&self.html, self.escape) {
            (Some(Ok(escaped)), Escape::Html) => escaped,
            (Some(Err(e)), Escape::Html) => return Err(self.escape_exec_error(e)),
            _ => &self.root,
        };
        let result = exec::render(self, root, data, funcs, out);
        if result.is_err() {
            out.clear();
        }
        result
    }
}
