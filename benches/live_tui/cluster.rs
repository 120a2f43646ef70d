//! An EKS-like cluster for the harness: `pods` pods in `namespaces` namespaces, 5% of them ARC
//! runner pods of eight scale sets (with their EphemeralRunners, EphemeralRunnerSets, listeners),
//! the rest ordinary Deployment pods; every object with `managedFields` as a real API server
//! writes them, so a pod is about 6 KB on the wire (a 10,000-pod list is ~60 MB).

use serde_json::{Value, json};

pub const ACCOUNT: &str = "111122223333";
/// The scale sets, in the order the pulse sorts them; the last is what "populated" waits for.
pub const SCALE_SETS: [&str; 8] = [
    "arc-runner-set",
    "arc-runner-set-arm64",
    "arc-runner-set-ci",
    "arc-runner-set-docker",
    "arc-runner-set-gpu",
    "arc-runner-set-k8s-mode",
    "arc-runner-set-large",
    "arc-runner-set-release",
];
pub const RUNNERS_NS: &str = "arc-runners";

/// A small, fixed-seed generator: the same cluster every run.
struct Rand(u64);

impl Rand {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from_digit(self.next(16) as u32, 16).unwrap()).collect()
    }
}

fn managed_fields(manager: &str, extra: usize) -> Value {
    // kubelet's status update and the controller's create, as `kubectl get -o json` shows them.
    let mut status = serde_json::Map::new();
    for i in 0..extra {
        status.insert(
            format!("k:{{\"type\":\"Condition{i}\"}}"),
            json!({".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}),
        );
    }
    json!([
        {"manager": manager, "operation": "Update", "apiVersion": "v1", "time": "2026-11-30T08:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app.kubernetes.io/name": {}, "f:pod-template-hash": {}},
            "f:ownerReferences": {".": {}, "k:{\"uid\":\"x\"}": {}}},
          "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:env": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
            "f:ports": {}, "f:resources": {".": {}, "f:limits": {}, "f:requests": {}}, "f:terminationMessagePath": {}, "f:volumeMounts": {}}},
            "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
            "f:serviceAccountName": {}, "f:terminationGracePeriodSeconds": {}, "f:volumes": {}}}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-30T08:00:05Z", "fieldsType": "FieldsV1",
         "subresource": "status", "fieldsV1": {"f:status": Value::Object(status)}}
    ])
}

fn container(name: &str, image: &str, env: Vec<Value>) -> Value {
    json!({"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "env": env,
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]})
}

fn status(name: &str, created: &str) -> Value {
    json!({"phase": "Running", "hostIP": "10.0.12.34", "podIP": "10.0.77.12", "startTime": created, "qosClass": "Burstable",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": created},
            {"type": "Initialized", "status": "True", "lastTransitionTime": created},
            {"type": "Ready", "status": "True", "lastTransitionTime": created},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": created},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": created}],
        "containerStatuses": [{"name": name, "ready": true, "restartCount": 0, "started": true, "image": "x", "imageID": "x",
            "containerID": "containerd://0d6c1b2a", "state": {"running": {"startedAt": created}}, "lastState": {}}]})
}

/// A runner pod of scale set `set`, owned by its EphemeralRunner, with IRSA's env and token.
pub fn runner_pod(set: &str, id: &str, created: &str) -> Value {
    let name = format!("{set}-x7c2p-runner-{id}");
    let env = vec![
        json!({"name": "ACTIONS_RUNNER_INPUT_JITCONFIG", "valueFrom": {"secretKeyRef": {"key": "jitToken", "name": name}}}),
        json!({"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::{ACCOUNT}:role/arc-runner-base")}),
        json!({"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}),
        json!({"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"}),
    ];
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": RUNNERS_NS, "uid": format!("0d6c1b2a-{id}"), "creationTimestamp": created,
            "labels": {"actions-ephemeral-runner": "True", "actions.github.com/scale-set-name": set,
                "actions.github.com/scale-set-namespace": RUNNERS_NS, "app.kubernetes.io/component": "runner"},
            "annotations": {"actions.github.com/runner-group-name": "Default"},
            "ownerReferences": [{"apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunner", "name": name,
                "uid": format!("er-{id}"), "controller": true, "blockOwnerDeletion": true}],
            "managedFields": managed_fields("manager", 5)},
        "spec": {"serviceAccountName": format!("{set}-gha-rs-no-permission"), "nodeName": "ip-10-0-12-34.eu-west-1.compute.internal",
            "restartPolicy": "Never", "containers": [container("runner", "ghcr.io/actions/actions-runner:2.334.0", env)],
            "volumes": [{"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com",
                "expirationSeconds": 86400, "path": "token"}}]}}]},
        "status": status("runner", created)})
}

fn app_pod(ns: &str, app: &str, hash: &str, id: &str, created: &str) -> Value {
    let env = (0..6).map(|i| json!({"name": format!("SETTING_{i}"), "value": format!("value-{i}-{hash}")})).collect();
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{app}-{hash}-{id}"), "generateName": format!("{app}-{hash}-"), "namespace": ns,
            "uid": format!("72e6e75d-{hash}-{id}"), "creationTimestamp": created,
            "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": app, "pod-template-hash": hash},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{hash}"), "uid": "x",
                "controller": true, "blockOwnerDeletion": true}],
            "managedFields": managed_fields("kube-controller-manager", 28)},
        "spec": {"serviceAccountName": "default", "nodeName": "ip-10-0-56-78.eu-west-1.compute.internal",
            "containers": [container("app", &format!("registry.example.com/{app}:1.4.2"), env)],
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]},
        "status": status("app", created)})
}

/// Every object of the cluster, namespaces first.
pub fn objects(pods: usize, namespaces: usize) -> Vec<Value> {
    let mut r = Rand(0x2545_f491_4f6c_dd1d);
    let created = "2026-11-30T08:00:00Z";
    let mut out = Vec::new();
    let mut ns_names: Vec<String> = vec![RUNNERS_NS.into(), "arc-systems".into()];
    ns_names.extend((2..namespaces.max(3)).map(|i| format!("team-{i:04}")));
    for ns in &ns_names {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "uid": format!("ns-{ns}")}}));
        out.push(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns}}),
        );
    }
    for set in SCALE_SETS {
        let sa = format!("{set}-gha-rs-no-permission");
        out.push(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa, "namespace": RUNNERS_NS,
            "annotations": {"eks.amazonaws.com/role-arn": format!("arn:aws:iam::{ACCOUNT}:role/arc-runner-base")}}}),
        );
        out.push(json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "AutoscalingRunnerSet",
            "metadata": {"name": set, "namespace": RUNNERS_NS, "labels": {"app.kubernetes.io/component": "autoscaling-runner-set"}},
            "spec": {"githubConfigUrl": "https://github.com/my-org", "runnerScaleSetName": set, "minRunners": 0, "maxRunners": 100,
                "template": {"spec": {"serviceAccountName": sa, "containers": [{"name": "runner", "image": "ghcr.io/actions/actions-runner:2.334.0"}]}}},
            "status": {"currentRunners": 0}}));
        out.push(json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunnerSet",
            "metadata": {"name": format!("{set}-x7c2p"), "namespace": RUNNERS_NS, "labels": {"actions.github.com/scale-set-name": set}}}));
        out.push(json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "AutoscalingListener",
            "metadata": {"name": format!("{set}-754b578d-listener"), "namespace": "arc-systems"},
            "spec": {"autoscalingRunnerSetNamespace": RUNNERS_NS, "autoscalingRunnerSetName": set}}));
    }
    let runners = pods / 20;
    for i in 0..pods {
        if i < runners {
            let set = SCALE_SETS[i % SCALE_SETS.len()];
            let id = format!("{:05}", i);
            let pod = runner_pod(set, &id, created);
            let name = pod["metadata"]["name"].as_str().unwrap().to_string();
            out.push(json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunner",
                "metadata": {"name": name, "namespace": RUNNERS_NS, "labels": {"actions.github.com/scale-set-name": set}},
                "spec": {"spec": {"serviceAccountName": format!("{set}-gha-rs-no-permission"), "containers": [{"name": "runner"}]}},
                "status": {"phase": "Running", "runnerName": name, "jobRepositoryName": "my-org/payments-api", "workflowRunId": 1000 + i}}));
            out.push(pod);
        } else {
            let ns = &ns_names[2 + r.next(ns_names.len() - 2)];
            let app = ["api", "web", "worker", "cache", "queue"][r.next(5)];
            let (hash, id) = (r.hex(9), r.hex(5));
            out.push(app_pod(ns, app, &hash, &id, created));
        }
    }
    for i in 0..pods / 8 {
        let ns = &ns_names[2 + r.next(ns_names.len() - 2)];
        out.push(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": format!("ev-{i}"), "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": format!("p-{i}"), "namespace": ns},
            "reason": "Pulled", "message": "Container image already present on machine", "type": "Normal", "count": 1}));
    }
    out
}
