//! What live sources tell the store, and the only way they tell it: one [`Msg`] type on one
//! channel — a watched object changed, a relist page, a stream's state, a followed log's line,
//! live IAM's progress and result, a probe's answers.

use serde_json::Value;
use std::fmt;

use crate::model::Kind;

/// Where a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The watch of one kind.
    Kind(Kind),
    /// The followed container log.
    Log,
    /// Live IAM, read (again) from AWS.
    Iam,
    /// The live probe.
    Probe,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::Kind(k) => f.write_str(k.as_str()),
            Stream::Log => f.write_str("Log"),
            Stream::Iam => f.write_str("IAM"),
            Stream::Probe => f.write_str("Probe"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Added or modified.
    Applied(Value),
    Deleted {
        namespace: String,
        name: String,
    },
    /// One page of a fresh list. The first page replaces every object of the kind; after the
    /// last, the store's objects of this kind are exactly the pages' items.
    Relisted {
        items: Vec<Value>,
        first: bool,
        last: bool,
    },
    /// The stream's state, for the header: `watching`, `reconnecting 3`, `forbidden`.
    State(String),
    /// One new line of a followed container log, filed under its bundle path.
    LogLine {
        path: String,
        line: String,
    },
    /// A live probe's answers.
    Probe(crate::probe::ProbeReport),
    /// IAM read again from live AWS: the inventory's IAM parts replace the store's.
    Iam(Box<crate::model::Inventory>),
}

/// One message from a live source to the store: where it comes from, the generation it was
/// started for (a view switch or a new connection drops the stale ones), and what changed.
#[derive(Debug, Clone)]
pub struct Msg {
    pub generation: u64,
    pub from: Stream,
    pub change: Change,
}
