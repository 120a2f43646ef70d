//! IAM loading from a real AWS-protocol server (issue #6): `moto_server` holding 1,000 roles (a
//! third with a managed policy, a tenth with a permissions boundary), read by arcscope's live AWS
//! source as `check` does: `GetAccountAuthorizationDetails` (every page), the OIDC providers, then
//! the documents through the bundle loader. Reports wall time per phase. `cargo bench --bench
//! aws_load` runs 1,000 roles; under `cargo test` 50, as a smoke test. Needs `moto_server`
//! (the README's test command installs it).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let roles = if full { 1000 } else { 50 };
    let moto = common::moto::Moto::start();
    let home = tempfile::tempdir().unwrap();
    // Set before any thread starts: the SDK reads the standard AWS environment, as in production.
    for (k, v) in common::moto::aws_env(&moto.url, home.path()) {
        unsafe { std::env::set_var(k, v) };
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let seeded = Instant::now();
    rt.block_on(async {
        let creds = aws_sdk_iam::config::Credentials::new("AKIASEED", "seed", None, None, "bench");
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("eu-west-1"))
            .endpoint_url(&moto.url)
            .credentials_provider(creds)
            .build();
        let iam = aws_sdk_iam::Client::from_conf(conf);
        let doc = |action: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#);
        let managed = iam.create_policy().policy_name("ecr-pull").policy_document(doc("ecr:BatchGetImage")).send().await.unwrap();
        let managed = managed.policy().unwrap().arn().unwrap().to_string();
        let boundary = iam.create_policy().policy_name("boundary").policy_document(doc("sts:*")).send().await.unwrap();
        let boundary = boundary.policy().unwrap().arn().unwrap().to_string();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
        for i in 0..roles {
            let name = format!("team-role-{i:04}");
            let mut create = iam.create_role().role_name(&name).assume_role_policy_document(trust);
            if i % 10 == 0 {
                create = create.permissions_boundary(&boundary);
            }
            create.send().await.unwrap();
            iam.put_role_policy().role_name(&name).policy_name("inline").policy_document(doc("s3:GetObject")).send().await.unwrap();
            if i % 3 == 0 {
                iam.attach_role_policy().role_name(&name).policy_arn(&managed).send().await.unwrap();
            }
        }
    });
    let seeded = seeded.elapsed();

    let started = Instant::now();
    let (aws, load) = rt.block_on(async {
        let aws = arcscope::sources::aws::Aws::connect(&arcscope::sources::aws::AwsArgs::default(), None, None).await;
        let me = arcscope::sources::aws::caller(&aws).await.expect("moto answers GetCallerIdentity");
        let (load, full) = arcscope::sources::aws::load_account(&aws, &me.account, &[]).await;
        assert!(full, "the whole account was read");
        (aws, load)
    });
    let read = started.elapsed();
    let parse = Instant::now();
    let mut inv = arcscope::model::Inventory::default();
    for (name, doc) in load.documents {
        arcscope::sources::bundle::add_value(&mut inv, &name, doc).unwrap();
    }
    let parsed = parse.elapsed();
    assert_eq!(inv.roles.len(), roles);
    assert!(inv.roles.values().filter(|r| r.boundary.is_some()).count() == roles.div_ceil(10));
    drop(aws);
    println!("aws load: {roles} roles in moto (seeded in {:.1} s)", seeded.as_secs_f64());
    println!(
        "  read (GetCallerIdentity, GetAccountAuthorizationDetails, OIDC providers): {:.2} s; parse into the model: {:.1} ms; total {:.2} s",
        read.as_secs_f64(),
        parsed.as_secs_f64() * 1000.0,
        (read + parsed).as_secs_f64()
    );
}
