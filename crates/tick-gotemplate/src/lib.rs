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
//! Not supported: `{{ define }}`, `{{ template }}`, `{{ block }}`, complex numbers, hexadecimal
//! float literals, and html/template contexts other than HTML text (attributes, URLs,
//! `<script>`): in [`Escape::Html`] every action's output is escaped as HTML text.
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
    /// `html/template` in HTML text context (alert `.details`): each action's output is
    /// HTML-escaped (`<` `>` `&` `'` `"` `+` and NUL), and a nil value prints nothing.
    Html,
}

/// A parsed template, ready to render many times.
#[derive(Clone, Debug)]
pub struct Template {
    name: String,
    src: String,
    root: ast::List,
    escape: Escape,
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
        })
    }

    /// Sets how interpolated values are escaped (default [`Escape::Text`]).
    pub fn with_escape(mut self, escape: Escape) -> Template {
        self.escape = escape;
        self
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
        let result = exec::render(self, data, funcs, out);
        if result.is_err() {
            out.clear();
        }
        result
    }
}
