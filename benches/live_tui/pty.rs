//! A program in a pseudo-terminal of a given size, as a terminal emulator runs it: the pty is
//! its controlling terminal (arcscope watches it for a hang-up), everything it writes is kept
//! with the time each read returned.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the program wrote: the bytes, and `(time, end offset)` of each read.
#[derive(Default)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub reads: Vec<(Instant, usize)>,
}

pub struct Pty {
    pub child: Child,
    pub started: Instant,
    pub output: Arc<Mutex<Output>>,
    master: OwnedFd,
}

impl Pty {
    /// Start `cmd` on a new `rows`×`cols` pty; its clock starts just before the fork.
    pub fn spawn(mut cmd: Command, rows: u16, cols: u16) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: openpty writes two fds; the size is read only.
        let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both fds were just opened and are owned here alone.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the pty"));
        cmd.stdin(io(&slave)).stdout(io(&slave)).stderr(io(&slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let child = cmd.spawn().expect("the program starts");
        drop(slave);
        let output = Arc::new(Mutex::new(Output::default()));
        let (sink, fd) = (output.clone(), master.try_clone().expect("dup the master"));
        std::thread::spawn(move || {
            let mut file = std::fs::File::from(fd);
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(n) = file.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = sink.lock().unwrap();
                out.bytes.extend_from_slice(&buf[..n]);
                let end = out.bytes.len();
                out.reads.push((Instant::now(), end));
            }
        });
        Pty { child, started, output, master }
    }

    /// Type `text` (keys) into the terminal.
    pub fn send(&self, text: &str) {
        // SAFETY: writing a buffer to an fd we own.
        unsafe { libc::write(self.master.as_raw_fd(), text.as_ptr().cast(), text.len()) };
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Every frame the program drew, with the time its last byte arrived: ratatui ends each frame by
/// hiding the cursor (or showing it at a prompt), which is where the VT model takes a snapshot.
pub fn frames(out: &Output, rows: usize, cols: usize, since: Instant) -> Vec<(f64, String)> {
    let raw = String::from_utf8_lossy(&out.bytes).into_owned();
    let screens = super::common::screens(&raw, rows, cols);
    // Byte offsets of each frame's end, in the same order the model snapshots them.
    let bytes = raw.as_bytes();
    let mut ends = Vec::new();
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], b"\x1b[?25") {
        let end = i + at + 6;
        if matches!(bytes.get(end - 1), Some(b'l' | b'h')) {
            ends.push(end);
        }
        i = end;
    }
    ends.iter()
        .zip(screens)
        .map(|(&end, screen)| {
            let read = out.reads.iter().find(|(_, e)| *e >= end).map(|(t, _)| *t).unwrap_or(since);
            (read.duration_since(since).as_secs_f64(), screen)
        })
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
