//! The IAM policy language and its evaluator. Pure: no I/O, no clocks, no globals.

pub mod arn;
pub mod condition;
pub mod context;
pub mod dupkeys;
pub mod error;
pub mod eval;
pub mod glob;
pub mod messages;
pub mod policy;

#[cfg(test)]
mod eval_tests;

pub use context::{CtxValue, RequestContext, Tri};
pub use eval::{Caller, Decision, Evaluation, Grant, Layer, NamedPolicy, Request, evaluate};
pub use policy::{PolicyDocument, PolicyError};
