//! The `check` contract at the binary level: exit status, JSON shape, and clear errors for bad
//! input — each naming the file and what is wrong, never a panic.

mod common;

use common::{arcscope, bundle, stderr, stdout};
use serde_json::Value;
use std::fs;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn assert_clear_error(out: &std::process::Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}\nstdout: {}", stdout(out));
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(out).is_empty(), "nothing on stdout on error");
}

#[test]
fn json_contract_for_the_demo() {
    let out = arcscope(&["check", "--demo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "a denial exits 1");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is only the JSON object");
    let chains = v["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 4);
    for c in chains {
        for key in ["subject", "service_account", "verdict", "steps"] {
            assert!(c.get(key).is_some(), "chain lacks {key}: {c}");
        }
        assert!(["allow", "deny", "unknown"].contains(&c["verdict"].as_str().unwrap()));
        for s in c["steps"].as_array().unwrap() {
            for key in ["action", "principal", "resource", "decision", "decided_by", "statements", "message", "fixes"] {
                assert!(s.get(key).is_some(), "step lacks {key}: {s}");
            }
            assert!(
                ["allow", "implicit_deny", "explicit_deny", "error", "unknown"]
                    .contains(&s["decision"].as_str().unwrap())
            );
        }
    }
    let seed = &chains[0];
    assert_eq!(seed["subject"], "arc-runners/arc-runner-set-x7c2p-runner-4h9sd");
    assert_eq!(seed["service_account"], "arc-runners/arc-runner-irsa");
    let tag = seed["steps"].as_array().unwrap().iter().find(|s| s["action"] == "sts:TagSession").unwrap();
    assert_eq!(tag["decision"], "implicit_deny");
    assert_eq!(tag["decided_by"], "trust_policy");
}

#[test]
fn text_report_and_exit_status() {
    let out = arcscope(&["check", "--demo"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("✘ hop 2 sts:TagSession → arc-runner-ecr-image-pusher-role   implicit_deny by trust_policy"),
        "{text}"
    );
    assert!(text.contains("fix: add \"sts:TagSession\""));
    assert!(text.contains("4 chains: 1 allow, 3 deny, 0 unknown"));
    // The bare command is the check report until the TUI lands.
    let bare = arcscope(&["--demo"]);
    assert_eq!(stdout(&bare), text);

    let fixed = bundle(Some("fixed"));
    let out = arcscope(&["check", "--bundle", fixed.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn pod_filter_and_flags() {
    let out =
        arcscope(&["check", "--demo", "--pod", "arc-runners/arc-runner-docs-m2k9t-runner-b7xzq", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chains"].as_array().unwrap().len(), 1);

    let out = arcscope(&[
        "check",
        "--demo",
        "--pod",
        "arc-runners/arc-runner-set-x7c2p-runner-4h9sd",
        "--skip-session-tagging",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    assert_clear_error(
        &arcscope(&["check", "--demo", "--pod", "arc-runners/nope"]),
        &["no runner pod", "arc-runners/nope"],
    );
    assert_clear_error(&arcscope(&["check", "--demo", "--pod", "nope"]), &["NAMESPACE/NAME"]);
}

#[test]
fn workflow_flag_applies_to_every_runner() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "wf.yml", b"on: push\njobs:\n  j:\n    runs-on: anything\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role\n          role-skip-session-tagging: true\n");
    let out = arcscope(&[
        "check",
        "--demo",
        "--workflow",
        dir.path().join("wf.yml").to_str().unwrap(),
        "--pod",
        "arc-runners/arc-runner-set-x7c2p-runner-4h9sd",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let jobs: Vec<&str> = v["chains"].as_array().unwrap().iter().map(|c| c["job"].as_str().unwrap()).collect();
    assert!(jobs.iter().any(|j| j.ends_with("wf.yml#j")), "{jobs:?}");
    write(dir.path(), "notwf.yml", b"a: 1\n");
    assert_clear_error(
        &arcscope(&["check", "--demo", "--workflow", dir.path().join("notwf.yml").to_str().unwrap()]),
        &["notwf.yml", "not a GitHub workflow"],
    );
}

#[test]
fn no_source_and_no_cluster_is_an_error_not_a_silent_demo() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .arg("check")
        .env("HOME", home.path())
        .env("KUBECONFIG", home.path().join("nonexistent"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_clear_error(&out, &["kubeconfig", "--demo", "--bundle"]);
}

#[test]
fn malformed_json_names_the_file() {
    let dir = bundle(None);
    write(dir.path(), "k8s/broken.json", b"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [}");
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["broken.json", "malformed JSON", "line 1"],
    );
}

#[test]
fn malformed_yaml_names_the_file() {
    let dir = bundle(None);
    write(dir.path(), "k8s/broken.yaml", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["broken.yaml", "malformed YAML"],
    );
}

#[test]
fn a_typo_in_a_condition_operator_names_file_policy_and_path() {
    let dir = bundle(None);
    let doc = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole", "Condition": {"StringEqulas": {"aws:PrincipalTag/x": "y"}}}]}}]}"#;
    write(dir.path(), "iam/typo.json", doc.as_bytes());
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["typo.json", "role r, trust policy", "$.Statement[0].Condition.StringEqulas", "did you mean StringEquals"],
    );
}

#[test]
fn an_empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_clear_error(&arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]), &["holds no files"]);
    assert_clear_error(
        &arcscope(&["check", "--bundle", "/nonexistent/arcscope"]),
        &["/nonexistent/arcscope", "cannot read"],
    );
}

#[test]
fn binary_junk_is_an_error() {
    let dir = bundle(None);
    write(dir.path(), "junk.bin", &[0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01, 0x80]);
    assert_clear_error(&arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]), &["junk.bin", "binary data"]);
}

#[test]
fn absurd_nesting_is_an_error_not_a_stack_overflow() {
    let dir = bundle(None);
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    write(dir.path(), "deep.json", deep.as_bytes());
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["deep.json", "recursion limit"],
    );

    let dir = bundle(None);
    let deep_yaml = format!("a: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    write(dir.path(), "deep.yaml", deep_yaml.as_bytes());
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["deep.yaml", "malformed YAML"],
    );

    let dir = bundle(None);
    let mut block = String::new();
    for i in 0..5000 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    write(dir.path(), "deep-block.yml", block.as_bytes());
    assert_clear_error(
        &arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]),
        &["deep-block.yml", "malformed YAML"],
    );
}

#[test]
fn unknown_shapes_are_kept_not_errors() {
    let dir = bundle(None);
    write(dir.path(), "misc/values.json", br#"{"some": {"tool": ["output"]}}"#);
    write(dir.path(), "misc/notes.yaml", b"- just\n- a list\n");
    write(dir.path(), "README.md", b"# incident 4711\nnotes");
    let out = arcscope(&["check", "--bundle", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("misc/values.json"));
}

#[test]
fn secret_data_is_never_read_or_printed() {
    let dir = bundle(None);
    let secret = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "aws-keys", "namespace": "arc-runners"},
        "data": {"AWS_SECRET_ACCESS_KEY": "d0pzdDFjb25maWRlbnRpYWw="}, "stringData": {"token": "ghp_superSecretValue123"}}]}"#;
    write(dir.path(), "k8s/secrets.json", secret.as_bytes());
    for format in ["text", "json"] {
        let out = arcscope(&["check", "--bundle", dir.path().to_str().unwrap(), "--format", format]);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("d0pzdDFjb25maWRlbnRpYWw="), "{all}");
        assert!(!all.contains("ghp_superSecretValue123"));
        assert!(!all.contains("wJst1confidential"));
    }
    let inv = arcscope::sources::bundle::load_dir(dir.path()).unwrap();
    assert_eq!(inv.secrets_skipped, 1);
    assert!(inv.objects.iter().all(|o| o.kind != "Secret"));
}

#[test]
fn a_big_valid_dump_loads_and_is_checked() {
    // A busy cluster's `kubectl get pods -A -o json`: ~50 MB, managedFields included.
    let dir = bundle(None);
    let mut items = Vec::new();
    let mut size = 0usize;
    let mut i = 0;
    while size < 50 * 1024 * 1024 {
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": format!("team-{}", i % 40), "uid": format!("uid-{i}"),
                "labels": {"app": "web", "pod-template-hash": "5d8f7c9b6"},
                "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}, "f:pod-template-hash": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}, "f:env": {}}}}}}]},
            "spec": {"serviceAccountName": "default", "nodeName": format!("ip-10-0-{}-{}.eu-west-1.compute.internal", i % 250, i % 200),
                "containers": [{"name": "web", "image": "nginx:1.27", "env": (0..12).map(|e| serde_json::json!({"name": format!("VAR_{e}"), "value": "x".repeat(40)})).collect::<Vec<_>>()}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0}]}
        });
        size += pod.to_string().len();
        items.push(pod);
        i += 1;
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    write(dir.path(), "k8s/all-pods.json", serde_json::to_string(&list).unwrap().as_bytes());
    let out = arcscope(&["check", "--bundle", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chains"].as_array().unwrap().len(), 1, "web pods are not runners");
}

#[test]
fn listener_pods_are_never_chains() {
    let out = arcscope(&["check", "--demo", "--pod", "arc-systems/arc-runner-set-56b4bcfc-listener"]);
    assert_clear_error(&out, &["not a runner pod"]);
    let out = arcscope(&["check", "--demo", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["chains"].as_array().unwrap().iter().all(|c| !c["subject"].as_str().unwrap().starts_with("arc-systems/"))
    );
}

#[test]
fn info_prints_the_version_and_every_path() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .arg("info")
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("arcscope {}", env!("CARGO_PKG_VERSION"))));
    assert!(text.contains(&format!("{}/arcscope/keymap.toml (not present)", home.path().display())), "{text}");
    assert!(text.contains("theme.toml"));
}

/// Strings from data reach a terminal escaped (#12.5): an SA annotation, a Sid and a bundle
/// file name with ESC sequences, CR, BS, BEL, a one-byte CSI (U+009B) and a bidi override print
/// as visible escapes in `check`'s text and on stderr; `explain` escapes a log's; JSON keeps the
/// data exact.
#[test]
fn control_characters_from_data_are_escaped_in_text_and_exact_in_json() {
    let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{8}\u{9b}31m\u{202e}";
    let raw_controls = |s: &str| s.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{202e}');
    let b = common::bundle(None);
    let dir = b.path().to_str().unwrap();
    // The base role's Sid (shown as the statement that allows hop 2).
    let iam = b.path().join("iam/get-account-authorization-details.json");
    let text = std::fs::read_to_string(&iam).unwrap();
    let sid = serde_json::to_string(&format!("AssumeArcRunnerRoles{hostile}")).unwrap();
    std::fs::write(&iam, text.replace("%22AssumeArcRunnerRoles%22", &urlencode(&sid))).unwrap();
    let o = common::arcscope(&["check", "--bundle", dir]);
    let out = common::stdout(&o);
    assert!(out.contains("(Sid AssumeArcRunnerRoles\\x1b[2J\\x1b]0;pwned\\x07\\r\\x08\\x9b31m\\u{202e})"), "{out}");
    assert!(!raw_controls(&out), "no raw control character in check's text: {out:?}");

    // The SA's role annotation (shown in the fix for a role that does not exist).
    let k8s = b.path().join("k8s/arc-runners.json");
    let text = std::fs::read_to_string(&k8s).unwrap();
    let role = "arn:aws:iam::111122223333:role/arc-runner-base-role";
    let evil = serde_json::to_string(&format!("{role}{hostile}")).unwrap();
    std::fs::write(&k8s, text.replace(&format!("\"{role}\""), &evil)).unwrap();
    let o = common::arcscope(&["check", "--bundle", dir]);
    let (out, err) = (common::stdout(&o), common::stderr(&o));
    assert!(out.contains("arc-runner-base-role\\x1b[2J\\x1b]0;pwned\\x07\\r\\x08\\x9b31m\\u{202e}"), "{out}");
    assert!(!raw_controls(&out), "no raw control character in check's text: {out:?}");
    assert!(!raw_controls(&err), "nor on stderr: {err:?}");

    let o = common::arcscope(&["check", "--bundle", dir, "--format", "json"]);
    assert!(common::stdout(&o).contains(r"\u001b[2J\u001b]0;pwned\u0007\r\b"), "JSON keeps the data exact");

    // A bundle file whose name holds an escape sequence, malformed: named on stderr, escaped.
    std::fs::write(b.path().join("k8s/evil\u{1b}]0;t\u{7}.json"), "{").unwrap();
    let o = common::arcscope(&["check", "--bundle", dir]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("evil\\x1b]0;t\\x07.json"), "{err}");
    assert!(!raw_controls(&err), "{err:?}");

    // explain: a log line with the same bytes.
    let log = b.path().join("job.log");
    std::fs::write(&log, format!("Assuming role with user credentials{hostile}\nplain\n")).unwrap();
    let o = common::arcscope(&["explain", log.to_str().unwrap()]);
    let out = common::stdout(&o);
    assert!(!raw_controls(&out), "explain escapes the log's control characters: {out:?}");
    assert!(out.contains("\\r\\x08") && out.contains("\\u{202e}"), "{out}");
}

/// The seed's documents are URL-encoded, as IAM returns them.
fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A policy with a duplicate key (#12.14) is named with its path, as IAM refuses it — in a
/// bundle's authorization details and in `explain`-free paths alike — never read last-wins.
#[test]
fn a_duplicate_key_in_a_policy_is_an_error_naming_it() {
    let b = common::bundle(None);
    let iam = b.path().join("iam/get-account-authorization-details.json");
    let text = std::fs::read_to_string(&iam).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let doc = v["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"].as_str().unwrap().to_string();
    let decoded = percent_encoding::percent_decode_str(&doc).decode_utf8().unwrap().into_owned();
    let dup = decoded.replacen("\"Effect\":\"Allow\"", "\"Effect\":\"Deny\",\"Effect\":\"Allow\"", 1);
    assert_ne!(dup, decoded);
    // As IAM returns it (URL-encoded in a string) …
    v["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"] = serde_json::Value::String(urlencode(&dup));
    std::fs::write(&iam, v.to_string()).unwrap();
    let o = common::arcscope(&["check", "--bundle", b.path().to_str().unwrap()]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("duplicate key \"Effect\" at $.Statement[0]"), "{err}");
    assert!(err.contains("MalformedPolicyDocument"), "{err}");
    // … and as the AWS CLI prints it (an object in the file's own JSON).
    let text = v.to_string().replace(&format!("\"{}\"", urlencode(&dup)), &dup);
    std::fs::write(&iam, text).unwrap();
    let o = common::arcscope(&["check", "--bundle", b.path().to_str().unwrap()]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("duplicate key \"Effect\" at $.RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[0]"),
        "{err}"
    );
}

/// Big and binary input is bounded (#12.10): a 300 MB log in a bundle is read through the
/// bounded reader (its tail kept, the rest counted), a 3 GB `.json` of NULs fails at its first
/// byte, and `--kubeconfig /dev/zero` is refused without reading 4 GB. Peak RSS by /usr/bin/time.
#[test]
fn big_logs_are_read_bounded_and_binary_files_fail_at_their_first_bytes() {
    let peak = |args: &[&str]| {
        let mut all = vec!["-f", "%M", env!("CARGO_BIN_EXE_arcscope")];
        all.extend_from_slice(args);
        let o = std::process::Command::new("/usr/bin/time").args(&all).env("NO_COLOR", "1").output().unwrap();
        let err = common::stderr(&o);
        let kb: u64 = err.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(u64::MAX);
        (o, err, kb / 1024)
    };
    let b = common::bundle(None);
    let dir = b.path().to_str().unwrap();
    let log = b.path().join("logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd");
    std::fs::create_dir_all(&log).unwrap();
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(log.join("runner.log")).unwrap());
        let line = "2026-06-20T10:15:43.000000000Z Assuming role with user credentials\n";
        for _ in 0..(300 << 20) / line.len() {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.write_all(b"2026-06-20T10:17:01.000000000Z the last line\n").unwrap();
    }
    let (o, err, mb) = peak(&["check", "--bundle", dir]);
    eprintln!("300 MB log: peak {mb} MB");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("longer than 16 MiB; its last") && err.contains("earlier ones are not"), "{err}");
    assert!(mb < 200, "bounded: {mb} MB for a 300 MB log (it cost twice the file before)");
    std::fs::remove_dir_all(b.path().join("logs")).unwrap();

    let nul = b.path().join("k8s/zeros.json");
    std::fs::File::create(&nul).unwrap().set_len(3 << 30).unwrap();
    let started = std::time::Instant::now();
    let (o, err, mb) = peak(&["check", "--bundle", dir]);
    eprintln!("3 GB of NULs: peak {mb} MB after {:?}", started.elapsed());
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("zeros.json") && err.contains("a NUL byte at offset 0"), "{err}");
    assert!(mb < 100, "{mb} MB");
    std::fs::remove_file(&nul).unwrap();

    let (o, err, mb) = peak(&["check", "--kubeconfig", "/dev/zero", "--no-aws"]);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/dev/zero: binary data (a NUL byte at offset 0), not a kubeconfig"), "{err}");
    assert!(mb < 100, "{mb} MB");
}

/// Symlinked directories are followed, each real directory once (#12.11); FIFOs, devices,
/// dangling links and loops are listed with why, not dropped in silence.
#[test]
fn symlinked_directories_are_read_and_every_skipped_entry_is_named() {
    let b = common::bundle(None);
    let plain = common::arcscope(&["check", "--bundle", b.path().to_str().unwrap(), "--format", "json"]);
    // The workflows live elsewhere, linked in (a common way to share them between bundles).
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(b.path().join("workflows"), elsewhere.path().join("workflows")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("workflows"), b.path().join("workflows")).unwrap();
    std::os::unix::fs::symlink(b.path(), b.path().join("k8s/loop")).unwrap();
    std::os::unix::fs::symlink(b.path().join("nothing-here"), b.path().join("dangling.json")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(b.path().join("pipe.json")).status().unwrap().success());
    let linked = common::arcscope(&["check", "--bundle", b.path().to_str().unwrap(), "--format", "json"]);
    let err = common::stderr(&linked);
    assert_eq!(common::verdict_summary(&linked), common::verdict_summary(&plain), "the linked workflows count\n{err}");
    assert!(err.contains("k8s/loop: skipped: the same directory as one already read"), "{err}");
    assert!(err.contains("dangling.json: skipped: a symlink to nothing readable"), "{err}");
    assert!(err.contains("pipe.json: skipped: a FIFO, not a file a bundle holds"), "{err}");
}

/// #15.13 and #15.15: `check` groups runners of one scale set whose chains are the same, marks an
/// allow that rests on an assumption `✔*` with the assumption said (and in JSON), and `explain`
/// names each finding's file and its own line and prints a step's fixes once.
#[test]
fn check_groups_same_chains_marks_assumptions_and_explain_names_files() {
    let out = arcscope(&["check", "--demo"]);
    let text = stdout(&out);
    assert!(text.contains("×2 runners with this same chain: arc-runners/arc-runner-set-x7c2p-runner-4h9sd and arc-runners/arc-runner-set-x7c2p-runner-qv8mz"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("✘ deny arc-runners/arc-runner-set-x7c2p-runner-qv8mz")),
        "not a block of its own\n{text}"
    );
    assert!(text.contains("✔* allow (assumed) arc-runners/arc-runner-docs-m2k9t-runner-b7xzq"), "{text}");
    assert!(
        text.contains(
            "assumed: role-to-assume \"arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/arc-runner-docs-publisher-role\""
        ),
        "{text}"
    );
    assert!(text.contains("4 chains: 1 allow, 3 deny, 0 unknown"), "the count is still of chains");

    let json: Value = serde_json::from_slice(&arcscope(&["check", "--demo", "--format", "json"]).stdout).unwrap();
    let docs =
        json["chains"].as_array().unwrap().iter().find(|c| c["subject"].as_str().unwrap().contains("docs")).unwrap();
    let assumed: Vec<&Value> =
        docs["steps"].as_array().unwrap().iter().filter(|s| s.get("assumptions").is_some()).collect();
    assert_eq!(assumed.len(), 5, "both requests of hop 2 rest on it, and the job's three S3 requests after it: {docs}");
    let runnable = json["chains"][0]["steps"].as_array().unwrap().iter().find_map(|s| s.get("runnable")).unwrap();
    assert_eq!(runnable[0]["kind"], "aws-cli");

    let text = stdout(&arcscope(&["explain", "--demo"]));
    assert!(text.contains("sts-tag-session-denied  jobs/my-org_payments-api_15230098877_push-image.log:22"), "{text}");
    assert!(
        text.contains("runner-job-failed  logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log:"),
        "{text}"
    );
    assert_eq!(text.matches("fix: CDK: use new iam.AccountPrincipal").count(), 1, "{text}");
    assert!(text.contains("fix: as above for hop 2 sts:TagSession"));
}

/// #15.14: `wizard --init` starts from the scale set of `-n`, with the role its service account
/// names and the role its workflow assumes.
#[test]
fn wizard_init_follows_the_namespace_and_the_roles_in_use() {
    let text = stdout(&arcscope(&["wizard", "--init", "--demo", "-n", "arc-gpu-runners"]));
    assert!(text.contains("scale_set_name = \"arc-runner-gpu\""), "{text}");
    assert!(text.contains("base_role = \"arc-runner-gpu-base-role\""), "the misplaced SA's role, reused\n{text}");
    let text = stdout(&arcscope(&["wizard", "--init", "--demo", "-n", "arc-runners"]));
    assert!(text.contains("scale_set_name = \"arc-runner-set\""), "{text}");
    assert!(text.contains("role = \"arc-runner-ecr-image-pusher-role\""), "{text}");
    assert!(!text.contains("cluster_name"), "IRSA: no Pod Identity field\n{text}");
}
