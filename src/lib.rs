//! arcscope: why can't my ARC runner get its AWS role?
//!
//! The library is the pure core (IAM policy language and evaluator, chain resolver) plus the
//! sources that turn files into one model. The binary only parses flags and prints.

pub use arcscope_core::{chain, iam, logs, model};

pub mod app;
pub mod cli;
pub mod demo;
pub mod probe;
pub mod sources;
pub mod text;
pub mod tui;
pub mod ui;
pub mod wizard;
