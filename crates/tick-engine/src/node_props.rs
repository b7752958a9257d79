//! The typed properties a node is built from: every argument and property call of the script,
//! checked, typed and spanned (`NodeProps`), and what else a build function may know
//! (`BuildContext`). Owns no checking (that is `compile/`) and no node behaviour (`nodes/*.rs`).

use tick_lambda::Lambda;
use tick_syntax::Span;

use crate::handler_use::HandlerUse;
use crate::node_spec::same_method;

/// One checked argument value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Nanoseconds.
    Duration(i64),
    /// A compiled lambda (variables inlined).
    Lambda(Lambda),
    Star,
}

/// A value with the span of the script text it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// One argument as set in the script.
#[derive(Debug, Clone)]
pub(crate) struct ArgValue {
    pub value: Value,
    pub span: Span,
    /// For a lambda of the form `"field" OP number`: the same predicate in a form nodes can
    /// evaluate without the general evaluator (see [`FieldCmp`]).
    pub cmp: Option<FieldCmp>,
}

impl ArgValue {
    /// An argument without a [`FieldCmp`].
    pub(crate) fn new(value: Value, span: Span) -> ArgValue {
        ArgValue {
            value,
            span,
            cmp: None,
        }
    }
}

/// A comparison operator of a [`FieldCmp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A number literal of a [`FieldCmp`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Float(f64),
    Int(i64),
}

/// The lambda `"field" OP number` (comparisons convert an int to float when the other side is a
/// float, as in the comparison table of Kapacitor's tick/stateful/evaluation_funcs.go at v1.5.7),
/// evaluated straight on a point's fields: the hot path of `where`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldCmp {
    pub field: std::sync::Arc<str>,
    pub op: CmpOp,
    pub k: Num,
}

impl FieldCmp {
    /// The predicate's value when the point has the field (and no tag of that name) with a
    /// float or int value; `None` otherwise (missing, a tag, a clash, another type), where
    /// the general evaluator must run to give the exact result or error.
    #[inline]
    pub(crate) fn eval(&self, p: &crate::point::Point) -> Option<bool> {
        use tick_lambda::FieldValue;
        let v = p.fields.get(&self.field)?;
        if !p.tags.is_empty() && p.tags.contains(&self.field) {
            return None;
        }
        fn cmp<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
            match op {
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                CmpOp::Ge => a >= b,
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
            }
        }
        Some(match (v, self.k) {
            (FieldValue::Float(x), Num::Float(k)) => cmp(self.op, *x, k),
            (FieldValue::Float(x), Num::Int(k)) => cmp(self.op, *x, k as f64),
            (FieldValue::Int(x), Num::Float(k)) => cmp(self.op, *x as f64, k),
            (FieldValue::Int(x), Num::Int(k)) => cmp(self.op, *x, k),
            _ => return None,
        })
    }

    /// Recognises `lambda: "field" OP number` (a literal number, possibly negated); `"time"`
    /// is not a field and is left to the general evaluator.
    pub(crate) fn from_lambda(expr: &tick_syntax::ast::Expr) -> Option<FieldCmp> {
        use tick_syntax::ast::{BinaryOp, Expr, UnaryOp};
        let body = match expr {
            Expr::Lambda { body, .. } => body,
            other => other,
        };
        let Expr::Binary { op, lhs, rhs, .. } = body else {
            return None;
        };
        let op = match op {
            BinaryOp::Less => CmpOp::Lt,
            BinaryOp::LessEq => CmpOp::Le,
            BinaryOp::Greater => CmpOp::Gt,
            BinaryOp::GreaterEq => CmpOp::Ge,
            BinaryOp::Eq => CmpOp::Eq,
            BinaryOp::NotEq => CmpOp::Ne,
            _ => return None,
        };
        let Expr::Reference(r) = &**lhs else {
            return None;
        };
        if r.name == "time" {
            return None;
        }
        let k = match &**rhs {
            Expr::Float { value, .. } => Num::Float(*value),
            Expr::Int { value, .. } => Num::Int(*value),
            Expr::Unary {
                op: UnaryOp::Neg,
                operand,
                ..
            } => match &**operand {
                Expr::Float { value, .. } => Num::Float(-*value),
                Expr::Int { value, .. } => Num::Int(value.checked_neg()?),
                _ => return None,
            },
            _ => return None,
        };
        Some(FieldCmp {
            field: std::sync::Arc::from(r.name.as_str()),
            op,
            k,
        })
    }
}

/// One property call: `.period(5m)`.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    /// The name as declared in the spec (`stateChangesOnly`, whatever case the script used).
    pub name: &'static str,
    pub args: Vec<ArgValue>,
    /// The whole call, `period(5m)`.
    pub span: Span,
}

/// A node as the script configured it, with every value typed and spanned. Getters return the
/// **last** setting of a property (a second `.groupBy()` replaces the first), except
/// [`NodeProps::all`].
#[derive(Debug, Clone)]
pub(crate) struct NodeProps {
    /// `from`, `alert`, ...
    pub method: &'static str,
    /// The creation call, `|alert()`.
    pub span: Span,
    /// Arguments of the creation call (`|eval(l1, l2)`, `|derivative('v')`).
    pub args: Vec<ArgValue>,
    /// Property settings in source order.
    pub settings: Vec<Setting>,
    /// Handler uses in source order (alert only).
    pub handlers: Vec<HandlerUse>,
}

impl NodeProps {
    /// The last setting of `name`.
    pub(crate) fn setting(&self, name: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|s| same_method(s.name, name))
    }
    /// Every setting of `name` in source order (repeated `.where()`, `.inhibit()`).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Setting> + 'a {
        self.settings
            .iter()
            .filter(move |s| same_method(s.name, name))
    }
    /// Whether `name` was set at all; the span of the last setting.
    pub(crate) fn flag(&self, name: &str) -> Option<Span> {
        self.setting(name).map(|s| s.span)
    }
    fn first_arg(&self, name: &str) -> Option<&ArgValue> {
        self.setting(name).and_then(|s| s.args.first())
    }
    /// First argument of the last `name` setting, when it is a string.
    pub(crate) fn string(&self, name: &str) -> Option<Spanned<&str>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::String(s),
                span,
                ..
            } => Some(Spanned {
                value: s,
                span: *span,
            }),
            _ => None,
        }
    }
    pub(crate) fn int(&self, name: &str) -> Option<Spanned<i64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Int(v),
                span,
                ..
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    pub(crate) fn float(&self, name: &str) -> Option<Spanned<f64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Float(v),
                span,
                ..
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    /// Nanoseconds.
    pub(crate) fn duration(&self, name: &str) -> Option<Spanned<i64>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Duration(v),
                span,
                ..
            } => Some(Spanned {
                value: *v,
                span: *span,
            }),
            _ => None,
        }
    }
    pub(crate) fn lambda(&self, name: &str) -> Option<Spanned<&Lambda>> {
        match self.first_arg(name)? {
            ArgValue {
                value: Value::Lambda(l),
                span,
                ..
            } => Some(Spanned {
                value: l,
                span: *span,
            }),
            _ => None,
        }
    }
    /// All string arguments of the last `name` setting (`.keep('a','b')`, `.as('x','y')`).
    pub(crate) fn strings(&self, name: &str) -> Option<Vec<Spanned<&str>>> {
        let s = self.setting(name)?;
        Some(
            s.args
                .iter()
                .filter_map(|a| match &a.value {
                    Value::String(v) => Some(Spanned {
                        value: v.as_str(),
                        span: a.span,
                    }),
                    _ => None,
                })
                .collect(),
        )
    }
    pub(crate) fn handlers(&self) -> &[HandlerUse] {
        &self.handlers
    }
    /// `.quiet()` was set (Kapacitor's `node.IsQuiet`, pipeline/node.go at v1.5.7): the node logs
    /// no errors (it still counts them).
    pub(crate) fn quiet(&self) -> bool {
        self.flag("quiet").is_some()
    }
}

/// What a build function may know besides the node's own properties.
#[derive(Debug, Clone)]
pub(crate) struct BuildContext<'a> {
    pub task_name: &'a str,
    /// The node name (`alert2`).
    pub node_name: &'a str,
    /// `.ServerInfo` of the alert templates.
    pub server: &'a crate::template_data::ServerInfo,
    /// What sends the requests of `httpPost` nodes (`tick run` only).
    pub row_posters: Option<&'a crate::row_post::SharedRowPosters>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lambda_expr(src: &str) -> tick_syntax::ast::Expr {
        let (program, diags) = tick_syntax::parse(&format!("var l = lambda: {src}"));
        assert!(diags.is_empty(), "{diags:?}");
        match &program.stmts[0] {
            tick_syntax::ast::Stmt::Var { value, .. } => value.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn field_comparisons_are_recognised_only_in_the_simple_form() {
        let cmp = |src: &str| FieldCmp::from_lambda(&lambda_expr(src));
        assert_eq!(
            cmp("\"v\" < 10.0"),
            Some(FieldCmp {
                field: "v".into(),
                op: CmpOp::Lt,
                k: Num::Float(10.0)
            })
        );
        assert_eq!(cmp("\"v\" >= -3").map(|c| c.k), Some(Num::Int(-3)));
        assert_eq!(cmp("\"time\" < 10"), None);
        assert_eq!(cmp("10.0 > \"v\""), None);
        assert_eq!(cmp("\"v\" + 1.0 < 10.0"), None);
        assert_eq!(cmp("\"v\" < \"w\""), None);
        assert_eq!(cmp("\"v\" == 'a'"), None);
    }

    #[test]
    fn field_comparisons_agree_with_the_lambda_or_defer_to_it() {
        use crate::point::{Fields, Point, Tags};
        use tick_lambda::{FieldValue, Lambda};
        let points = [
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(9.5))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(10.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Float(f64::NAN))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Int(10))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::Int(-4))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("v", FieldValue::String("x".into()))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::default(),
                Fields::from_pairs([("w", FieldValue::Float(1.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::from_pairs([("v", "a")]),
                Fields::from_pairs([("w", FieldValue::Float(1.0))]),
                0,
            ),
            Point::new(
                "m",
                "",
                "",
                Tags::from_pairs([("v", "a")]),
                Fields::from_pairs([("v", FieldValue::Float(1.0))]),
                0,
            ),
        ];
        let mut fast = 0;
        for op in ["<", "<=", ">", ">=", "==", "!="] {
            for k in ["10.0", "10", "-4", "-4.0"] {
                let src = format!("\"v\" {op} {k}");
                let expr = lambda_expr(&src);
                let c = FieldCmp::from_lambda(&expr).unwrap();
                let l =
                    Lambda::compile(&expr, &tick_lambda::Vars::new(), &Default::default()).unwrap();
                for (i, p) in points.iter().enumerate() {
                    let general = l.eval_bool(p, &mut l.new_state());
                    match c.eval(p) {
                        Some(b) => {
                            fast += 1;
                            assert_eq!(general.ok(), Some(b), "{src} on point {i}");
                        }
                        // Only the points the fast path cannot decide: string, missing, tag,
                        // clash.
                        None => assert!(i >= 5, "{src} on point {i}"),
                    }
                }
            }
        }
        assert_eq!(fast, 6 * 4 * 5);
    }
}
