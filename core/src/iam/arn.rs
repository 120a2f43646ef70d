//! ARNs of the IAM and STS principals a chain touches.

/// A parsed `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let partition = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    if partition.is_empty() || service.is_empty() {
        return None;
    }
    Some(Arn { partition, service, region, account, resource })
}

/// An IAM role named by its ARN: `arn:aws:iam::A:role/path/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    pub partition: String,
    pub account: String,
    /// `/` or `/path/…/`.
    pub path: String,
    pub name: String,
}

impl RoleArn {
    pub fn parse(arn: &str) -> Option<RoleArn> {
        let a = parse(arn)?;
        if a.service != "iam" || !is_account_id(a.account) {
            return None;
        }
        let rest = a.resource.strip_prefix("role/")?;
        let (path, name) = match rest.rfind('/') {
            Some(i) => (format!("/{}/", &rest[..i]), &rest[i + 1..]),
            None => ("/".to_string(), rest),
        };
        if name.is_empty() || name.contains(['*', '?']) {
            return None;
        }
        Some(RoleArn {
            partition: a.partition.to_string(),
            account: a.account.to_string(),
            path,
            name: name.to_string(),
        })
    }

    pub fn arn(&self) -> String {
        format!("arn:{}:iam::{}:role{}{}", self.partition, self.account, self.path, self.name)
    }

    /// The ARN an assumed-role session of this role has (no path; R36).
    pub fn session_arn(&self, session: &str) -> String {
        format!("arn:{}:sts::{}:assumed-role/{}/{}", self.partition, self.account, self.name, session)
    }
}

/// The bucket of an S3 bucket or object ARN (`arn:aws:s3:::BUCKET[/KEY]`): an S3 ARN names no
/// account or region, only the bucket.
pub fn s3_bucket(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:aws:s3:::")?.split('/').next()
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Service-linked roles are exempt from SCPs (R3; recognised by name prefix like PMapper).
pub fn is_service_linked(role_name: &str) -> bool {
    role_name.starts_with("AWSServiceRoleFor")
}

/// A raw unique ID in a trust policy (`AROA…` role, `AIDA…` user) means the entity was deleted (R10).
pub fn looks_like_unique_id(s: &str) -> bool {
    (s.starts_with("AROA") || s.starts_with("AIDA")) && s.len() >= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `https://oidc.eks.eu-west-1.amazonaws.com/id/X` → `oidc.eks.eu-west-1.amazonaws.com/id/X`.
pub fn issuer_host_path(issuer: &str) -> &str {
    let s = issuer.trim().trim_end_matches('/');
    s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).unwrap_or(s)
}

pub fn oidc_provider_arn(partition: &str, account: &str, issuer: &str) -> String {
    format!("arn:{partition}:iam::{account}:oidc-provider/{}", issuer_host_path(issuer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_with_paths() {
        let r = RoleArn::parse("arn:aws:iam::111122223333:role/ci/arc-runner-base").unwrap();
        assert_eq!(r.path, "/ci/");
        assert_eq!(r.name, "arc-runner-base");
        assert_eq!(r.arn(), "arn:aws:iam::111122223333:role/ci/arc-runner-base");
        assert_eq!(r.session_arn("s"), "arn:aws:sts::111122223333:assumed-role/arc-runner-base/s");
        assert!(RoleArn::parse("arn:aws:iam::111122223333:oidc-provider/x").is_none());
        assert!(RoleArn::parse("arn:aws:iam::***:role/x").is_none());
        assert!(RoleArn::parse("not an arn").is_none());
    }

    #[test]
    fn unique_ids_r10() {
        assert!(looks_like_unique_id("AROA3XFRBF535PLBIFPI4"));
        assert!(!looks_like_unique_id("arn:aws:iam::1:role/x"));
    }

    #[test]
    fn issuers() {
        assert_eq!(
            oidc_provider_arn("aws", "111122223333", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/"),
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        );
    }
}
