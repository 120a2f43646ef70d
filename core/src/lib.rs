//! arcscope's core: the IAM policy language and its evaluator (`iam`), log analysis (`logs`), the
//! one model every source fills (`model`) and the chain resolver that simulates every hop from a
//! runner to its roles (`chain`). Pure: no I/O, no clocks, no globals — the shell (the `arcscope`
//! crate) reads the world into the model and shows what the core says. A crate of its own, so it
//! builds beside the AWS SDK and can never depend on the shell.

pub mod chain;
pub mod iam;
pub mod logs;
pub mod model;
