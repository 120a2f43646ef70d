//! Shared helpers: build a bundle directory from the seed fixture plus a variant's overlay
//! files (each a real `kubectl`/AWS CLI/workflow file that replaces or adds to the seed).

#![allow(dead_code)]

pub mod apiserver;
pub mod moto;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The seed bundle with `variant`'s files laid over it.
pub fn bundle(variant: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("seed"), dir.path());
    if let Some(v) = variant {
        copy_tree(&fixtures().join("variants").join(v), dir.path());
    }
    dir
}

pub fn arcscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arcscope")).args(args).env("NO_COLOR", "1").output().expect("run arcscope")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One HTTP/1.1 request read by a loopback test server: the request line, the headers (names
/// lowercased) and the body (by Content-Length). `None` when the client closed the connection.
pub struct HttpRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub fn read_request(reader: &mut impl std::io::BufRead) -> Option<HttpRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0usize);
    let mut body = vec![0u8; len];
    let _ = reader.read_exact(&mut body);
    let mut parts = line.split_whitespace();
    Some(HttpRequest {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        headers,
        body,
    })
}

/// A `check --format json` report in one line per chain: subject, verdict, and (action, decision,
/// decided_by) of every step — what must agree between two sources of the same data.
pub fn verdict_summary(o: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)));
    v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let steps: Vec<String> = c["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| format!("{} {} {}", s["action"], s["decision"], s["decided_by"]))
                .collect();
            format!("{} {} [{}]", c["subject"], c["verdict"], steps.join(", "))
        })
        .collect()
}
