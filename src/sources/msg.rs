//! What live sources tell the store, and the only way they tell it: one [`Msg`] type on one
//! channel — a watched object changed, a relist page, a stream's state, a followed log's line,
//! live IAM's progress and result, a probe's answers.

use std::fmt;

use crate::model::{Kind, LogFile, Parsed};

/// Where a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The watch of one kind.
    Kind(Kind),
    /// The followed container log.
    Log,
    /// The cluster beyond one kind: its OIDC discovery document, the recent runner logs, what
    /// could not be read.
    Cluster,
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
            Stream::Cluster => f.write_str("Cluster"),
            Stream::Iam => f.write_str("IAM"),
            Stream::Probe => f.write_str("Probe"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Added or modified: parsed by the source, off the UI thread.
    Applied(Box<Parsed>),
    Deleted {
        namespace: String,
        name: String,
    },
    /// One page of a fresh list. The first page replaces every object of the kind (of
    /// `namespace`, when the list is of one namespace's: the RBAC fallback lists each allowed
    /// namespace on its own); after the last, the store's objects of this kind (there) are
    /// exactly the pages' items. `listed`: the objects listed so far, stored or not (10,000 pods
    /// listed, 500 shown); `last`: the kind's listing is done (every namespace's, in a fallback).
    Relisted {
        namespace: Option<String>,
        items: Vec<Parsed>,
        first: bool,
        last: bool,
        listed: usize,
    },
    /// The stream's state, for the header: `watching`, `reconnecting 3`, `forbidden`.
    State(String),
    /// One new line of a followed container log, filed under its bundle path.
    LogLine {
        path: String,
        line: String,
    },
    /// A file as a bundle would hold it (the cluster's OIDC discovery document).
    Document {
        name: String,
        text: String,
    },
    /// A runner container's recent log, as a bundle's `logs/<namespace>/<pod>/<container>.log`.
    RecentLog(LogFile),
    /// Recent logs read so far, of how many.
    LogsRead {
        done: usize,
        of: usize,
    },
    /// Something could not be read (said once; `:warnings` lists them).
    Warning(String),
    /// A live probe's answers.
    Probe(crate::probe::ProbeReport),
    /// IAM read again from live AWS: the inventory's IAM parts replace the store's.
    Iam(Box<crate::model::Inventory>),
}

impl Change {
    /// An added or modified object of `kind` from its JSON value, parsed as a watch parses it.
    pub fn applied(kind: Kind, value: serde_json::Value) -> Result<Change, String> {
        Parsed::from_value(kind, value).map(|p| Change::Applied(Box::new(p)))
    }
}

/// One message from a live source to the store: where it comes from, the generation it was
/// started for (a view switch or a new connection drops the stale ones), and what changed.
#[derive(Debug, Clone)]
pub struct Msg {
    pub generation: u64,
    pub from: Stream,
    pub change: Change,
}
