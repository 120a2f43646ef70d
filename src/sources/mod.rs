//! Sources turn the world into one `Inventory`: offline bundles, the embedded demo, a live cluster
//! (read-only lists, then watches and followed logs that send `msg::Msg`), live AWS, GitHub job
//! logs. Every request passes the read-only guard (`guard`); the probe's calls (`probe`) are the
//! one confirmed exception.

pub mod around;
pub mod aws;
pub mod bundle;
pub mod cluster;
pub mod context;
pub mod github;
pub mod guard;
pub mod lines;
pub mod logstream;
pub mod msg;
pub mod probe;
pub mod watch;
