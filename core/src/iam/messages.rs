//! The error text AWS prints for a denial (iam-rules §5), in the documented form and in the
//! bare form STS really prints for trust-side denials.

use super::eval::{Decision, Layer};

/// `(message as STS likely prints it, message in the documented form)`.
pub fn access_denied(caller: &str, action: &str, resource: &str, decision: Decision, layer: Layer) -> (String, String) {
    let head = format!("User: {caller} is not authorized to perform: {action} on resource: {resource}");
    let documented = match (decision, layer) {
        (Decision::ExplicitDeny, Layer::TrustPolicy) => {
            format!("{head} with an explicit deny in the role trust policy")
        }
        (Decision::ExplicitDeny, Layer::IdentityPolicy) => {
            format!("{head} with an explicit deny in an identity-based policy")
        }
        (Decision::ExplicitDeny, Layer::PermissionsBoundary) => {
            format!("{head} with an explicit deny in a permissions boundary")
        }
        (Decision::ExplicitDeny, Layer::SessionPolicy) => {
            format!("{head} with an explicit deny in a session policy")
        }
        (Decision::ExplicitDeny, Layer::ResourcePolicy) => {
            format!("{head} with an explicit deny in a resource-based policy")
        }
        (_, Layer::ResourcePolicy) => {
            format!("{head} because no resource-based policy allows the {action} action")
        }
        // SCP denials read "explicit deny" even when implicit (R3).
        (_, Layer::Scp) => format!("{head} with an explicit deny in a service control policy"),
        (_, Layer::Rcp) => format!("{head} with an explicit deny in a resource control policy"),
        (_, Layer::TrustPolicy) => {
            format!("{head} because no role trust policy allows the {action} action")
        }
        (_, Layer::IdentityPolicy) => {
            format!("{head} because no identity-based policy allows the {action} action")
        }
        (_, Layer::PermissionsBoundary) => {
            format!("{head} because no permissions boundary allows the {action} action")
        }
        (_, Layer::SessionPolicy) => {
            format!("{head} because no session policy allows the {action} action")
        }
    };
    // [obs] trust-side denials are frequently bare (§5).
    let likely = if layer == Layer::TrustPolicy { head } else { documented.clone() };
    (likely, documented)
}

/// AssumeRoleWithWebIdentity denied by the trust policy [obs].
pub const WEB_IDENTITY_DENIED: &str = "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity";
/// R22 token pre-check: no IAM OIDC provider for the issuer in the role's account [obs].
pub fn no_oidc_provider(issuer: &str) -> String {
    format!(
        "InvalidIdentityToken: No OpenIDConnect provider found in your account for https://{}",
        super::arn::issuer_host_path(issuer)
    )
}

/// R22 token pre-check: the token's `aud` is not a client ID of the provider [obs].
pub const INCORRECT_AUDIENCE: &str = "InvalidIdentityToken: Incorrect token audience";

/// R18 [obs text].
pub const CHAINING_DURATION: &str = "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";

pub const MAX_SESSION_DURATION: &str =
    "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_denial_has_bare_and_documented_forms() {
        let (bare, doc) = access_denied(
            "arn:aws:sts::1:assumed-role/b/s",
            "sts:TagSession",
            "arn:aws:iam::1:role/t",
            Decision::ImplicitDeny,
            Layer::TrustPolicy,
        );
        assert_eq!(
            bare,
            "User: arn:aws:sts::1:assumed-role/b/s is not authorized to perform: sts:TagSession on resource: arn:aws:iam::1:role/t"
        );
        assert!(doc.ends_with("because no role trust policy allows the sts:TagSession action"));
        let (likely, _) = access_denied("u", "sts:AssumeRole", "r", Decision::ImplicitDeny, Layer::IdentityPolicy);
        assert!(likely.ends_with("because no identity-based policy allows the sts:AssumeRole action"));
        let (_, doc) = access_denied("u", "a", "r", Decision::ImplicitDeny, Layer::Scp);
        assert!(doc.ends_with("with an explicit deny in a service control policy"));
    }

    #[test]
    fn provider_message_uses_https_issuer() {
        assert_eq!(
            no_oidc_provider("oidc.eks.eu-west-1.amazonaws.com/id/X"),
            "InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/X"
        );
    }
}
