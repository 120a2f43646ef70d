//! Sources turn the world into one `Inventory`: offline bundles, the embedded demo, a live cluster
//! (read-only lists), and GitHub job logs.

pub mod aws;
pub mod bundle;
pub mod cluster;
pub mod github;
pub mod guard;
pub mod lines;
pub mod logstream;
pub mod msg;
pub mod probe;
pub mod watch;
