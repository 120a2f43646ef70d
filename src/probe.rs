//! The live probe (opt-in), as data: the plan shown before anything is sent, the confirmation that
//! is the only way to a permit, and the report. No I/O here: `sources::probe` makes the calls.
//! It is the only path in arcscope that creates anything, so it is fenced three times: the binary
//! must be started with `--allow-live-probe`, the user must confirm a plan that lists every call it
//! will make, and the read-only guard (`sources::guard`) lets through exactly the one write that
//! plan names, once.
//!
//! The calls: a ServiceAccount token for the runner's service account with the audience the pod's
//! projected token uses (`TokenRequest`, 10 minutes — the API's minimum); with live AWS,
//! `AssumeRoleWithWebIdentity` into the base role with it, then each `AssumeRole` the job makes,
//! once with the session tags configure-aws-credentials would send and once without. AWS's answers
//! stand beside the predictions; a disagreement is flagged loudly (the model or the data is wrong).
//! Tokens and credentials are [`Secret`]s: never printed, logged or written; a token shows only its
//! claims, credentials only the access key ID's last 4 characters; all are dropped when the probe
//! ends.

use serde_json::Value;

use crate::chain::{Chain, CredentialSource};
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
        let audience = match chain.credential_source {
            CredentialSource::PodIdentity => "pods.eks.amazonaws.com".to_string(),
            CredentialSource::Irsa => pod
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
            web_identity: web_identity.filter(|_| chain.credential_source == CredentialSource::Irsa),
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
    pub(crate) fn plain(call: String, outcome: String, ok: bool) -> ProbeLine {
        ProbeLine { call, outcome, ok, predicted: None, disagrees: false }
    }

    /// Compare AWS's answer with the prediction (unknown predictions cannot disagree).
    pub(crate) fn against(call: String, outcome: String, ok: bool, predicted: Decision) -> ProbeLine {
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

/// A report line's outcome: what AWS answered beside what the simulation predicted.
pub(crate) fn verdict(ok: bool, predicted: Decision, outcome: &str, shown: Option<String>) -> String {
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

/// The claims of a JWT that say who it is for (not its signature, not the token).
pub(crate) fn claims(token: &str) -> Option<Value> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
