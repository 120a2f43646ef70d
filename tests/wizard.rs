//! The setup wizard's outputs: golden files for four answer sets (IRSA with tags, IRSA with two
//! targets one without tags, EKS Pod Identity, IRSA under a permissions boundary), each checked by a parser of its language —
//! YAML and the policies by arcscope's own, Terraform by python-hcl2 (and `terraform fmt` where
//! installed), the CDK stack by `tsc --noEmit` against aws-cdk-lib (both installed by the README's
//! test command) — and simulated to ✔ on every hop; a broken setup is caught; bad answers exit 2.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use arcscope::wizard::{Answers, generate, verify};

const SETS: &[&str] = &["irsa-tags", "irsa-two-targets", "pod-identity", "irsa-boundary"];

fn answers(set: &str) -> Answers {
    let text = std::fs::read_to_string(common::fixtures().join(format!("wizard/{set}.toml"))).unwrap();
    Answers::from_toml(&text).unwrap_or_else(|e| panic!("{set}: {e}"))
}

fn write(set: &str, files: &[generate::File]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let p = dir.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.text).unwrap_or_else(|e| panic!("{set}: {e}"));
    }
    dir
}

#[test]
fn golden_files_of_every_output() {
    for set in SETS {
        for f in generate::generate(&answers(set)) {
            let name = format!("{set}__{}", f.path.replace(['/', '.'], "_"));
            insta::assert_snapshot!(name, f.text);
        }
    }
}

#[test]
fn every_answer_set_simulates_to_allow_on_every_hop() {
    for set in SETS {
        let a = answers(set);
        let v = verify::verify(&a, &generate::generate(&a), None).unwrap();
        assert!(v.allowed(), "{set}: {:#?}", v.action_problems());
        assert!(!v.actions.is_empty(), "{set}: the targets' actions are checked");
        let chains = v.chains;
        assert_eq!(chains.len(), a.targets.len(), "{set}: one chain per target job");
        for c in &chains {
            assert_eq!(c.verdict, arcscope::chain::Verdict::Allow, "{set}: {}", c.subject);
        }
        // Tags are sent where the answers say so, and then allowed.
        let tag_steps = chains.iter().filter(|c| c.steps.iter().any(|s| s.action == "sts:TagSession")).count();
        let tagged = a.targets.iter().filter(|t| t.session_tags).count();
        assert_eq!(tag_steps, tagged, "{set}");
    }
}

#[test]
fn verification_catches_a_trust_without_tag_session() {
    let a = answers("irsa-tags");
    let mut files = generate::generate(&a);
    let trust = files.iter_mut().find(|f| f.path == "iam/arc-runner-ecr-push-trust.json").unwrap();
    trust.text =
        trust.text.replace(",\n        \"sts:TagSession\"", "").replace("\"sts:TagSession\"", "\"sts:AssumeRole\"");
    let v = verify::verify(&a, &files, None).unwrap();
    let step = v.chains[0].steps.iter().find(|s| s.action == "sts:TagSession").expect("a TagSession step");
    assert_eq!(step.decision, arcscope::iam::eval::Decision::ImplicitDeny, "the incident arcscope was built for");
    assert!(!v.allowed());
}

#[test]
fn generated_yaml_and_policies_parse() {
    for set in SETS {
        let files = generate::generate(&answers(set));
        for f in &files {
            if f.path.ends_with(".yaml") || f.path.ends_with(".yml") {
                arcscope::sources::bundle::parse_yaml(&f.text).unwrap_or_else(|e| panic!("{set} {}: {e}", f.path));
            }
            if f.path.ends_with(".json") {
                arcscope::iam::policy::PolicyDocument::from_text(&f.text)
                    .unwrap_or_else(|e| panic!("{set} {}: {e}", f.path));
            }
        }
        let values =
            arcscope::sources::bundle::parse_yaml(&files.iter().find(|f| f.path == "helm/values.yaml").unwrap().text)
                .unwrap();
        let a = answers(set);
        assert_eq!(values[0]["runnerScaleSetName"], a.runners.scale_set_name.as_str());
        assert_eq!(values[0]["template"]["spec"]["serviceAccountName"], a.runners.service_account.as_str());
        // The workflow is recognised as one and its jobs run on the scale set.
        let dir = write(set, &files);
        let inv = arcscope::sources::bundle::load_dir(dir.path()).unwrap();
        assert_eq!(inv.workflows.len(), 1, "{set}");
        assert!(inv.workflows[0].jobs.iter().all(|j| j.runs_on == vec![a.runners.scale_set_name.clone()]));
    }
}

#[test]
fn terraform_parses_with_an_hcl_parser() {
    for set in SETS {
        let dir = write(set, &generate::generate(&answers(set)));
        let tf = dir.path().join("terraform/main.tf");
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, hcl2; d = hcl2.load(open(sys.argv[1])); print(len(d['resource']), len(d['data']))",
            ])
            .arg(&tf)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{set}: {} (the README's test command installs python-hcl2)",
            common::stderr(&out)
        );
        // `terraform fmt` as well where terraform is installed: canonical formatting, no diff.
        if let Ok(fmt) = Command::new("terraform").args(["fmt", "-check", "-diff"]).arg(tf.parent().unwrap()).output() {
            assert!(fmt.status.success(), "{set}: terraform fmt: {}", common::stdout(&fmt));
        }
    }
}

/// `tsc` from the README's test command (`npm install --prefix target/cdk-check …`).
fn tsc() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cdk-check/node_modules/.bin/tsc");
    assert!(
        p.is_file(),
        "{} missing: run the README's test command (it installs typescript and aws-cdk-lib)",
        p.display()
    );
    p
}

#[test]
fn the_cdk_stack_type_checks_against_aws_cdk_lib() {
    let tsc = tsc();
    let modules = tsc.parent().unwrap().parent().unwrap().to_path_buf();
    for set in SETS {
        let dir = write(set, &generate::generate(&answers(set)));
        let cdk = dir.path().join("cdk");
        // Resolve aws-cdk-lib and constructs from the installed tree.
        std::os::unix::fs::symlink(&modules, cdk.join("node_modules")).unwrap();
        std::fs::write(
            cdk.join("tsconfig.json"),
            r#"{"compilerOptions": {"target": "ES2022", "module": "commonjs", "strict": true, "noEmit": true, "skipLibCheck": true}}"#,
        )
        .unwrap();
        let out = Command::new(&tsc).args(["--noEmit", "-p"]).arg(&cdk).output().expect("tsc runs");
        assert!(out.status.success(), "{set}: {}{}", common::stdout(&out), common::stderr(&out));
    }
}

#[test]
fn the_command_writes_only_a_verified_setup_never_over_anything_and_bad_answers_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("setup");
    let answers = common::fixtures().join("wizard/irsa-tags.toml");
    let run = |args: &[&str]| common::arcscope(args);
    let ok = run(&["wizard", "--answers", answers.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", common::stderr(&ok));
    assert!(common::stdout(&ok).contains("1 chain: 1 allow"));
    for f in generate::generate(&self::answers("irsa-tags")) {
        assert_eq!(std::fs::read_to_string(out.join(&f.path)).unwrap(), f.text, "{}", f.path);
    }
    let again = run(&["wizard", "--answers", answers.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::stderr(&again).contains("not empty") && common::stderr(&again).contains("--overwrite"));
    // Asked for: the setup's files replaced, anything else kept.
    std::fs::write(out.join("README.md"), "edited").unwrap();
    std::fs::write(out.join("NOTES.md"), "mine").unwrap();
    // A renamed role's policy from an earlier run: kept, and named.
    std::fs::write(out.join("iam/old-role-trust.json"), "{}").unwrap();
    let over = run(&["wizard", "--answers", answers.to_str().unwrap(), "--out", out.to_str().unwrap(), "--overwrite"]);
    assert_eq!(over.status.code(), Some(0), "{}", common::stderr(&over));
    assert!(
        common::stderr(&over).contains("(10 replaced; kept 1 the setup no longer writes: iam/old-role-trust.json)"),
        "{}",
        common::stderr(&over)
    );
    assert_ne!(std::fs::read_to_string(out.join("README.md")).unwrap(), "edited");
    assert_eq!(std::fs::read_to_string(out.join("NOTES.md")).unwrap(), "mine");
    // A path that cannot be written is said as such, without suggesting --overwrite.
    let cannot = run(&["wizard", "--answers", answers.to_str().unwrap(), "--out", "/proc/arcscope/setup"]);
    assert_eq!(cannot.status.code(), Some(2));
    assert!(common::stderr(&cannot).contains("/proc/arcscope"), "{}", common::stderr(&cannot));
    assert!(!common::stderr(&cannot).contains("--overwrite"), "{}", common::stderr(&cannot));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, std::fs::read_to_string(&answers).unwrap().replace("\"arc-runners\"", "\"Arc_Runners\""))
        .unwrap();
    let refused = run(&["wizard", "--answers", bad.to_str().unwrap(), "--out", dir.path().join("x").to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        common::stderr(&refused).contains("runners.namespace: \"Arc_Runners\" is not a DNS-1123 label"),
        "{}",
        common::stderr(&refused)
    );
    assert!(!dir.path().join("x").exists(), "nothing written");
}

#[test]
fn against_the_seed_incident_the_wizard_is_a_repair_guide() {
    // The seed's own names: its setup lacks sts:TagSession in the target's trust (the incident).
    let text = std::fs::read_to_string(common::fixtures().join("wizard/irsa-tags.toml"))
        .unwrap()
        .replace("[runners]\n", "[runners]\nservice_account = \"arc-runner-irsa\"\n")
        .replace("[aws]\n", "[aws]\nbase_role = \"arc-runner-base-role\"\n")
        .replace("role = \"arc-runner-ecr-push\"", "role = \"arc-runner-ecr-image-pusher-role\"");
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("seed.toml");
    std::fs::write(&answers, text).unwrap();
    let seed = common::bundle(None);
    let out = common::arcscope(&[
        "wizard",
        "--answers",
        answers.to_str().unwrap(),
        "--bundle",
        seed.path().to_str().unwrap(),
    ]);
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "the generated setup itself is fine: {}", common::stderr(&out));
    assert!(
        text.contains("✘ the trust of role arc-runner-ecr-image-pusher-role does not allow sts:TagSession"),
        "the repair names the incident's cause: {text}"
    );
    assert!(!text.contains("service account arc-runners/arc-runner-irsa is missing"), "{text}");
    // And the existing setup, running the generated jobs, fails exactly there.
    let existing =
        text.split("the existing setup running the generated jobs").nth(1).expect("the existing setup simulated");
    assert!(existing.contains("✘ hop 2 sts:TagSession → arc-runner-ecr-image-pusher-role"), "{existing}");
}

/// A bundle holding only the account's managed policy `arn` with `document` (as
/// `aws iam get-account-authorization-details` lists it).
fn account_with_policy(arn: &str, document: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("iam")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(document).unwrap();
    let details = serde_json::json!({"RoleDetailList": [], "UserDetailList": [], "GroupDetailList": [],
        "Policies": [{"PolicyName": arn.rsplit('/').next(), "Arn": arn, "DefaultVersionId": "v3",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v3", "IsDefaultVersion": true}]}]});
    std::fs::write(dir.path().join("iam/authorization-details.json"), details.to_string()).unwrap();
    dir
}

#[test]
fn a_preset_the_accounts_boundary_does_not_allow_is_explained_and_nothing_is_written() {
    // The boundary's document is not in the answers: it comes from the account (a bundle here; a
    // live account reads the same way), and it allows pulls, not pushes (R6).
    let text = std::fs::read_to_string(common::fixtures().join("wizard/irsa-tags.toml"))
        .unwrap()
        .replace("[aws]\n", "[aws]\npermissions_boundary = \"arn:aws:iam::111122223333:policy/PullOnly\"\n");
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("a.toml");
    std::fs::write(&answers, text).unwrap();
    let account = account_with_policy(
        "arn:aws:iam::111122223333:policy/PullOnly",
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Chain", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
            {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"], "Resource": "*"}]}"#,
    );
    let out_dir = dir.path().join("setup");
    let args = |bundle: Option<&Path>| {
        let mut v = vec!["wizard".to_string(), "--answers".into(), answers.display().to_string()];
        v.extend(["--out".into(), out_dir.display().to_string()]);
        if let Some(b) = bundle {
            v.extend(["--bundle".into(), b.display().to_string()]);
        }
        v
    };
    let run = |v: Vec<String>| common::arcscope(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args(Some(account.path())));
    let stdout = common::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", common::stderr(&out));
    assert!(stdout.contains("1 chain: 1 allow"), "the chain itself passes the boundary: {stdout}");
    assert!(
        stdout.contains("the target roles' permissions under the permissions boundary arn:aws:iam::111122223333:policy/PullOnly: 4 of 8 actions allowed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ✘ arc-runner-ecr-push ecr:CompleteLayerUpload, ecr:InitiateLayerUpload, ecr:PutImage, ecr:UploadLayerPart on arn:aws:ecr:eu-west-1:111122223333:repository/my-app: no permissions boundary arn:aws:iam::111122223333:policy/PullOnly allows them\n    statement \"Chain\": Action"),
        "the line names the boundary, then why each of its statements does not allow: {stdout}"
    );
    assert!(common::stderr(&out).contains("nothing written"));
    assert!(!out_dir.exists(), "nothing written");

    // Without the account, the boundary cannot be checked: unknown, not a pass.
    let blind = run(args(None));
    let stdout = common::stdout(&blind);
    assert_eq!(blind.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("? arc-runner-ecr-push ecr:GetAuthorizationToken on *"), "{stdout}");
    assert!(stdout.contains("is not in the data"), "{stdout}");
    assert!(!out_dir.exists());
}

#[test]
fn init_prints_answers_pre_filled_from_the_data_that_verify_once_a_target_is_named() {
    let out = common::arcscope(&["wizard", "--init", "--demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    // From the demo: its first scale set, namespace, service account, account and issuer.
    for want in [
        "scale_set_name = \"arc-runner-gpu\"",
        "namespace = \"arc-gpu-runners\"",
        "service_account = \"arc-runner-gpu\"",
        "account_id = \"111122223333\"",
        "oidc_issuer = \"https://oidc.eks.eu-west-1.amazonaws.com/id/",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // As printed it names no target role: a clear message, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.toml");
    std::fs::write(&answers, &text).unwrap();
    let unnamed = common::arcscope(&["wizard", "--answers", answers.to_str().unwrap()]);
    assert_eq!(unnamed.status.code(), Some(2));
    assert!(common::stderr(&unnamed).contains("targets[0].role"), "{}", common::stderr(&unnamed));
    // Named: it verifies.
    std::fs::write(&answers, text.replace("role = \"\"", "role = \"gpu-ecr-push\"")).unwrap();
    let named = common::arcscope(&["wizard", "--answers", answers.to_str().unwrap()]);
    assert_eq!(named.status.code(), Some(0), "{}{}", common::stdout(&named), common::stderr(&named));
    // --init writes nothing and takes no answers.
    let both = common::arcscope(&["wizard", "--init", "--answers", answers.to_str().unwrap()]);
    assert_eq!(both.status.code(), Some(2));
}
