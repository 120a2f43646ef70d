//! `aws <service> <operation>` beyond `aws s3` (#17.1): the AWS CLI's most common operations in CI
//! jobs, each as the IAM action the Service Authorization Reference documents for its API call, on
//! the resource ARN its arguments name. An operation not in the table, or an argument known only at
//! run time, is listed as not checked — never guessed.

use super::{Found, expand};
use crate::model::workflow::{StepText, has_expression};

/// `(service, operation, the chain's VIA, IAM action, resource template)`. In a template, `{--flag}` is that
/// argument's value, `{region}` the request's region, `{account}` the calling session's account
/// (filled in when the request is evaluated). `None`: the call needs no permission.
type Entry = (&'static str, &'static str, &'static str, Option<&'static str>, &'static str);

// One operation a line, as a table is read (ecs register-task-definition has no resource type: `*`).
#[rustfmt::skip]
const TABLE: &[Entry] = &[
    ("sts", "get-caller-identity", "aws sts get-caller-identity", None, ""),
    ("configure", "set", "aws configure set", None, ""),
    ("configure", "get", "aws configure get", None, ""),
    ("configure", "list", "aws configure list", None, ""),
    ("s3api", "put-object", "aws s3api put-object", Some("s3:PutObject"), "arn:aws:s3:::{--bucket}/{--key}"),
    ("s3api", "get-object", "aws s3api get-object", Some("s3:GetObject"), "arn:aws:s3:::{--bucket}/{--key}"),
    ("s3api", "head-object", "aws s3api head-object", Some("s3:GetObject"), "arn:aws:s3:::{--bucket}/{--key}"),
    ("s3api", "delete-object", "aws s3api delete-object", Some("s3:DeleteObject"), "arn:aws:s3:::{--bucket}/{--key}"),
    ("s3api", "list-objects-v2", "aws s3api list-objects-v2", Some("s3:ListBucket"), "arn:aws:s3:::{--bucket}"),
    ("s3api", "list-objects", "aws s3api list-objects", Some("s3:ListBucket"), "arn:aws:s3:::{--bucket}"),
    ("ecr", "describe-images", "aws ecr describe-images", Some("ecr:DescribeImages"), "arn:aws:ecr:{region}:{account}:repository/{--repository-name}"),
    ("ecr", "batch-get-image", "aws ecr batch-get-image", Some("ecr:BatchGetImage"), "arn:aws:ecr:{region}:{account}:repository/{--repository-name}"),
    ("ecr", "put-image", "aws ecr put-image", Some("ecr:PutImage"), "arn:aws:ecr:{region}:{account}:repository/{--repository-name}"),
    ("ecr", "batch-delete-image", "aws ecr batch-delete-image", Some("ecr:BatchDeleteImage"), "arn:aws:ecr:{region}:{account}:repository/{--repository-name}"),
    ("eks", "update-kubeconfig", "aws eks update-kubeconfig", Some("eks:DescribeCluster"), "arn:aws:eks:{region}:{account}:cluster/{--name}"),
    ("eks", "describe-cluster", "aws eks describe-cluster", Some("eks:DescribeCluster"), "arn:aws:eks:{region}:{account}:cluster/{--name}"),
    ("lambda", "update-function-code", "aws lambda update-function-code", Some("lambda:UpdateFunctionCode"), "arn:aws:lambda:{region}:{account}:function:{--function-name}"),
    ("lambda", "update-function-configuration", "aws lambda update-function-configuration", Some("lambda:UpdateFunctionConfiguration"), "arn:aws:lambda:{region}:{account}:function:{--function-name}"),
    ("lambda", "publish-version", "aws lambda publish-version", Some("lambda:PublishVersion"), "arn:aws:lambda:{region}:{account}:function:{--function-name}"),
    ("lambda", "get-function", "aws lambda get-function", Some("lambda:GetFunction"), "arn:aws:lambda:{region}:{account}:function:{--function-name}"),
    ("lambda", "invoke", "aws lambda invoke", Some("lambda:InvokeFunction"), "arn:aws:lambda:{region}:{account}:function:{--function-name}"),
    ("ecs", "update-service", "aws ecs update-service", Some("ecs:UpdateService"), "arn:aws:ecs:{region}:{account}:service/{--cluster}/{--service}"),
    ("ecs", "register-task-definition", "aws ecs register-task-definition", Some("ecs:RegisterTaskDefinition"), "*"),
    ("ssm", "get-parameter", "aws ssm get-parameter", Some("ssm:GetParameter"), "arn:aws:ssm:{region}:{account}:parameter{--name}"),
    ("ssm", "put-parameter", "aws ssm put-parameter", Some("ssm:PutParameter"), "arn:aws:ssm:{region}:{account}:parameter{--name}"),
    ("ssm", "get-parameters-by-path", "aws ssm get-parameters-by-path", Some("ssm:GetParametersByPath"), "arn:aws:ssm:{region}:{account}:parameter{--path}"),
    ("secretsmanager", "get-secret-value", "aws secretsmanager get-secret-value", Some("secretsmanager:GetSecretValue"), "{--secret-id}"),
    ("secretsmanager", "describe-secret", "aws secretsmanager describe-secret", Some("secretsmanager:DescribeSecret"), "{--secret-id}"),
    ("kms", "encrypt", "aws kms encrypt", Some("kms:Encrypt"), "{--key-id}"),
    ("cloudfront", "create-invalidation", "aws cloudfront create-invalidation", Some("cloudfront:CreateInvalidation"), "arn:aws:cloudfront::{account}:distribution/{--distribution-id}"),
    ("dynamodb", "put-item", "aws dynamodb put-item", Some("dynamodb:PutItem"), "arn:aws:dynamodb:{region}:{account}:table/{--table-name}"),
    ("dynamodb", "get-item", "aws dynamodb get-item", Some("dynamodb:GetItem"), "arn:aws:dynamodb:{region}:{account}:table/{--table-name}"),
    ("sns", "publish", "aws sns publish", Some("sns:Publish"), "{--topic-arn}"),
];

/// An argument's value: `--flag value` or `--flag=value`.
fn arg(args: &[&str], flag: &str) -> Option<String> {
    let eq = format!("{flag}=");
    args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix(&eq)
            .map(str::to_string)
            .or_else(|| (*a == flag).then(|| args.get(i + 1).map(|v| v.to_string())).flatten())
    })
}

/// The request of `aws SERVICE OPERATION ARGS…`; `region`: the job's region at this step (the
/// step env's `AWS_REGION`, else the last configure-aws-credentials `aws-region`).
pub(super) fn request(
    service: &str,
    operation: &str,
    args: &[&str],
    step: &StepText,
    region: Option<&str>,
) -> Result<Found, String> {
    let shown = format!("aws {service} {operation}");
    let Some((_, _, via, action, template)) = TABLE.iter().find(|(s, o, ..)| *s == service && *o == operation) else {
        return Err(format!("{shown}: not mapped to its IAM actions"));
    };
    let Some(action) = action else {
        return Ok(Vec::new());
    };
    let region = arg(args, "--region").map(|r| expand(&r, step)).or_else(|| region.map(str::to_string));
    // The region goes into the template, never into a value; the values are filled in from the
    // template's left to right, so a value that looks like a placeholder is never read as one.
    let mut rest = template.to_string();
    if rest.contains("{region}") {
        let Some(r) = region.filter(|r| !has_expression(r) && !r.contains('$')) else {
            return Err(format!("{shown}: the region is not known (no --region, AWS_REGION or aws-region)"));
        };
        rest = rest.replace("{region}", &r);
    }
    let mut rest = rest.as_str();
    let mut resource = String::new();
    while let Some(start) = rest.find("{--") {
        let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| format!("{shown}: bad template"))?;
        let flag = &rest[start + 1..end];
        let value = match arg(args, flag) {
            Some(v) => expand(&v, step),
            // ECS's default cluster.
            None if flag == "--cluster" => "default".into(),
            None => return Err(format!("{shown}: no {flag}: not checked")),
        };
        if has_expression(&value) || value.contains('$') {
            return Err(format!("{shown}: {flag} {value} is known only at run time"));
        }
        if value.contains('{') {
            return Err(format!("{shown}: {flag} {value} has a brace: not checked"));
        }
        let value = match flag {
            // A parameter ARN puts the name after `parameter`, with its leading `/`.
            "--name" | "--path" if template.contains(":parameter{") && !value.starts_with('/') => format!("/{value}"),
            // Given as an ARN already: the ARN is the resource.
            "--function-name" if value.starts_with("arn:") => return Ok(vec![(via, vec![*action], value)]),
            // A key by id or alias, a secret or topic by name: the ARN is not known exactly.
            "--secret-id" | "--topic-arn" | "--key-id" if !value.starts_with("arn:") => {
                return Err(format!(
                    "{shown}: {flag} {value} is a name, not an ARN: the resource is not known exactly"
                ));
            }
            _ => value,
        };
        resource.push_str(&rest[..start]);
        resource.push_str(&value);
        rest = &rest[end + 1..];
    }
    resource.push_str(rest);
    Ok(vec![(via, vec![*action], resource)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(env: &[(&str, &str)]) -> StepText {
        StepText { env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..StepText::default() }
    }

    #[test]
    fn common_operations_map_to_their_documented_action_and_resource() {
        let s = step(&[("FN", "api")]);
        let got = request(
            "lambda",
            "update-function-code",
            &["--function-name", "$FN", "--zip-file", "x"],
            &s,
            Some("eu-west-1"),
        );
        assert_eq!(got.unwrap()[0].2, "arn:aws:lambda:eu-west-1:{account}:function:api");
        let got = request("ecs", "update-service", &["--service=web", "--force-new-deployment"], &s, Some("eu-west-1"));
        assert_eq!(got.unwrap()[0].2, "arn:aws:ecs:eu-west-1:{account}:service/default/web");
        let got = request("ecs", "register-task-definition", &["--cli-input-json", "file://td.json"], &s, None);
        assert_eq!(got.unwrap()[0].2, "*", "no resource type: needs no region");
        let e = request("kms", "encrypt", &["--key-id", "alias/release", "--plaintext", "x"], &s, None).unwrap_err();
        assert!(e.contains("a name, not an ARN"), "{e}");
        let got = request("ssm", "get-parameter", &["--name", "db/url", "--region", "us-east-1"], &s, None);
        assert_eq!(got.unwrap()[0].2, "arn:aws:ssm:us-east-1:{account}:parameter/db/url");
        let got = request("s3api", "put-object", &["--bucket", "b", "--key", "k/v.txt"], &s, None);
        assert_eq!(
            got.unwrap()[0],
            ("aws s3api put-object", vec!["s3:PutObject"], "arn:aws:s3:::b/k/v.txt".to_string())
        );
        assert!(request("sts", "get-caller-identity", &[], &s, None).unwrap().is_empty(), "needs no permission");
    }

    #[test]
    fn the_tables_actions_exist_where_the_shipped_list_is_whole() {
        // sts, iam, ecr, kms: every action of their botocore models is in actions.txt.
        let known: Vec<&str> = include_str!("../../iam/actions.txt").lines().collect();
        for (_, _, via, action, _) in TABLE {
            if let Some(a) = action
                && ["sts:", "iam:", "ecr:", "kms:"].iter().any(|p| a.starts_with(p))
            {
                assert!(known.iter().any(|k| k.eq_ignore_ascii_case(a)), "{via}: {a} is not an action");
            }
        }
    }

    #[test]
    fn what_is_not_known_exactly_is_not_checked() {
        let s = step(&[]);
        let e = request("cloudformation", "deploy", &["--stack-name", "x"], &s, None).unwrap_err();
        assert!(e.contains("not mapped"), "{e}");
        let e = request("lambda", "invoke", &["--function-name", "f"], &s, None).unwrap_err();
        assert!(e.contains("region is not known"), "{e}");
        let e = request("secretsmanager", "get-secret-value", &["--secret-id", "prod/db"], &s, None).unwrap_err();
        assert!(e.contains("a name, not an ARN"), "{e}");
        let e = request("s3api", "get-object", &["--bucket", "${{ vars.B }}", "--key", "k"], &s, None).unwrap_err();
        assert!(e.contains("known only at run time"), "{e}");
        // A value that looks like a placeholder is not one (and never loops).
        let e =
            request("s3api", "get-object", &["--bucket", "{--bucket}", "--key", "{account}"], &s, None).unwrap_err();
        assert!(e.contains("has a brace"), "{e}");
    }
}
