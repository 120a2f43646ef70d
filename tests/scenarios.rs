//! The fixture scenarios of issue #2, each a bundle in real formats, simulated end to end
//! through the bundle loader, the chain resolver and the evaluator. Rules cited per case.

mod common;

use arcscope::chain::{Chain, CheckOptions, CredentialSource, DecidedBy, Step, Verdict, resolve_all};
use arcscope::iam::eval::Decision;
use arcscope::sources::bundle::load_dir;

fn chains(variant: Option<&str>) -> Vec<Chain> {
    chains_with(variant, CheckOptions::default())
}

fn chains_with(variant: Option<&str>, opts: CheckOptions) -> Vec<Chain> {
    let dir = common::bundle(variant);
    let inv = load_dir(dir.path()).expect("fixture loads");
    resolve_all(&inv, &opts).expect("resolves")
}

/// Append steps (YAML lines) to the fixture's `workflows/deploy.yml` job.
fn add_steps(dir: &std::path::Path, lines: &str) {
    let wf = dir.join("workflows/deploy.yml");
    let mut text = std::fs::read_to_string(&wf).unwrap();
    text.push_str(lines);
    std::fs::write(&wf, text).unwrap();
}

/// Give the fixture's pusher role one more inline policy.
fn grant_pusher(dir: &std::path::Path, name: &str, document: serde_json::Value) {
    let auth = dir.join("iam/get-account-authorization-details.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&auth).unwrap()).unwrap();
    for r in v["RoleDetailList"].as_array_mut().unwrap() {
        if r["RoleName"] == "arc-runner-ecr-image-pusher-role" {
            r["RolePolicyList"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"PolicyName": name, "PolicyDocument": document}));
        }
    }
    std::fs::write(&auth, v.to_string()).unwrap();
}

fn only(chains: &[Chain]) -> &Chain {
    assert_eq!(chains.len(), 1, "{chains:#?}");
    &chains[0]
}

fn step<'a>(c: &'a Chain, action: &str) -> &'a Step {
    c.steps.iter().rev().find(|s| s.action == action).unwrap_or_else(|| panic!("no {action} step in {c:#?}"))
}

#[test]
fn seed_tag_session_is_denied_by_the_trust_policy_r12() {
    let all = chains(None);
    let c = only(&all);
    assert_eq!(c.verdict, Verdict::Deny);
    assert_eq!(c.credential_source, CredentialSource::Irsa);
    assert_eq!(c.job.as_deref(), Some("workflows/deploy.yml#push-image"));
    let irsa = step(c, "sts:AssumeRoleWithWebIdentity");
    assert_eq!(irsa.decision, Decision::Allow);
    // R8: the account-root trust delegates to the base role's identity policy, which allows.
    let assume = step(c, "sts:AssumeRole");
    assert_eq!((assume.decision, assume.decided_by), (Decision::Allow, DecidedBy::IdentityPolicy));
    assert_eq!(assume.principal, "arn:aws:sts::111122223333:assumed-role/arc-runner-base-role/aws-sdk-js-session-<ms>");
    let tag = step(c, "sts:TagSession");
    assert_eq!((tag.decision, tag.decided_by), (Decision::ImplicitDeny, DecidedBy::TrustPolicy));
    assert_eq!(tag.resource, "arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role");
    assert_eq!(
        tag.message.as_deref(),
        Some(
            "User: arn:aws:sts::111122223333:assumed-role/arc-runner-base-role/aws-sdk-js-session-<ms> is not authorized to perform: sts:TagSession on resource: arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role"
        )
    );
    assert!(
        tag.documented_message
            .as_deref()
            .unwrap()
            .ends_with("because no role trust policy allows the sts:TagSession action")
    );
    assert!(tag.non_matching.iter().any(|m| m.reason.contains("does not cover sts:TagSession")));
    let fixes = tag.fixes.join("\n");
    assert!(fixes.contains(r#""Action": ["sts:AssumeRole", "sts:TagSession"]"#), "{fixes}");
    assert!(fixes.contains("AccountPrincipal(\"111122223333\").withSessionTags()"), "{fixes}");
    assert!(fixes.contains("role-skip-session-tagging: true"), "{fixes}");
    assert!(tag.log_line.as_deref().unwrap().starts_with("Could not assume role with user credentials: User: "));
}

#[test]
fn seed_with_tagging_skipped_is_allowed_and_sends_no_tag_session() {
    let all = chains(Some("skip-tagging"));
    let c = only(&all);
    assert_eq!(c.verdict, Verdict::Allow, "{c:#?}");
    assert!(c.steps.iter().all(|s| s.action != "sts:TagSession"));
}

#[test]
fn the_fix_in_the_trust_policy_makes_the_chain_allow() {
    let all = chains(Some("fixed"));
    let c = only(&all);
    assert_eq!(c.verdict, Verdict::Allow, "{c:#?}");
    assert_eq!(step(c, "sts:TagSession").decided_by, DecidedBy::IdentityPolicy);
}

#[test]
fn sa_in_the_controller_namespace_is_an_error_step_quoting_invalid_pod() {
    let all = chains(Some("sa-in-controller-namespace"));
    let c = only(&all);
    assert_eq!(c.verdict, Verdict::Deny);
    assert_eq!(c.subject, "arc-runners/arc-runner-set-x7c2p-runner-n5d2c");
    let s = &c.steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::ServiceAccountMissing));
    assert!(s.message.as_deref().unwrap().contains(r#"serviceaccount "arc-runner-irsa" not found"#));
    assert!(s.notes.iter().any(|n| n.contains("arc-systems")), "{:?}", s.notes);
    assert!(s.fixes.iter().any(|f| f.contains("kubectl delete ephemeralrunner")));
}

#[test]
fn sub_naming_the_wrong_namespace_denies_web_identity_r11() {
    let all = chains(Some("sub-wrong-namespace"));
    let c = only(&all);
    let s = step(c, "sts:AssumeRoleWithWebIdentity");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::TrustPolicy));
    assert_eq!(s.message.as_deref(), Some("AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"));
    assert!(
        s.non_matching.iter().any(
            |m| m.reason.contains(":sub") && m.reason.contains("system:serviceaccount:arc-runners:arc-runner-irsa")
        ),
        "{:?}",
        s.non_matching
    );
    assert!(s.fixes.iter().any(|f| f.contains("system:serviceaccount:arc-runners:arc-runner-irsa")), "{:?}", s.fixes);
    // The job's steps are not reached.
    assert!(c.steps.iter().all(|s| s.action != "sts:AssumeRole"));
    assert_eq!(c.verdict, Verdict::Deny);
}

#[test]
fn a_permissions_boundary_blocks_the_hop_r6_r8() {
    let all = chains(Some("boundary-blocks"));
    let c = only(&all);
    let s = step(c, "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::PermissionsBoundary));
    assert!(
        s.message.as_deref().unwrap().ends_with("because no permissions boundary allows the sts:AssumeRole action")
    );
    assert!(s.fixes.iter().any(|f| f.contains("arc-runner-boundary")));
}

#[test]
fn an_explicit_deny_of_tag_session_wins_r1() {
    let all = chains(Some("explicit-deny-tagsession"));
    let c = only(&all);
    let s = step(c, "sts:TagSession");
    assert_eq!((s.decision, s.decided_by), (Decision::ExplicitDeny, DecidedBy::IdentityPolicy));
    assert_eq!(s.statements[0].sid.as_deref(), Some("DenyTagSession"));
    assert!(s.message.as_deref().unwrap().ends_with("with an explicit deny in an identity-based policy"));
    assert_eq!(step(c, "sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn a_cross_account_target_needs_the_callers_identity_policy_r9() {
    let all = chains(Some("cross-account"));
    let c = only(&all);
    let s = step(c, "sts:AssumeRole");
    assert_eq!(s.resource, "arn:aws:iam::444455556666:role/arc-runner-deployer-role");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::IdentityPolicy));
    assert!(s.notes.iter().any(|n| n.starts_with("cross-account:")));
    assert!(s.fixes.iter().any(|f| f.contains("arn:aws:iam::444455556666:role/arc-runner-deployer-role")));
}

#[test]
fn role_chaining_over_one_hour_fails_validation_r18() {
    let all = chains(Some("chaining-over-one-hour"));
    let c = only(&all);
    let s = step(c, "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::SessionDuration));
    assert!(
        s.message.as_deref().unwrap().contains("exceeds the 1 hour session limit for roles assumed by role chaining")
    );
    assert!(s.fixes[0].contains("3600"));
    // --duration-seconds overrides the workflow.
    let all = chains_with(
        Some("chaining-over-one-hour"),
        CheckOptions { duration_seconds: Some(3600), ..Default::default() },
    );
    assert_eq!(only(&all).verdict, Verdict::Allow);
}

#[test]
fn pod_identity_transitive_tags_still_need_tag_session_r17() {
    let all = chains(Some("pod-identity"));
    let c = only(&all);
    assert_eq!(c.credential_source, CredentialSource::PodIdentity);
    assert_eq!(c.steps[0].via, "EKS Pod Identity");
    assert_eq!(c.steps[0].decision, Decision::Allow);
    assert_eq!(c.steps[1].action, "sts:TagSession");
    assert_eq!(c.steps[1].decision, Decision::Allow);
    let tag = step(c, "sts:TagSession");
    assert_eq!((tag.decision, tag.decided_by), (Decision::ImplicitDeny, DecidedBy::TrustPolicy));
    assert!(tag.notes.iter().any(|n| n.contains("transitive tags inherited from EKS Pod Identity")));
    assert!(tag.fixes.iter().any(|f| f.contains("disableSessionTags")));
}

/// #17.4: a Pod Identity runner whose association is not in the data is `unknown` — unless the
/// cluster's whole association list (`list-pod-identity-associations`, even empty) is, and does not
/// name its service account: then there is none, `error` by pod_identity_association_missing.
#[test]
fn a_listed_cluster_without_the_association_has_none_an_unlisted_one_is_unknown_r43() {
    let load = |list: Option<&str>| {
        let dir = common::bundle(Some("pod-identity"));
        std::fs::remove_file(dir.path().join("eks/describe-pod-identity-association.json")).unwrap();
        if let Some(list) = list {
            std::fs::write(dir.path().join("eks/list-pod-identity-associations.json"), list).unwrap();
        }
        let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
        only(&all).steps[0].clone()
    };
    let s = load(None);
    assert_eq!((s.decision, s.decided_by), (Decision::Unknown, DecidedBy::Unknown), "{s:#?}");
    let s = load(Some(r#"{"associations": []}"#));
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::PodIdentityAssociationMissing), "{s:#?}");
    assert!(s.fixes[0].contains("aws eks create-pod-identity-association"), "{:?}", s.fixes);
    assert!(s.notes[0].contains("none is for arc-runners/"), "{:?}", s.notes);
    // Listed (so it exists) but not described: its role is unknown.
    let ns_sa = r#"{"associations": [{"clusterName": "arc-prod", "namespace": "arc-runners", "serviceAccount": "arc-runner-irsa", "associationId": "a-1"}]}"#;
    let s = load(Some(ns_sa));
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
}

#[test]
fn irsa_annotation_without_pod_env_means_the_pod_predates_it() {
    let all = chains(Some("env-missing"));
    let s = &only(&all).steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::WebIdentityEnvMissing));
    assert!(s.fixes[0].contains("kubectl delete pod"));
}

#[test]
fn missing_oidc_provider_fails_before_the_trust_policy_r22() {
    let all = chains(Some("provider-missing"));
    let s = &only(&all).steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::OidcProviderMissing));
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .starts_with("InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.")
    );
}

#[test]
fn id_token_write_makes_the_action_use_github_oidc_not_irsa() {
    let all = chains(Some("oidc-path"));
    let c = only(&all);
    let s = c.steps.last().unwrap();
    assert_eq!(s.action, "sts:AssumeRoleWithWebIdentity");
    assert_eq!(s.principal, "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com");
    assert!(s.is_denied(), "{s:#?}");
    assert!(s.notes.iter().any(|n| n.contains("id-token: write")));
    assert!(s.fixes.iter().any(|f| f.contains("role-chaining: true")));
}

#[test]
fn overrides_replace_what_the_workflow_says() {
    let all = chains_with(None, CheckOptions { skip_session_tagging: true, ..Default::default() });
    assert_eq!(only(&all).verdict, Verdict::Allow);
    let all = chains_with(
        None,
        CheckOptions {
            role_to_assume: Some("arn:aws:iam::111122223333:role/does-not-exist".into()),
            ..Default::default()
        },
    );
    let s = step(only(&all), "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::RoleMissing));
}

#[test]
fn the_demo_explains_the_seed_beside_a_healthy_and_a_broken_scale_set() {
    let inv = arcscope::demo::load().unwrap();
    assert_eq!(inv.secrets_skipped, 1, "the demo's Secret is skipped unread");
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let by_set = |s: &str| all.iter().filter(|c| c.scale_set.as_deref() == Some(s)).collect::<Vec<_>>();
    let seed = by_set("arc-runners/arc-runner-set");
    assert_eq!(seed.len(), 2);
    for c in &seed {
        assert_eq!(c.verdict, Verdict::Deny);
        assert_eq!(c.failing_step().unwrap().action, "sts:TagSession");
    }
    assert!(by_set("arc-runners/arc-runner-docs").iter().all(|c| c.verdict == Verdict::Allow));
    let gpu = by_set("arc-gpu-runners/arc-runner-gpu");
    assert_eq!(gpu.len(), 1);
    assert_eq!(gpu[0].failing_step().unwrap().decided_by, DecidedBy::ServiceAccountMissing);
}

#[test]
fn no_workflow_simulates_every_role_the_base_policy_lets_it_try() {
    let dir = common::bundle(None);
    std::fs::remove_file(dir.path().join("workflows/deploy.yml")).unwrap();
    let inv = load_dir(dir.path()).unwrap();
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let c = only(&all);
    assert!(
        c.job
            .as_deref()
            .unwrap()
            .starts_with("candidate target arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role")
    );
    assert_eq!(step(c, "sts:TagSession").decision, Decision::ImplicitDeny);
}

#[test]
fn token_audience_not_in_the_provider_client_ids_r22() {
    let all = chains(Some("audience-mismatch"));
    let s = &only(&all).steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::AudienceMismatch));
    assert_eq!(s.message.as_deref(), Some("InvalidIdentityToken: Incorrect token audience"));
    assert!(s.fixes[0].contains("sts.amazonaws.com"));
}

#[test]
fn static_keys_win_over_irsa_r25() {
    let all = chains(Some("static-keys"));
    let c = only(&all);
    assert_eq!(c.credential_source, CredentialSource::StaticKeys);
    assert_eq!(c.verdict, Verdict::Unknown, "the IAM user behind keys is not knowable offline");
    assert!(c.notes.iter().any(|n| n.contains("static keys come first")));
}

#[test]
fn pod_identity_association_takes_precedence_for_a_pod_not_yet_created_r24() {
    let all = chains(Some("pod-identity-no-pod"));
    let c = only(&all);
    assert_eq!(c.subject, "arc-runners/arc-runner-set-x7c2p-runner-zz9kq");
    assert_eq!(c.credential_source, CredentialSource::PodIdentity);
    assert!(c.notes.iter().any(|n| n.contains("Pod Identity predicted from the association")));
    // disableSessionTags: no kubernetes-namespace principal tag reaches the target's ABAC trust.
    assert_eq!(
        c.steps.iter().filter(|s| s.via == "EKS Pod Identity").count(),
        1,
        "no TagSession when tags are disabled"
    );
    let s = step(c, "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::TrustPolicy));
    assert!(
        s.non_matching[0].reason.contains("the request has no aws:PrincipalTag/kubernetes-namespace"),
        "{:?}",
        s.non_matching
    );
}

#[test]
fn pod_identity_session_tags_become_principal_tags_of_the_next_hop_r15() {
    let all = chains(Some("pod-identity-abac"));
    let c = only(&all);
    assert_eq!(c.verdict, Verdict::Allow, "{c:#?}");
}

#[test]
fn an_invalid_literal_session_name_is_rejected_with_the_sts_text() {
    let all = chains(Some("session-name"));
    let s = step(only(&all), "sts:AssumeRole");
    assert_eq!(s.decision, Decision::Error);
    assert_eq!(
        s.message.as_deref(),
        Some(
            "1 validation error detected: Value 'dependabot[bot]' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )
    );
}

#[test]
fn github_oidc_claims_are_unknown_offline_not_absent() {
    // The target trusts GitHub's provider with a :sub pattern: the token's sub depends on the
    // run, so the verdict is unknown — never a guessed allow or deny.
    let all = chains(Some("oidc-trusted"));
    let c = only(&all);
    let s = c.steps.last().unwrap();
    assert_eq!(s.action, "sts:AssumeRoleWithWebIdentity");
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
    assert_eq!(c.verdict, Verdict::Unknown);
}

#[test]
fn an_scp_from_describe_policy_denies_tag_session_r3() {
    let all = chains(Some("scp-deny"));
    let s = step(only(&all), "sts:TagSession");
    assert_eq!((s.decision, s.decided_by), (Decision::ExplicitDeny, DecidedBy::Scp));
    assert_eq!(s.statements[0].policy, "DenySessionTagging");
    assert!(s.message.as_deref().unwrap().ends_with("with an explicit deny in a service control policy"));
    // FullAWSAccess allows the rest.
    assert_eq!(step(only(&all), "sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn an_inline_session_policy_of_step_one_limits_step_two_r7() {
    let all = chains(Some("session-policy"));
    let c = only(&all);
    let hop2: Vec<&Step> = c.steps.iter().filter(|s| s.hop == 2).collect();
    assert!(hop2.iter().all(|s| s.decision == Decision::Allow), "{hop2:#?}");
    let s = c.steps.iter().find(|s| s.hop == 3 && s.action == "sts:AssumeRole").expect("step 2 simulated");
    assert_eq!(s.principal, "arn:aws:sts::111122223333:assumed-role/arc-runner-ecr-image-pusher-role/GitHubActions");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::SessionPolicy));
}

#[test]
fn demo_base_role_reaches_the_pusher_and_nothing_unrelated() {
    let inv = arcscope::demo::load().unwrap();
    let base = arcscope::iam::arn::RoleArn::parse("arn:aws:iam::111122223333:role/arc-runner-base-role").unwrap();
    let reach = arcscope::chain::reach::who_can_assume(&inv, &[base]);
    let names: Vec<&str> = reach[0].targets.iter().map(|(a, _)| a.rsplit('/').next().unwrap()).collect();
    // R8: the pusher trusts the account root and the base identity allows arc-runner-*.
    assert!(names.contains(&"arc-runner-ecr-image-pusher-role"), "{names:?}");
    // The docs publisher trusts only the docs base role; the node role trusts EC2.
    assert!(!names.contains(&"arc-runner-docs-publisher-role"));
    assert!(!names.contains(&"eks-node-arm64-role"));
}

/// Runs `command` through a real shell with stand-ins for `aws` and `kubectl` first on the PATH;
/// returns each call's arguments (tool first), in order. What the TUI copies must survive the
/// shell's quoting as it is (#15.5).
fn run_recorded(command: &str) -> Vec<Vec<String>> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    for tool in ["aws", "kubectl"] {
        let path = dir.path().join(tool);
        let script = format!(
            "#!/bin/sh\nprintf '%s\\0' {tool} \"$@\" >> '{}'\nprintf '\\036' >> '{}'\n",
            log.display(),
            log.display()
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let st = std::process::Command::new("sh").arg("-c").arg(command).env("PATH", path).status().unwrap();
    assert!(st.success(), "{command}");
    let text = std::fs::read_to_string(&log).unwrap();
    text.split('\u{1e}')
        .filter(|c| !c.is_empty())
        .map(|c| c.trim_end_matches('\0').split('\0').map(str::to_string).collect())
        .collect()
}

/// Applies a recorded `aws iam update-assume-role-policy` to the inventory, as IAM would.
fn apply_trust(inv: &mut arcscope::model::Inventory, call: &[String]) {
    let arg = |flag: &str| call.iter().position(|a| a == flag).map(|i| call[i + 1].clone()).unwrap();
    assert_eq!(&call[..3], ["aws", "iam", "update-assume-role-policy"], "{call:?}");
    let (name, doc) = (arg("--role-name"), arg("--policy-document"));
    let role = inv.roles.values_mut().find(|r| r.arn.name == name).expect("the fix names a role that exists");
    role.trust = arcscope::iam::policy::PolicyDocument::from_text(&doc).expect("the document parses");
}

fn first_runnable<'a>(s: &'a Step, kind: &str) -> &'a str {
    let r = s.runnable.first().unwrap_or_else(|| panic!("no runnable fix: {:?}", s.fixes));
    assert_eq!((r.fix, r.kind), (0, kind), "the first fix is the one that runs");
    assert_eq!(s.copy_text(0), Some(r.text.as_str()));
    &r.text
}

/// #15.5, R12: the seed's copied fix is an AWS CLI line; run through a shell and applied, it
/// allows sts:TagSession.
#[test]
fn the_copied_tag_session_fix_runs_and_makes_the_hop_pass() {
    let dir = common::bundle(None);
    let mut inv = load_dir(dir.path()).unwrap();
    let before = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let s = step(only(&before), "sts:TagSession");
    let calls = run_recorded(first_runnable(s, "aws-cli"));
    assert_eq!(calls.len(), 1);
    apply_trust(&mut inv, &calls[0]);
    let after = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let s = step(only(&after), "sts:TagSession");
    assert_eq!(s.decision, Decision::Allow, "{:?}", s.non_matching);
    // The other fixes copy their own lines: the workflow input among them.
    let workflow = before[0].steps.iter().flat_map(|s| &s.runnable).find(|r| r.kind == "workflow");
    assert_eq!(workflow.map(|r| r.text.as_str()), Some("role-skip-session-tagging: true"));
}

/// #15.5, R11: the :sub fix replaces the condition's value with the token's subject.
#[test]
fn the_copied_sub_fix_runs_and_makes_web_identity_pass() {
    let dir = common::bundle(Some("sub-wrong-namespace"));
    let mut inv = load_dir(dir.path()).unwrap();
    let before = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let calls = run_recorded(first_runnable(step(only(&before), "sts:AssumeRoleWithWebIdentity"), "aws-cli"));
    apply_trust(&mut inv, &calls[0]);
    let after = resolve_all(&inv, &CheckOptions::default()).unwrap();
    assert_eq!(step(only(&after), "sts:AssumeRoleWithWebIdentity").decision, Decision::Allow);
}

/// #15.5: the missing service account's fix is the kubectl pair, the IRSA annotation copied from
/// the account of that name elsewhere; once it exists the chain gets past creating the pod.
#[test]
fn the_copied_service_account_fix_creates_and_annotates_it() {
    let dir = common::bundle(Some("sa-in-controller-namespace"));
    let mut inv = load_dir(dir.path()).unwrap();
    let before = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let calls = run_recorded(first_runnable(&only(&before).steps[0], "kubectl"));
    assert_eq!(calls.len(), 2, "{calls:?}");
    let [create, annotate] = [&calls[0], &calls[1]];
    assert_eq!(&create[..3], ["kubectl", "create", "serviceaccount"]);
    assert_eq!(&annotate[..3], ["kubectl", "annotate", "serviceaccount"]);
    let (name, ns) = (&create[3], &create[create.iter().position(|a| a == "-n").unwrap() + 1]);
    let (key, role) = annotate.last().unwrap().split_once('=').unwrap();
    assert_eq!(key, "eks.amazonaws.com/role-arn");
    assert!(role.starts_with("arn:aws:iam::"), "{role}");
    inv.push_object(
        arcscope::model::Kind::ServiceAccount,
        serde_json::json!({"metadata": {"name": name, "namespace": ns, "annotations": {key: role}}}),
    );
    let after = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let first = &only(&after).steps[0];
    assert_ne!(first.decided_by, DecidedBy::ServiceAccountMissing, "{first:#?}");
    assert_eq!(first.action, "sts:AssumeRoleWithWebIdentity");
}

/// R37: an empty `aws iam list-open-id-connect-providers` in a bundle of one account means the
/// account has no provider — hop 1 is `error` by oidc_provider_missing with AWS's message and
/// the command that creates it; read from an exported `iam/<account>/` path it is that account's
/// whatever else the bundle holds; a bare empty list among several accounts stays unknown.
#[test]
fn an_empty_provider_list_is_no_provider_not_no_data_r37() {
    let load = |variants: &[&str], bare_list: bool| {
        let dir = common::bundle(None);
        std::fs::remove_file(dir.path().join("iam/get-open-id-connect-provider.json")).unwrap();
        for v in variants {
            common::copy_tree(&common::fixtures().join("variants").join(v), dir.path());
        }
        if !bare_list {
            let list = dir.path().join("iam/list-open-id-connect-providers.json");
            std::fs::create_dir_all(dir.path().join("iam/111122223333")).unwrap();
            std::fs::rename(&list, dir.path().join("iam/111122223333/open-id-connect-providers.json")).unwrap();
        }
        let inv = load_dir(dir.path()).unwrap();
        resolve_all(&inv, &CheckOptions::default()).unwrap()
    };
    let all = load(&["oidc-provider-list-empty"], true);
    let s = &all.iter().find(|c| c.subject.ends_with("4h9sd")).unwrap().steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::OidcProviderMissing), "{s:#?}");
    assert!(s.message.as_deref().unwrap().starts_with("InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/"));
    assert_eq!(s.runnable[0].kind, "aws-cli");
    assert!(s.runnable[0].text.starts_with("aws iam create-open-id-connect-provider --url https://oidc.eks."));
    // Several accounts and a bare empty list: whose it is cannot be told.
    let all = load(&["oidc-provider-list-empty", "cross-account"], true);
    let s = &all.iter().find(|c| c.subject.ends_with("4h9sd")).unwrap().steps[0];
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
    // …unless its path names the account, as `bundle export` and live reads write it.
    let all = load(&["oidc-provider-list-empty", "cross-account"], false);
    let s = &all.iter().find(|c| c.subject.ends_with("4h9sd")).unwrap().steps[0];
    assert_eq!(s.decided_by, DecidedBy::OidcProviderMissing, "{s:#?}");
}

/// #16.6: a trust whose `:sub` is `StringEquals "…:*"` is denied by the evaluator (R31: no
/// wildcard in an exact operator) and lint says why (L3); a misspelt action in the identity
/// policy is L6. In `check --format json` as `lint`, in the text report; no verdict changes.
#[test]
fn lint_says_why_the_evaluator_denies_and_changes_no_verdict() {
    let dir = common::bundle(Some("trust-lint"));
    let out = common::arcscope(&["check", "--bundle", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hop1 = &v["chains"][0]["steps"][0];
    assert_eq!((hop1["decision"].as_str(), hop1["decided_by"].as_str()), (Some("implicit_deny"), Some("trust_policy")));
    // The fix says why, not "run the runners with service account *".
    let fix = hop1["fixes"][0].as_str().unwrap();
    assert!(
        fix.contains("literally (no wildcard)") && fix.contains("StringLike") && !fix.contains("service account *"),
        "{fix}"
    );
    let lint = v["lint"].as_array().unwrap();
    let codes: Vec<&str> = lint.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["L3", "L6"], "{lint:?}");
    assert_eq!(lint[0]["role"], "arc-runner-base-role");
    assert_eq!(lint[0]["policy"], "arc-runner-base-role/trust");
    assert_eq!(lint[0]["statement"], 0);
    assert!(lint[1]["message"].as_str().unwrap().contains("did you mean sts:TagSession?"));
    let text = common::stdout(&common::arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]));
    assert!(text.contains("lint (2; never changes a verdict):"), "{text}");
    assert!(text.contains("  L3 arc-runner-base-role/trust statement 0: StringEquals compares"), "{text}");
    // The seed, clean: no lint at all (no false positives on a good setup).
    let seed = common::bundle(None);
    let out = common::arcscope(&["check", "--bundle", seed.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lint"], serde_json::json!([]));
}

/// R38: in kubernetes mode the job runs in the hooks' `-workflow` pod as the namespace's
/// `default` service account: IRSA on the runner's does not reach it — hop 1 is `error` by
/// job_pod_identity with the hook-template fix (whose printf really writes the template).
#[test]
fn kubernetes_mode_job_pods_run_as_default_without_a_hook_template_r38() {
    let all = chains(Some("kubernetes-mode"));
    let c = only(&all);
    assert_eq!(c.service_account, "arc-runners/default", "the job pod's account, not the runner's");
    let s = &c.steps[0];
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::JobPodIdentity), "{s:#?}");
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .contains("arc-runner-set-x7c2p-runner-4h9sd-workflow runs as arc-runners/default")
    );
    assert!(
        c.notes.iter().any(|n| n.contains("not in the runner container as arc-runners/arc-runner-irsa")),
        "{:?}",
        c.notes
    );
    // The fix's template, as the shell writes it.
    let cmd = &s.runnable[0].text;
    let printf = cmd.split(" | ").next().unwrap();
    let out = std::process::Command::new("sh").arg("-c").arg(printf).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "spec:\n  serviceAccountName: arc-runner-irsa\n");
    assert!(cmd.contains("kubectl create configmap hook-template -n arc-runners"));
    assert_eq!(c.verdict, Verdict::Deny);
}

/// R38: with a hook template naming the runner's service account (a ConfigMap in the namespace,
/// the path in ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE), the job pod gets its IRSA role and the
/// chain goes on as the seed's (to the TagSession denial).
#[test]
fn a_hook_template_gives_the_job_pod_the_runners_identity_r38() {
    let all = chains(Some("kubernetes-mode-template"));
    let c = only(&all);
    assert_eq!(c.service_account, "arc-runners/arc-runner-irsa");
    assert_eq!(c.credential_source, CredentialSource::Irsa);
    assert_eq!(c.steps[0].decision, Decision::Allow);
    assert_eq!(step(c, "sts:TagSession").decision, Decision::ImplicitDeny);
    assert!(c.notes.iter().any(|n| n.contains("from the hook template /home/runner/pod-templates/default.yaml")));
    // Without the ConfigMap in the data the job pod's account is not known: unknown, not a guess.
    let dir = common::bundle(Some("kubernetes-mode-template"));
    let path = dir.path().join("k8s/arc-runners.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["items"].as_array_mut().unwrap().retain(|i| i["kind"] != "ConfigMap");
    std::fs::write(&path, v.to_string()).unwrap();
    let inv = load_dir(dir.path()).unwrap();
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let s = &only(&all).steps[0];
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
    assert!(s.notes[0].contains("ConfigMap the data does not hold"), "{:?}", s.notes);
}

/// R39: on EKS Pod Identity the hop from the base session carries the action's tags and Pod
/// Identity's six transitive ones: said with the figures and the fixes, as a warning — the
/// packed limit is not published, so the verdict is the policies' alone.
#[test]
fn pod_identity_tags_and_the_actions_are_counted_and_warned_never_decided_r39() {
    let dir = common::bundle(Some("pod-identity"));
    let wf = dir.path().join("workflows/deploy.yml");
    let text = std::fs::read_to_string(&wf).unwrap().replace("        role-skip-session-tagging: true\n", "");
    std::fs::write(&wf, text).unwrap();
    let inv = load_dir(dir.path()).unwrap();
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let c = only(&all);
    let assume = c.steps.iter().find(|s| s.hop == 2 && s.action == "sts:AssumeRole").unwrap();
    let note = assume.notes.iter().find(|n| n.starts_with("session tags on this hop:")).expect("the tags counted");
    assert!(note.contains("6 inherited transitive ones (eks-cluster-arn"), "{note}");
    assert!(note.contains("PackedPolicyTooLarge") && note.contains("disableSessionTags"), "{note}");
    assert_eq!(assume.decision, Decision::Allow, "a warning, not a verdict");
    // The seed (IRSA: no inherited tags): nothing to warn of.
    let seed = chains(None);
    assert!(seed[0].steps.iter().all(|s| s.notes.iter().all(|n| !n.starts_with("session tags on this hop"))));
}

/// R40: a job with `container:` (dind mode) runs configure-aws-credentials inside the container,
/// where the runner container's IRSA env and token are not: not the base role but the node's
/// instance role, if reachable — unknown, said, never simulated from the runner's credentials.
/// In kubernetes mode the job container is the hooks' job pod (R38) instead.
#[test]
fn a_container_job_does_not_see_the_runners_credentials_r40() {
    let all = chains(Some("container-job"));
    let c = only(&all);
    assert_eq!(c.steps[0].decision, Decision::Allow, "the runner container's own hop is fine");
    let s = c.steps.iter().find(|s| s.hop == 2).unwrap();
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
    assert!(s.notes[0].contains("runs in container public.ecr.aws/docker/library/node:20"), "{:?}", s.notes);
    assert!(s.notes[0].contains("not arc-runner-base-role"), "{:?}", s.notes);
    assert!(c.steps.iter().all(|s| s.action != "sts:TagSession"), "no TagSession simulated from credentials it lacks");
    assert_eq!(c.verdict, Verdict::Unknown);
    // Without the container: the seed's chain.
    assert!(chains(None)[0].steps.iter().any(|s| s.action == "sts:TagSession"));
}

/// R41: on a Pod Identity runner, amazon-ecr-login 2.1.0 after configure-aws-credentials logs in
/// as the Pod Identity role, not the exported one — said on the chain; 2.1.1 and later (and the
/// floating @v2) prefer the exported keys and are not flagged.
#[test]
fn ecr_login_2_1_0_prefers_pod_identity_over_the_exported_role_r41() {
    let run = |ecr_ref: &str| {
        let dir = common::bundle(Some("pod-identity"));
        add_steps(dir.path(), &format!("    - uses: aws-actions/amazon-ecr-login@{ecr_ref}\n"));
        let mut inv = load_dir(dir.path()).unwrap();
        // The pusher role trusts the base role for both actions, so the chain reaches the job.
        let pusher = inv.roles.values_mut().find(|r| r.arn.name == "arc-runner-ecr-image-pusher-role").unwrap();
        pusher.trust = arcscope::iam::policy::PolicyDocument::from_text(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/arc-runner-base-role"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
        )
        .unwrap();
        resolve_all(&inv, &CheckOptions::default()).unwrap()
    };
    let all = run("v2.1.0");
    let c = only(&all);
    assert!(c.steps.iter().filter(|s| s.hop <= 2).all(|s| s.decision == Decision::Allow), "{c:#?}");
    // Its request is made as the Pod Identity role, not the exported one.
    let login = step(c, "ecr:GetAuthorizationToken");
    assert!(login.principal.contains("assumed-role/arc-runner-base-role/"), "{}", login.principal);
    let note = c.notes.iter().find(|n| n.contains("amazon-ecr-login@v2.1.0")).expect("said");
    assert!(note.contains("(arc-runner-base-role), not arc-runner-ecr-image-pusher-role's"), "{note}");
    for fine in ["v2.1.1", "v2", "v2.0.2"] {
        let all = run(fine);
        assert!(!only(&all).notes.iter().any(|n| n.contains("amazon-ecr-login")), "{fine}");
    }
}

/// R42: `AWS_ACCESS_KEY_ID` in the job's env comes first in the SDK's chain: the AssumeRole is
/// made by those keys' IAM user, not from the runner's IRSA role — unknown, said, with the fix.
#[test]
fn keys_in_the_jobs_env_win_over_the_pods_web_identity_r42() {
    let dir = common::bundle(None);
    let wf = dir.path().join("workflows/deploy.yml");
    let text = std::fs::read_to_string(&wf).unwrap().replace(
        "    runs-on: arc-runner-set\n",
        "    runs-on: arc-runner-set\n    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_KEY }}\n",
    );
    std::fs::write(&wf, text).unwrap();
    let inv = load_dir(dir.path()).unwrap();
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let s = only(&all).steps.iter().find(|s| s.hop == 2).unwrap();
    assert_eq!(s.decision, Decision::Unknown);
    assert_eq!(s.principal, "<IAM user of AWS_ACCESS_KEY_ID>");
    assert!(s.notes[0].contains("takes environment keys before the pod's web identity"), "{:?}", s.notes);
}

/// R38: a job pod the hooks created (`runner-pod` label) has a chain of its own, from the identity
/// it really has (its own env, as the webhook injected it), linked to its runner's scale set and
/// jobs.
#[test]
fn a_kubernetes_mode_job_pod_gets_its_own_chain_r38() {
    let all = chains(Some("kubernetes-mode-job-pod"));
    assert_eq!(all.len(), 2, "{:?}", all.iter().map(|c| &c.subject).collect::<Vec<_>>());
    let job = all.iter().find(|c| c.subject.ends_with("-workflow")).unwrap();
    assert_eq!(job.scale_set.as_deref(), Some("arc-runners/arc-runner-set"), "linked through its runner pod");
    assert_eq!(job.job.as_deref(), Some("workflows/deploy.yml#push-image"));
    assert_eq!(job.credential_source, CredentialSource::Irsa);
    assert!(!job.notes.iter().any(|n| n.contains("predicted")), "from the pod's own env: {:?}", job.notes);
    assert_eq!(job.steps[0].decision, Decision::Allow);
    assert_eq!(step(job, "sts:TagSession").decision, Decision::ImplicitDeny);
}

/// #17.1: after the last hop the job's own requests are steps of the chain, hop numbers going
/// on: a `docker push` to ECR needs the five push actions on the repository. The fixed seed's
/// pusher role has no policy for them: each is an implicit deny by its identity policy, with a
/// runnable put-role-policy fix that, applied, allows it.
#[test]
fn the_jobs_docker_push_is_checked_from_its_final_session() {
    let dir = common::bundle(Some("fixed"));
    add_steps(
        dir.path(),
        "    - uses: aws-actions/amazon-ecr-login@v2\n    - run: docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api:${{ github.sha }}\n",
    );
    let mut inv = load_dir(dir.path()).unwrap();
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    let c = only(&all);
    let put = step(c, "ecr:PutImage");
    assert_eq!(put.hop, 4, "hops go on: 1 web identity, 2 assume, 3 ecr-login, 4 the push");
    assert_eq!(put.resource, "arn:aws:ecr:eu-west-1:111122223333:repository/payments-api");
    assert_eq!((put.decision, put.decided_by), (Decision::ImplicitDeny, DecidedBy::IdentityPolicy));
    assert!(
        put.message
            .as_deref()
            .unwrap()
            .contains("is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:")
    );
    assert_eq!(c.verdict, Verdict::Deny, "a job that cannot push fails");
    // The fix, run through a shell and applied as IAM would, allows the push.
    let calls = run_recorded(&put.runnable[0].text);
    let arg = |flag: &str| calls[0].iter().position(|a| a == flag).map(|i| calls[0][i + 1].clone()).unwrap();
    assert_eq!(&calls[0][..3], ["aws", "iam", "put-role-policy"]);
    let role = inv.roles.values_mut().find(|r| r.arn.name == arg("--role-name")).unwrap();
    role.inline.push((
        arg("--policy-name"),
        arcscope::iam::policy::PolicyDocument::from_text(&arg("--policy-document")).unwrap(),
    ));
    let all = resolve_all(&inv, &CheckOptions::default()).unwrap();
    assert_eq!(step(only(&all), "ecr:PutImage").decision, Decision::Allow);
}

/// #17.2 (bundle): an ECR repository policy is a layer of the job's requests. Same account, a
/// statement naming the pusher role grants the push without any identity policy (R4, limited only
/// by a boundary or session policy); an explicit deny of ecr:PutImage in it decides
/// `explicit_deny` by resource_policy, and the job fails.
#[test]
fn an_ecr_repository_policy_allows_or_denies_the_jobs_push() {
    let load = |deny: bool| {
        let dir = common::bundle(Some("fixed"));
        common::copy_tree(&common::fixtures().join("variants/ecr-repository-policy-deny"), dir.path());
        let policy = dir.path().join("ecr/eu-west-1/get-repository-policy-payments-api.json");
        if !deny {
            let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
            let mut doc: serde_json::Value = serde_json::from_str(v["policyText"].as_str().unwrap()).unwrap();
            doc["Statement"].as_array_mut().unwrap().retain(|s| s["Effect"] == "Allow");
            v["policyText"] = serde_json::json!(doc.to_string());
            std::fs::write(&policy, v.to_string()).unwrap();
        }
        add_steps(dir.path(), "    - run: docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1\n");
        resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap()
    };
    let all = load(false);
    let c = only(&all);
    let put = step(c, "ecr:PutImage");
    assert_eq!((put.decision, put.decided_by), (Decision::Allow, DecidedBy::ResourcePolicy), "{put:#?}");
    assert!(put.statements.iter().any(|s| s.policy == "payments-api repository policy"), "{:?}", put.statements);
    assert_eq!(c.verdict, Verdict::Allow);
    let all = load(true);
    let c = only(&all);
    let put = step(c, "ecr:PutImage");
    assert_eq!((put.decision, put.decided_by), (Decision::ExplicitDeny, DecidedBy::ResourcePolicy));
    assert!(put.documented_message.as_deref().unwrap().ends_with("with an explicit deny in a resource-based policy"));
    assert_eq!(step(c, "ecr:InitiateLayerUpload").decision, Decision::Allow, "only PutImage is denied");
    assert_eq!(c.verdict, Verdict::Deny);
}

/// R39: the limits AWS documents are decided — custom-tags that take the action's request past
/// 50 session tags make the AssumeRole `error` by session_tags, the policies aside.
#[test]
fn more_than_fifty_session_tags_are_an_error_r39() {
    let dir = common::bundle(Some("fixed"));
    let wf = dir.path().join("workflows/deploy.yml");
    let custom: Vec<String> = (0..45).map(|i| format!("\"K{i}\": \"v\"")).collect();
    let mut text = std::fs::read_to_string(&wf).unwrap();
    text.push_str(&format!("        custom-tags: '{{{}}}'\n", custom.join(", ")));
    std::fs::write(&wf, text).unwrap();
    let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
    let s = step(only(&all), "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::Error, DecidedBy::SessionTags), "{s:#?}");
    assert!(s.message.as_deref().unwrap().contains("AssumeRole takes at most 50"));
    // The fixed seed without them: allowed.
    assert_eq!(only(&chains(Some("fixed"))).verdict, Verdict::Allow);
}

/// #17.5: the job log's `not authorized to perform: ecr:InitiateLayerUpload on resource: <repo>`
/// links to the job-request step it explains, with that step's fix.
#[test]
fn an_ecr_denial_in_the_job_log_links_to_the_push_step() {
    let dir = common::bundle(Some("fixed"));
    add_steps(dir.path(), "    - run: docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1\n");
    let chains = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
    let mut a = arcscope::logs::Analysis::new(arcscope::logs::fold::FoldLimits::default());
    a.begin_source("jobs/push-image.log");
    a.push("2026-06-20T10:16:12.9Z The push refers to repository [111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api]");
    a.push("2026-06-20T10:16:13.1Z denied: User: arn:aws:sts::111122223333:assumed-role/arc-runner-ecr-image-pusher-role/GitHubActions is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:eu-west-1:111122223333:repository/payments-api because no identity-based policy allows the ecr:InitiateLayerUpload action");
    arcscope::chain::link::link(&mut a, &chains);
    let f = a.findings.iter().find(|f| f.action.as_deref() == Some("ecr:InitiateLayerUpload")).expect("recognised");
    let l = f.linked_step.as_ref().expect("linked");
    assert_eq!((l.hop, l.action.as_str()), (3, "ecr:InitiateLayerUpload"));
    assert!(l.fixes[0].contains("allow it in an identity policy of arc-runner-ecr-image-pusher-role"), "{:?}", l.fixes);
}

/// R3 with the organization tree (#17.3): `list-roots`, `list-parents`, `list-policies-for-target`
/// and `describe-policy` outputs place account 111122223333 under OU ou-ab12-workload1 under root
/// r-ab12. A deny of ecr:PutImage attached at the root decides the job's push `explicit_deny` by
/// scp, naming the policy and its level; without it the push is allowed; a level whose
/// attachments are not in the data leaves every allow of the account unknown, never allowed.
#[test]
fn an_scp_on_the_root_of_the_organization_tree_denies_the_push_r3() {
    let load = |edit: &dyn Fn(&std::path::Path)| {
        let dir = common::bundle(Some("fixed"));
        common::copy_tree(&common::fixtures().join("variants/org-tree"), dir.path());
        add_steps(dir.path(), "    - run: docker push 111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1\n");
        // The pusher role may push (identity policy): only the organization can stop it.
        grant_pusher(
            dir.path(),
            "push",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}),
        );
        edit(dir.path());
        resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap()
    };
    let org = |d: &std::path::Path, f: &str| d.join("organizations").join(f);
    let all = load(&|_| {});
    let c = only(&all);
    let put = step(c, "ecr:PutImage");
    assert_eq!((put.decision, put.decided_by), (Decision::ExplicitDeny, DecidedBy::Scp), "{put:#?}");
    assert_eq!(put.statements[0].policy, "deny-ecr-push (p-8cq3m2v7) on root r-ab12");
    assert_eq!(put.statements[0].sid.as_deref(), Some("NoPushes"));
    assert!(put.documented_message.as_deref().unwrap().ends_with("with an explicit deny in a service control policy"));
    assert_eq!(step(c, "ecr:InitiateLayerUpload").decision, Decision::Allow, "FullAWSAccess on every level");
    assert_eq!(c.verdict, Verdict::Deny);

    let all = load(&|d| {
        let root = org(d, "r-ab12/list-policies-for-target-scp.json");
        let text = std::fs::read_to_string(&root).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["Policies"].as_array_mut().unwrap().retain(|p| p["Name"] == "FullAWSAccess");
        std::fs::write(&root, v.to_string()).unwrap();
    });
    assert_eq!(step(only(&all), "ecr:PutImage").decision, Decision::Allow);
    assert_eq!(only(&all).verdict, Verdict::Allow);

    // Every level must allow: the OU allows only S3, so the base role's AssumeRole is denied there.
    let all = load(&|d| {
        let p = org(d, "policies/p-FullAWSAccess.json");
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("p-FullAWSAccess", "p-s3only")
            .replace("\\\"*\\\",\\n      \\\"Resource", "\\\"s3:*\\\",\\n      \\\"Resource");
        std::fs::write(org(d, "policies/p-s3only.json"), text).unwrap();
        let ou = org(d, "ou-ab12-workload1/list-policies-for-target-scp.json");
        std::fs::write(
            &ou,
            r#"{"Policies": [{"Id": "p-s3only", "Name": "s3only", "Type": "SERVICE_CONTROL_POLICY"}]}"#,
        )
        .unwrap();
    });
    let s = step(only(&all), "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::Scp), "{s:#?}");
    assert!(s.notes.iter().any(|n| n.contains("OU ou-ab12-workload1")), "{:?}", s.notes);

    let all = load(&|d| std::fs::remove_file(org(d, "111122223333/list-policies-for-target-scp.json")).unwrap());
    let c = only(&all);
    let s = step(c, "sts:AssumeRole");
    assert_eq!((s.decision, s.decided_by), (Decision::Unknown, DecidedBy::Scp), "{s:#?}");
    assert!(
        s.notes.iter().any(|n| n.contains("attached to account 111122223333 are not in the data")),
        "{:?}",
        s.notes
    );
    assert_eq!(c.verdict, Verdict::Unknown, "never allowed on a level the data does not hold");
}

/// #17.1, #17.2 (bundle): a bucket whose default encryption is a customer KMS key
/// (`get-bucket-encryption`) makes the job's upload a `kms:GenerateDataKey` on that key too, decided
/// with the key's own policy (`get-key-policy`, at kms/<account>/<region>/<key id>.json): one that
/// delegates to the account lets the role's identity policy decide; one that names another account
/// denies whatever the identity policy says; none in the data is unknown, never the identity
/// policy's allow alone.
#[test]
fn an_upload_to_an_sse_kms_bucket_needs_the_key_and_its_key_policy() {
    const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let key_arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{KEY}");
    let load = |key_policy_principal: Option<&str>| {
        let dir = common::bundle(Some("fixed"));
        add_steps(dir.path(), "    - run: aws s3 cp site.tar s3://release-artifacts/site.tar\n");
        grant_pusher(
            dir.path(),
            "release",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "kms:GenerateDataKey"], "Resource": "*"}]}),
        );
        let s3 = dir.path().join("s3/release-artifacts");
        std::fs::create_dir_all(&s3).unwrap();
        let encryption = serde_json::json!({"ServerSideEncryptionConfiguration": {"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
            "BucketKeyEnabled": true}]}});
        std::fs::write(s3.join("bucket-encryption.json"), encryption.to_string()).unwrap();
        if let Some(principal) = key_policy_principal {
            let kms = dir.path().join("kms/111122223333/eu-west-1");
            std::fs::create_dir_all(&kms).unwrap();
            let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions",
                "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]});
            let out = serde_json::json!({"Policy": policy.to_string(), "PolicyName": "default"});
            std::fs::write(kms.join(format!("{KEY}.json")), out.to_string()).unwrap();
        }
        resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap()
    };
    let all = load(Some("arn:aws:iam::111122223333:root"));
    let c = only(&all);
    assert_eq!(step(c, "s3:PutObject").decision, Decision::Allow);
    let kms = step(c, "kms:GenerateDataKey");
    assert_eq!(kms.resource, key_arn);
    assert_eq!(kms.hop, step(c, "s3:PutObject").hop, "the same step's request");
    assert_eq!((kms.decision, kms.decided_by), (Decision::Allow, DecidedBy::IdentityPolicy), "{kms:#?}");
    // `aws s3 cp` uploads a big file in parts, which needs kms:Decrypt too: the role lacks it, so
    // whether the job fails turns on the file's size — unknown, never allowed or denied outright.
    let multipart = c.steps.iter().find(|s| s.action == "kms:Decrypt").unwrap();
    assert_eq!((multipart.decision, multipart.decided_by), (Decision::Unknown, DecidedBy::IdentityPolicy));
    assert!(
        multipart.notes.iter().any(|n| n.contains("denied, and needed only if a file is over")),
        "{:?}",
        multipart.notes
    );
    assert!(multipart.fixes[0].contains("kms:Decrypt"), "{:?}", multipart.fixes);
    assert_eq!(c.verdict, Verdict::Unknown);

    let all = load(Some("arn:aws:iam::999988887777:root"));
    let kms = step(only(&all), "kms:GenerateDataKey");
    assert_eq!((kms.decision, kms.decided_by), (Decision::ImplicitDeny, DecidedBy::ResourcePolicy), "{kms:#?}");
    assert_eq!(only(&all).verdict, Verdict::Deny);

    let all = load(None);
    let kms = step(only(&all), "kms:GenerateDataKey");
    assert_eq!((kms.decision, kms.decided_by), (Decision::Unknown, DecidedBy::ResourcePolicy), "{kms:#?}");
    assert!(kms.notes.iter().any(|n| n.contains("aws kms get-key-policy")), "{:?}", kms.notes);
}

/// #17.1: the most common `aws` CLI operations by their documented action, on the resource their
/// arguments name, in the region configure-aws-credentials set and the account of the session that
/// calls; what cannot be known exactly (a name where the action needs an ARN, another profile) is a
/// chain note, never a guessed step.
#[test]
fn the_jobs_aws_cli_calls_are_checked_in_its_region_and_account() {
    let dir = common::bundle(Some("fixed"));
    let wf = dir.path().join("workflows/deploy.yml");
    let mut text = std::fs::read_to_string(&wf).unwrap();
    text.push_str(concat!(
        "    - run: aws lambda update-function-code --function-name payments-api --zip-file fileb://fn.zip\n",
        "    - run: aws secretsmanager get-secret-value --secret-id prod/db\n",
        "    - run: aws sts get-caller-identity\n",
    ));
    std::fs::write(&wf, text).unwrap();
    let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
    let c = only(&all);
    let s = step(c, "lambda:UpdateFunctionCode");
    assert_eq!(s.resource, "arn:aws:lambda:eu-west-1:111122223333:function:payments-api", "{s:#?}");
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::IdentityPolicy));
    assert!(s.message.as_deref().unwrap().contains("is not authorized to perform: lambda:UpdateFunctionCode"));
    assert!(!c.steps.iter().any(|s| s.action.starts_with("secretsmanager:")), "not guessed");
    assert!(
        c.notes.iter().any(|n| n.contains("not checked") && n.contains("prod/db is a name, not an ARN")),
        "{:?}",
        c.notes
    );
    assert!(!c.steps.iter().any(|s| s.action.starts_with("sts:GetCallerIdentity")), "needs no permission");
}

/// A workflow is data: 20,000 commands (half unmappable) give a bounded chain — the first 1,000
/// requests simulated, 50 "not checked" notes and a count of the rest — never an unbounded one.
#[test]
fn a_huge_workflow_gives_a_bounded_chain() {
    let dir = common::bundle(Some("fixed"));
    let wf = dir.path().join("workflows/deploy.yml");
    let mut text = std::fs::read_to_string(&wf).unwrap();
    text.push_str("    - run: |\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "        aws s3 cp f{i} s3://bucket/f{i}\n        aws cloudformation deploy --stack-name s{i}\n"
        ));
    }
    std::fs::write(&wf, text).unwrap();
    let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
    let c = only(&all);
    let from = c.requests_from.unwrap();
    assert_eq!(c.steps.len() - from, 1000, "the first 1,000 requests");
    assert_eq!(c.notes.iter().filter(|n| n.contains(": not checked: aws cloudformation deploy")).count(), 50);
    assert!(c.notes.iter().any(|n| n == "9950 more commands not checked"), "{:?}", &c.notes[c.notes.len() - 3..]);
    assert!(c.notes.iter().any(|n| n.contains("the job makes 10000 requests: the first 1000")), "{:?}", c.notes);
}

/// R4/R9 for S3: a bucket ARN names no account, so whose bucket it is comes from the owners'
/// `list-buckets` (`s3/<account>/list-buckets.json`). A bucket policy naming the pusher role grants
/// the upload alone in the role's own account; the same policy on a bucket the role's account does
/// not list is across accounts, where the role's identity policy must allow too; with no list the
/// same account is taken — an assumption on the step (`✔*`), never a proven allow.
#[test]
fn a_bucket_policy_grants_alone_only_in_the_buckets_own_account_r4_r9() {
    let load = |listed: Option<&[&str]>| {
        let dir = common::bundle(Some("fixed"));
        add_steps(dir.path(), "    - run: aws s3 cp site.tar s3://release-artifacts/site.tar\n");
        let s3 = dir.path().join("s3/release-artifacts");
        std::fs::create_dir_all(&s3).unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "Pusher", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::release-artifacts/*"}]});
        std::fs::write(s3.join("bucket-policy.json"), serde_json::json!({"Policy": policy.to_string()}).to_string())
            .unwrap();
        if let Some(buckets) = listed {
            let list = dir.path().join("s3/111122223333");
            std::fs::create_dir_all(&list).unwrap();
            let names: Vec<_> = buckets.iter().map(|b| serde_json::json!({"Name": b})).collect();
            let doc = serde_json::json!({"Buckets": names, "Owner": {"ID": "abc"}});
            std::fs::write(list.join("list-buckets.json"), doc.to_string()).unwrap();
        }
        let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
        step(only(&all), "s3:PutObject").clone()
    };
    let own = load(Some(&["release-artifacts", "other"]));
    assert_eq!((own.decision, own.decided_by), (Decision::Allow, DecidedBy::ResourcePolicy), "{own:#?}");
    assert!(own.assumptions.is_empty(), "{:?}", own.assumptions);
    let elsewhere = load(Some(&["other"]));
    assert_eq!(
        (elsewhere.decision, elsewhere.decided_by),
        (Decision::ImplicitDeny, DecidedBy::IdentityPolicy),
        "{elsewhere:#?}"
    );
    let unknown = load(None);
    assert_eq!(unknown.decision, Decision::Allow);
    assert!(
        unknown
            .assumptions
            .iter()
            .any(|a| a.contains("bucket release-artifacts is taken to be in account 111122223333")),
        "{:?}",
        unknown.assumptions
    );
}

/// R9 for S3: a bucket another account owns (not in the caller's `list-buckets`) needs its own
/// policy to allow too. S3's `NoSuchBucketPolicy` at s3/<bucket>/bucket-policy.json says it has
/// none: the upload is an implicit deny by resource_policy whatever the role's own policy allows;
/// with no answer about its policy in the data the step is unknown, never allowed.
#[test]
fn another_accounts_bucket_without_a_policy_denies_r9() {
    let load = |no_such_policy: bool| {
        let dir = common::bundle(Some("fixed"));
        add_steps(dir.path(), "    - run: aws s3api put-object --bucket partner-drop --key site.tar --body site.tar\n");
        grant_pusher(
            dir.path(),
            "drop",
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}),
        );
        let list = dir.path().join("s3/111122223333");
        std::fs::create_dir_all(&list).unwrap();
        std::fs::write(list.join("list-buckets.json"), r#"{"Buckets": [{"Name": "mine"}], "Owner": {"ID": "x"}}"#)
            .unwrap();
        if no_such_policy {
            let b = dir.path().join("s3/partner-drop");
            std::fs::create_dir_all(&b).unwrap();
            let body = r#"{"Error": {"Code": "NoSuchBucketPolicy", "Message": "The bucket policy does not exist"}}"#;
            std::fs::write(b.join("bucket-policy.json"), body).unwrap();
        }
        let all = resolve_all(&load_dir(dir.path()).unwrap(), &CheckOptions::default()).unwrap();
        step(only(&all), "s3:PutObject").clone()
    };
    let s = load(true);
    assert_eq!((s.decision, s.decided_by), (Decision::ImplicitDeny, DecidedBy::ResourcePolicy), "{s:#?}");
    let s = load(false);
    assert_eq!(s.decision, Decision::Unknown, "{s:#?}");
    assert!(s.notes.iter().any(|n| n.contains("is in another account")), "{:?}", s.notes);
}
