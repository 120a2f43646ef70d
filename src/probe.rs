//! The live probe (opt-in): ask the real cluster for what the simulation predicts. It is the only
//! path in arcscope that creates anything, so it is fenced three times: the binary must be started
//! with `--allow-live-probe`, the user must confirm a plan that lists every call it will make, and
//! the read-only guard lets through exactly the one write that plan names ([`Permit`]), once.
//!
//! The calls: a ServiceAccount token for the runner's service account with the audience the pod's
//! projected token uses (`TokenRequest`, 10 minutes — the API's minimum); with live AWS,
//! `AssumeRoleWithWebIdentity` into the base role with it, then each `AssumeRole` the job makes,
//! once with the session tags configure-aws-credentials would send and once without. AWS's answers
//! stand beside the predictions; a disagreement is flagged loudly (the model or the data is wrong).
//! Tokens and credentials are [`Secret`]s: never printed, logged or written; a token shows only its
//! claims, credentials only the access key ID's last 4 characters; all are dropped when the probe
//! ends.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::chain::Chain;
use crate::iam::eval::Decision;
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
    /// `AssumeRoleWithWebIdentity` into the IRSA role, with its predicted decision (IRSA only).
    pub web_identity: Option<(String, Decision)>,
    /// The `AssumeRole` calls the job makes, in order.
    pub assumes: Vec<AssumeCall>,
    /// Live AWS is connected: the STS calls are part of the plan.
    pub aws: bool,
}

/// One `AssumeRole` of the chain, as the job sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeCall {
    /// The role whose session makes the call (the previous hop's).
    pub from_role: String,
    pub role: String,
    /// The tags the action sends; values known only at run time are `arcscope-probe`.
    pub tags: Vec<(String, String)>,
    pub duration_seconds: u32,
    pub external_id: Option<String>,
    /// Predicted: with the tags (AssumeRole and TagSession both allowed) and without.
    pub with_tags: Decision,
    pub without_tags: Decision,
}

/// Temporary credentials from a probe call: the secret parts are [`Secret`]s.
pub struct TempCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
}

impl TempCredentials {
    /// How a credential may be shown: the access key ID's last 4 characters.
    pub fn shown(&self) -> String {
        let n = self.access_key_id.len();
        format!("…{}", &self.access_key_id[n.saturating_sub(4)..])
    }
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
        let role_of_session = |principal: &str| -> Option<String> {
            // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION → arn:aws:iam::ACCOUNT:role/ROLE
            let (head, rest) = principal.split_once(":assumed-role/")?;
            let account = head.rsplit(':').next()?;
            Some(format!("arn:aws:iam::{account}:role/{}", rest.split('/').next()?))
        };
        let web_identity = chain
            .steps
            .iter()
            .find(|s| s.action == "sts:AssumeRoleWithWebIdentity")
            .map(|s| (s.resource.clone(), s.decision));
        let assumes = chain
            .steps
            .iter()
            .filter(|s| s.action == "sts:AssumeRole")
            .filter_map(|s| {
                let req = s.request.as_ref()?;
                let tag = chain.steps.iter().find(|t| t.hop == s.hop && t.action == "sts:TagSession");
                let with_tags = match tag {
                    Some(t) if !req.tags.is_empty() => combine(s.decision, t.decision),
                    _ => s.decision,
                };
                Some(AssumeCall {
                    from_role: role_of_session(&s.principal)?,
                    role: s.resource.clone(),
                    tags: req
                        .tags
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_else(|| "arcscope-probe".into())))
                        .collect(),
                    duration_seconds: req.duration_seconds.min(3600),
                    external_id: req.external_id.clone(),
                    with_tags,
                    without_tags: s.decision,
                })
            })
            .collect();
        Ok(ProbePlan {
            subject: chain.subject.clone(),
            namespace: namespace.to_string(),
            service_account: sa_name.to_string(),
            audience,
            web_identity: web_identity.filter(|_| chain.credential_source == "irsa"),
            assumes,
            aws: false,
        })
    }

    /// The operations the AWS side of the guard may let through, each once.
    pub fn aws_operations(&self) -> Vec<&'static str> {
        if !self.aws {
            return Vec::new();
        }
        let mut ops = Vec::new();
        if self.web_identity.is_some() {
            ops.push("AssumeRoleWithWebIdentity");
            for _ in &self.assumes {
                ops.extend(["AssumeRole", "AssumeRole"]);
            }
        }
        ops
    }

    /// The TokenRequest path (`create serviceaccounts/token`).
    pub fn token_path(&self) -> String {
        format!("/api/v1/namespaces/{}/serviceaccounts/{}/token", self.namespace, self.service_account)
    }

    /// Every call the probe makes, in order, for the confirmation.
    pub fn calls(&self) -> Vec<String> {
        let mut calls = vec![format!(
            "POST {} — create a token for {}/{} (audience {}, expires in {} min); shown only as its claims, never stored",
            self.token_path(),
            self.namespace,
            self.service_account,
            self.audience,
            TOKEN_SECONDS / 60
        )];
        if !self.aws {
            calls.push(
                "(no live AWS: the STS calls are left out; connect AWS to compare them with the prediction)".into(),
            );
            return calls;
        }
        let Some((base, _)) = &self.web_identity else {
            calls.push("(the runner does not use IRSA: no AssumeRoleWithWebIdentity to make)".into());
            return calls;
        };
        calls.push(format!("sts:AssumeRoleWithWebIdentity into {base} with that token, session arcscope-probe"));
        for a in &self.assumes {
            let keys: Vec<&str> = a.tags.iter().map(|(k, _)| k.as_str()).collect();
            calls.push(format!(
                "sts:AssumeRole into {} from {} with {} session tag(s) [{}], {} s",
                a.role,
                a.from_role,
                a.tags.len(),
                keys.join(", "),
                a.duration_seconds
            ));
            calls.push(format!("sts:AssumeRole into {} again without tags", a.role));
        }
        calls
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

/// `AssumeRole` with tags needs both AssumeRole and TagSession.
fn combine(a: Decision, b: Decision) -> Decision {
    match (a, b) {
        (Decision::Allow, Decision::Allow) => Decision::Allow,
        (Decision::Allow, other) => other,
        (other, _) => other,
    }
}

/// One call of the probe and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLine {
    pub call: String,
    pub outcome: String,
    pub ok: bool,
    /// The simulation's decision for this call (`allow`, `implicit_deny`…), when it made one.
    pub predicted: Option<Decision>,
    /// AWS answered otherwise than predicted: the model or the data is wrong.
    pub disagrees: bool,
}

impl ProbeLine {
    fn plain(call: String, outcome: String, ok: bool) -> ProbeLine {
        ProbeLine { call, outcome, ok, predicted: None, disagrees: false }
    }

    /// Compare AWS's answer with the prediction (unknown predictions cannot disagree).
    fn against(call: String, outcome: String, ok: bool, predicted: Decision) -> ProbeLine {
        let decided = !matches!(predicted, Decision::Unknown);
        let disagrees = decided && (predicted == Decision::Allow) != ok;
        ProbeLine { call, outcome, ok, predicted: Some(predicted), disagrees }
    }
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
            return (None, ProbeLine::plain(call, outcome, false));
        }
        Err(e) => return (None, ProbeLine::plain(call, e.to_string(), false)),
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let Some(token) = v.pointer("/status/token").and_then(Value::as_str) else {
        return (None, ProbeLine::plain(call, "the API server's answer had no token".into(), false));
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
    (Some(Secret::new(token.to_string())), ProbeLine::plain(call, outcome, true))
}

/// An STS answer as a report line: `(ok, outcome)`; credentials come back separately.
fn sts_outcome<E>(r: &Result<impl Sized, aws_sdk_sts::error::SdkError<E>>) -> (bool, String)
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match r {
        Ok(_) => (true, String::new()),
        Err(e) => {
            use aws_sdk_sts::error::ProvideErrorMetadata;
            let text = match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                _ => aws_sdk_sts::error::DisplayErrorContext(e).to_string(),
            };
            (false, text)
        }
    }
}

fn temp(c: Option<&aws_sdk_sts::types::Credentials>) -> Option<TempCredentials> {
    let c = c?;
    Some(TempCredentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: Secret::new(c.secret_access_key().to_string()),
        session_token: Secret::new(c.session_token().to_string()),
    })
}

fn verdict(ok: bool, predicted: Decision, outcome: &str, shown: Option<String>) -> String {
    let actual = match (ok, shown) {
        (true, Some(k)) => format!("AWS allowed (credentials {k}, dropped)"),
        (true, None) => "AWS allowed".to_string(),
        (false, _) => format!("AWS refused: {outcome}"),
    };
    // As `check --format json` spells decisions: allow, implicit_deny, explicit_deny, unknown.
    let predicted =
        serde_json::to_value(predicted).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    format!("{actual}; predicted {predicted}")
}

/// The STS calls of a confirmed plan, with the token; credentials live only between calls.
async fn sts_calls(aws: &crate::sources::aws::Aws, plan: &ProbePlan, token: &Secret, report: &mut ProbeReport) {
    let Some((base, predicted)) = &plan.web_identity else { return };
    let call = format!("AssumeRoleWithWebIdentity {base}");
    let r = aws
        .sts
        .assume_role_with_web_identity()
        .role_arn(base)
        .role_session_name("arcscope-probe")
        .web_identity_token(token.expose())
        .duration_seconds(900)
        .send()
        .await;
    let (ok, outcome) = sts_outcome(&r);
    let base_creds = r.ok().and_then(|o| temp(o.credentials()));
    let shown = base_creds.as_ref().map(TempCredentials::shown);
    report.lines.push(ProbeLine::against(call, verdict(ok, *predicted, &outcome, shown), ok, *predicted));
    let Some(base_creds) = base_creds else { return };
    // Credentials by role: each AssumeRole is made from its caller role's session.
    let mut sessions: Vec<(String, TempCredentials)> = vec![(base.clone(), base_creds)];
    for a in &plan.assumes {
        let Some((_, from)) = sessions.iter().find(|(r, _)| *r == a.from_role) else {
            report.lines.push(ProbeLine::plain(
                format!("AssumeRole {}", a.role),
                format!("skipped: no session of {} to call from", a.from_role),
                false,
            ));
            continue;
        };
        let sts = aws.sts_as(from);
        let request = |tags: bool| {
            let mut r = sts
                .assume_role()
                .role_arn(&a.role)
                .role_session_name("arcscope-probe")
                .duration_seconds(a.duration_seconds.max(900) as i32)
                .set_external_id(a.external_id.clone());
            if tags {
                for (k, v) in &a.tags {
                    r = r.tags(aws_sdk_sts::types::Tag::builder().key(k).value(v).build().expect("key and value set"));
                }
            }
            r.send()
        };
        let tagged = request(true).await;
        let (ok, outcome) = sts_outcome(&tagged);
        let creds = tagged.ok().and_then(|o| temp(o.credentials()));
        let shown = creds.as_ref().map(TempCredentials::shown);
        report.lines.push(ProbeLine::against(
            format!("AssumeRole {} with {} tag(s)", a.role, a.tags.len()),
            verdict(ok, a.with_tags, &outcome, shown),
            ok,
            a.with_tags,
        ));
        let untagged = request(false).await;
        let (ok2, outcome2) = sts_outcome(&untagged);
        let creds2 = untagged.ok().and_then(|o| temp(o.credentials()));
        let shown2 = creds2.as_ref().map(TempCredentials::shown);
        report.lines.push(ProbeLine::against(
            format!("AssumeRole {} without tags", a.role),
            verdict(ok2, a.without_tags, &outcome2, shown2),
            ok2,
            a.without_tags,
        ));
        if let Some(c) = creds.or(creds2) {
            sessions.push((a.role.clone(), c));
        }
    }
    // Every credential is dropped here.
}

/// Run a confirmed probe against the live cluster (and live AWS when `aws` is given).
pub fn run_blocking(
    args: &crate::sources::cluster::LiveArgs,
    aws: Option<&crate::sources::aws::AwsArgs>,
    confirmed: &Confirmed,
) -> ProbeReport {
    let mut report = ProbeReport { subject: confirmed.plan.subject.clone(), lines: Vec::new() };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return report };
    rt.block_on(async {
        let permit = std::sync::Arc::new(Permit::new(confirmed));
        let client = match crate::sources::cluster::connect_probe(args, permit).await {
            Ok(c) => c,
            Err(e) => {
                report.lines.push(ProbeLine::plain("connect".into(), e.to_string(), false));
                return;
            }
        };
        let (token, line) = create_token(&client, &confirmed.plan).await;
        report.lines.push(line);
        if let (Some(token), Some(aws_args), true) = (token, aws, confirmed.plan.aws) {
            let permit = std::sync::Arc::new(crate::sources::aws::AwsPermit::new(confirmed.plan.aws_operations()));
            let aws = crate::sources::aws::Aws::connect(aws_args, None, Some(permit)).await;
            sts_calls(&aws, &confirmed.plan, &token, &mut report).await;
        }
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
