//! Which EKS cluster a kubeconfig context is (#17.4): `aws eks update-kubeconfig` names the
//! cluster entry by the cluster's ARN (`arn:aws:eks:REGION:ACCOUNT:cluster/NAME`) and its user runs
//! `aws eks get-token --cluster-name NAME` (or `aws-iam-authenticator token -i NAME`). Read without
//! connecting and without running the credential plugin.

use std::path::Path;

/// An EKS cluster to read from the EKS API: its name, and its region when the kubeconfig says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksCluster {
    pub name: String,
    pub region: Option<String>,
}

/// The EKS cluster of `context` (else the current context) in `kubeconfig` (else `KUBECONFIG`,
/// then `~/.kube/config`), if the kubeconfig says which.
pub fn eks_cluster(kubeconfig: Option<&Path>, context: Option<&str>) -> Option<EksCluster> {
    use kube::config::Kubeconfig;
    let kc = match kubeconfig {
        Some(p) => Kubeconfig::read_from(p).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    let name = context.map(str::to_string).or(kc.current_context.clone())?;
    let ctx = kc.contexts.iter().find(|c| c.name == name)?.context.as_ref()?;
    if let Some(found) = from_arn(&ctx.cluster) {
        return Some(found);
    }
    let user = ctx.user.as_deref()?;
    let exec = kc.auth_infos.iter().find(|a| a.name == user)?.auth_info.as_ref()?.exec.as_ref()?;
    let args = exec.args.as_deref().unwrap_or_default();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let name = value("--cluster-name").or_else(|| value("-i")).or_else(|| value("--cluster-id"))?;
    let region = value("--region");
    valid_name(&name).then_some(EksCluster { name, region })
}

/// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`.
fn from_arn(arn: &str) -> Option<EksCluster> {
    let rest = arn.strip_prefix("arn:aws:eks:")?;
    let mut parts = rest.splitn(3, ':');
    let (region, _account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    let name = resource.strip_prefix("cluster/")?;
    valid_name(name).then(|| EksCluster { name: name.to_string(), region: Some(region.to_string()) })
}

/// EKS cluster names: 1–100 of letters, digits, `-` and `_`, starting with a letter or digit.
fn valid_name(n: &str) -> bool {
    (1..=100).contains(&n.len())
        && n.as_bytes()[0].is_ascii_alphanumeric()
        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(cluster: &str, exec_args: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {cluster}\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: {cluster}\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [{exec_args}]\n"
        );
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn the_cluster_arn_of_update_kubeconfig_names_cluster_and_region() {
        let f = kubeconfig("arn:aws:eks:eu-west-1:111122223333:cluster/arc-test", "eks, get-token");
        let got = eks_cluster(Some(f.path()), None).unwrap();
        assert_eq!(got, EksCluster { name: "arc-test".into(), region: Some("eu-west-1".into()) });
    }

    #[test]
    fn else_the_get_token_arguments_and_otherwise_nothing() {
        let f = kubeconfig("prod", "--region, us-east-2, eks, get-token, --cluster-name, prod-eks");
        assert_eq!(
            eks_cluster(Some(f.path()), None),
            Some(EksCluster { name: "prod-eks".into(), region: Some("us-east-2".into()) })
        );
        let f = kubeconfig("kind-local", "sts, get-caller-identity");
        assert_eq!(eks_cluster(Some(f.path()), None), None);
        let f = kubeconfig("x", "eks, get-token, --cluster-name, '../etc'");
        assert_eq!(eks_cluster(Some(f.path()), None), None, "not a cluster name");
    }
}
