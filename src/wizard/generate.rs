//! Every file of the setup, from one model of the roles: policy JSON, Terraform and CDK are
//! rendered from the same statements, so the three can never say different things.

use serde_json::{Value, json};

use super::{Answers, ContainerMode, Identity, Preset, Target};

/// One generated file: a path under the output directory and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub text: String,
}

/// A policy statement in the one model every output renders.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// Trust statements: `(type, identifiers)` — `Federated`, `Service`, `AWS`.
    pub principal: Option<(&'static str, String)>,
    /// `(operator, key, value)`.
    pub conditions: Vec<(&'static str, String, String)>,
}

/// One IAM role of the setup.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    /// Terraform / CDK identifier.
    pub id: String,
    pub name: String,
    pub trust: Vec<Stmt>,
    pub permissions: Vec<Stmt>,
    /// Trust granted with `withSessionTags()` in CDK (TagSession in the trust).
    pub session_tags: bool,
    /// The permissions boundary's ARN (`aws.permissions_boundary`).
    pub boundary: Option<String>,
    /// A custom preset's document, verbatim (then `permissions` is empty).
    pub custom: Option<Value>,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// A role's policy document as JSON.
pub fn document(stmts: &[Stmt]) -> Value {
    let statements: Vec<Value> = stmts
        .iter()
        .map(|st| {
            let mut v = json!({"Sid": st.sid, "Effect": "Allow"});
            if let Some((kind, id)) = &st.principal {
                v["Principal"] = json!({ *kind: id });
            }
            v["Action"] = if st.actions.len() == 1 { json!(st.actions[0]) } else { json!(st.actions) };
            if !st.resources.is_empty() {
                v["Resource"] = if st.resources.len() == 1 { json!(st.resources[0]) } else { json!(st.resources) };
            }
            if !st.conditions.is_empty() {
                let mut c = serde_json::Map::new();
                for (op, key, value) in &st.conditions {
                    c.entry(op.to_string()).or_insert_with(|| json!({}))[key] = json!(value);
                }
                v["Condition"] = Value::Object(c);
            }
            v
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn preset_statements(a: &Answers, t: &Target) -> Vec<Stmt> {
    let (region, account) = (&a.aws.region, &a.aws.account_id);
    let ecr_repo = format!("arn:aws:ecr:{region}:{account}:repository/{}", t.repository.as_deref().unwrap_or("*"));
    let token = Stmt {
        sid: "EcrLogin".into(),
        actions: s(&["ecr:GetAuthorizationToken"]),
        resources: s(&["*"]),
        principal: None,
        conditions: vec![],
    };
    let pull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];
    let bucket = t.bucket.clone().unwrap_or_default();
    match t.preset {
        Preset::EcrPull => vec![
            token,
            Stmt {
                sid: "EcrPull".into(),
                actions: s(&pull),
                resources: vec![ecr_repo],
                principal: None,
                conditions: vec![],
            },
        ],
        Preset::EcrPush => {
            let mut actions = s(&pull);
            actions.extend(s(&[
                "ecr:CompleteLayerUpload",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ]));
            vec![
                token,
                Stmt { sid: "EcrPush".into(), actions, resources: vec![ecr_repo], principal: None, conditions: vec![] },
            ]
        }
        Preset::S3Read | Preset::S3ReadWrite => {
            let mut objects = s(&["s3:GetObject"]);
            if t.preset == Preset::S3ReadWrite {
                objects.extend(s(&["s3:DeleteObject", "s3:PutObject"]));
            }
            vec![
                Stmt {
                    sid: "ListBucket".into(),
                    actions: s(&["s3:ListBucket"]),
                    resources: vec![format!("arn:aws:s3:::{bucket}")],
                    principal: None,
                    conditions: vec![],
                },
                Stmt {
                    sid: "Objects".into(),
                    actions: objects,
                    resources: vec![format!("arn:aws:s3:::{bucket}/*")],
                    principal: None,
                    conditions: vec![],
                },
            ]
        }
        // Written as given (`custom_policy`): the model holds no statements for it.
        Preset::Custom => vec![],
    }
}

/// A custom preset's policy, as the user wrote it (validated already): a Deny, a Condition or a
/// NotAction must reach IAM unchanged, so JSON, Terraform and CDK all carry this very document.
fn custom_policy(t: &Target) -> Option<Value> {
    if t.preset != Preset::Custom {
        return None;
    }
    serde_json::from_str(t.policy.as_deref().unwrap_or("{}")).ok()
}

/// Terraform / CDK identifier of a role name.
fn ident(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'r');
    }
    out
}

/// Does any request into the base role's targets carry session tags? Pod Identity's transitive
/// tags need `sts:TagSession` on every hop even when the job sends none (R17).
fn tags_to(a: &Answers, t: &Target) -> bool {
    t.session_tags || a.aws.identity == Identity::PodIdentity
}

/// The roles: the base role (IRSA or Pod Identity trust; may assume the targets) and each target.
pub fn roles(a: &Answers) -> Vec<RoleSpec> {
    let base_trust = match a.aws.identity {
        Identity::Irsa => {
            let hp = a.issuer_host_path().unwrap_or_default().to_string();
            vec![Stmt {
                sid: "ArcRunnerServiceAccount".into(),
                actions: s(&["sts:AssumeRoleWithWebIdentity"]),
                resources: vec![],
                principal: Some(("Federated", format!("arn:aws:iam::{}:oidc-provider/{hp}", a.aws.account_id))),
                conditions: vec![
                    (
                        "StringEquals",
                        format!("{hp}:sub"),
                        format!("system:serviceaccount:{}:{}", a.runners.namespace, a.runners.service_account),
                    ),
                    ("StringEquals", format!("{hp}:aud"), "sts.amazonaws.com".into()),
                ],
            }]
        }
        Identity::PodIdentity => vec![Stmt {
            sid: "EksPodIdentity".into(),
            actions: s(&["sts:AssumeRole", "sts:TagSession"]),
            resources: vec![],
            principal: Some(("Service", "pods.eks.amazonaws.com".into())),
            conditions: vec![],
        }],
    };
    let mut assume = s(&["sts:AssumeRole"]);
    if a.targets.iter().any(|t| tags_to(a, t)) {
        assume.push("sts:TagSession".into());
    }
    let base = RoleSpec {
        id: "base".into(),
        name: a.aws.base_role.clone(),
        trust: base_trust,
        permissions: vec![Stmt {
            sid: "AssumeJobRoles".into(),
            actions: assume,
            resources: a.targets.iter().map(|t| a.role_arn(&t.role)).collect(),
            principal: None,
            conditions: vec![],
        }],
        session_tags: a.aws.identity == Identity::PodIdentity,
        boundary: a.aws.permissions_boundary.clone(),
        custom: None,
    };
    let mut out = vec![base];
    for t in &a.targets {
        let mut actions = s(&["sts:AssumeRole"]);
        if tags_to(a, t) {
            actions.push("sts:TagSession".into());
        }
        out.push(RoleSpec {
            id: ident(&t.role),
            name: t.role.clone(),
            trust: vec![Stmt {
                sid: "FromArcRunnerBase".into(),
                actions,
                resources: vec![],
                principal: Some(("AWS", a.base_role_arn())),
                conditions: vec![],
            }],
            permissions: preset_statements(a, t),
            session_tags: tags_to(a, t),
            boundary: a.aws.permissions_boundary.clone(),
            custom: custom_policy(t),
        });
    }
    out
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn values_yaml(a: &Answers) -> String {
    let r = &a.runners;
    let mut y = String::new();
    y.push_str("# Helm values for oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set\n");
    y.push_str(&format!("githubConfigUrl: {}\n", yaml_str(&a.github.config_url)));
    y.push_str(&format!(
        "githubConfigSecret: {}   # an existing Secret in {}\n",
        yaml_str(&a.github.secret_name),
        r.namespace
    ));
    y.push_str(&format!("runnerScaleSetName: {}\n", yaml_str(&r.scale_set_name)));
    y.push_str(&format!("minRunners: {}\nmaxRunners: {}\n", r.min_runners, r.max_runners));
    match r.container_mode {
        ContainerMode::Dind => y.push_str("containerMode:\n  type: dind\n"),
        ContainerMode::Kubernetes => y.push_str("containerMode:\n  type: kubernetes\n  kubernetesModeWorkVolumeClaim:\n    accessModes: [\"ReadWriteOnce\"]\n    storageClassName: gp3\n    resources:\n      requests:\n        storage: 10Gi\n"),
        ContainerMode::None => {}
    }
    y.push_str(&format!(
        "controllerServiceAccount:\n  namespace: {}\n  name: arc-gha-rs-controller\n",
        yaml_str(&r.controller_namespace)
    ));
    y.push_str("template:\n");
    if r.karpenter_do_not_disrupt {
        y.push_str("  metadata:\n    annotations:\n      karpenter.sh/do-not-disrupt: \"true\"   # a consolidating node would kill a running job\n");
    }
    y.push_str("  spec:\n");
    y.push_str(&format!(
        "    serviceAccountName: {}   # arcscope's k8s/serviceaccount.yaml, in {}\n",
        yaml_str(&r.service_account),
        r.namespace
    ));
    y.push_str(&format!("    nodeSelector:\n      kubernetes.io/arch: {}\n", r.architecture));
    if !r.tolerations.is_empty() {
        y.push_str("    tolerations:\n");
        for t in &r.tolerations {
            let (kv, effect) = t.rsplit_once(':').unwrap_or((t, "NoSchedule"));
            match kv.split_once('=') {
                Some((k, v)) => y.push_str(&format!(
                    "      - key: {}\n        operator: Equal\n        value: {}\n        effect: {effect}\n",
                    yaml_str(k),
                    yaml_str(v)
                )),
                None => y.push_str(&format!(
                    "      - key: {}\n        operator: Exists\n        effect: {effect}\n",
                    yaml_str(kv)
                )),
            }
        }
    }
    y.push_str("    containers:\n      - name: runner\n        image: ghcr.io/actions/actions-runner:latest\n        command: [\"/home/runner/run.sh\"]\n");
    y
}

fn service_account_yaml(a: &Answers) -> String {
    let r = &a.runners;
    let annotation = match a.aws.identity {
        Identity::Irsa => format!("  annotations:\n    eks.amazonaws.com/role-arn: {}\n", a.base_role_arn()),
        Identity::PodIdentity => String::new(),
    };
    format!(
        "# The runners' service account, in the scale set's namespace (ARC looks it up there).\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {}\n  namespace: {}\n{annotation}",
        r.service_account, r.namespace
    )
}

fn hcl_list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|x| yaml_str(x)).collect::<Vec<_>>().join(", "))
}

fn hcl_document(name: &str, stmts: &[Stmt]) -> String {
    let mut h = format!("data \"aws_iam_policy_document\" \"{name}\" {{\n");
    for st in stmts {
        // Attributes aligned on `=` as `terraform fmt` writes them.
        let mut attrs =
            vec![("sid", yaml_str(&st.sid)), ("effect", "\"Allow\"".to_string()), ("actions", hcl_list(&st.actions))];
        if !st.resources.is_empty() {
            attrs.push(("resources", hcl_list(&st.resources)));
        }
        let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        h.push_str("  statement {\n");
        for (k, v) in attrs {
            h.push_str(&format!("    {k:<width$} = {v}\n"));
        }
        if let Some((kind, id)) = &st.principal {
            h.push_str(&format!(
                "    principals {{\n      type        = \"{kind}\"\n      identifiers = [{}]\n    }}\n",
                yaml_str(id)
            ));
        }
        for (op, key, value) in &st.conditions {
            h.push_str(&format!(
                "    condition {{\n      test     = \"{op}\"\n      variable = {}\n      values   = [{}]\n    }}\n",
                yaml_str(key),
                yaml_str(value)
            ));
        }
        h.push_str("  }\n");
    }
    h.push_str("}\n");
    h
}

fn terraform(a: &Answers, roles: &[RoleSpec]) -> String {
    let mut h = String::from("# IAM for the ARC runners, generated by arcscope wizard. Policies match iam/*.json.\n\n");
    for r in roles {
        h.push_str(&hcl_document(&format!("{}_trust", r.id), &r.trust));
        h.push('\n');
        // A custom policy is read from its JSON file: one document, never re-rendered.
        let policy = if r.custom.is_some() {
            format!("file(\"${{path.module}}/../iam/{}-permissions.json\")", r.name)
        } else {
            h.push_str(&hcl_document(&format!("{}_permissions", r.id), &r.permissions));
            h.push('\n');
            format!("data.aws_iam_policy_document.{}_permissions.json", r.id)
        };
        // Attributes aligned on `=` as `terraform fmt` writes them.
        let mut attrs = vec![
            ("name", yaml_str(&r.name)),
            ("assume_role_policy", format!("data.aws_iam_policy_document.{}_trust.json", r.id)),
        ];
        if let Some(b) = &r.boundary {
            attrs.push(("permissions_boundary", yaml_str(b)));
        }
        let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        h.push_str(&format!("resource \"aws_iam_role\" \"{}\" {{\n", r.id));
        for (k, v) in attrs {
            h.push_str(&format!("  {k:<width$} = {v}\n"));
        }
        h.push_str(&format!(
            "}}\n\nresource \"aws_iam_role_policy\" \"{id}\" {{\n  name   = \"permissions\"\n  role   = aws_iam_role.{id}.id\n  policy = {policy}\n}}\n\n",
            id = r.id
        ));
    }
    if a.aws.identity == Identity::PodIdentity {
        h.push_str(&format!(
            "resource \"aws_eks_pod_identity_association\" \"runners\" {{\n  cluster_name    = {}\n  namespace       = {}\n  service_account = {}\n  role_arn        = aws_iam_role.base.arn\n}}\n",
            yaml_str(a.aws.cluster_name.as_deref().unwrap_or("")),
            yaml_str(&a.runners.namespace),
            yaml_str(&a.runners.service_account)
        ));
    }
    h
}

fn ts_list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|x| format!("'{}'", x.replace('\'', "\\'"))).collect::<Vec<_>>().join(", "))
}

fn cdk(a: &Answers, roles: &[RoleSpec]) -> String {
    let eks_import =
        if a.aws.identity == Identity::PodIdentity { "import * as eks from 'aws-cdk-lib/aws-eks';\n" } else { "" };
    let mut t = format!(
        "// IAM for the ARC runners, generated by arcscope wizard. Policies match iam/*.json.\nimport * as cdk from 'aws-cdk-lib';\nimport * as iam from 'aws-cdk-lib/aws-iam';\n{}import {{ Construct }} from 'constructs';\n\nexport class ArcRunnerIamStack extends cdk.Stack {{\n  constructor(scope: Construct, id: string, props?: cdk.StackProps) {{\n    super(scope, id, props);\n",
        eks_import
    );
    let base_principal = match a.aws.identity {
        Identity::Irsa => {
            let hp = a.issuer_host_path().unwrap_or_default();
            t.push_str(&format!(
                "    const provider = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'ClusterOidc', 'arn:aws:iam::{}:oidc-provider/{hp}');\n",
                a.aws.account_id
            ));
            format!(
                "new iam.OpenIdConnectPrincipal(provider, {{\n        StringEquals: {{\n          '{hp}:sub': 'system:serviceaccount:{}:{}',\n          '{hp}:aud': 'sts.amazonaws.com',\n        }},\n      }})",
                a.runners.namespace, a.runners.service_account
            )
        }
        // Pod Identity passes session tags: the trust needs TagSession (withSessionTags).
        Identity::PodIdentity => "new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags()".into(),
    };
    let boundary = match &a.aws.permissions_boundary {
        Some(arn) => {
            t.push_str(&format!(
                "    const boundary = iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', '{arn}');\n"
            ));
            "      permissionsBoundary: boundary,\n"
        }
        None => "",
    };
    for (i, r) in roles.iter().enumerate() {
        let var = if i == 0 { "base".to_string() } else { format!("target{i}") };
        let principal = if i == 0 {
            base_principal.clone()
        } else {
            // Session tags need sts:TagSession in the trust: CDK's principals allow only
            // sts:AssumeRole unless told (the incident arcscope was built for).
            let tags = if r.session_tags { ".withSessionTags()" } else { "" };
            format!("new iam.ArnPrincipal(base.roleArn){tags}")
        };
        t.push_str(&format!(
            "    const {var} = new iam.Role(this, '{}', {{\n      roleName: '{}',\n      assumedBy: {principal},\n{boundary}    }});\n",
            r.id, r.name
        ));
    }
    for (i, r) in roles.iter().enumerate() {
        let var = if i == 0 { "base".to_string() } else { format!("target{i}") };
        if let Some(doc) = &r.custom {
            // The custom document as written (a JSON object is a TypeScript object literal).
            let json = serde_json::to_string_pretty(doc).unwrap_or_default().replace('\n', "\n      ");
            t.push_str(&format!(
                "    {var}.attachInlinePolicy(new iam.Policy(this, '{}Permissions', {{\n      policyName: 'permissions',\n      document: iam.PolicyDocument.fromJson({json}),\n    }}));\n",
                r.id
            ));
        }
        for st in &r.permissions {
            let resources = if i == 0 {
                format!("[{}]", (1..roles.len()).map(|j| format!("target{j}.roleArn")).collect::<Vec<_>>().join(", "))
            } else {
                ts_list(&st.resources)
            };
            t.push_str(&format!(
                "    {var}.addToPolicy(new iam.PolicyStatement({{ sid: '{}', actions: {}, resources: {resources} }}));\n",
                st.sid,
                ts_list(&st.actions)
            ));
        }
    }
    if a.aws.identity == Identity::PodIdentity {
        t.push_str(&format!(
            "    new eks.CfnPodIdentityAssociation(this, 'Runners', {{\n      clusterName: '{}',\n      namespace: '{}',\n      serviceAccount: '{}',\n      roleArn: base.roleArn,\n    }});\n",
            a.aws.cluster_name.as_deref().unwrap_or(""),
            a.runners.namespace,
            a.runners.service_account
        ));
    }
    t.push_str("  }\n}\n");
    t
}

fn workflow(a: &Answers) -> String {
    let mut w = format!(
        "# Jobs on the {} runners assume their roles from the runner's own credentials\n# ({}); without `id-token: write` the action uses them.\nname: aws-roles\non: workflow_dispatch\njobs:\n",
        a.runners.scale_set_name,
        match a.aws.identity {
            Identity::Irsa => "IRSA",
            Identity::PodIdentity => "EKS Pod Identity",
        }
    );
    for t in &a.targets {
        w.push_str(&format!(
            "  {}:\n    runs-on: {}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@{}\n        with:\n          aws-region: {}\n          role-to-assume: {}\n",
            ident(&t.role).replace('_', "-"),
            a.runners.scale_set_name,
            a.aws.action_version,
            a.aws.region,
            a.role_arn(&t.role)
        ));
        if let Some(n) = &t.session_name {
            w.push_str(&format!("          role-session-name: {}\n", yaml_str(n)));
        }
        if !t.session_tags {
            w.push_str("          role-skip-session-tagging: true   # the trust allows sts:AssumeRole only\n");
        }
        w.push_str("      - run: aws sts get-caller-identity\n");
    }
    w
}

fn readme(a: &Answers, files: &[File]) -> String {
    let r = &a.runners;
    let mut t = format!(
        "# ARC runners with AWS roles: {} in {}\n\nGenerated by `arcscope wizard`; every hop was simulated before these files were written.\n\n## Apply, in this order\n\n",
        r.scale_set_name, r.namespace
    );
    let mut step = 1;
    let mut add = |text: String| {
        t.push_str(&format!("{step}. {text}\n"));
        step += 1;
    };
    match a.aws.identity {
        Identity::Irsa => add(format!(
            "The cluster's OIDC provider exists in IAM (`aws iam list-open-id-connect-providers`; else `eksctl utils associate-iam-oidc-provider --cluster <cluster> --approve`) for `{}`.",
            a.aws.oidc_issuer.as_deref().unwrap_or("")
        )),
        Identity::PodIdentity => add("The EKS Pod Identity Agent add-on is installed (`aws eks create-addon --addon-name eks-pod-identity-agent`).".into()),
    }
    if a.aws.identity == Identity::PodIdentity {
        add(format!(
            "The Pod Identity association (Terraform and CDK create it; by hand: `aws eks create-pod-identity-association --cluster-name {} --namespace {} --service-account {} --role-arn {}`).",
            a.aws.cluster_name.as_deref().unwrap_or(""),
            r.namespace,
            r.service_account,
            a.base_role_arn()
        ));
    }
    let boundary = match &a.aws.permissions_boundary {
        Some(b) => format!(
            "; every role with the permissions boundary `{b}` (`aws iam create-role … --permissions-boundary {b}`)"
        ),
        None => String::new(),
    };
    add(format!(
        "IAM: `terraform -chdir=terraform apply`, or `cdk deploy` with `cdk/arc-runner-iam-stack.ts`, or the JSON in `iam/` (trust = `*-trust.json`, inline policy = `*-permissions.json`{boundary})."
    ));
    add(format!(
        "The service account: `kubectl apply -f k8s/serviceaccount.yaml` (namespace {} must exist).",
        r.namespace
    ));
    add(format!(
        "The GitHub secret `{}` exists in {} (`kubectl get secret {} -n {}`).",
        a.github.secret_name, r.namespace, a.github.secret_name, r.namespace
    ));
    add(format!(
        "The scale set: `helm upgrade --install {} oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set -n {} -f helm/values.yaml` (controller in {}).",
        r.scale_set_name, r.namespace, r.controller_namespace
    ));
    add("The workflow: copy `workflows/aws-roles.yml` into `.github/workflows/` and run it.".into());
    add("Check: `arcscope check` against the cluster (and `arcscope` to watch it).".into());
    t.push_str(
        "\n## Regenerate\n\nAfter changing the answers (the TUI saves them here as `answers.toml`): `arcscope wizard --answers answers.toml --out . --overwrite` replaces these files and keeps any other.\n",
    );
    t.push_str("\n## Files\n\n");
    for f in files {
        t.push_str(&format!("- `{}`\n", f.path));
    }
    t
}

/// Every file of the setup, in a stable order.
pub fn generate(a: &Answers) -> Vec<File> {
    let roles = roles(a);
    let mut files = vec![
        File { path: "helm/values.yaml".into(), text: values_yaml(a) },
        File { path: "k8s/serviceaccount.yaml".into(), text: service_account_yaml(a) },
    ];
    for r in &roles {
        let pretty = |v: Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
        files.push(File { path: format!("iam/{}-trust.json", r.name), text: pretty(document(&r.trust)) });
        let permissions = r.custom.clone().unwrap_or_else(|| document(&r.permissions));
        files.push(File { path: format!("iam/{}-permissions.json", r.name), text: pretty(permissions) });
    }
    files.push(File { path: "terraform/main.tf".into(), text: terraform(a, &roles) });
    files.push(File { path: "cdk/arc-runner-iam-stack.ts".into(), text: cdk(a, &roles) });
    files.push(File { path: "workflows/aws-roles.yml".into(), text: workflow(a) });
    let readme = readme(a, &files);
    files.insert(0, File { path: "README.md".into(), text: readme });
    files
}
