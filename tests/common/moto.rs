//! A real AWS-protocol server for the live AWS tests: `moto_server` (PyPI `moto[server]`, installed
//! by the README's test command), started per test on a free loopback port and stopped on drop,
//! with a loopback proxy in front that logs every action and can answer AccessDenied or
//! Throttling for chosen actions, as IAM and STS do.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "111122223333";

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Moto {
    /// Start `moto_server` for account [`ACCOUNT`]; fails the test with the install command when
    /// moto is missing (a skipped AWS test would hide a broken live path).
    pub fn start() -> Moto {
        Moto::start_for(ACCOUNT)
    }

    /// A moto whose account is `account` (another account of a cross-account chain).
    pub fn start_for(account: &str) -> Moto {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ACCOUNT_ID", account)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("moto_server: {e}. Install it: pip install 'moto[server]'"));
        wait_for(port);
        Moto { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Moto {
    /// A moto with no account pinned (each request's account is its access key's, or the
    /// `x-moto-account-id` header's, else moto's default 123456789012) in which the first account
    /// an organization creates gets the id `member`: moto draws member ids at random, and the
    /// chains' account must be a member (SCPs do not apply to the management account, R3).
    pub fn start_with_member(member: &str) -> Moto {
        let port = free_port();
        let script = format!(
            "import sys\nimport moto.organizations.utils as u\nu.make_random_account_id = lambda: '{member}'\nfrom moto.server import main\nsys.exit(main(['-H', '127.0.0.1', '-p', '{port}']))\n"
        );
        let child = Command::new("python3")
            .args(["-c", &script])
            .env_remove("MOTO_ACCOUNT_ID")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 for moto_server: {e}. Install it: pip install 'moto[server]'"));
        wait_for(port);
        Moto { child, url: format!("http://127.0.0.1:{port}") }
    }
}

/// A document of `get-account-authorization-details`: URL-encoded text (the CLI's form) or JSON.
fn document(v: &serde_json::Value) -> String {
    match v.as_str() {
        Some(s) => percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned(),
        None => v.to_string(),
    }
}

/// Create the roles of an authorization-details fixture (`fixtures/<…>/iam/…json`), with their
/// trust and inline policies, through `iam` (the test's seeding side).
pub async fn seed_roles(iam: &aws_sdk_iam::Client, fixture: &str) {
    let text = std::fs::read_to_string(super::fixtures().join(fixture)).unwrap();
    let details: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in details["RoleDetailList"].as_array().unwrap() {
        let name = r["RoleName"].as_str().unwrap();
        iam.create_role()
            .role_name(name)
            .path(r["Path"].as_str().unwrap_or("/"))
            .assume_role_policy_document(document(&r["AssumeRolePolicyDocument"]))
            .send()
            .await
            .unwrap();
        for p in r["RolePolicyList"].as_array().unwrap() {
            iam.put_role_policy()
                .role_name(name)
                .policy_name(p["PolicyName"].as_str().unwrap())
                .policy_document(document(&p["PolicyDocument"]))
                .send()
                .await
                .unwrap();
        }
    }
}

/// Wait for a server to listen on `port` (30 s at most).
fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the proxy does with an action.
#[derive(Clone, Debug)]
pub enum Fault {
    Deny,
    /// Answer `Throttling` this many times, then pass.
    Throttle(u32),
    /// Read the request and never answer (an endpoint behind a black-holing firewall).
    Hang,
    /// Answer 200 with a body that never ends.
    Endless,
}

#[derive(Default)]
struct ProxyState {
    actions: Vec<String>,
    faults: BTreeMap<String, Fault>,
    /// Page `GetAccountAuthorizationDetails` answers this many roles at a time, as IAM does
    /// (moto answers everything at once — BUILD-NOTES).
    page_roles: Option<usize>,
    /// Every `Marker` a request carried.
    markers: Vec<String>,
    /// EKS Pod Identity associations the proxy serves itself (moto does not): each as
    /// `DescribePodIdentityAssociation` gives it.
    pod_identity: Vec<serde_json::Value>,
}

/// EKS's Pod Identity reads, answered in EKS's wire format (REST JSON: `GET
/// /clusters/NAME/pod-identity-associations` lists summaries without the role, `GET
/// …/pod-identity-associations/ID` describes one; an unknown id is ResourceNotFoundException).
fn pod_identity_answer(associations: &[serde_json::Value], method: &str, target: &str) -> Option<(u16, String)> {
    let path = target.split('?').next().unwrap_or(target);
    let rest = path.strip_prefix("/clusters/")?;
    let (cluster, tail) = rest.split_once("/pod-identity-associations")?;
    if method != "GET" {
        return None;
    }
    let of_cluster = associations.iter().filter(|a| a["clusterName"] == cluster);
    match tail.strip_prefix('/') {
        None | Some("") => {
            let summaries: Vec<serde_json::Value> = of_cluster
                .map(|a| {
                    serde_json::json!({"clusterName": a["clusterName"], "namespace": a["namespace"],
                        "serviceAccount": a["serviceAccount"], "associationArn": a["associationArn"],
                        "associationId": a["associationId"]})
                })
                .collect();
            Some((200, serde_json::json!({"associations": summaries, "nextToken": null}).to_string()))
        }
        Some(id) => Some(match of_cluster.into_iter().find(|a| a["associationId"] == id) {
            Some(a) => (200, serde_json::json!({"association": a}).to_string()),
            None => (404, error_json("ResourceNotFoundException", &format!("No association {id}"))),
        }),
    }
}

/// The `<member>` elements directly inside `<tag>…</tag>` of `xml`, and the text around them.
fn members<'a>(xml: &'a str, tag: &str) -> Option<(&'a str, Vec<&'a str>, &'a str)> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    let inner = &xml[start..end];
    let mut out = Vec::new();
    let (mut depth, mut from, mut i) = (0usize, 0usize, 0usize);
    while i < inner.len() {
        if inner[i..].starts_with("<member>") {
            if depth == 0 {
                from = i;
            }
            depth += 1;
            i += "<member>".len();
        } else if inner[i..].starts_with("</member>") {
            depth -= 1;
            i += "</member>".len();
            if depth == 0 {
                out.push(&inner[from..i]);
            }
        } else {
            i += inner[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    Some((&xml[..start], out, &xml[end..]))
}

/// One page of a whole-account answer: `page_roles` roles after `marker`, `IsTruncated` and the
/// next `Marker` as IAM sends them; managed policies on the first page.
fn paginate(xml: &str, page_roles: usize, marker: Option<&str>) -> String {
    let Some((head, roles, tail)) = members(xml, "RoleDetailList") else { return xml.to_string() };
    let start: usize = marker.and_then(|m| m.strip_prefix("page-")).and_then(|n| n.parse().ok()).unwrap_or(0);
    let end = (start + page_roles).min(roles.len());
    let mut page = format!("{head}{}{tail}", roles[start.min(end)..end].concat());
    if start > 0
        && let Some((h, _, t)) = members(&page, "Policies")
    {
        page = format!("{h}{t}");
    }
    let truncated = end < roles.len();
    page = page.replace("<IsTruncated>false</IsTruncated>", &format!("<IsTruncated>{truncated}</IsTruncated>"));
    if truncated {
        page = page.replace("</IsTruncated>", &format!("</IsTruncated><Marker>page-{end}</Marker>"));
    }
    page
}

pub struct Proxy {
    pub url: String,
    state: Arc<Mutex<ProxyState>>,
}

/// The operation: the query protocol's `Action=` (IAM, STS), the JSON protocols'
/// `X-Amz-Target: Service_Version.Operation` (ECR, Organizations, KMS), or S3's REST form (the
/// method and the bucket subresource: `GET /bucket?policy` is GetBucketPolicy; any other method is
/// named by it, so it counts as a write).
fn action_of(method: &str, body: &str, target: &str, amz_target: Option<&str>) -> String {
    if let Some(t) = amz_target {
        return t.rsplit('.').next().unwrap_or(t).to_string();
    }
    if let Some(rest) = target.strip_prefix("/clusters/") {
        let path = rest.split('?').next().unwrap_or(rest);
        return match (method, path.split('/').count()) {
            ("GET", 1) => "DescribeCluster".into(),
            ("GET", 2) => "ListPodIdentityAssociations".into(),
            ("GET", 3) => "DescribePodIdentityAssociation".into(),
            (m, _) => format!("{m} {path}"),
        };
    }
    if method != "POST" {
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let sub = query.split('&').map(|kv| kv.split('=').next().unwrap_or("")).find(|k| !k.is_empty());
        let path = target.split('?').next().unwrap_or(target);
        return match (method, sub) {
            // S3 path style: the service's root lists the caller's buckets.
            ("GET", _) if path == "/" => "ListBuckets".into(),
            ("GET", Some("location")) => "GetBucketLocation".into(),
            ("GET", Some("policy")) => "GetBucketPolicy".into(),
            ("GET", Some("encryption")) => "GetBucketEncryption".into(),
            ("GET", _) => "GetObject".into(),
            (m, s) => format!("{m} {}", s.unwrap_or(target)),
        };
    }
    let from_query = |q: &str| q.split('&').find_map(|kv| kv.strip_prefix("Action=")).map(str::to_string);
    from_query(body).or_else(|| target.split_once('?').and_then(|(_, q)| from_query(q))).unwrap_or_default()
}

/// An error as the JSON protocols send it (`__type` and `message`, HTTP 400).
fn error_json(code: &str, message: &str) -> String {
    serde_json::json!({"__type": code, "message": message}).to_string()
}

fn error_xml(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>4b7a3e2c-loopback</RequestId></ErrorResponse>"
    )
}

/// POST the request on to moto (`upstream`: `http://127.0.0.1:PORT`) over one fresh loopback
/// connection, closed after the answer, and read the answer: status and body (by Content-Length,
/// chunked, or to the close).
fn forward(upstream: &str, req: &super::HttpRequest) -> std::io::Result<(u16, String)> {
    use std::io::{BufRead, Read};
    let addr = upstream.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(addr)?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        req.method,
        req.target,
        req.body.len()
    );
    for (k, v) in &req.headers {
        if !matches!(k.as_str(), "host" | "content-length" | "connection" | "transfer-encoding") {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(&req.body)?;
    let mut reader = BufReader::new(conn);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {status_line:?}")))?;
    let (mut length, mut chunked) = (None, false);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse::<usize>().ok(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|e| std::io::Error::other(format!("bad chunk size {size:?}: {e}")))?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (state, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    while let Some(req) = super::read_request(&mut reader) {
                        let body = String::from_utf8_lossy(&req.body).into_owned();
                        let json_protocol = req.header("x-amz-target").map(str::to_string);
                        let action = action_of(&req.method, &body, &req.target, json_protocol.as_deref());
                        let fault = {
                            let mut st = state.lock().unwrap();
                            st.actions.push(action.clone());
                            match st.faults.get_mut(&action) {
                                Some(Fault::Throttle(0)) | None => None,
                                Some(Fault::Throttle(n)) => {
                                    *n -= 1;
                                    Some(Fault::Throttle(*n))
                                }
                                Some(f) => Some(f.clone()),
                            }
                        };
                        match fault {
                            Some(Fault::Hang) => {
                                std::thread::sleep(std::time::Duration::from_secs(3600));
                                return;
                            }
                            Some(Fault::Endless) => {
                                let head =
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
                                let chunk = format!("{:x}\r\n{}\r\n", 65536, "<member>".repeat(8192));
                                let _ = stream.write_all(head.as_bytes());
                                while stream.write_all(chunk.as_bytes()).is_ok() {}
                                return;
                            }
                            _ => {}
                        }
                        let marker = body
                            .split('&')
                            .find_map(|kv| kv.strip_prefix("Marker="))
                            .map(|m| percent_encoding::percent_decode_str(m).decode_utf8_lossy().into_owned());
                        let page_roles = {
                            let mut st = state.lock().unwrap();
                            st.markers.extend(marker.clone());
                            st.page_roles.filter(|_| action == "GetAccountAuthorizationDetails")
                        };
                        let served = {
                            let st = state.lock().unwrap();
                            pod_identity_answer(&st.pod_identity, &req.method, &req.target)
                        };
                        let (code, text) = match (fault, served) {
                            (None, Some(answer)) => answer,
                            (fault, _) => match fault {
                                Some(Fault::Deny) if json_protocol.is_some() => (
                                    400,
                                    error_json(
                                        "AccessDeniedException",
                                        &format!(
                                            "User: arn:aws:sts::{ACCOUNT}:assumed-role/oncall/me is not authorized to perform: {action} because no identity-based policy allows the action"
                                        ),
                                    ),
                                ),
                                Some(Fault::Deny) => (
                                    403,
                                    error_xml(
                                        "AccessDenied",
                                        &format!(
                                            "User: arn:aws:sts::{ACCOUNT}:assumed-role/oncall/me is not authorized to perform: iam:{action} because no identity-based policy allows the iam:{action} action"
                                        ),
                                    ),
                                ),
                                Some(Fault::Throttle(_)) => (400, error_xml("Throttling", "Rate exceeded")),
                                Some(Fault::Hang | Fault::Endless) => unreachable!("answered above"),
                                None => match forward(&upstream, &req) {
                                    Ok((status, text)) => {
                                        let text = match page_roles {
                                            Some(n) => paginate(&text, n, marker.as_deref()),
                                            None => text,
                                        };
                                        (status, text)
                                    }
                                    Err(e) => (502, error_xml("ServiceUnavailable", &e.to_string())),
                                },
                            },
                        };
                        let content_type = if json_protocol.is_some() {
                            "application/x-amz-json-1.1"
                        } else if req.target.starts_with("/clusters/") {
                            "application/json"
                        } else {
                            "text/xml"
                        };
                        let error_type = if code >= 400 && req.target.starts_with("/clusters/") {
                            serde_json::from_str::<serde_json::Value>(&text)
                                .ok()
                                .and_then(|v| v["__type"].as_str().map(|t| format!("x-amzn-ErrorType: {t}\r\n")))
                                .unwrap_or_default()
                        } else {
                            String::new()
                        };
                        let head = format!(
                            "HTTP/1.1 {code} X\r\nContent-Type: {content_type}\r\n{error_type}Content-Length: {}\r\n\r\n",
                            text.len()
                        );
                        if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(text.as_bytes())).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Proxy { url: format!("http://127.0.0.1:{port}"), state }
    }

    pub fn fault(&self, action: &str, fault: Fault) {
        self.state.lock().unwrap().faults.insert(action.to_string(), fault);
    }

    /// Answer `GetAccountAuthorizationDetails` in pages of `n` roles with markers, as IAM does.
    pub fn paginate_authorization_details(&self, n: usize) {
        self.state.lock().unwrap().page_roles = Some(n);
    }

    /// The `Marker`s requests carried, in order.
    pub fn markers(&self) -> Vec<String> {
        self.state.lock().unwrap().markers.clone()
    }

    /// Serve these Pod Identity associations (`describe-pod-identity-association`'s `association`).
    pub fn pod_identity(&self, associations: Vec<serde_json::Value>) {
        self.state.lock().unwrap().pod_identity = associations;
    }

    pub fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// Every action the proxy saw, in order.
    pub fn actions(&self) -> Vec<String> {
        self.state.lock().unwrap().actions.clone()
    }

    pub fn writes(&self) -> Vec<String> {
        self.actions().into_iter().filter(|a| !arcscope::sources::aws::read_only(a)).collect()
    }
}

/// The environment of an `arcscope` run against `endpoint`: static test credentials, no shared
/// config, no IMDS (BUILD-NOTES trap 8: pin the AWS environment inside the test).
pub fn aws_env(endpoint: &str, home: &std::path::Path) -> Vec<(String, String)> {
    let none = home.join("none");
    [
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "AKIALOOPBACKTEST0001".into()),
        ("AWS_SECRET_ACCESS_KEY", "loopback-secret".into()),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", none.display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", none.display().to_string()),
        ("HOME", home.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
