//! GitHub job logs, where configure-aws-credentials' output lives (arc.md §5.2): from an
//! EphemeralRunner's `jobRepositoryName` and `workflowRunId`, list the run's jobs, pick the one
//! whose `runner_name` is the runner, and stream its log.
//!
//! Read-only (GET only). The token comes from `GITHUB_TOKEN`, else `gh auth token`; it is sent
//! only to the API host — never to the log download URL GitHub redirects to — and never shown:
//! [`Token`]'s `Debug` is redacted and errors quote GitHub's message, not the request.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use serde::Deserialize;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::time::Instant;

pub const DEFAULT_API: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";

/// A GitHub token. Never printed.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// How to get a token, for messages.
pub const TOKEN_HELP: &str = "set GITHUB_TOKEN to a token with actions:read on the repository (or run `gh auth login`)";

/// `GITHUB_TOKEN`, else `gh auth token [--hostname HOST]`, else none.
pub fn token_from_env(api_base: &str) -> Option<Token> {
    if let Some(t) = std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.trim().is_empty()) {
        return Some(Token(t.trim().to_string()));
    }
    let mut cmd = std::process::Command::new("gh");
    cmd.args(["auth", "token"]);
    if let Some(host) = host_of(api_base).filter(|h| *h != "api.github.com") {
        cmd.args(["--hostname", host]);
    }
    let out = cmd.stderr(std::process::Stdio::null()).output().ok()?;
    let t = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !t.is_empty()).then_some(Token(t))
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', ':']).next().unwrap_or(rest))
}

fn origin(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find('/').unwrap_or(rest.len());
    Some(&url[..scheme.len() + 3 + end])
}

#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("no GitHub token: {TOKEN_HELP}")]
    NoToken,
    #[error("GitHub answered {status} for {what}: {message}")]
    Status { status: u16, what: String, message: String },
    #[error(
        "the job's log is not available yet (GitHub answers 404 while a job is still running, and after logs expire)"
    )]
    LogNotReady,
    #[error("no job of run {run_id} in {repo} ran on runner {runner}")]
    JobNotFound { repo: String, run_id: i64, runner: String },
    #[error("cannot reach GitHub at {url}: {message}")]
    Network { url: String, message: String },
}

/// A job of a workflow run, as `GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    pub id: i64,
    pub run_id: i64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub runner_name: Option<String>,
    #[serde(default)]
    pub run_attempt: Option<i64>,
    pub html_url: Option<String>,
}

#[derive(Deserialize)]
struct JobsPage {
    jobs: Vec<Job>,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// A read-only GitHub REST client on the hyper/rustls stack kube and the AWS SDK already build,
/// driven by its own current-thread runtime: `explain` is synchronous and runs outside any other.
pub struct GitHub {
    api: String,
    token: Option<Token>,
    client: Option<Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>>,
    /// Why there is no client: the system has no usable root certificates.
    no_client: Option<String>,
    rt: Arc<Runtime>,
}

/// The whole of one request, answer and body included: a server that hangs or streams without end
/// ends in an error, not a stuck `explain`.
const TIMEOUT: Duration = Duration::from_secs(60);

/// An answer: status, headers, and the body still to read by the deadline.
struct Response {
    status: u16,
    headers: http::HeaderMap,
    body: Body,
}

/// A body read frame by frame on the client's runtime, by a deadline.
struct Body {
    rt: Arc<Runtime>,
    incoming: Incoming,
    deadline: Instant,
    /// Bytes of the current frame not yet handed out.
    pending: Bytes,
    done: bool,
}

impl Body {
    /// The next frame's data, empty at the end. Errors and the deadline end the body with an
    /// `io::Error` saying which.
    fn next(&mut self) -> std::io::Result<Bytes> {
        while !self.done {
            let (deadline, incoming) = (self.deadline, &mut self.incoming);
            // The timer is made inside the runtime: it needs the runtime's clock.
            let frame = self.rt.block_on(async { tokio::time::timeout_at(deadline, incoming.frame()).await });
            match frame {
                Err(_) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "GitHub stopped answering")),
                Ok(None) => self.done = true,
                Ok(Some(Err(e))) => return Err(std::io::Error::other(e)),
                Ok(Some(Ok(f))) => {
                    if let Ok(data) = f.into_data()
                        && !data.is_empty()
                    {
                        return Ok(data);
                    }
                }
            }
        }
        Ok(Bytes::new())
    }

    /// The whole body as text, at most `limit` bytes (an error past it).
    fn text(mut self, limit: usize) -> std::io::Result<String> {
        let mut out = Vec::new();
        loop {
            let data = self.next()?;
            if data.is_empty() {
                break;
            }
            if out.len() + data.len() > limit {
                return Err(std::io::Error::other(format!("the answer is larger than {} KiB", limit >> 10)));
            }
            out.extend_from_slice(&data);
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.pending = self.next()?;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending.split_to(n));
        Ok(n)
    }
}

impl GitHub {
    /// `api`: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    /// Roots are the system's, as the AWS CLI and kubectl read them.
    pub fn new(api: &str, token: Option<Token>) -> GitHub {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a current-thread runtime");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (client, no_client) =
            match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_native_roots(provider) {
                Ok(b) => {
                    let https = b.https_or_http().enable_http1().build();
                    let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
                    (Some(client), None)
                }
                Err(e) => (None, Some(format!("no trusted root certificates on this system: {e}"))),
            };
        GitHub { api: api.trim_end_matches('/').to_string(), token, client, no_client, rt: Arc::new(rt) }
    }

    /// One GET. Redirects are not followed here: the caller follows them by hand, so the token
    /// never goes to another host.
    fn get(&self, url: &str, with_token: bool) -> Result<Response, GitHubError> {
        let network =
            |message: String| GitHubError::Network { url: url.split('?').next().unwrap_or(url).to_string(), message };
        let client = self.client.as_ref().ok_or_else(|| network(self.no_client.clone().unwrap_or_default()))?;
        let mut req = http::Request::get(url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .header("User-Agent", concat!("arcscope/", env!("CARGO_PKG_VERSION")));
        if with_token && let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {}", t.0));
        }
        let req = req.body(Empty::new()).map_err(|e| network(e.to_string()))?;
        let deadline = Instant::now() + TIMEOUT;
        let resp = self
            .rt
            .block_on(async { tokio::time::timeout_at(deadline, client.request(req)).await })
            .map_err(|_| network("no answer in 60 s".into()))?
            .map_err(|e| network(error_chain(&e)))?;
        let (parts, incoming) = resp.into_parts();
        let body = Body { rt: self.rt.clone(), incoming, deadline, pending: Bytes::new(), done: false };
        Ok(Response { status: parts.status.as_u16(), headers: parts.headers, body })
    }

    fn status_error(what: &str, resp: Response) -> GitHubError {
        let status = resp.status;
        let body = resp.body.text(64 * 1024).unwrap_or_default();
        let message = serde_json::from_str::<ErrorBody>(&body)
            .ok()
            .and_then(|b| b.message)
            .unwrap_or_else(|| body.chars().take(200).collect());
        let hint = match status {
            401 => format!("{message} ({TOKEN_HELP})"),
            403 | 404 if what.contains("jobs") => format!("{message} (the token needs actions:read on the repository)"),
            _ => message,
        };
        GitHubError::Status { status, what: what.to_string(), message: hint }
    }

    /// Every job of the run (all attempts), following pagination.
    pub fn jobs(&self, repo: &str, run_id: i64) -> Result<Vec<Job>, GitHubError> {
        if self.token.is_none() {
            return Err(GitHubError::NoToken);
        }
        let mut out = Vec::new();
        let mut next = Some(format!("{}/repos/{repo}/actions/runs/{run_id}/jobs?filter=all&per_page=100", self.api));
        let what = format!("the jobs of run {run_id} in {repo}");
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 100 {
                break; // 10,000 jobs: enough for any run
            }
            // Follow `Link: rel="next"` only on the API's own origin.
            if origin(&url) != origin(&self.api) {
                break;
            }
            let resp = self.get(&url, true)?;
            if resp.status != 200 {
                return Err(Self::status_error(&what, resp));
            }
            next = resp.headers.get("link").and_then(|l| l.to_str().ok()).and_then(next_link);
            let body = resp
                .body
                .text(32 << 20)
                .map_err(|e| GitHubError::Network { url: what.clone(), message: e.to_string() })?;
            let page: JobsPage = serde_json::from_str(&body).map_err(|e| GitHubError::Status {
                status: 200,
                what: what.clone(),
                message: format!("unexpected response: {e}"),
            })?;
            out.extend(page.jobs);
        }
        Ok(out)
    }

    /// The job of `run_id` that ran on `runner` (the EphemeralRunner's name); latest attempt first.
    pub fn find_job(&self, repo: &str, run_id: i64, runner: &str) -> Result<Job, GitHubError> {
        let mut jobs: Vec<Job> =
            self.jobs(repo, run_id)?.into_iter().filter(|j| j.runner_name.as_deref() == Some(runner)).collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.run_attempt.unwrap_or(0)));
        jobs.into_iter().next().ok_or_else(|| GitHubError::JobNotFound {
            repo: repo.to_string(),
            run_id,
            runner: runner.to_string(),
        })
    }

    /// Stream the job's log: GitHub answers 302 to a short-lived download URL, fetched without
    /// the token.
    pub fn job_log(&self, repo: &str, job_id: i64) -> Result<impl Read + use<>, GitHubError> {
        if self.token.is_none() {
            return Err(GitHubError::NoToken);
        }
        let url = format!("{}/repos/{repo}/actions/jobs/{job_id}/logs", self.api);
        let what = format!("the log of job {job_id}");
        let resp = self.get(&url, true)?;
        let resp = match resp.status {
            200 => resp,
            301 | 302 | 303 | 307 | 308 => {
                let location =
                    resp.headers.get("location").and_then(|l| l.to_str().ok()).map(str::to_string).ok_or_else(
                        || GitHubError::Status {
                            status: resp.status,
                            what: what.clone(),
                            message: "redirect without Location".into(),
                        },
                    )?;
                let same_origin = origin(&location) == origin(&self.api);
                let download = self.get(&location, same_origin)?;
                match download.status {
                    200 => download,
                    404 => return Err(GitHubError::LogNotReady),
                    _ => return Err(Self::status_error(&what, download)),
                }
            }
            404 => return Err(GitHubError::LogNotReady),
            _ => return Err(Self::status_error(&what, resp)),
        };
        Ok(resp.body)
    }
}

/// An error with its causes, as the AWS CLI prints them (`connection refused`, not
/// `client error (Connect)`).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let start = part.find('<')? + 1;
        let end = part.find('>')?;
        Some(part[start..end].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_and_origins() {
        let l = r#"<https://api.github.com/repositories/1/actions/runs/2/jobs?page=2>; rel="next", <https://api.github.com/repositories/1/actions/runs/2/jobs?page=3>; rel="last""#;
        assert_eq!(next_link(l).as_deref(), Some("https://api.github.com/repositories/1/actions/runs/2/jobs?page=2"));
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
        assert_eq!(origin("https://api.github.com/repos/x"), Some("https://api.github.com"));
        assert_ne!(origin("https://productionresultssa1.blob.core.windows.net/x"), origin("https://api.github.com"));
        assert_eq!(host_of("https://ghe.example.com/api/v3"), Some("ghe.example.com"));
    }

    #[test]
    fn the_token_is_redacted() {
        assert_eq!(format!("{:?}", Token::new("ghp_secret")), "Token(<redacted>)");
    }
}
