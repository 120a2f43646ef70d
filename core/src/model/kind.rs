//! The Kubernetes kinds arcscope reads: the core kinds a runner's identity depends on and ARC's
//! own (`actions.github.com`), with where each is listed and watched.

use std::fmt;

/// A kind arcscope stores and shows. Secrets are not one: they are never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Pod,
    ServiceAccount,
    Namespace,
    Event,
    AutoscalingRunnerSet,
    EphemeralRunnerSet,
    EphemeralRunner,
    AutoscalingListener,
}

/// ARC's API group and version.
const ARC_API: &str = "/apis/actions.github.com/v1alpha1";

impl Kind {
    /// Every kind arcscope reads.
    pub const ALL: [Kind; 8] = [
        Kind::Pod,
        Kind::ServiceAccount,
        Kind::Namespace,
        Kind::Event,
        Kind::AutoscalingRunnerSet,
        Kind::EphemeralRunnerSet,
        Kind::EphemeralRunner,
        Kind::AutoscalingListener,
    ];

    /// The kinds the live view lists and watches, in this order.
    pub const WATCHED: [Kind; 7] = [
        Kind::Pod,
        Kind::ServiceAccount,
        Kind::Event,
        Kind::AutoscalingRunnerSet,
        Kind::EphemeralRunnerSet,
        Kind::EphemeralRunner,
        Kind::AutoscalingListener,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::Namespace => "Namespace",
            Kind::Event => "Event",
            Kind::AutoscalingRunnerSet => "AutoscalingRunnerSet",
            Kind::EphemeralRunnerSet => "EphemeralRunnerSet",
            Kind::EphemeralRunner => "EphemeralRunner",
            Kind::AutoscalingListener => "AutoscalingListener",
        }
    }

    /// ARC's kinds, in the `actions.github.com` group.
    pub fn is_arc(self) -> bool {
        matches!(
            self,
            Kind::AutoscalingRunnerSet | Kind::EphemeralRunnerSet | Kind::EphemeralRunner | Kind::AutoscalingListener
        )
    }

    /// The kind an object's `kind` and `apiVersion` name: ARC's kinds only in ARC's group, the
    /// core kinds only outside it (a CRD of another group may reuse a name).
    pub fn of(kind: &str, api_version: &str) -> Option<Kind> {
        let k = Kind::ALL.into_iter().find(|k| k.as_str() == kind)?;
        (k.is_arc() == api_version.starts_with("actions.github.com/")).then_some(k)
    }

    /// The API path of the kind's collection (`/api/v1`, ARC's group).
    pub fn api(self) -> &'static str {
        if self.is_arc() { ARC_API } else { "/api/v1" }
    }

    /// The `apiVersion` of its objects.
    pub fn api_version(self) -> &'static str {
        if self.is_arc() { "actions.github.com/v1alpha1" } else { "v1" }
    }

    /// The resource name in a URL (`pods`, `autoscalingrunnersets`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::ServiceAccount => "serviceaccounts",
            Kind::Namespace => "namespaces",
            Kind::Event => "events",
            Kind::AutoscalingRunnerSet => "autoscalingrunnersets",
            Kind::EphemeralRunnerSet => "ephemeralrunnersets",
            Kind::EphemeralRunner => "ephemeralrunners",
            Kind::AutoscalingListener => "autoscalinglisteners",
        }
    }

    /// Kinds a chain is resolved from (the rest are shown beside the chains).
    pub fn shapes_chains(self) -> bool {
        matches!(self, Kind::Pod | Kind::ServiceAccount | Kind::EphemeralRunner | Kind::AutoscalingRunnerSet)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn a_kind_is_read_only_in_its_own_group() {
        assert_eq!(Kind::of("Pod", "v1"), Some(Kind::Pod));
        assert_eq!(Kind::of("EphemeralRunner", "actions.github.com/v1alpha1"), Some(Kind::EphemeralRunner));
        assert_eq!(Kind::of("EphemeralRunner", "example.com/v1"), None, "another group's kind of that name");
        assert_eq!(Kind::of("Pod", "actions.github.com/v1alpha1"), None);
        assert_eq!(Kind::of("Secret", "v1"), None, "never read");
        for k in Kind::WATCHED {
            assert_eq!(Kind::of(k.as_str(), if k.is_arc() { "actions.github.com/v1alpha1" } else { "v1" }), Some(k));
        }
    }
}
