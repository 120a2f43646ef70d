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

pub fn copy_tree(from: &Path, to: &Path) {
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

/// The screens a terminal would have shown for `raw` pty output (a small VT model: cursor
/// positioning, erase, text; colours ignored), one snapshot per frame (ratatui hides the cursor at
/// the end of each, or shows it where a prompt has it). ratatui writes only the cells that changed, so a phrase is only findable on
/// the screen, not in the byte stream.
pub fn screens(raw: &str, rows: usize, cols: usize) -> Vec<String> {
    let mut grid = vec![vec![' '; cols]; rows];
    let (mut r, mut c) = (0usize, 0usize);
    let mut out = Vec::new();
    let snapshot = |g: &Vec<Vec<char>>| {
        g.iter().map(|l| l.iter().collect::<String>().trim_end().to_string()).collect::<Vec<_>>().join("\n")
    };
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut fin = ' ';
                    for x in chars.by_ref() {
                        if x.is_ascii_alphabetic() || x == '@' || x == '~' {
                            fin = x;
                            break;
                        }
                        params.push(x);
                    }
                    let nums: Vec<usize> =
                        params.trim_start_matches('?').split(';').map(|n| n.parse().unwrap_or(0)).collect();
                    match fin {
                        'H' | 'f' => {
                            r = nums.first().copied().unwrap_or(1).max(1) - 1;
                            c = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                        }
                        'J' if nums.first() == Some(&2) => grid = vec![vec![' '; cols]; rows],
                        'K' => {
                            if let Some(line) = grid.get_mut(r) {
                                line[c.min(cols)..].iter_mut().for_each(|x| *x = ' ');
                            }
                        }
                        // The end of a frame: ratatui hides the cursor, or shows it at a prompt.
                        'l' | 'h' if params == "?25" => out.push(snapshot(&grid)),
                        _ => {}
                    }
                }
                Some(']') => {
                    // OSC: up to BEL or ST.
                    for x in chars.by_ref() {
                        if x == '\x07' || x == '\\' {
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\r' => c = 0,
            '\n' => r = (r + 1).min(rows.saturating_sub(1)),
            ch if ch >= ' ' => {
                if r < rows && c < cols {
                    grid[r][c] = ch;
                }
                c += 1;
            }
            _ => {}
        }
    }
    out.push(snapshot(&grid));
    out
}

/// The real binary in a pseudo-terminal (`script`), `rows`×`cols`: `args` after the binary, `env`
/// added; after `startup_ms`, each key with its pause (`between(i)` runs before key `i`). Returns
/// the exit status and everything the terminal received (read it with [`screens`]).
pub fn pty(
    args: &str,
    env: &[(String, String)],
    (rows, cols): (u16, u16),
    startup_ms: u64,
    keys: &[(&str, u64)],
    between: impl Fn(usize),
) -> (std::process::ExitStatus, String) {
    use std::io::Write;
    let bin = env!("CARGO_BIN_EXE_arcscope");
    let mut child = Command::new("script")
        .args(["-qec", &format!("stty rows {rows} cols {cols}; {bin} {args}"), "/dev/null"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    let stdin = child.stdin.as_mut().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(startup_ms));
    for (i, (k, pause)) in keys.iter().enumerate() {
        between(i);
        stdin.write_all(k.as_bytes()).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(*pause));
    }
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned())
}
