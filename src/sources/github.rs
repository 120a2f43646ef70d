//! GitHub job logs, where configure-aws-credentials' output lives (arc.md §5.2): from an
//! EphemeralRunner's `jobRepositoryName` and `workflowRunId`, list the run's jobs, pick the one
//! whose `runner_name` is the runner, and stream its log.
//!
//! Read-only (GET only). The token comes from `GITHUB_TOKEN`, else `gh auth token`; it is sent
//! only to the API host — never to the log download URL GitHub redirects to — and never shown:
//! [`Token`]'s `Debug` is redacted and errors quote GitHub's message, not the request.

use serde::Deserialize;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

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

/// A read-only GitHub REST client.
pub struct GitHub {
    api: String,
    token: Option<Token>,
    agent: ureq::Agent,
}

impl GitHub {
    /// `api`: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    pub fn new(api: &str, token: Option<Token>) -> GitHub {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            // Redirects are followed by hand, so the token never goes to another host.
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("arcscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        GitHub { api: api.trim_end_matches('/').to_string(), token, agent }
    }

    fn get(&self, url: &str, with_token: bool) -> Result<ureq::http::Response<ureq::Body>, GitHubError> {
        let mut req = self
            .agent
            .get(url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION);
        if with_token && let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {}", t.0));
        }
        req.call().map_err(|e| GitHubError::Network {
            url: url.split('?').next().unwrap_or(url).to_string(),
            message: e.to_string(),
        })
    }

    fn status_error(what: &str, mut resp: ureq::http::Response<ureq::Body>) -> GitHubError {
        let status = resp.status().as_u16();
        let body = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
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
            let mut resp = self.get(&url, true)?;
            if resp.status().as_u16() != 200 {
                return Err(Self::status_error(&what, resp));
            }
            next = resp.headers().get("link").and_then(|l| l.to_str().ok()).and_then(next_link);
            let body = resp
                .body_mut()
                .with_config()
                .limit(32 << 20)
                .read_to_string()
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
        let resp = match resp.status().as_u16() {
            200 => resp,
            301 | 302 | 303 | 307 | 308 => {
                let location =
                    resp.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_string).ok_or_else(
                        || GitHubError::Status {
                            status: resp.status().as_u16(),
                            what: what.clone(),
                            message: "redirect without Location".into(),
                        },
                    )?;
                let same_origin = origin(&location) == origin(&self.api);
                let download = self.get(&location, same_origin)?;
                match download.status().as_u16() {
                    200 => download,
                    404 => return Err(GitHubError::LogNotReady),
                    _ => return Err(Self::status_error(&what, download)),
                }
            }
            404 => return Err(GitHubError::LogNotReady),
            _ => return Err(Self::status_error(&what, resp)),
        };
        Ok(resp.into_body().into_reader())
    }
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
