//! The AWS side of the read-only guard (`ReadOnlyAws`): one interceptor on every client, which
//! refuses what is not a read before anything is sent, counts and names retries, and caps an
//! answer's body.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use super::{AwsPermit, MAX_ATTEMPTS, Observer, read_only};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The AWS side of the read-only guard, on every client. Also counts retries for the UI.
/// Clones share their state: one guard for the IAM and STS clients of a session.
#[derive(Debug, Default, Clone)]
pub struct ReadOnlyAws {
    pub(super) permit: Option<Arc<AwsPermit>>,
    /// Retries after AWS throttled a call (not after one that got no answer).
    pub retries: Arc<AtomicU32>,
    /// Operations refused (for messages and tests).
    pub refused: Arc<Mutex<Vec<String>>>,
    pub(super) observer: Option<Observer>,
}

impl Intercept for ReadOnlyAws {
    fn name(&self) -> &'static str {
        "arcscope-read-only"
    }

    /// The first hook that sees the operation's name (client interceptors' `read_before_execution`
    /// runs before the operation's configuration is applied); nothing has been sent yet.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, op) =
            cfg.load::<Metadata>().map(|m| (m.service().to_lowercase(), m.name().to_string())).unwrap_or_default();
        if read_only(&op) || self.permit.as_ref().is_some_and(|p| p.admit(&op)) {
            return Ok(());
        }
        self.refused.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{service}:{op}"));
        Err(format!(
            "the read-only guard refused {service}:{op}: arcscope only reads (Get*, List*) unless a live probe is confirmed"
        )
        .into())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_smithy_runtime_api::client::retries::RequestAttempts;
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempt > 1 {
            // Why the last attempt failed: throttling is counted and said as such; a call that got
            // no answer, or a 5xx, is said as what it was (a dead endpoint is not "throttled").
            let last = cfg.load::<LastAttempt>().cloned().unwrap_or(LastAttempt::NoAnswer);
            if last == LastAttempt::Throttled {
                self.retries.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(o) = &self.observer {
                let op = cfg.load::<Metadata>().map(|m| format!("{}:{}", m.service().to_lowercase(), m.name()));
                let op = op.unwrap_or_default();
                (o.0)(match last {
                    LastAttempt::Throttled => format!("throttled: retrying {op} (attempt {attempt} of {MAX_ATTEMPTS})"),
                    LastAttempt::Status(code) => {
                        format!("AWS answered HTTP {code}: retrying {op} (attempt {attempt} of {MAX_ATTEMPTS})")
                    }
                    LastAttempt::NoAnswer => {
                        format!("no answer from AWS: retrying {op} (attempt {attempt} of {MAX_ATTEMPTS})")
                    }
                });
            }
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let last = match context.response().map(|r| r.status().as_u16()) {
            None => LastAttempt::NoAnswer,
            // IAM and STS say Throttling with 400 (query protocol); others with 429.
            Some(400 | 429) => LastAttempt::Throttled,
            Some(code) => LastAttempt::Status(code),
        };
        cfg.interceptor_state().store_put(last);
        Ok(())
    }

    /// A body is read whole before it is parsed: cap it, so an endless answer costs
    /// [`MAX_AWS_BODY`], not all of memory.
    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.response_mut().take_body();
        *context.response_mut().body_mut() =
            aws_smithy_types::body::SdkBody::from_body_1_x(http_body_util::Limited::new(body, MAX_AWS_BODY));
        Ok(())
    }
}

/// How an attempt ended, kept for the next attempt's message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LastAttempt {
    Throttled,
    Status(u16),
    NoAnswer,
}

impl Storable for LastAttempt {
    type Storer = StoreReplace<Self>;
}

/// The largest AWS answer read: a page of `GetAccountAuthorizationDetails` (100 roles with
/// their policies) is a few MB.
pub const MAX_AWS_BODY: usize = 64 << 20;
