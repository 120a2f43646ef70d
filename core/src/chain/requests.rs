//! What the job does with the credentials it got (#17.1): its steps' AWS requests, inferred from
//! what they say — `aws-actions/amazon-ecr-login`, a `docker push` / `docker buildx … --push` /
//! `docker/build-push-action` to an ECR image URI, `docker pull`, `aws s3 cp|mv|sync|rm|ls` with
//! `s3://` URIs — each as the IAM actions the service documents for it, on the resource's ARN. What
//! cannot be mapped (a script, a `${{ }}` in the registry or repository) is listed as not checked,
//! never guessed. The requests are then evaluated from the job's final session (`job.rs`).

use crate::model::workflow::{Job, StepText, has_expression};

mod cli;

/// One request a step makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRequest {
    pub position: usize,
    /// The step, as the chain's VIA says it: `step 4 (docker push)`.
    pub via: String,
    /// What makes the request: `docker push`, `aws s3 cp`, `amazon-ecr-login`.
    pub tool: &'static str,
    pub action: &'static str,
    pub resource: String,
    /// Made only when something the data cannot see holds (a file over the CLI's multipart
    /// threshold): if the request is denied, the job fails only then, so the step says unknown.
    pub only_if: Option<&'static str>,
}

/// The AWS CLI's `aws s3` commands upload a file over `multipart_threshold` (8 MB by default) in
/// parts, and a multipart upload to an SSE-KMS bucket needs `kms:Decrypt` on its key besides
/// `kms:GenerateDataKey` (S3 user guide, "Uploading and copying objects using multipart upload";
/// AWS CLI S3 configuration, `multipart_threshold`).
pub const MULTIPART: &str = "a file is over the AWS CLI's multipart_threshold (8 MB by default): a multipart upload to an SSE-KMS bucket needs kms:Decrypt on its key too";

/// ECR's push: the layer upload and the manifest (ECR user guide, "Pushing a Docker image";
/// the `AmazonEC2ContainerRegistryPowerUser` policy's actions for it).
pub const ECR_PUSH: [&str; 5] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];
/// ECR's pull (ECR user guide, "Pulling an image").
pub const ECR_PULL: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/// The job's requests, in step order, and what could not be mapped (`(position, why)`).
pub fn job_requests(job: &Job) -> (Vec<JobRequest>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    // configure-aws-credentials exports its aws-region as AWS_REGION to the steps after it.
    let mut region: Option<String> = None;
    for step in &job.steps {
        let region_here =
            step.env.get("AWS_REGION").or_else(|| step.env.get("AWS_DEFAULT_REGION")).cloned().or(region.clone());
        let mut push = |via: &'static str, actions: &[&'static str], resource: &str| {
            for a in actions {
                out.push(JobRequest {
                    position: step.position,
                    via: format!("step {} ({via})", step.position),
                    tool: via,
                    action: a,
                    resource: resource.to_string(),
                    only_if: None,
                });
            }
        };
        if let Some(uses) = &step.uses {
            let action = uses.split('@').next().unwrap_or("").to_ascii_lowercase();
            match action.as_str() {
                "aws-actions/amazon-ecr-login" => push("amazon-ecr-login", &["ecr:GetAuthorizationToken"], "*"),
                "docker/build-push-action" if step.with.get("push").is_some_and(|p| p == "true") => {
                    for tag in step.with.get("tags").map(String::as_str).unwrap_or("").split([',', '\n']) {
                        match ecr_repository(tag.trim(), step) {
                            Ok(Some(arn)) => push("docker/build-push-action", &ECR_PUSH, &arn),
                            Ok(None) => {}
                            Err(why) => skipped.push((step.position, why)),
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(run) = &step.run {
            for cmd in commands(run) {
                match shell_request(&cmd, step, region_here.as_deref()) {
                    Ok(found) => {
                        for (via, actions, resource) in found {
                            push(via, &actions, &resource);
                        }
                    }
                    Err(why) => skipped.push((step.position, why)),
                }
            }
        }
        if step
            .uses
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("aws-actions/configure-aws-credentials"))
            && let Some(r) = step.with.get("aws-region")
        {
            region = Some(r.clone());
        }
    }
    (out, skipped)
}

/// SSE-KMS (#17.1): an object written to or read from a bucket whose default encryption is a
/// customer KMS key needs `kms:GenerateDataKey` (a write) or `kms:Decrypt` (a read) on that key
/// (S3 user guide, "Using server-side encryption with AWS KMS keys": permissions). `bucket_keys`:
/// bucket → its `KMSMasterKeyID`. A key named by id or alias is listed as not checked: the request
/// is on the key's ARN, which the bucket's configuration then does not say.
pub fn with_sse_kms(
    requests: Vec<JobRequest>,
    bucket_keys: &std::collections::BTreeMap<String, String>,
    skipped: &mut Vec<(usize, String)>,
) -> Vec<JobRequest> {
    let mut out = Vec::with_capacity(requests.len());
    let mut said = std::collections::HashSet::new();
    for r in requests {
        let kms = match r.action {
            "s3:PutObject" => Some("kms:GenerateDataKey"),
            "s3:GetObject" => Some("kms:Decrypt"),
            _ => None,
        };
        let bucket = crate::iam::arn::s3_bucket(&r.resource);
        let key = bucket.and_then(|b| bucket_keys.get(b));
        let extra = match (kms, key) {
            (Some(action), Some(key)) if key.starts_with("arn:aws:kms:") && key.contains(":key/") => {
                let kms = JobRequest { action, resource: key.clone(), ..r.clone() };
                let cli_upload =
                    r.action == "s3:PutObject" && matches!(r.tool, "aws s3 cp" | "aws s3 mv" | "aws s3 sync");
                let multipart =
                    cli_upload.then(|| JobRequest { action: "kms:Decrypt", only_if: Some(MULTIPART), ..kms.clone() });
                out.push(r);
                out.push(kms);
                out.extend(multipart);
                continue;
            }
            (Some(_), Some(key)) => {
                let why = format!(
                    "{} of s3://{}: the bucket's SSE-KMS key is named {key:?}, not by its ARN: its KMS permissions are not checked",
                    r.action,
                    bucket.unwrap_or("")
                );
                if said.insert((r.position, why.clone())) {
                    skipped.push((r.position, why));
                }
                None
            }
            _ => None,
        };
        out.push(r);
        out.extend(extra);
    }
    out
}

/// A script's commands: its lines, split at `&&`, `;` and `|`, continuation lines joined.
fn commands(run: &str) -> Vec<String> {
    run.replace("\\\n", " ")
        .lines()
        .flat_map(|l| {
            l.split("&&").flat_map(|c| c.split([';', '|'])).map(str::trim).map(str::to_string).collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty() && !c.starts_with('#'))
        .collect()
}

/// `$NAME` and `${NAME}` replaced from the step's env (a value the env does not give stays).
fn expand(word: &str, step: &StepText) -> String {
    let mut out = word.trim_matches(['"', '\'']).to_string();
    for (k, v) in &step.env {
        out = out.replace(&format!("${{{k}}}"), v).replace(&format!("${k}"), v);
    }
    out
}

type Found = Vec<(&'static str, Vec<&'static str>, String)>;

/// The AWS requests of one shell command, if it is one arcscope maps.
fn shell_request(cmd: &str, step: &StepText, region: Option<&str>) -> Result<Found, String> {
    let owned = shell_words(cmd);
    let words = global_options_last(owned.iter().map(String::as_str).collect());
    if words.first() == Some(&"aws")
        && let Some(profile) = words.iter().position(|w| *w == "--profile" || w.starts_with("--profile="))
    {
        let name = words[profile].strip_prefix("--profile=").or(words.get(profile + 1).copied()).unwrap_or("");
        return Err(format!("aws --profile {name}: its credentials are not the job's session: not checked"));
    }
    let mut found = Vec::new();
    match words.as_slice() {
        ["docker", "push", image, ..] => {
            if let Some(arn) = ecr_repository(image, step)? {
                found.push(("docker push", ECR_PUSH.to_vec(), arn));
            }
        }
        ["docker", "pull", image, ..] => {
            if let Some(arn) = ecr_repository(image, step)? {
                found.push(("docker pull", ECR_PULL.to_vec(), arn));
            }
        }
        ["docker", "buildx", "build", rest @ ..] | ["docker", "build", rest @ ..] if rest.contains(&"--push") => {
            let tags = rest.windows(2).filter(|w| w[0] == "-t" || w[0] == "--tag").map(|w| w[1]);
            for t in tags {
                if let Some(arn) = ecr_repository(t, step)? {
                    found.push(("docker buildx --push", ECR_PUSH.to_vec(), arn));
                }
            }
        }
        ["aws", "ecr", "get-login-password", ..] => {
            found.push(("aws ecr get-login-password", vec!["ecr:GetAuthorizationToken"], "*".into()))
        }
        ["aws", "s3", verb, args @ ..] => found.extend(s3_request(verb, args, step)?),
        ["aws", service, operation, args @ ..] if !service.starts_with('-') => {
            found.extend(cli::request(service, operation, args, step, region)?)
        }
        _ => {}
    }
    Ok(found)
}

/// A command's words, split at whitespace except inside a `${{ … }}` (one word, as the runner
/// substitutes it before the shell sees it).
fn shell_words(cmd: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in cmd.split_whitespace() {
        match out.last_mut() {
            Some(last) if last.rfind("${{").is_some_and(|open| !last[open..].contains("}}")) => {
                last.push(' ');
                last.push_str(w);
            }
            _ => out.push(w.to_string()),
        }
    }
    out
}

/// `aws [GLOBAL OPTIONS] SERVICE OPERATION ARGS` with the global options moved after the
/// operation, where the AWS CLI accepts them too (`aws --region eu-west-1 s3 cp …`).
fn global_options_last(words: Vec<&str>) -> Vec<&str> {
    const WITH_VALUE: [&str; 9] = [
        "--region",
        "--profile",
        "--output",
        "--endpoint-url",
        "--query",
        "--color",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
    ];
    if words.first() != Some(&"aws") {
        return words;
    }
    let (mut head, mut globals) = (vec!["aws"], Vec::new());
    let mut i = 1;
    while i < words.len() && words[i].starts_with("--") {
        globals.push(words[i]);
        if WITH_VALUE.contains(&words[i]) && i + 1 < words.len() {
            globals.push(words[i + 1]);
            i += 1;
        }
        i += 1;
    }
    head.extend_from_slice(&words[i..]);
    head.extend(globals);
    head
}

/// `aws s3 <verb>`: the S3 actions on the bucket and object ARNs of its `s3://` arguments (the
/// AWS CLI's s3 commands, by the API calls each makes: Service Authorization Reference, S3).
fn s3_request(verb: &str, args: &[&str], step: &StepText) -> Result<Found, String> {
    let uris: Vec<(usize, String)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.trim_matches(['"', '\'']).starts_with("s3://"))
        .map(|(i, a)| (i, expand(a, step)))
        .collect();
    if uris.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Found = Vec::new();
    for (i, uri) in &uris {
        if has_expression(uri) || uri.contains('$') {
            return Err(format!("aws s3 {verb}: {uri} is known only at run time"));
        }
        let rest = &uri["s3://".len()..];
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let objects = format!(
            "arn:aws:s3:::{bucket}/{}",
            if key.is_empty() || key.ends_with('/') { format!("{key}*") } else { key.to_string() }
        );
        let bucket_arn = format!("arn:aws:s3:::{bucket}");
        // `cp`/`mv`/`sync SRC DST`: the second positional argument is where the data goes.
        let positionals: Vec<usize> = (0..args.len()).filter(|&j| !args[j].starts_with('-')).collect();
        let is_dest = positionals.len() >= 2 && *i == positionals[1];
        let via = match verb {
            "cp" => "aws s3 cp",
            "mv" => "aws s3 mv",
            "sync" => "aws s3 sync",
            "rm" => "aws s3 rm",
            "ls" => "aws s3 ls",
            _ => return Err(format!("aws s3 {verb}: not a command arcscope maps")),
        };
        match (verb, is_dest) {
            ("cp" | "mv" | "sync", true) => found.push((via, vec!["s3:PutObject"], objects.clone())),
            ("cp" | "mv" | "sync", false) => found.push((via, vec!["s3:GetObject"], objects.clone())),
            ("rm", _) => found.push((via, vec!["s3:DeleteObject"], objects.clone())),
            _ => {}
        }
        if verb == "mv" && !is_dest {
            found.push((via, vec!["s3:DeleteObject"], objects.clone()));
        }
        if verb == "sync" && args.contains(&"--delete") && is_dest {
            found.push((via, vec!["s3:DeleteObject"], objects.clone()));
        }
        if matches!(verb, "sync" | "ls") || args.contains(&"--recursive") {
            found.push((via, vec!["s3:ListBucket"], bucket_arn));
        }
    }
    Ok(found)
}

/// The repository ARN of an ECR image URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG]`).
/// `Ok(None)`: not an ECR image (Docker Hub, GHCR…); `Err`: an ECR image whose registry or
/// repository is known only at run time.
fn ecr_repository(image: &str, step: &StepText) -> Result<Option<String>, String> {
    let image = expand(image, step);
    let (registry, path) = match image.split_once('/') {
        Some(x) => x,
        None => return Ok(None),
    };
    let repo = path.split(['@']).next().unwrap_or(path);
    let repo = match repo.rsplit_once(':') {
        Some((r, _tag)) => r,
        None => repo,
    };
    if has_expression(registry) || registry.contains('$') || has_expression(repo) || repo.contains('$') {
        if registry.contains("dkr.ecr") || registry.contains('$') || has_expression(registry) {
            return Err(format!("{image}: the registry or repository is known only at run time"));
        }
        return Ok(None);
    }
    let parts: Vec<&str> = registry.split('.').collect();
    match parts.as_slice() {
        [account, "dkr", "ecr", region, "amazonaws", "com"] if account.len() == 12 => {
            Ok(Some(format!("arn:aws:ecr:{region}:{account}:repository/{repo}")))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn step(uses: Option<&str>, run: Option<&str>, with: &[(&str, &str)], env: &[(&str, &str)]) -> StepText {
        let m = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        StepText {
            position: 3,
            name: None,
            uses: uses.map(str::to_string),
            run: run.map(str::to_string),
            with: m(with),
            env: m(env),
        }
    }

    fn job(steps: Vec<StepText>) -> Job {
        Job {
            id: "j".into(),
            name: None,
            runs_on: vec![],
            id_token_write: false,
            aws_steps: vec![],
            ecr_logins: vec![],
            container: None,
            steps,
        }
    }

    #[test]
    fn ecr_login_push_and_pull_map_to_ecrs_actions_on_the_repository() {
        let (r, skipped) = job_requests(&job(vec![
            step(Some("aws-actions/amazon-ecr-login@v2"), None, &[], &[]),
            step(
                None,
                Some("docker buildx build -t \"$REGISTRY/payments-api:$GITHUB_SHA\" --push ."),
                &[],
                &[("REGISTRY", "111122223333.dkr.ecr.eu-west-1.amazonaws.com")],
            ),
            step(
                None,
                Some("docker pull 111122223333.dkr.ecr.eu-west-1.amazonaws.com/base:1 && docker push ghcr.io/x/y:1"),
                &[],
                &[],
            ),
        ]));
        assert!(skipped.is_empty(), "{skipped:?}");
        let actions: Vec<(&str, &str)> = r.iter().map(|q| (q.action, q.resource.as_str())).collect();
        assert_eq!(actions[0], ("ecr:GetAuthorizationToken", "*"));
        assert_eq!(
            actions[1],
            ("ecr:BatchCheckLayerAvailability", "arn:aws:ecr:eu-west-1:111122223333:repository/payments-api")
        );
        assert_eq!(actions.iter().filter(|(a, _)| *a == "ecr:PutImage").count(), 1);
        assert!(actions.contains(&("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111122223333:repository/base")));
        assert!(!actions.iter().any(|(_, r)| r.contains("ghcr")), "not ECR: not an AWS request");
    }

    #[test]
    fn an_expression_in_the_registry_is_not_checked_a_tag_is_fine() {
        let (r, skipped) = job_requests(&job(vec![step(
            Some("docker/build-push-action@v6"),
            None,
            &[
                ("push", "true"),
                (
                    "tags",
                    "${{ steps.login.outputs.registry }}/app:1\n111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:${{ github.sha }}",
                ),
            ],
            &[],
        )]));
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].1.contains("known only at run time"));
        assert_eq!(r.iter().filter(|q| q.action == "ecr:PutImage").count(), 1);
    }

    #[test]
    fn aws_s3_commands_map_to_their_s3_actions() {
        let (r, _) = job_requests(&job(vec![step(
            None,
            Some("aws s3 sync site/ s3://my-org-docs/ --delete\naws s3 cp s3://data/in.csv ./in.csv"),
            &[],
            &[],
        )]));
        let got: Vec<(&str, &str)> = r.iter().map(|q| (q.action, q.resource.as_str())).collect();
        assert!(got.contains(&("s3:PutObject", "arn:aws:s3:::my-org-docs/*")), "{got:?}");
        assert!(got.contains(&("s3:DeleteObject", "arn:aws:s3:::my-org-docs/*")), "{got:?}");
        assert!(got.contains(&("s3:ListBucket", "arn:aws:s3:::my-org-docs")), "{got:?}");
        assert!(got.contains(&("s3:GetObject", "arn:aws:s3:::data/in.csv")), "{got:?}");
    }

    #[test]
    fn an_expression_is_one_word() {
        assert_eq!(
            shell_words("aws s3 cp x s3://b/${{ vars.X }}/y --quiet"),
            ["aws", "s3", "cp", "x", "s3://b/${{ vars.X }}/y", "--quiet"]
        );
        assert_eq!(shell_words("echo ${{ unclosed"), ["echo", "${{ unclosed"]);
    }

    #[test]
    fn global_options_before_the_service_and_the_jobs_region_are_understood() {
        let (r, skipped) = job_requests(&job(vec![
            step(Some("aws-actions/configure-aws-credentials@v4"), None, &[("aws-region", "eu-west-1")], &[]),
            step(
                None,
                Some(
                    "aws --region us-east-2 s3 cp out.tar s3://b/out.tar\naws --no-cli-pager lambda invoke --function-name f out.json",
                ),
                &[],
                &[],
            ),
            step(None, Some("aws --profile other s3 ls s3://b/"), &[], &[]),
        ]));
        let got: Vec<(&str, &str)> = r.iter().map(|q| (q.action, q.resource.as_str())).collect();
        assert!(got.contains(&("s3:PutObject", "arn:aws:s3:::b/out.tar")), "{got:?}");
        // configure-aws-credentials' aws-region is the region of the steps after it.
        assert!(got.contains(&("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:{account}:function:f")), "{got:?}");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].1.contains("--profile other"), "another profile is not the job's session: {skipped:?}");
    }

    #[test]
    fn sse_kms_buckets_add_the_key_request_and_a_key_named_by_alias_is_not_checked() {
        let (r, mut skipped) = job_requests(&job(vec![step(
            None,
            Some("aws s3 cp out.tar s3://enc/out.tar\naws s3 cp s3://enc/in.csv .\naws s3 cp x s3://alias-bucket/x"),
            &[],
            &[],
        )]));
        let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_string();
        let keys = [("enc".to_string(), key.clone()), ("alias-bucket".to_string(), "alias/release".to_string())].into();
        let r = with_sse_kms(r, &keys, &mut skipped);
        let got: Vec<(&str, &str)> = r.iter().map(|q| (q.action, q.resource.as_str())).collect();
        assert!(got.contains(&("kms:GenerateDataKey", key.as_str())), "{got:?}");
        assert!(got.contains(&("kms:Decrypt", key.as_str())), "{got:?}");
        // The upload by `aws s3 cp` may be multipart: kms:Decrypt too, only if it is.
        let multipart: Vec<&JobRequest> = r.iter().filter(|q| q.only_if.is_some()).collect();
        assert_eq!(multipart.len(), 1, "{r:?}");
        assert_eq!(multipart[0].action, "kms:Decrypt");
        assert!(multipart[0].via.ends_with("(aws s3 cp)"), "{:?}", multipart[0]);
        assert_eq!(got.iter().filter(|(a, _)| a.starts_with("kms:")).count(), 3, "{got:?}");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].1.contains("\"alias/release\", not by its ARN"), "{skipped:?}");
    }
}
