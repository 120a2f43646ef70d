//! Signals in a real pseudo-terminal (#12.8): SIGTERM, SIGHUP, SIGINT and SIGQUIT restore the
//! terminal (alternate screen off, cursor shown, paste mode off, cooked mode) and end arcscope
//! with the signal's own status; SIGTSTP leaves the screen and raw mode before stopping, and
//! SIGCONT takes them back and redraws. `stty -a` after the binary says what mode the terminal
//! was left in.

mod common;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The arcscope process under `script`'s shell (`root` is `script`).
fn arcscope_pid(root: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let mut parents = vec![root];
        let mut i = 0;
        while i < parents.len() {
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
                // `pid (comm) state ppid …`: comm may hold spaces, so read after the last ')'.
                let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else { continue };
                let ppid: u32 = rest.split(' ').nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
                if ppid == parents[i] && !parents.contains(&pid) {
                    if stat.contains("(arcscope)") {
                        return pid;
                    }
                    parents.push(pid);
                }
            }
            i += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no arcscope process under script {root}");
}

fn start() -> (Child, u32) {
    let bin = env!("CARGO_BIN_EXE_arcscope");
    let cmd = format!("stty rows 24 cols 80; {bin} --demo; echo \"exit=$?\"; stty -a");
    let child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script runs");
    let pid = arcscope_pid(child.id());
    std::thread::sleep(Duration::from_millis(1500));
    (child, pid)
}

fn kill(pid: u32, signal: &str) {
    let ok = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill -{signal} {pid}");
}

fn finish(mut child: Child) -> String {
    let _ = child.stdin.take();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// After the last frame: the alternate screen left, the cursor shown, paste mode off; the shell
/// saw `status`; the terminal is in cooked mode with echo.
fn assert_restored(out: &str, status: &str) {
    let leave = out.rfind("\x1b[?1049l").unwrap_or_else(|| panic!("left the alternate screen: {out:?}"));
    assert!(out.rfind("\x1b[?1049h").is_some_and(|enter| enter < leave), "left after the last enter");
    assert!(out.rfind("\x1b[?25h").is_some_and(|show| show > out.rfind("\x1b[?25l").unwrap_or(0)), "cursor shown");
    assert!(out.rfind("\x1b[?2004l").is_some_and(|off| off > out.rfind("\x1b[?2004h").unwrap()), "paste mode off");
    assert!(out.contains(&format!("exit={status}")), "exit status {status}: {:?}", &out[leave..]);
    let stty = &out[out.rfind("exit=").unwrap()..];
    let modes: Vec<&str> = stty.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(modes.contains(&mode), "cooked mode ({mode}) after arcscope: {stty}");
    }
}

#[test]
fn terminating_signals_restore_the_terminal_and_end_with_the_signals_status() {
    // 128 + the signal's number, as a shell reports a process the signal ended.
    let cases = [("TERM", "143"), ("HUP", "129"), ("INT", "130"), ("QUIT", "131")];
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(signal, status)| {
            std::thread::spawn(move || {
                let (child, pid) = start();
                kill(pid, signal);
                let out = finish(child);
                assert_restored(&out, status);
            })
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
}

#[test]
fn sigtstp_leaves_the_screen_and_raw_mode_and_sigcont_takes_them_back() {
    let (mut child, pid) = start();
    kill(pid, "TSTP");
    std::thread::sleep(Duration::from_millis(600));
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let state = state.rsplit_once(") ").unwrap().1.chars().next().unwrap();
    assert_eq!(state, 'T', "stopped");
    kill(pid, "CONT");
    std::thread::sleep(Duration::from_millis(800));
    // Back in raw mode: keys are read one at a time again (a cooked terminal would wait for enter).
    child.stdin.as_mut().unwrap().write_all(b":sa\r").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    child.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    let out = finish(child);
    assert_eq!(out.matches("\x1b[?1049h").count(), 2, "entered the alternate screen again on SIGCONT");
    let first_leave = out.find("\x1b[?1049l").expect("left the screen to stop");
    assert!(first_leave < out.rfind("\x1b[?1049h").unwrap(), "left before stopping, entered after");
    let frames = common::screens(&out[out.rfind("\x1b[?1049h").unwrap()..], 24, 80);
    assert!(
        frames.iter().any(|f| f.contains("serviceaccounts")),
        "redrawn and answering keys after SIGCONT: {:?}",
        frames.last()
    );
    assert_restored(&out, "0");
}

/// The terminal goes away under it (the window closed, `tmux kill-server`): reading a hung-up
/// terminal returns end-of-file forever, and crossterm's reader spins on that without returning.
/// arcscope ends within seconds as SIGHUP would, instead of burning a core until killed.
#[test]
fn a_terminal_that_hangs_up_ends_arcscope() {
    let (mut child, pid) = start();
    // `script` holds the terminal's master side: killing it hangs the terminal up.
    kill(child.id(), "KILL");
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        // A zombie has ended: its state is Z.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let alive = stat.rsplit_once(") ").is_some_and(|(_, r)| !r.starts_with('Z'));
    if alive {
        kill(pid, "KILL");
    }
    assert!(!alive, "arcscope still running 5 s after its terminal hung up: {stat}");
}
