//! Resources' own policies in a bundle (#17.2): ECR repository policies, S3 bucket policies,
//! encryption and owners, KMS key policies — each an AWS CLI output whose path names what the
//! output does not (the bucket, the key, the account).

use serde_json::Value;

use super::{BundleError, account_in_path, err, is_region, s};
use crate::model::Inventory;

/// A resource's own policy (#17.2): `aws ecr get-repository-policy` (`registryId`,
/// `repositoryName`, `policyText`; the region from a path component like `eu-west-1`, else any
/// region), and `aws s3api get-bucket-policy` (`Policy` alone; the output names no bucket, so the
/// file does: `s3/<bucket>/…`).
pub(super) fn resource_policy_document(inv: &mut Inventory, file: &str, doc: &Value) -> Result<bool, BundleError> {
    let parse = |text: &str| {
        crate::iam::policy::PolicyDocument::from_text(text).map_err(|e| err(file, format!("the policy: {e}")))
    };
    if let (Some(account), Some(repo), Some(text)) =
        (s(doc, "registryId"), s(doc, "repositoryName"), s(doc, "policyText"))
    {
        let region = file.split(['/', '\\']).find(|c| is_region(c)).unwrap_or("*");
        let arn = format!("arn:aws:ecr:{region}:{account}:repository/{repo}");
        inv.resource_policies.insert(arn, (format!("{repo} repository policy"), parse(text)?));
        return Ok(true);
    }
    let parts: Vec<&str> = file.split(['/', '\\', ':']).collect();
    // `aws kms get-key-policy` (`Policy`, and `PolicyName` from newer CLIs): the output names no
    // key, so the path does: `kms/<account>/<region>/<key id>.json`.
    let policy_only = doc.as_object().is_some_and(|o| o.keys().all(|k| k == "Policy" || k == "PolicyName"));
    if policy_only && s(doc, "Policy").is_some() && parts.contains(&"kms") {
        let key = parts.iter().map(|c| c.trim_end_matches(".json")).find(|c| is_key_id(c));
        let (Some(account), Some(region), Some(key)) =
            (account_in_path(file), parts.iter().find(|c| is_region(c)), key)
        else {
            inv.warnings.push(format!(
                "{file}: looks like `aws kms get-key-policy` output, which names no key: put it at kms/<account>/<region>/<key id>.json to use it"
            ));
            return Ok(false);
        };
        let text = s(doc, "Policy").unwrap_or("");
        inv.resource_policies.insert(
            format!("arn:aws:kms:{region}:{account}:key/{key}"),
            (format!("key {key} key policy"), parse(text)?),
        );
        return Ok(true);
    }
    // `aws s3api list-buckets`: the calling account's buckets; the output names no account, so the
    // path does: `s3/<account>/list-buckets.json`. An S3 ARN names no account: this says whose.
    if let (Some(buckets), true) = (doc.get("Buckets").and_then(Value::as_array), doc.get("Owner").is_some()) {
        let Some(account) = account_in_path(file) else {
            inv.warnings.push(format!(
                "{file}: looks like `aws s3api list-buckets` output, which names no account: put it at s3/<account>/list-buckets.json to use it"
            ));
            return Ok(false);
        };
        let names = buckets.iter().filter_map(|b| s(b, "Name")).map(str::to_string);
        inv.buckets_listed.entry(account.to_string()).or_default().extend(names);
        return Ok(true);
    }
    let bucket =
        parts.iter().position(|c| *c == "s3").and_then(|i| parts.get(i + 1)).map(|b| b.trim_end_matches(".json"));
    let bucket = bucket.filter(|b| !b.is_empty());
    // `aws s3api get-bucket-encryption`: a customer KMS key as the default makes every object
    // write and read a KMS request too (#17.1).
    if let Some(rules) = doc.pointer("/ServerSideEncryptionConfiguration/Rules").and_then(Value::as_array) {
        let Some(bucket) = bucket else {
            inv.warnings.push(format!(
                "{file}: looks like `aws s3api get-bucket-encryption` output, which names no bucket: put it at s3/<bucket>/bucket-encryption.json to use it"
            ));
            return Ok(false);
        };
        for rule in rules {
            let default = rule.get("ApplyServerSideEncryptionByDefault");
            let kms = default.and_then(|d| s(d, "SSEAlgorithm")).is_some_and(|a| a.starts_with("aws:kms"));
            // No key named: the AWS managed key aws/s3, whose policy lets the account's principals
            // use it through S3.
            if let (true, Some(key)) = (kms, default.and_then(|d| s(d, "KMSMasterKeyID"))) {
                inv.bucket_keys.insert(bucket.to_string(), key.to_string());
            }
        }
        return Ok(true);
    }
    if policy_only && doc.as_object().is_some_and(|o| o.len() == 1) && s(doc, "Policy").is_some() {
        let Some(bucket) = bucket else {
            inv.warnings.push(format!(
                "{file}: looks like `aws s3api get-bucket-policy` output, which names no bucket: put it at s3/<bucket>/bucket-policy.json to use it"
            ));
            return Ok(false);
        };
        let text = s(doc, "Policy").unwrap_or("");
        inv.resource_policies
            .insert(format!("arn:aws:s3:::{bucket}"), (format!("{bucket} bucket policy"), parse(text)?));
        return Ok(true);
    }
    // `NoSuchBucketPolicy` (S3's error, as JSON) at s3/<bucket>/bucket-policy.json: the bucket has
    // no policy — a definite answer (across accounts nothing on its side allows), not "not read".
    let code = s(doc, "__type").or_else(|| doc.pointer("/Error/Code").and_then(Value::as_str));
    if let (Some("NoSuchBucketPolicy"), Some(bucket)) = (code, bucket.filter(|_| file.ends_with("bucket-policy.json")))
    {
        let none = parse(r#"{"Version": "2012-10-17", "Statement": []}"#)?;
        inv.resource_policies
            .insert(format!("arn:aws:s3:::{bucket}"), (format!("{bucket} bucket policy (none)"), none));
        return Ok(true);
    }
    Ok(false)
}

/// A KMS key id: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region key's `mrk-…`.
fn is_key_id(c: &str) -> bool {
    let uuid = c.len() == 36
        && c.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && c.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let mrk = c.strip_prefix("mrk-").is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_hexdigit()));
    uuid || mrk
}
