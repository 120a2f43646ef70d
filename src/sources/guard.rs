//! The read-only guard, in one place: what arcscope may send by default (Kubernetes: GET, never
//! a Secret; AWS: `Get*`/`List*` but not the calls that mint credentials), the tower layer under
//! every kube client that enforces it, and the two permits a confirmed live probe carries — the
//! only exceptions, each for exactly the calls the confirmed plan lists, once.

use http::{Method, Request};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::probe::Confirmed;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request the guard stopped before it was sent.
#[derive(Debug, thiserror::Error)]
#[error(
    "the read-only guard refused {method} {path}: arcscope only reads (get, list, watch, logs) and never reads Secrets"
)]
pub struct Refused {
    pub method: String,
    pub path: String,
}

/// The read-only guard's one exception: a POST to exactly the confirmed plan's TokenRequest path,
/// once. Everything else stays refused.
#[derive(Debug)]
pub struct Permit {
    path: String,
    used: AtomicBool,
}

impl Permit {
    pub fn new(confirmed: &Confirmed) -> Permit {
        Permit { path: confirmed.plan().token_path(), used: AtomicBool::new(false) }
    }

    /// Does this permit let `POST path` through? Consumes the permit when it does.
    pub fn admit(&self, method: &http::Method, path: &str) -> bool {
        *method == http::Method::POST && path == self.path && !self.used.swap(true, Ordering::SeqCst)
    }
}

/// Operations a confirmed probe may call, each once.
#[derive(Debug, Default)]
pub struct AwsPermit {
    remaining: Mutex<Vec<&'static str>>,
}

impl AwsPermit {
    pub(crate) fn new(operations: Vec<&'static str>) -> AwsPermit {
        AwsPermit { remaining: Mutex::new(operations) }
    }

    pub(crate) fn admit(&self, operation: &str) -> bool {
        let mut r = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        match r.iter().position(|o| *o == operation) {
            Some(i) => {
                r.remove(i);
                true
            }
            None => false,
        }
    }
}

/// Is this AWS operation a read arcscope may make by default? `Get*`, `List*` and `Describe*`,
/// but not the reads that hand out a credential (STS session tokens, ECR's docker password, KMS's
/// key-import token).
pub fn read_only(operation: &str) -> bool {
    (operation.starts_with("Get") || operation.starts_with("List") || operation.starts_with("Describe"))
        && !matches!(
            operation,
            "GetSessionToken" | "GetFederationToken" | "GetAuthorizationToken" | "GetParametersForImport"
        )
}

/// The guard: a tower layer under the kube client. Its one exception is a confirmed live
/// probe's [`Permit`]: one POST to one TokenRequest path, once.
#[derive(Debug, Clone, Default)]
pub struct ReadOnlyLayer {
    pub(crate) permit: Option<Arc<Permit>>,
}

#[derive(Debug, Clone)]
pub struct ReadOnly<S> {
    inner: S,
    permit: Option<Arc<Permit>>,
}

impl<S> tower::Layer<S> for ReadOnlyLayer {
    type Service = ReadOnly<S>;
    fn layer(&self, inner: S) -> ReadOnly<S> {
        ReadOnly { inner, permit: self.permit.clone() }
    }
}

/// Is this request a read arcscope may make? GET only, and never a Secret.
pub fn allowed<B>(req: &Request<B>) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET && !path.split('/').any(|seg| seg == "secrets")
}

impl<S, B> tower::Service<Request<B>> for ReadOnly<S>
where
    S: tower::Service<Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let permitted = || self.permit.as_ref().is_some_and(|p| p.admit(req.method(), req.uri().path()));
        if !allowed(&req) && !permitted() {
            let err = Refused { method: req.method().to_string(), path: req.uri().path().to_string() };
            return Box::pin(async move { Err(Box::new(err) as BoxError) });
        }
        let fut = self.inner.call(req);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbePlan;

    fn plan() -> ProbePlan {
        ProbePlan {
            subject: "arc-runners/p".into(),
            namespace: "arc-runners".into(),
            service_account: "arc-runner-irsa".into(),
            audience: "sts.amazonaws.com".into(),
            web_identity: None,
            assumes: Vec::new(),
            aws: false,
        }
    }

    #[test]
    fn a_permit_admits_exactly_the_confirmed_post_once() {
        let permit = Permit::new(&plan().confirm());
        let path = "/api/v1/namespaces/arc-runners/serviceaccounts/arc-runner-irsa/token";
        assert!(!permit.admit(&http::Method::POST, "/api/v1/namespaces/arc-runners/serviceaccounts/other/token"));
        assert!(!permit.admit(&http::Method::DELETE, path));
        assert!(permit.admit(&http::Method::POST, path));
        assert!(!permit.admit(&http::Method::POST, path), "used once");
    }

    #[test]
    fn the_guard_allows_reads_only_and_never_secrets() {
        let r = |m: Method, p: &str| Request::builder().method(m).uri(p).body(()).unwrap();
        assert!(allowed(&r(Method::GET, "/api/v1/pods?limit=500")));
        assert!(allowed(&r(Method::GET, "/api/v1/namespaces/a/pods/p/log?follow=true")));
        assert!(!allowed(&r(Method::GET, "/api/v1/namespaces/a/secrets/s")));
        assert!(!allowed(&r(Method::GET, "/api/v1/secrets")));
        assert!(!allowed(&r(Method::POST, "/api/v1/namespaces/a/serviceaccounts/s/token")));
        assert!(!allowed(&r(Method::DELETE, "/api/v1/namespaces/a/pods/p")));
        assert!(!allowed(&r(Method::POST, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")));
    }
}
