//! The live probe's calls, once the user confirmed its plan (`crate::probe`): the TokenRequest
//! through a client whose guard holds the plan's one-time permit, then the STS calls with live
//! AWS. Tokens and credentials are [`Secret`]s, dropped when the probe ends.

use serde_json::{Value, json};

use crate::probe::{
    Confirmed, ProbeLine, ProbePlan, ProbeReport, Secret, TOKEN_SECONDS, TempCredentials, claims, verdict,
};

use super::guard::{AwsPermit, Permit};

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

/// The STS calls of a confirmed plan, with the token; credentials live only between calls.
async fn sts_calls(aws: &super::aws::Aws, plan: &ProbePlan, token: &Secret, report: &mut ProbeReport) {
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
    args: &super::cluster::LiveArgs,
    aws: Option<&super::aws::AwsArgs>,
    confirmed: &Confirmed,
) -> ProbeReport {
    let mut report = ProbeReport { subject: confirmed.plan().subject.clone(), lines: Vec::new() };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return report };
    rt.block_on(async {
        let permit = std::sync::Arc::new(Permit::new(confirmed));
        let client = match super::cluster::connect_probe(args, permit).await {
            Ok(c) => c,
            Err(e) => {
                report.lines.push(ProbeLine::plain("connect".into(), e.to_string(), false));
                return;
            }
        };
        let (token, line) = create_token(&client, confirmed.plan()).await;
        report.lines.push(line);
        if let (Some(token), Some(aws_args), true) = (token, aws, confirmed.plan().aws) {
            let permit = std::sync::Arc::new(AwsPermit::new(confirmed.plan().aws_operations()));
            let aws = super::aws::Aws::connect(aws_args, None, Some(permit)).await;
            sts_calls(&aws, confirmed.plan(), &token, &mut report).await;
        }
    });
    report
}
