//! The live probe (opt-in): ask the real cluster for what the simulation predicts. It is the only
//! path in arcscope that creates anything, so it is fenced three times: the binary must be started
//! with `--allow-live-probe`, the user must confirm a plan that lists every call it will make, and
//! the read-only guard lets through exactly the one write that plan names ([`Permit`]), once.
//!
//! Kubernetes side (this module): a ServiceAccount token for the runner's service account with the
//! audience the pod's projected token uses (`TokenRequest`, 10 minutes — the API's minimum). The
//! token is a [`Secret`]: never printed, logged or written; only its non-secret claims (`sub`,
//! `aud`, expiry) are shown, and it is dropped when the probe ends.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::chain::Chain;
use crate::model::Inventory;

/// A credential held only for the next call. No `Display`; `Debug` prints `<redacted>`.
pub struct Secret(String);

impl Secret {
    pub(crate) fn new(s: String) -> Self {
        Secret(s)
    }
    /// The value, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// TokenRequest's minimum lifetime; the probe uses the token within seconds.
pub const TOKEN_SECONDS: u32 = 600;

/// What the probe will do for one runner, shown to the user before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePlan {
    /// The chain's subject (`namespace/pod`).
    pub subject: String,
    pub namespace: String,
    pub service_account: String,
    /// The audience of the pod's projected token (`sts.amazonaws.com` for IRSA by default,
    /// `pods.eks.amazonaws.com` for Pod Identity).
    pub audience: String,
}

impl ProbePlan {
    /// The plan for a chain on screen: its runner's service account and token audience.
    pub fn for_chain(inv: &Inventory, chain: &Chain) -> Result<ProbePlan, String> {
        let (namespace, name) = chain.subject.split_once('/').ok_or("no runner selected")?;
        let pod =
            inv.pods.iter().find(|p| p.metadata.ns() == namespace && p.metadata.name == name).ok_or_else(|| {
                format!("{} is not a running pod: the probe needs the pod's service account", chain.subject)
            })?;
        let sa_name = pod.spec.service_account();
        let audience = match chain.credential_source.as_str() {
            "pod_identity" => "pods.eks.amazonaws.com".to_string(),
            "irsa" => pod
                .spec
                .irsa_token_audience()
                .map(str::to_string)
                .or_else(|| inv.service_account(namespace, sa_name).map(|s| s.irsa_audience().to_string()))
                .unwrap_or_else(|| "sts.amazonaws.com".into()),
            other => {
                return Err(format!(
                    "the runner's credentials come from {other}: there is no service account token to probe with"
                ));
            }
        };
        Ok(ProbePlan {
            subject: chain.subject.clone(),
            namespace: namespace.to_string(),
            service_account: sa_name.to_string(),
            audience,
        })
    }

    /// The TokenRequest path (`create serviceaccounts/token`).
    pub fn token_path(&self) -> String {
        format!("/api/v1/namespaces/{}/serviceaccounts/{}/token", self.namespace, self.service_account)
    }

    /// Every call the probe makes, in order, for the confirmation.
    pub fn calls(&self) -> Vec<String> {
        vec![format!(
            "POST {} — create a token for {}/{} (audience {}, expires in {} min); shown only as its claims, never stored",
            self.token_path(),
            self.namespace,
            self.service_account,
            self.audience,
            TOKEN_SECONDS / 60
        )]
    }

    /// The user said yes. Only the app's confirmation calls this.
    pub(crate) fn confirm(self) -> Confirmed {
        Confirmed { plan: self }
    }
}

/// A plan the user confirmed: the only thing a [`Permit`] can be made from.
#[derive(Debug)]
pub struct Confirmed {
    plan: ProbePlan,
}

impl Confirmed {
    pub fn plan(&self) -> &ProbePlan {
        &self.plan
    }
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
        Permit { path: confirmed.plan.token_path(), used: AtomicBool::new(false) }
    }

    /// Does this permit let `POST path` through? Consumes the permit when it does.
    pub fn admit(&self, method: &http::Method, path: &str) -> bool {
        *method == http::Method::POST && path == self.path && !self.used.swap(true, Ordering::SeqCst)
    }
}

/// One call of the probe and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLine {
    pub call: String,
    pub outcome: String,
    pub ok: bool,
}

/// The probe's answers, for the chain view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeReport {
    pub subject: String,
    pub lines: Vec<ProbeLine>,
}

/// The claims of a JWT that say who it is for (not its signature, not the token).
fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|&b| b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

/// Create the token (through a client whose guard holds the plan's [`Permit`]). The token goes
/// back as a [`Secret`] with a line for the report that shows only its claims.
pub async fn create_token(client: &kube::Client, plan: &ProbePlan) -> (Option<Secret>, ProbeLine) {
    let call = format!("TokenRequest {}/{} audience {}", plan.namespace, plan.service_account, plan.audience);
    let body = json!({
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": [plan.audience], "expirationSeconds": TOKEN_SECONDS}
    });
    let req = http::Request::post(plan.token_path())
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .expect("a valid request");
    let text = match client.request_text(req).await {
        Ok(t) => t,
        Err(kube::Error::Api(s)) => {
            let outcome = match s.code {
                403 => format!(
                    "forbidden (kubectl auth can-i create serviceaccounts/token -n {}): {}",
                    plan.namespace, s.message
                ),
                _ => format!("{} {}", s.code, s.message),
            };
            return (None, ProbeLine { call, outcome, ok: false });
        }
        Err(e) => return (None, ProbeLine { call, outcome: e.to_string(), ok: false }),
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let Some(token) = v.pointer("/status/token").and_then(Value::as_str) else {
        return (None, ProbeLine { call, outcome: "the API server's answer had no token".into(), ok: false });
    };
    let c = claims(token).unwrap_or(Value::Null);
    let aud = match c.get("aud") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
        Some(Value::String(s)) => s.clone(),
        _ => "?".into(),
    };
    let outcome = format!(
        "token issued for {} (aud {aud}, expires {}); the token itself is not shown",
        c.get("sub").and_then(Value::as_str).unwrap_or("?"),
        v.pointer("/status/expirationTimestamp").and_then(Value::as_str).unwrap_or("?")
    );
    (Some(Secret::new(token.to_string())), ProbeLine { call, outcome, ok: true })
}

/// Run a confirmed probe against the live cluster on a small runtime.
pub fn run_blocking(args: &crate::sources::cluster::LiveArgs, confirmed: &Confirmed) -> ProbeReport {
    let mut report = ProbeReport { subject: confirmed.plan.subject.clone(), lines: Vec::new() };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return report };
    rt.block_on(async {
        let permit = std::sync::Arc::new(Permit::new(confirmed));
        let client = match crate::sources::cluster::connect_probe(args, permit).await {
            Ok(c) => c,
            Err(e) => {
                report.lines.push(ProbeLine { call: "connect".into(), outcome: e.to_string(), ok: false });
                return;
            }
        };
        let (token, line) = create_token(&client, &confirmed.plan).await;
        report.lines.push(line);
        // The next calls (AssumeRoleWithWebIdentity, AssumeRole) take the token; it is dropped here.
        drop(token);
    });
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> ProbePlan {
        ProbePlan {
            subject: "arc-runners/p".into(),
            namespace: "arc-runners".into(),
            service_account: "arc-runner-irsa".into(),
            audience: "sts.amazonaws.com".into(),
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
    fn a_secret_never_prints() {
        let s = Secret::new("eyJhbGciOi.secret.sig".into());
        assert_eq!(format!("{s:?}"), "<redacted>");
    }

    #[test]
    fn jwt_claims_decode() {
        // {"aud":["sts.amazonaws.com"],"sub":"system:serviceaccount:a:b"}
        let payload = "eyJhdWQiOlsic3RzLmFtYXpvbmF3cy5jb20iXSwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmE6YiJ9";
        let c = claims(&format!("h.{payload}.s")).unwrap();
        assert_eq!(c["sub"], "system:serviceaccount:a:b");
        assert_eq!(c["aud"][0], "sts.amazonaws.com");
        assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
        assert!(base64url_decode("a").is_none());
    }
}
