//! The embedded demo scenario: the seed's situation as an offline bundle compiled into the binary.
//!
//! `arc-runner-set` (arm64, dind) in `arc-runners` uses IRSA for `arc-runner-base-role`; its
//! `deploy.yml` job chains into `arc-runner-ecr-image-pusher-role`, whose CDK `AccountPrincipal`
//! trust allows only `sts:AssumeRole`, so the action's session tags are denied and the step
//! loops. `arc-runner-docs` is healthy. `arc-runner-gpu` names a service account that was
//! created in the controller namespace `arc-systems`, so its EphemeralRunner failed with InvalidPod.

use crate::model::Inventory;
use crate::sources::bundle::{self, BundleError};

/// `(path inside the bundle, bytes)` of every demo file.
pub const FILES: &[(&str, &[u8])] = &[
    ("eks/describe-cluster.json", include_bytes!("bundle/eks/describe-cluster.json")),
    ("iam/get-account-authorization-details.json", include_bytes!("bundle/iam/get-account-authorization-details.json")),
    ("iam/get-open-id-connect-provider.json", include_bytes!("bundle/iam/get-open-id-connect-provider.json")),
    ("iam/list-open-id-connect-providers.json", include_bytes!("bundle/iam/list-open-id-connect-providers.json")),
    (
        "jobs/my-org_payments-api_15230098877_push-image.log",
        include_bytes!("bundle/jobs/my-org_payments-api_15230098877_push-image.log"),
    ),
    ("k8s/arc-gpu-runners.yaml", include_bytes!("bundle/k8s/arc-gpu-runners.yaml")),
    ("k8s/arc-runners.json", include_bytes!("bundle/k8s/arc-runners.json")),
    ("k8s/arc-systems.yaml", include_bytes!("bundle/k8s/arc-systems.yaml")),
    (
        "logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/dind.log",
        include_bytes!("bundle/logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/dind.log"),
    ),
    (
        "logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log",
        include_bytes!("bundle/logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log"),
    ),
    (
        "logs/arc-runners/arc-runner-set-x7c2p-runner-qv8mz/runner.log",
        include_bytes!("bundle/logs/arc-runners/arc-runner-set-x7c2p-runner-qv8mz/runner.log"),
    ),
    (
        "logs/arc-systems/arc-runner-set-56b4bcfc-listener/listener.log",
        include_bytes!("bundle/logs/arc-systems/arc-runner-set-56b4bcfc-listener/listener.log"),
    ),
    ("s3/111122223333/list-buckets.json", include_bytes!("bundle/s3/111122223333/list-buckets.json")),
    ("workflows/deploy.yml", include_bytes!("bundle/workflows/deploy.yml")),
    ("workflows/docs.yml", include_bytes!("bundle/workflows/docs.yml")),
    ("workflows/train.yml", include_bytes!("bundle/workflows/train.yml")),
];

/// Load the demo bundle.
pub fn load() -> Result<Inventory, BundleError> {
    bundle::load_files("demo", FILES.iter().map(|(n, b)| (*n, *b)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_file_of_the_demo_directory_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/bundle");
        let mut on_disk = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    on_disk.push(p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let embedded: Vec<String> = super::FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }
}
