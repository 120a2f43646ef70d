//! arcscope: why can't my ARC runner get its AWS role?
//!
//! The shell around the pure core (`arcscope-core`, re-exported here as `iam`, `logs`, `model`,
//! `chain`): the sources that read the world into the model, the app and its views, the terminal
//! loop, the wizard and the commands. ARCHITECTURE.md is the map. The binary only parses flags.

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
