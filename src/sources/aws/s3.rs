//! Live S3 and KMS (#17.1, #17.2): for every bucket a job request names, its region
//! (`s3:GetBucketLocation`), its own policy (`s3:GetBucketPolicy`) and default encryption
//! (`s3:GetBucketEncryption`); for a customer KMS key found there, the key's policy
//! (`kms:GetKeyPolicy`, in the key's region). Each as the AWS CLI prints it, at the bundle paths
//! that name the bucket or the key, so an export decides as live did.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::{Value, json};

use super::{AccountLoad, Aws, read_error};

/// The buckets of every job request step (`arn:aws:s3:::BUCKET[/KEY]`), valid names only.
pub(super) fn buckets(inv: &crate::model::Inventory, opts: &crate::chain::CheckOptions) -> Vec<String> {
    let chains = crate::chain::resolve_all(inv, opts).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for step in chains.iter().flat_map(|c| c.steps.iter()).filter(|s| s.action.starts_with("s3:")) {
        let Some(bucket) = crate::iam::arn::s3_bucket(&step.resource) else {
            continue;
        };
        if valid_bucket(bucket) && !out.iter().any(|b| b == bucket) {
            out.push(bucket.to_string());
        }
    }
    out
}

/// S3's bucket naming rules: 3–63 of `a-z 0-9 . -`, starting and ending with a letter or digit.
fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric()
        && !b.contains("..")
}

/// `s3:ListBuckets` of `account`, every page, as `aws s3api list-buckets` prints it, at
/// `s3/<account>/list-buckets.json`; unreadable, the buckets' owners stay unknown (said as an
/// assumption on their steps).
async fn list_buckets(aws: &Aws, account: &str, load: &mut AccountLoad) {
    let mut names: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match aws.s3.list_buckets().set_continuation_token(token.take()).send().await {
            Ok(out) => {
                names.extend(out.buckets().iter().filter_map(|b| b.name()).map(|n| json!({"Name": n})));
                match out.continuation_token() {
                    Some(t) if !t.is_empty() && names.len() < 1_000_000 => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Err(e) => {
                let e = read_error("s3:ListBuckets", account, e);
                load.warnings.push(format!("{e}: which account owns each bucket is not known"));
                return;
            }
        }
    }
    let doc = json!({"Buckets": names, "Owner": {}});
    load.documents.push((format!("s3/{account}/list-buckets.json"), doc));
}

/// A region override for one call.
fn s3_region(region: &str) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::default().region(aws_sdk_s3::config::Region::new(region.to_string()))
}

/// Location, policy and encryption of each bucket (the caller's client: a bucket names no account).
pub(super) async fn bucket_documents(clients: &[(String, Aws)], buckets: &[String]) -> AccountLoad {
    let mut load = AccountLoad::default();
    if buckets.is_empty() {
        return load;
    }
    // Whose buckets they are (an S3 ARN names no account): every account read lists its own.
    for (account, aws) in clients {
        list_buckets(aws, account, &mut load).await;
    }
    let aws = &clients[0].1;
    for bucket in buckets {
        let region = match aws.s3.get_bucket_location().bucket(bucket).send().await {
            // No constraint is us-east-1; `EU` is eu-west-1 (S3 API reference, GetBucketLocation).
            Ok(out) => match out.location_constraint().map(|c| c.as_str().to_string()) {
                None => "us-east-1".to_string(),
                Some(c) if c.is_empty() => "us-east-1".to_string(),
                Some(c) if c == "EU" => "eu-west-1".to_string(),
                Some(c) => c,
            },
            Err(e) => {
                let e = read_error("s3:GetBucketLocation", bucket, e);
                load.warnings.push(format!("{e}: the job's requests on s3://{bucket} are decided without its policy"));
                continue;
            }
        };
        let policy = aws.s3.get_bucket_policy().bucket(bucket).customize().config_override(s3_region(&region)).send();
        match policy.await {
            Ok(out) => {
                if let Some(text) = out.policy() {
                    load.documents.push((format!("s3/{bucket}/bucket-policy.json"), json!({"Policy": text})));
                }
            }
            // No policy of its own: in the same account only the principal's side decides (R4);
            // across accounts nothing on the bucket's side allows (R9). Kept, so an export says so.
            Err(e) if e.code() == Some("NoSuchBucketPolicy") => {
                let body = json!({"Error": {"Code": "NoSuchBucketPolicy", "Message": e.message()}});
                load.documents.push((format!("s3/{bucket}/bucket-policy.json"), body));
            }
            Err(e) => {
                let e = read_error("s3:GetBucketPolicy", bucket, e);
                load.warnings.push(format!("{e}: the job's requests on s3://{bucket} are decided without its policy"));
            }
        }
        let encryption =
            aws.s3.get_bucket_encryption().bucket(bucket).customize().config_override(s3_region(&region)).send();
        match encryption.await {
            Ok(out) => {
                let rules: Vec<Value> = out
                    .server_side_encryption_configuration()
                    .map(|c| c.rules())
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        let d = r.apply_server_side_encryption_by_default();
                        json!({
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": d.map(|d| d.sse_algorithm().as_str()),
                                "KMSMasterKeyID": d.and_then(|d| d.kms_master_key_id()),
                            },
                            "BucketKeyEnabled": r.bucket_key_enabled(),
                        })
                    })
                    .collect();
                let doc = json!({"ServerSideEncryptionConfiguration": {"Rules": rules}});
                load.documents.push((format!("s3/{bucket}/bucket-encryption.json"), doc));
            }
            Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {}
            Err(e) => {
                let e = read_error("s3:GetBucketEncryption", bucket, e);
                load.warnings.push(format!(
                    "{e}: whether s3://{bucket} encrypts with a KMS key (and the job needs that key) is not checked"
                ));
            }
        }
    }
    load
}

/// The customer KMS keys (by ARN) the read buckets encrypt with.
pub(super) fn bucket_key_arns(inv: &crate::model::Inventory, buckets: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = buckets
        .iter()
        .filter_map(|b| inv.bucket_keys.get(b))
        .filter(|k| k.starts_with("arn:aws:kms:") && k.contains(":key/"))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// `get-key-policy --policy-name default` for each key, in its region, with its account's client.
pub(super) async fn key_policies(clients: &[(String, Aws)], keys: &[String]) -> AccountLoad {
    let mut load = AccountLoad::default();
    for arn in keys {
        let parts: Vec<&str> = arn.split(':').collect();
        let (Some(region), Some(account), Some(id)) =
            (parts.get(3), parts.get(4), parts.get(5).and_then(|r| r.strip_prefix("key/")))
        else {
            continue;
        };
        let safe = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !(safe(region) && safe(account) && safe(id)) {
            continue;
        }
        let aws = clients.iter().find(|(a, _)| a == account).map_or(&clients[0].1, |(_, aws)| aws);
        let conf = aws_sdk_kms::config::Builder::default().region(aws_sdk_kms::config::Region::new(region.to_string()));
        let call = aws.kms.get_key_policy().key_id(arn).policy_name("default").customize().config_override(conf).send();
        match call.await {
            Ok(out) => {
                let doc = json!({"Policy": out.policy(), "PolicyName": out.policy_name().unwrap_or("default")});
                load.documents.push((format!("kms/{account}/{region}/{id}.json"), doc));
            }
            Err(e) => {
                let e = read_error("kms:GetKeyPolicy", arn, e);
                load.warnings.push(format!("{e}: the job's requests on key {id} say unknown (its policy must allow)"));
            }
        }
    }
    load
}
