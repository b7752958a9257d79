//! Functions of topic-handler `match` expressions (Kapacitor `services/alert/handlers.go`
//! `matchHandler.match`) that read the alert event:
//! `changed()`, `level()`, `name()`, `taskName()`, `alertDuration()`.

use super::t::*;
use super::{Func, Imp, Sig};

/// Which event property a function reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Changed,
    Level,
    Name,
    TaskName,
    Duration,
}

pub(crate) const FUNCS: &[Func] = &[
    Func {
        name: "changed",
        sigs: &[Sig(&[], B)],
        imp: Imp::Event(Kind::Changed),
        doc: "Whether the alert level changed with this event.",
        examples: &[],
    },
    Func {
        name: "level",
        sigs: &[Sig(&[], I)],
        imp: Imp::Event(Kind::Level),
        doc: "The event level: OK=0, INFO=1, WARNING=2, CRITICAL=3.",
        examples: &[],
    },
    Func {
        name: "name",
        sigs: &[Sig(&[], S)],
        imp: Imp::Event(Kind::Name),
        doc: "The alert name.",
        examples: &[],
    },
    Func {
        name: "taskName",
        sigs: &[Sig(&[], S)],
        imp: Imp::Event(Kind::TaskName),
        doc: "The task name.",
        examples: &[],
    },
    Func {
        name: "alertDuration",
        sigs: &[Sig(&[], D)],
        imp: Imp::Event(Kind::Duration),
        doc: "How long the alert has been non-OK.",
        examples: &[],
    },
];
