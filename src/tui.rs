//! The terminal loop: input → `App::handle_*` → `update(Action)`; live sources → `Msg` →
//! `App::apply`; the app's `Effect`s (clipboard, IAM read, probe, suspend) run here; then
//! settle, layout and draw. The terminal is restored on every exit path, panics and signals
//! included (`ratatui::init` installs the hook; `Signals` answers TERM, HUP, INT, QUIT and TSTP);
//! frames are drawn only when something changed, at most 60 a second.

use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::app::state::Effect;
use crate::sources::msg::{Change, Msg, Stream};
use std::sync::mpsc::Sender;

use crate::sources::cluster::LiveArgs;
use crate::sources::logstream::LogTarget;

const FRAME: Duration = Duration::from_millis(16);
/// Data ticks (the demo's replay; live sources later push events instead).
const TICK: Duration = Duration::from_millis(400);
/// Longest wait for live events between frames.
const LIVE_WAKE: Duration = Duration::from_millis(50);

/// OSC 52: set the terminal's clipboard (works over SSH; tmux needs `set -g set-clipboard on`).
pub fn osc52(text: &str) -> String {
    use std::fmt::Write as _;
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut enc = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                enc.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                enc.push('=');
            }
        }
    }
    let mut out = String::new();
    let _ = write!(out, "\x1b]52;c;{enc}\x07");
    out
}

/// Signals the loop answers. The first four restore the terminal and end arcscope with the
/// signal's own status; SIGTSTP (`kill -TSTP`, or `ctrl-z`, which raw mode delivers as a key)
/// leaves the alternate screen and raw mode before stopping, and comes back on SIGCONT.
const ENDING: &[i32] = &[
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
];

/// The longest the loop sleeps, so a signal is answered within this.
const SIGNAL_WAKE: Duration = Duration::from_millis(100);

/// Signal flags, set by the handlers (which only store) and read by the loop.
struct Signals {
    ending: Vec<(i32, Arc<AtomicBool>)>,
    stop: Arc<AtomicBool>,
}

impl Signals {
    fn register() -> std::io::Result<Signals> {
        let mut ending = Vec::new();
        for &sig in ENDING {
            let flag = Arc::new(AtomicBool::new(false));
            signal_hook::flag::register(sig, flag.clone())?;
            ending.push((sig, flag));
        }
        let stop = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGTSTP, stop.clone())?;
        Ok(Signals { ending, stop })
    }

    fn ending(&self) -> Option<i32> {
        ending(&self.ending)
    }

    /// A thread that ends arcscope when the loop cannot: an ending signal the loop has not
    /// answered within [`WATCHDOG`], or a terminal that hung up (its window closed, tmux killed:
    /// reading it returns end-of-file forever and crossterm's reader spins on that inside `poll`,
    /// so the loop never comes back to look at its signals). It restores what it can and ends as
    /// the signal would (SIGHUP for a hang-up).
    fn watchdog(&self, mouse: bool) {
        let flags = self.ending.clone();
        let tty = std::fs::File::open("/dev/tty").ok();
        std::thread::spawn(move || {
            let mut pending: Option<Instant> = None;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                if tty.as_ref().is_some_and(hung_up) {
                    end_now(signal_hook::consts::SIGHUP, mouse);
                }
                match (ending(&flags), pending) {
                    (Some(sig), Some(since)) if since.elapsed() >= WATCHDOG => end_now(sig, mouse),
                    (Some(_), None) => pending = Some(Instant::now()),
                    _ => {}
                }
            }
        });
    }
}

fn ending(flags: &[(i32, Arc<AtomicBool>)]) -> Option<i32> {
    flags.iter().find(|(_, f)| f.load(Ordering::Relaxed)).map(|(s, _)| *s)
}

/// How long the loop has to answer an ending signal before the watchdog ends arcscope itself.
const WATCHDOG: Duration = Duration::from_secs(1);

/// The terminal hung up: `poll(2)` says so at once (with `POLLHUP`), where a read would only
/// return end-of-file.
fn hung_up(tty: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd { fd: tty.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid, initialised pollfd for a descriptor this thread owns; a zero timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// End from the watchdog: the terminal modes off as far as the terminal is still there, then as
/// the signal would.
fn end_now(sig: i32, mouse: bool) -> ! {
    leave_modes(mouse);
    ratatui::restore();
    let _ = signal_hook::low_level::emulate_default_handler(sig);
    std::process::exit(128 + sig)
}

/// The terminal modes arcscope sets: on at start and after a resume, off on every exit.
fn enter_modes(mouse: bool) -> std::io::Result<()> {
    use ratatui::crossterm::event::{EnableBracketedPaste, EnableMouseCapture};
    use ratatui::crossterm::execute;
    execute!(std::io::stdout(), EnableBracketedPaste)?;
    if mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

fn leave_modes(mouse: bool) {
    use ratatui::crossterm::event::{DisableBracketedPaste, DisableMouseCapture};
    use ratatui::crossterm::execute;
    if mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    // The cursor's visibility is the terminal's, not the alternate screen's: show it again.
    let _ = execute!(std::io::stdout(), DisableBracketedPaste, ratatui::crossterm::cursor::Show);
}

/// Stop as SIGTSTP would, with the terminal as the shell expects it; on SIGCONT take it back.
fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    leave_modes(mouse);
    ratatui::restore();
    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP)?;
    // Continued: raw mode and the alternate screen again, cleared, and a fresh terminal whose
    // empty previous frame makes the next draw a full one (`Terminal::clear` would ask the
    // terminal where its cursor is, and not every terminal answers).
    use ratatui::crossterm::terminal::{Clear, ClearType, EnterAlternateScreen, enable_raw_mode};
    enable_raw_mode()?;
    ratatui::crossterm::execute!(std::io::stdout(), EnterAlternateScreen, Clear(ClearType::All))?;
    enter_modes(mouse)?;
    *terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    Ok(())
}

/// `r` (and the start with live AWS): read IAM again on its own thread from a copy of the
/// inventory; throttling retries show in the header as they happen; the result replaces the IAM
/// parts.
fn read_iam(app: &App, aws_args: &crate::sources::aws::AwsArgs, tx: &Sender<Msg>) {
    let mut inv = app.data.inv.clone();
    crate::sources::aws::forget_iam(&mut inv);
    let (tx, generation) = (tx.clone(), app.streams.generation);
    let mut args = aws_args.clone();
    let progress = tx.clone();
    args.observer = Some(crate::sources::aws::Observer(Arc::new(move |s| {
        let change = Change::State(s);
        let _ = progress.send(Msg { generation, from: Stream::Iam, change });
    })));
    std::thread::spawn(move || {
        crate::sources::aws::load_live_blocking(&mut inv, &args, &crate::chain::CheckOptions::default());
        let change = Change::Iam(Box::new(inv));
        let _ = tx.send(Msg { generation, from: Stream::Iam, change });
    });
}

/// A confirmed probe runs on its own thread; its report comes back as an event.
fn probe(
    app: &App,
    args: &LiveArgs,
    aws: Option<&crate::sources::aws::AwsArgs>,
    confirmed: crate::probe::Confirmed,
    tx: &Sender<Msg>,
) {
    let (args, aws, tx, generation) = (args.clone(), aws.cloned(), tx.clone(), app.streams.generation);
    std::thread::spawn(move || {
        let report = crate::sources::probe::run_blocking(&args, aws.as_ref(), &confirmed);
        let _ = tx.send(Msg { generation, from: Stream::Probe, change: Change::Probe(report) });
    });
}

/// Run the UI until quit. `live`: the cluster to watch (and whose runner logs to follow).
pub fn run(
    mut app: App,
    theme: &crate::ui::theme::Theme,
    mouse: bool,
    live: Option<LiveArgs>,
    aws: Option<crate::sources::aws::AwsArgs>,
) -> std::io::Result<()> {
    let signals = Signals::register()?;
    signals.watchdog(mouse);
    let (tx, rx) = std::sync::mpsc::channel();
    let watching = Arc::new(AtomicBool::new(false));
    if let Some(args) = &live {
        crate::sources::watch::spawn_until(args.clone(), app.streams.generation, tx.clone(), watching.clone());
    }
    let terminal = ratatui::init();
    // ratatui's panic hook restores raw mode and the screen; paste and mouse modes must go too.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes(mouse);
        previous(info);
    }));
    let mut ended_by = None;
    let mut shell = Shell { terminal, theme, mouse, live, aws, tx, following: None, watching };
    let result = (|| -> std::io::Result<()> {
        enter_modes(mouse)?;
        let mut dirty = true;
        let mut last_draw = Instant::now() - FRAME;
        let mut last_tick = Instant::now();
        loop {
            if let Some(sig) = signals.ending() {
                ended_by = Some(sig);
                return Ok(());
            }
            if signals.stop.swap(false, Ordering::Relaxed) {
                suspend(&mut shell.terminal, mouse)?;
                dirty = true;
            }
            if dirty && last_draw.elapsed() >= FRAME {
                shell.frame(&mut app)?;
                last_draw = Instant::now();
                dirty = false;
            }
            dirty |= shell.effects(&mut app)?;
            if app.quit {
                return Ok(());
            }
            shell.follow(&mut app);
            // Drain live messages before the next frame (bounded per frame so input stays responsive).
            for msg in rx.try_iter().take(1000) {
                dirty |= app.apply(msg);
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                dirty |= app.tick();
            }
            // Live sources push messages on the channel: wake at least every 50 ms for them, so
            // a short-lived state (a throttled retry) reaches the screen.
            let wait = if dirty {
                FRAME.saturating_sub(last_draw.elapsed())
            } else {
                TICK.saturating_sub(last_tick.elapsed())
            };
            let live_wake = shell.live.is_some() || shell.aws.is_some();
            dirty |= input(&mut app, if live_wake { wait.min(LIVE_WAKE) } else { wait.min(SIGNAL_WAKE) })?;
        }
    })();
    if let Some((_, stop)) = shell.following.take() {
        stop.store(true, Ordering::Relaxed);
    }
    leave_modes(mouse);
    ratatui::restore();
    if let Some(sig) = ended_by {
        // The terminal is back as it was: end as the signal would have, for the shell.
        signal_hook::low_level::emulate_default_handler(sig)?;
    }
    result
}

/// What the loop holds besides the app: the terminal, the live sources' arguments and channel,
/// the followed log.
struct Shell<'a> {
    terminal: ratatui::DefaultTerminal,
    theme: &'a crate::ui::theme::Theme,
    mouse: bool,
    live: Option<LiveArgs>,
    aws: Option<crate::sources::aws::AwsArgs>,
    tx: Sender<Msg>,
    following: Option<(LogTarget, Arc<AtomicBool>)>,
    /// Set to stop the cluster's watches (`:ctx` starts another's).
    watching: Arc<AtomicBool>,
}

impl Shell<'_> {
    /// Settle, lay out and draw one frame.
    fn frame(&mut self, app: &mut App) -> std::io::Result<()> {
        let size = self.terminal.size()?;
        app.settle();
        crate::ui::layout(app, ratatui::layout::Rect::new(0, 0, size.width, size.height));
        let theme = self.theme;
        self.terminal.draw(|f| crate::ui::draw(f, app, theme))?;
        // A question just drawn: what was typed or pasted before it is not an answer.
        if app.confirmation_unarmed() {
            while event::poll(Duration::ZERO)? {
                let _ = event::read()?;
            }
            app.arm_confirmation();
        }
        Ok(())
    }

    /// Run what the app asked for. Returns whether the screen needs drawing again.
    fn effects(&mut self, app: &mut App) -> std::io::Result<bool> {
        let mut dirty = false;
        for effect in app.take_effects() {
            match effect {
                Effect::Copy(text) => {
                    let mut out = std::io::stdout();
                    out.write_all(osc52(&text).as_bytes())?;
                    out.flush()?;
                }
                Effect::Suspend => {
                    suspend(&mut self.terminal, self.mouse)?;
                    dirty = true;
                }
                Effect::ReadIam => {
                    if let Some(aws_args) = &self.aws {
                        read_iam(app, aws_args, &self.tx);
                    }
                }
                Effect::Probe(confirmed) => {
                    if let Some(args) = &self.live {
                        probe(app, args, self.aws.as_ref(), confirmed, &self.tx);
                    }
                }
                Effect::SwitchContext(name) => {
                    if let Some(args) = &mut self.live {
                        // The old cluster's watches and followed log stop; the new one's start
                        // under the app's new generation.
                        self.watching.store(true, Ordering::Relaxed);
                        if let Some((_, stop)) = self.following.take() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        args.context = Some(name);
                        self.watching = Arc::new(AtomicBool::new(false));
                        crate::sources::watch::spawn_until(
                            args.clone(),
                            app.streams.generation,
                            self.tx.clone(),
                            self.watching.clone(),
                        );
                        dirty = true;
                    }
                }
            }
        }
        Ok(dirty)
    }

    /// Follow the log of the runner on screen; stop the one that left the screen.
    fn follow(&mut self, app: &mut App) {
        let Some(args) = &self.live else { return };
        let want = app.log_target();
        if want.as_ref() == self.following.as_ref().map(|(t, _)| t) {
            return;
        }
        if let Some((_, stop)) = self.following.take() {
            stop.store(true, Ordering::Relaxed);
        }
        if let Some(target) = want {
            app.streams.log_generation += 1;
            let stop = Arc::new(AtomicBool::new(false));
            crate::sources::logstream::follow(
                args.clone(),
                target.clone(),
                app.streams.log_generation,
                self.tx.clone(),
                stop.clone(),
            );
            self.following = Some((target, stop));
        }
    }
}

/// Wait up to `wait` for input, then take everything pending before the next frame — except
/// past a key that asked a question (it is drawn before more is read) or asked for an effect.
/// Returns whether anything came.
fn input(app: &mut App, wait: Duration) -> std::io::Result<bool> {
    if !event::poll(wait)? {
        return Ok(false);
    }
    loop {
        let was_confirming = app.confirming();
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => app.handle_key(&k),
            Event::Paste(text) => app.handle_paste(&text),
            Event::Mouse(m) => app.handle_mouse(&m),
            _ => {}
        }
        let asked = !was_confirming && app.confirming();
        if app.quit || asked || app.has_effects() || !event::poll(Duration::ZERO)? {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(super::osc52("hi"), "\x1b]52;c;aGk=\x07");
        assert_eq!(super::osc52("abc"), "\x1b]52;c;YWJj\x07");
    }
}
