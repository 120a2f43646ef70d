//! The TUI through ratatui's TestBackend: snapshots of every view at three sizes, colour
//! asserts on verdict cells, key-sequence tests, tiny terminals, and the real binary in a
//! pseudo-terminal (via `script`) to prove the terminal is restored.

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use arcscope::app::App;
use arcscope::app::keymap::Keymap;
use arcscope::app::state::{Effect, Options, View};
use arcscope::chain::Verdict;
use arcscope::ui::theme::Theme;

fn app() -> App {
    App::new(arcscope::demo::load().unwrap(), Options::at("2026-06-20T12:00:00Z"))
}

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.settle();
    arcscope::ui::layout(app, ratatui::layout::Rect::new(0, 0, w, h));
    t.draw(|f| arcscope::ui::draw(f, app, &Theme::built_in("dark").unwrap())).unwrap();
    t
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
    }
}

const SEED_POD: &str = "arc-runners/arc-runner-set-x7c2p-runner-4h9sd";

#[test]
fn snapshots_of_every_view_at_four_sizes() {
    let views: Vec<(&str, &str)> = vec![
        ("pulse", ""),
        ("runners", ":runners\n"),
        ("serviceaccounts", ":sa\n"),
        ("roles", ":roles\n"),
        ("chain", ":chain arc-runners/arc-runner-set-x7c2p-runner-4h9sd\n"),
        ("logs", ":logs arc-runners/arc-runner-set-x7c2p-runner-4h9sd\n"),
        ("help", "?"),
        ("yaml", ":runners\ny"),
        ("describe", ":runners\nd"),
        ("events", ":events\n"),
        ("wizard", ":wizard\n"),
        ("picker", ":chain arc-runners/arc-runner-set-x7c2p-runner-4h9sd\nR"),
    ];
    for (w, h) in [(80, 24), (100, 30), (120, 40), (200, 60)] {
        for (name, input) in &views {
            let mut a = app();
            keys(&mut a, input);
            let t = render(&mut a, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(&t));
        }
    }
}

/// #15.1: at every size the list views show each row's name whole (low-value columns go and
/// middle text is cut first), and nothing is cut without `…` — a cut 12-digit account would read
/// as a real ID.
#[test]
fn names_stay_whole_and_every_cut_is_marked_at_every_size() {
    let lists = [("", 0usize), (":runners\n", 0), (":roles\n", 0), (":sa\n", 1)];
    let digits = regex::Regex::new(r"\d+").unwrap();
    for (w, h) in [(80, 24), (100, 30), (120, 40), (200, 60)] {
        for (input, name_col) in lists {
            let mut a = app();
            keys(&mut a, input);
            let t = render(&mut a, w, h);
            let s = screen(&t);
            for row in &a.nav.table.rows {
                let name = &row.cells[name_col];
                assert!(s.contains(name.as_str()), "{input:?} at {w}x{h}: {name} not whole\n{s}");
            }
            for m in digits.find_iter(&s) {
                let cut = s[m.end()..].starts_with('…');
                assert!(m.as_str().len() != 8 || cut, "{input:?} at {w}x{h}: a digit run cut silently\n{s}");
            }
            assert!(s.lines().all(|l| !l.contains("NAME NAME")), "{s}");
        }
    }
}

#[test]
fn verdict_cells_are_coloured_and_worded() {
    let mut a = app();
    keys(&mut a, ":runners\n");
    let t = render(&mut a, 200, 30);
    let buf = t.backend().buffer().clone();
    let text = screen(&t);
    let deny_row = text.lines().position(|l| l.contains("x7c2p-runner-4h9sd")).expect("seed row");
    let allow_row = text.lines().position(|l| l.contains("m2k9t")).expect("docs row");
    let col_of = |row: usize, needle: &str| {
        text.lines()
            .nth(row)
            .unwrap()
            .find(needle)
            .map(|byte| text.lines().nth(row).unwrap()[..byte].chars().count() as u16)
    };
    let x = col_of(deny_row, "✘ deny").expect("word and mark, not colour alone");
    assert_eq!(buf[(x, deny_row as u16)].fg, Color::LightRed);
    let x = col_of(allow_row, "✔* allow").unwrap();
    assert_eq!(buf[(x, allow_row as u16)].fg, Color::LightGreen);
}

#[test]
fn filter_narrows_and_highlights_and_esc_clears() {
    let mut a = app();
    keys(&mut a, ":runners\n/qv8");
    assert_eq!(a.nav.table.visible.len(), 1);
    let t = render(&mut a, 120, 20);
    assert!(screen(&t).contains("qv8mz"));
    keys(&mut a, "\n");
    keys(&mut a, "/");
    keys(&mut a, "\x1b");
    assert_eq!(a.nav.table.visible.len(), 4, "esc in the filter prompt clears it");
    keys(&mut a, "/!arc-runners\n");
    assert_eq!(a.nav.table.visible.len(), 1, "! inverts");
    keys(&mut a, "\x1b");
    assert_eq!(a.nav.table.visible.len(), 4, "esc clears the filter first");
}

#[test]
fn command_mode_aliases_completion_and_errors() {
    let mut a = app();
    keys(&mut a, ":pods\n");
    assert_eq!(a.view(), &View::Runners { scale_set: None });
    keys(&mut a, ":ro\t\n");
    assert_eq!(a.view(), &View::Roles);
    keys(&mut a, ":frobnicate\n");
    assert!(a.status.as_deref().unwrap().contains("unknown command"));
    keys(&mut a, ":ns arc-gpu-runners\n:runners\n");
    assert_eq!(a.nav.table.visible.len(), 1);
    keys(&mut a, ":ns all\n:chain\n");
    assert!(matches!(a.view(), View::Chain { .. }), "chain with nothing selected shows the worst runner");
    assert_eq!(a.current_chain().unwrap().verdict, Verdict::Deny);
    keys(&mut a, ":q\n");
    assert!(a.quit);
}

#[test]
fn drill_down_pod_to_service_account_to_role_to_chain() {
    let mut a = app();
    keys(&mut a, ":runners\n/4h9sd\n");
    keys(&mut a, "a");
    assert_eq!(a.view(), &View::ServiceAccounts);
    assert_eq!(a.selected_row().unwrap().key, "arc-runners/arc-runner-irsa");
    keys(&mut a, "\n");
    assert_eq!(a.view(), &View::Roles);
    assert_eq!(a.selected_row().unwrap().key, "arn:aws:iam::111122223333:role/arc-runner-base-role");
    keys(&mut a, "\n");
    let View::Chain { subject } = a.view().clone() else { panic!("chain view, got {:?}", a.view()) };
    assert!(subject.starts_with("arc-runners/arc-runner-set-"));
    let t = render(&mut a, 120, 40);
    assert!(screen(&t).contains("pulse › runners › serviceaccounts › roles › chain("), "breadcrumbs show the path");
    keys(&mut a, "\x1b\x1b\x1b");
    assert_eq!(a.view(), &View::Runners { scale_set: None });
}

#[test]
fn toggling_session_tags_flips_the_verdict() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    assert_eq!(a.current_chain().unwrap().verdict, Verdict::Deny);
    assert_eq!(
        a.current_chain().unwrap().steps[a.chain.selected_step].action,
        "sts:TagSession",
        "lands on the failing step"
    );
    keys(&mut a, "T");
    assert_eq!(a.current_chain().unwrap().verdict, Verdict::Allow);
    let t = render(&mut a, 120, 40);
    let s = screen(&t);
    assert!(s.contains("✔ allow arc-runners/arc-runner-set-x7c2p-runner-4h9sd"), "{s}");
    assert!(s.contains("session tags skipped"));
    keys(&mut a, "T");
    assert_eq!(a.current_chain().unwrap().verdict, Verdict::Deny);
}

/// #17.5: the job's own requests are listed under the hops after a row that says so, and the
/// selection crosses that row onto the step it names (the label is never a step).
#[test]
fn what_the_job_does_is_listed_under_the_hops() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\nT"));
    let c = a.current_chain().unwrap().clone();
    let at = c.requests_from.expect("the demo's job pushes to ECR");
    assert_eq!(c.steps[at].action, "ecr:GetAuthorizationToken");
    assert!(c.steps[..at].iter().all(|s| s.action.starts_with("sts:")), "{:?}", c.steps);
    for (w, h) in [(80, 24), (120, 40)] {
        a.chain.selected_step = 0;
        keys(&mut a, &"j".repeat(at));
        let t = render(&mut a, w, h);
        let s = screen(&t);
        let lines: Vec<&str> = s.lines().collect();
        let label = lines.iter().position(|l| l.contains("what the job does")).unwrap_or_else(|| panic!("{s}"));
        assert!(lines[label - 1].contains("sts:AssumeRole"), "{s}");
        assert!(lines[label + 1].contains("ecr:GetAuthorizationTok"), "{s}");
        // The highlighted row is the selected step's, below the label.
        let buf = t.backend().buffer();
        let selected_bg = Theme::built_in("dark").unwrap().selection().bg;
        let highlighted: Vec<usize> =
            (0..h).filter(|&y| (1..w - 1).all(|x| Some(buf[(x, y)].bg) == selected_bg)).map(usize::from).collect();
        assert!(highlighted.contains(&(label + 1)), "rows {highlighted:?}, label at {label}\n{s}");
    }
}

/// #17.1: what the chain as a whole says (the job's requests not simulated, commands not checked)
/// is at the end of the step panel, whichever step is selected.
#[test]
fn the_chains_own_notes_end_the_step_panel() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    let mut seen = false;
    for _ in 0..30 {
        let s = screen(&render(&mut a, 120, 40));
        if s.contains("the chain") && s.contains("what the job does (6 requests) is not simulated") {
            seen = true;
            break;
        }
        special(&mut a, KeyCode::PageDown);
    }
    assert!(seen, "{}", screen(&render(&mut a, 120, 40)));
}

/// A chain nothing denies but the data cannot decide opens on the first step it cannot decide
/// (an SCP level whose attachments are not in the data), not on hop 1.
#[test]
fn an_unknown_chain_opens_on_its_first_undecided_step() {
    let dir = common::bundle(Some("org-tree"));
    std::fs::remove_file(dir.path().join("organizations/111122223333/list-policies-for-target-scp.json")).unwrap();
    let mut a = App::new(arcscope::sources::bundle::load_dir(dir.path()).unwrap(), Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    let c = a.current_chain().unwrap().clone();
    assert_eq!(c.verdict, Verdict::Unknown, "{:?}", c.steps);
    let at = a.chain.selected_step;
    assert!(at > 0, "{:?}", c.steps);
    assert_ne!(c.steps[at].decision, arcscope::iam::eval::Decision::Allow);
    assert!(c.steps[..at].iter().all(|s| s.decision == arcscope::iam::eval::Decision::Allow));
}

#[test]
fn copy_fix_emits_osc52_text() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\nc"));
    let copied = a.take_effects().into_iter().find_map(|e| match e {
        Effect::Copy(text) => Some(text),
        _ => None,
    });
    let text = copied.expect("the fix is queued for the clipboard");
    assert!(text.contains("sts:TagSession") && text.starts_with("aws iam "), "{text}");
    assert!(arcscope::tui::osc52(&text).starts_with("\x1b]52;c;"));
}

#[test]
fn yaml_view_of_a_pod_and_json_of_the_chain() {
    let mut a = app();
    keys(&mut a, ":runners\n/4h9sd\ny");
    let t = render(&mut a, 120, 40);
    let s = screen(&t);
    assert!(s.contains("kind: Pod") && s.contains("name: arc-runner-set-x7c2p-runner-4h9sd"), "{s}");
    let arcscope::app::state::Mode::Text { text, .. } = &a.nav.mode else { panic!("text overlay") };
    assert!(text.contains("serviceAccountName: arc-runner-irsa"));
    assert!(!text.contains("managedFields"), "managedFields are dropped at load");
    keys(&mut a, "\x1b");
    assert!(matches!(a.nav.mode, arcscope::app::state::Mode::Normal));
}

#[test]
fn tiny_terminals_never_panic() {
    for (w, h) in [(10, 3), (1, 1), (19, 4), (20, 5), (30, 8)] {
        for input in ["", ":chain\n", "?", ":runners\n/x"] {
            let mut a = app();
            keys(&mut a, input);
            let t = render(&mut a, w, h);
            if w < 20 || h < 5 {
                assert!(screen(&t).replace('\n', "").contains("terminal") || w * h < 10, "{w}x{h}");
            }
        }
    }
}

#[test]
fn keymap_warnings_show_in_the_ui() {
    let km = Keymap::with_overrides("[keys]\n\"x\" = \"no_such_action\"\n", "keymap.toml");
    let mut a =
        App::new(arcscope::demo::load().unwrap(), Options { keymap: km, ..Options::at("2026-06-20T12:00:00Z") });
    let t = render(&mut a, 120, 20);
    assert!(screen(&t).contains("keymap.toml: keys.\"x\": unknown action \"no_such_action\""));
}

#[test]
fn the_real_binary_in_a_pty_restores_the_terminal() {
    // `script` gives the binary a pseudo-terminal; `q` quits.
    let bin = env!("CARGO_BIN_EXE_arcscope");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("stty rows 30 cols 120; {bin} --demo"), "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            std::thread::sleep(std::time::Duration::from_millis(1500));
            child.stdin.as_mut().unwrap().write_all(b":runners\r")?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            child.stdin.as_mut().unwrap().write_all(b"q")?;
            child.wait_with_output()
        })
        .expect("script runs");
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit status {:?}: {s}", out.status);
    assert!(s.contains("\x1b[?1049h"), "entered the alternate screen");
    assert!(s.contains("arc-runner-set"), "drew the runners");
    let leave = s.rfind("\x1b[?1049l").expect("left the alternate screen");
    assert!(s[leave..].contains("\x1b[?25h") || s[..leave].rfind("\x1b[?25h").is_some(), "cursor shown again");
}

#[test]
fn the_demo_breathes_the_loop_count_grows_with_time() {
    let inv = arcscope::demo::load().unwrap();
    let mut a = App::new(inv, Options { replay: true, ..Options::at("2026-06-20T12:00:00Z") });
    let loop_cell = |a: &App| {
        a.nav.table.rows.iter().find(|r| r.key == "arc-runners/arc-runner-set").map(|r| r.cells[6].clone()).unwrap()
    };
    assert_eq!(loop_cell(&a), "-", "nothing replayed yet");
    for _ in 0..14 {
        a.tick();
    }
    let mid = loop_cell(&a);
    assert!(mid.starts_with('×'), "the loop shows while it runs: {mid}");
    keys(&mut a, "F");
    let frozen = a.data.analysis.lines();
    assert!(!a.tick(), "frozen: no updates");
    assert_eq!(a.data.analysis.lines(), frozen);
    keys(&mut a, "F");
    while a.tick() {}
    assert_eq!(loop_cell(&a), "×12");
    assert_ne!(mid, "×12", "it grew over time");
}

#[test]
fn mouse_wheel_moves_click_selects_second_click_opens() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = app();
    keys(&mut a, ":runners\n");
    let _ = render(&mut a, 160, 30);
    let click = |row: u16| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let top = a.layout.table_top;
    a.handle_mouse(&click(top + 2));
    assert_eq!(a.table_state().selected, 2);
    a.handle_mouse(&MouseEvent { kind: MouseEventKind::ScrollUp, column: 5, row: top, modifiers: KeyModifiers::NONE });
    assert_eq!(a.table_state().selected, 1);
    a.handle_mouse(&click(top + 1));
    assert!(matches!(a.view(), View::Chain { .. }), "a click on the selected row opens it");
}

#[test]
fn a_bad_theme_file_is_one_clear_message_before_the_screen_changes() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme.toml");
    std::fs::write(&theme, "base = \"dark\"\n[colors]\nallow = \"chartreuse\"\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_arcscope");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{bin} --demo --theme {}", theme.display()), "/dev/null"])
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("theme.toml: colors.allow: \"chartreuse\" is not a colour name or #rrggbb"), "{s}");
    assert!(!s.contains("\x1b[?1049h"), "the alternate screen was never entered");
}

#[test]
fn the_chain_shows_the_runners_kubernetes_events_warnings_first() {
    let mut a = app();
    let (ns, pod) = SEED_POD.split_once('/').unwrap();
    for (name, kind, reason, message) in [
        ("e-normal", "Normal", "Pulled", "Container image pulled"),
        ("e-warn", "Warning", "FailedMount", "MountVolume.SetUp failed for volume \"aws-iam-token\""),
    ] {
        a.data.inv.upsert_object(
            arcscope::model::Kind::Event,
            serde_json::json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": ns},
                "involvedObject": {"kind": "Pod", "name": pod, "namespace": ns},
                "type": kind, "reason": reason, "message": message, "count": 3}),
        );
    }
    a.run_command(&format!("chain {SEED_POD}"));
    let s = screen(&render(&mut a, 200, 60));
    let warn = s.find("Warning FailedMount ×3 MountVolume.SetUp failed").expect("the warning is shown");
    let normal = s.find("Normal Pulled ×3 Container image pulled").expect("the normal event too");
    assert!(warn < normal, "warnings first");
}

/// The seed runner pod as the API would send it.
fn seed_pod_json(a: &App) -> serde_json::Value {
    let o = a
        .data
        .inv
        .objects
        .iter()
        .find(|o| o.kind == "Pod" && format!("{}/{}", o.namespace.as_deref().unwrap_or(""), o.name) == SEED_POD);
    serde_json::from_str(&o.expect("the seed pod").raw).unwrap()
}

#[test]
fn a_live_change_rebuilds_only_the_rows_it_touched() {
    let mut a = app();
    keys(&mut a, ":runners\n");
    let row = |a: &App, key: &str| a.nav.table.rows.iter().find(|r| r.key == key).cloned().expect("a row");
    let other = a.nav.table.rows.iter().find(|r| r.key != SEED_POD).cloned().expect("another runner");
    assert_eq!(row(&a, SEED_POD).cells[3], "Running");
    let mut pod: serde_json::Value = seed_pod_json(&a);
    pod["status"]["phase"] = serde_json::json!("Succeeded");
    let ev = arcscope::sources::msg::Msg {
        generation: a.streams.generation,
        from: arcscope::sources::msg::Stream::Kind(arcscope::model::Kind::Pod),
        change: arcscope::sources::msg::Change::applied(arcscope::model::Kind::Pod, pod).unwrap(),
    };
    assert!(a.apply(ev));
    render(&mut a, 120, 40);
    assert_eq!(row(&a, SEED_POD).cells[3], "Succeeded", "the changed runner's row is rebuilt");
    assert!(std::sync::Arc::ptr_eq(&row(&a, &other.key), &other), "an untouched row is reused, not rebuilt");

    // A new runner is inserted in subject order; a deleted pod's row changes to what is left.
    let mut added: serde_json::Value = seed_pod_json(&a);
    added["metadata"]["name"] = serde_json::json!("arc-runner-set-x7c2p-runner-0000a");
    let (ns, name) = SEED_POD.split_once('/').unwrap();
    for change in [
        arcscope::sources::msg::Change::applied(arcscope::model::Kind::Pod, added).unwrap(),
        arcscope::sources::msg::Change::Deleted { namespace: ns.into(), name: name.into() },
    ] {
        a.apply(arcscope::sources::msg::Msg {
            generation: a.streams.generation,
            from: arcscope::sources::msg::Stream::Kind(arcscope::model::Kind::Pod),
            change,
        });
    }
    render(&mut a, 120, 40);
    let keys: Vec<&str> = a.nav.table.rows.iter().map(|r| r.key.as_str()).collect();
    assert!(keys.contains(&"arc-runners/arc-runner-set-x7c2p-runner-0000a"));
    // Its EphemeralRunner remains: the runner is now the EphemeralRunner without a pod.
    assert_eq!(row(&a, SEED_POD).cells[2], "EphemeralRunner", "{keys:?}");
    assert!(keys.is_sorted(), "patched in order: {keys:?}");
    let rebuilt = {
        a.refresh_table();
        a.nav.table.rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>()
    };
    render(&mut a, 120, 40);
    let patched: Vec<Vec<String>> = a.nav.table.rows.iter().map(|r| r.cells.clone()).collect();
    assert_eq!(patched, rebuilt, "a patched table equals a rebuilt one");
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn special(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

#[test]
fn the_wizard_form_validates_as_typed_blocks_next_keeps_answers_and_writes_a_verified_setup() {
    use arcscope::app::state::Mode;
    let mut a = app();
    keys(&mut a, ":wizard\n");
    let form = |a: &App| match &a.nav.mode {
        Mode::Wizard(f) => f.clone(),
        _ => panic!("the wizard is open"),
    };
    assert_eq!(form(&a).page, 0);
    ctrl(&mut a, 'n');
    // Pre-filled from the data: the demo's first scale set.
    let f = form(&a);
    assert_eq!(f.page, 1);
    assert_eq!(f.page_fields()[0].input.value(), "arc-runner-gpu");
    // An invalid namespace: the reason beside the field, and "next" refused.
    special(&mut a, KeyCode::Down);
    keys(&mut a, "X");
    let s = screen(&render(&mut a, 160, 40));
    assert!(s.contains("✘ \"arc-gpu-runnersX\" is not a DNS-1123 label"), "{s}");
    ctrl(&mut a, 'n');
    assert_eq!(form(&a).page, 1, "blocked");
    assert!(screen(&render(&mut a, 160, 40)).contains("fix first: runners.namespace"));
    special(&mut a, KeyCode::Backspace);
    ctrl(&mut a, 'n');
    assert_eq!(form(&a).page, 2);
    // Back keeps the answers.
    ctrl(&mut a, 'p');
    assert_eq!(form(&a).page_fields()[1].input.value(), "arc-gpu-runners");
    ctrl(&mut a, 'n');
    ctrl(&mut a, 'n');
    assert_eq!(form(&a).page, 3);
    // The target: a role name, then a choice cycled with →.
    keys(&mut a, "ecr-push-role");
    special(&mut a, KeyCode::Down);
    special(&mut a, KeyCode::Right);
    assert_eq!(form(&a).page_fields()[1].input.value(), "ecr-pull");
    // Leaving keeps the answers; :wizard comes back to them.
    special(&mut a, KeyCode::Esc);
    assert!(matches!(a.nav.mode, Mode::Normal));
    keys(&mut a, ":wizard\n");
    assert_eq!(form(&a).page, 3);
    assert_eq!(form(&a).page_fields()[0].input.value(), "ecr-push-role");
    ctrl(&mut a, 'n');
    let review = form(&a).review.expect("the review");
    assert!(review.allowed, "every hop ✔");
    let s = screen(&render(&mut a, 160, 40));
    assert!(s.contains("✔ every hop and every granted action of the generated setup is allowed"), "{s}");
    assert!(s.contains("✔ 4 of 4 actions the target roles grant are allowed"), "{s}");
    // The demo's data on screen: the review says what it lacks against this setup.
    assert!(s.contains("against demo:"), "{s}");
    assert!(s.contains("role ecr-push-role does not exist in account 111122223333"), "{s}");
    // Write: into a new directory, never over one.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("setup");
    for _ in 0..20 {
        special(&mut a, KeyCode::Backspace);
    }
    keys(&mut a, out.to_str().unwrap());
    ctrl(&mut a, 'w');
    assert!(out.join("helm/values.yaml").is_file());
    assert!(out.join("iam/ecr-push-role-trust.json").is_file());
    // The answers are saved beside the files: the same setup from the command line, in a PR.
    let saved = std::fs::read_to_string(out.join("answers.toml")).unwrap();
    let reread = arcscope::wizard::Answers::from_toml(&saved).expect("the saved answers parse");
    assert_eq!(Some(reread), form(&a).answers().ok());
    // Again: the directory has files now — asked first, then overwritten on the second ctrl-w,
    // keeping what is not the setup's.
    std::fs::write(out.join("NOTES.md"), "mine").unwrap();
    std::fs::write(out.join("helm/values.yaml"), "edited").unwrap();
    ctrl(&mut a, 'w');
    let asked = form(&a).message.unwrap();
    assert!(asked.contains("not empty") && asked.contains("ctrl-w again replaces"), "{asked}");
    assert_eq!(std::fs::read_to_string(out.join("helm/values.yaml")).unwrap(), "edited", "nothing written yet");
    ctrl(&mut a, 'w');
    assert!(form(&a).message.unwrap().contains("(11 replaced)"), "{:?}", form(&a).message);
    assert_ne!(std::fs::read_to_string(out.join("helm/values.yaml")).unwrap(), "edited");
    assert_eq!(std::fs::read_to_string(out.join("NOTES.md")).unwrap(), "mine", "other files are kept");

    // A permissions boundary the account has (the demo's AWS managed ECR read-only policy): it
    // allows neither the chain's sts:AssumeRole nor the pull preset's… it does allow pulls.
    ctrl(&mut a, 'p');
    ctrl(&mut a, 'p');
    assert_eq!(form(&a).page, 2);
    // (IRSA: the Pod Identity cluster name is not asked.)
    for _ in 0..6 {
        special(&mut a, KeyCode::Down);
    }
    assert_eq!(form(&a).page_fields()[6].key, "aws.permissions_boundary");
    keys(&mut a, "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly");
    ctrl(&mut a, 'n');
    ctrl(&mut a, 'n');
    let review = form(&a).review.expect("the review");
    assert!(!review.allowed);
    let s = screen(&render(&mut a, 160, 40));
    assert!(s.contains("✘ the generated setup would fail"), "{s}");
    assert!(s.contains("✘ implicit deny sts:AssumeRole"), "{s}");
    assert!(
        s.contains(
            "sts:AssumeRole (permissions boundary): User: arn:aws:sts::111122223333:assumed-role/arc-runner-gpu-base-role/"
        ),
        "the hop, decided by the boundary, with AWS's message: {s}"
    );
    assert!(
        s.contains("fix: the permissions boundary arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly of"),
        "{s}"
    );
    assert!(s.contains("✔ 4 of 4 actions the target roles grant are allowed under arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"), "{s}");
    // The base role is the one the scale set's (misplaced) service account names: it exists.
    assert!(!s.contains("role arc-runner-gpu-base-role does not exist"), "{s}");
    ctrl(&mut a, 'w');
    assert!(form(&a).message.unwrap().starts_with("not written"), "nothing written under a failing boundary");
}

#[test]
fn the_wizard_starts_from_the_boundary_the_runners_role_has_and_checks_against_its_document() {
    use arcscope::app::state::Mode;
    // The seed with a boundary on the runners' base role that allows ecr:* and s3:*, not sts:*.
    let dir = common::bundle(Some("boundary-blocks"));
    let inv = arcscope::sources::bundle::load_dir(dir.path()).unwrap();
    let mut a = App::new(inv, Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, ":wizard\n");
    let form = |a: &App| match &a.nav.mode {
        Mode::Wizard(f) => f.clone(),
        _ => panic!("the wizard is open"),
    };
    ctrl(&mut a, 'n');
    ctrl(&mut a, 'n');
    let f = form(&a);
    assert_eq!(f.page, 2);
    let boundary = f.page_fields().into_iter().find(|f| f.key == "aws.permissions_boundary").unwrap();
    assert_eq!(boundary.input.value(), "arn:aws:iam::111122223333:policy/arc-runner-boundary", "pre-filled");
    ctrl(&mut a, 'n');
    keys(&mut a, "ecr-push-role");
    ctrl(&mut a, 'n');
    let review = form(&a).review.expect("the review");
    assert!(!review.allowed, "the boundary has no sts:AssumeRole");
    let s = screen(&render(&mut a, 160, 40));
    assert!(s.contains("sts:AssumeRole (permissions boundary)"), "{s}");
    assert!(
        s.contains("✔ 8 of 8 actions the target roles grant are allowed under arn:aws:iam::111122223333:policy/arc-runner-boundary"),
        "the document came from the bundle: {s}"
    );
}

#[test]
fn the_wizard_review_scrolls_under_a_fixed_footer_on_a_small_terminal() {
    let mut a = app();
    keys(&mut a, ":wizard\n");
    for _ in 0..3 {
        ctrl(&mut a, 'n');
    }
    keys(&mut a, "pusher");
    ctrl(&mut a, 'n');
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("write to: ./arc-setup"), "the footer stays on screen: {s}");
    assert!(!s.contains("aws_iam_policy_document"), "{s}");
    // tab previews the next file and scrolls to it: terraform is the 8th file.
    let terraform = match &a.nav.mode {
        arcscope::app::state::Mode::Wizard(f) => {
            f.review.as_ref().unwrap().files.iter().position(|f| f.path == "terraform/main.tf").unwrap()
        }
        _ => panic!("the wizard is open"),
    };
    for _ in 0..terraform {
        special(&mut a, KeyCode::Tab);
    }
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("data \"aws_iam_policy_document\" \"base_trust\""), "{s}");
    assert!(s.contains("write to: ./arc-setup"), "{s}");
    // pgup goes back towards the verdicts; pgdn down again.
    for _ in 0..5 {
        special(&mut a, KeyCode::PageUp);
    }
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("✔ every hop and every granted action"), "{s}");
    special(&mut a, KeyCode::PageDown);
    special(&mut a, KeyCode::PageDown);
    let s = screen(&render(&mut a, 80, 24));
    assert!(!s.contains("✔ every hop and every granted action"), "{s}");
    // A 10x3 terminal: no panic.
    render(&mut a, 10, 3);
}

#[test]
fn a_bundle_reads_as_of_when_it_was_taken_not_today() {
    // The demo was taken on 2026-06-20: its newest object is the docs runner, created 10:17:12;
    // the newest log line is the failed job's end in the runner's log, 10:18:02.
    let inv = arcscope::demo::load().unwrap();
    let at = inv.captured_at().expect("a capture time");
    assert_eq!(arcscope::cli::config::rfc3339(at), "2026-06-20T10:18:02Z");
    let mut a = App::new(inv, Options { captured: true, ..Options::at(arcscope::cli::config::rfc3339(at)) });
    keys(&mut a, ":runners\n");
    let s = screen(&render(&mut a, 200, 12));
    assert!(s.contains("│ as of 2026-06-20 10:18Z"), "{s}");
    let age = |name: &str| {
        let row = a.nav.table.rows.iter().find(|r| r.cells[0].starts_with(name)).unwrap();
        row.cells[6].clone()
    };
    assert_eq!(age("arc-runner-docs-m2k9t-runner-b7xzq"), "50s", "created 10:17:12, 50 s before the capture");
    assert_eq!(age("arc-runner-gpu-p4w8r-runner-n5d2c"), "3m");
}

#[test]
fn pulse_without_a_scale_set_read_points_to_the_runners() {
    // ARC's kinds forbidden or not installed: runner pods, no AutoscalingRunnerSet.
    let mut inv = arcscope::demo::load().unwrap();
    inv.runner_sets.clear();
    let mut a = App::new(inv, Options::at("2026-06-20T12:00:00Z"));
    let s = screen(&render(&mut a, 120, 10));
    assert!(s.contains("no scale set (AutoscalingRunnerSet) in the data;"), "{s}");
    assert!(s.contains("runners — :runners lists them"), "{s}");
}

#[test]
fn a_small_step_panel_scrolls_to_the_fix() {
    let mut a = app();
    keys(&mut a, ":runners\n/4h9sd\n\n");
    assert!(matches!(a.view(), View::Chain { .. }));
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("┏ step · 1–7 of "), "the panel says it has more: {s}");
    assert!(s.contains("1. add \"sts:TagSession\" to the Action of statement 0"), "the fix first: {s}");
    assert!(!s.contains("3. Terraform"), "{s}");
    special(&mut a, KeyCode::PageDown);
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("copies aws-cli: aws iam update-assume-role-policy"), "what c copies, under the fix: {s}");
    special(&mut a, KeyCode::PageDown);
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("3. Terraform: in the trust aws_iam_policy_document statement"), "{s}");
    special(&mut a, KeyCode::PageUp);
    special(&mut a, KeyCode::PageUp);
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("┏ step · 1–7 of "), "{s}");
    // Choosing another step starts its detail from the top.
    special(&mut a, KeyCode::PageDown);
    special(&mut a, KeyCode::Up);
    render(&mut a, 80, 24);
    assert_eq!(a.chain.detail_scroll.get(), 0);
}

#[test]
fn the_folded_loop_names_the_step_it_explains_and_the_step_shows_the_loop() {
    let mut a = app();
    keys(&mut a, ":runners\n/4h9sd\n\n");
    let s = screen(&render(&mut a, 200, 60));
    // In the logs pane: the loop, counted, tagged with the hop it explains.
    assert!(s.contains("×12    [hop 2 TagSession] Assuming role with user credentials"), "{s}");
    // In the step panel of that hop: the same loop, under "in the logs".
    assert!(s.contains("in the logs"), "{s}");
    assert!(s.contains("×12 Assuming role with user credentials"), "{s}");
    // Another step (hop 1, allowed) has no such section.
    special(&mut a, KeyCode::Up);
    special(&mut a, KeyCode::Up);
    let s = screen(&render(&mut a, 200, 60));
    assert!(!s.contains("in the logs"), "{s}");
}

#[test]
fn a_scale_sets_placeholder_chain_follows_its_last_runner_going_and_coming() {
    use arcscope::sources::msg::{Change, Msg, Stream};
    let mut a = app();
    let set = "arc-runners/arc-runner-docs";
    // Its one runner: a pod and the EphemeralRunner that owns it (arc.md §2).
    let name = "arc-runner-docs-m2k9t-runner-b7xzq";
    let subjects = |a: &App| a.data.chains.iter().map(|c| c.subject.clone()).collect::<Vec<_>>();
    // What a full re-simulation of the store says (in subject order, as the app keeps them), to
    // compare the incremental path with.
    let full = |a: &App| {
        arcscope::chain::resolve_all(&a.data.inv, &arcscope::chain::CheckOptions::default())
            .unwrap()
            .into_iter()
            .map(|c| c.subject)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    };
    use arcscope::model::Kind;
    let raw = |a: &App, kind: Kind| {
        let o = a.data.inv.objects.iter().find(|o| o.kind == kind.as_str() && o.name == name).unwrap();
        serde_json::from_str::<serde_json::Value>(&o.raw).unwrap()
    };
    let (pod, er) = (raw(&a, Kind::Pod), raw(&a, Kind::EphemeralRunner));
    assert!(!subjects(&a).contains(&set.to_string()), "the set has a runner: no placeholder");
    for kind in [Kind::Pod, Kind::EphemeralRunner] {
        let ev = Msg {
            generation: a.streams.generation,
            from: Stream::Kind(kind),
            change: Change::Deleted { namespace: "arc-runners".into(), name: name.into() },
        };
        a.apply(ev);
        assert_eq!(subjects(&a), full(&a), "after deleting the {kind}");
    }
    assert!(subjects(&a).contains(&set.to_string()), "its last runner gone: the placeholder is back");
    for (kind, v) in [(Kind::EphemeralRunner, er), (Kind::Pod, pod)] {
        let ev = Msg {
            generation: a.streams.generation,
            from: Stream::Kind(kind),
            change: Change::applied(kind, v).unwrap(),
        };
        a.apply(ev);
        assert_eq!(subjects(&a), full(&a), "after adding the {kind}");
    }
    assert!(!subjects(&a).contains(&set.to_string()), "a runner again: no placeholder");
}

/// An 8 KB paste into `/` is one change, capped, compiled once (#12.4); an invalid pattern is
/// an error in the prompt; the terminal answers esc and q at once after it.
#[test]
fn a_big_paste_into_the_filter_is_capped_and_a_bad_regex_is_an_error_in_the_prompt() {
    let big = format!("\x1b[200~{}\x1b[201~", "arc-runner|".repeat(800));
    let started = std::time::Instant::now();
    let keys = [(":runners\r", 300), ("/", 200), (big.as_str(), 1500), ("\x1b", 200), ("/", 200)];
    let keys: Vec<(&str, u64)> = keys
        .into_iter()
        .chain([("\x1b[200~runner-(x\x1b[201~", 500), ("\r", 300), ("\x1b", 200), ("q", 300)])
        .collect();
    let (status, raw) = common::pty("--demo", &[], (24, 100), 1500, &keys, |_| {});
    assert!(status.success(), "{raw}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "no freeze: {:?}", started.elapsed());
    let frames = common::screens(&raw, 24, 100);
    assert!(
        frames.iter().any(|f| f.contains("at most 1024 characters")),
        "the cap is said: {:?}",
        frames.iter().rfind(|f| f.contains("arc-runner|"))
    );
    let bad = frames.iter().find(|f| f.contains("runner-(x")).expect("the pasted pattern in the prompt");
    assert!(bad.contains("✘ invalid regex: unclosed group"), "{bad}");
    assert!(frames.iter().any(|f| f.contains("fix the pattern, or esc")), "enter keeps an invalid pattern open");
}

#[test]
fn a_paste_in_normal_mode_runs_no_command_and_goes_into_the_command_line_when_open() {
    let mut a = app();
    keys(&mut a, ":runners\n");
    a.handle_paste("qGy:q");
    assert!(!a.quit, "a pasted q or :q does not quit");
    assert_eq!(a.view().title(), "runners", "nor moves");
    keys(&mut a, ":");
    a.handle_paste("sa\n");
    keys(&mut a, "\n");
    assert_eq!(a.view().title(), "serviceaccounts", "pasted text is the command line's, its newline a space");
}

/// A bidi override in data (#12.5) never reaches the terminal from the TUI: ratatui drops
/// control characters, arcscope the bidi controls ratatui lets through.
#[test]
fn bidi_controls_in_data_are_not_drawn() {
    let mut inv = arcscope::demo::load().unwrap();
    let sa = inv.service_accounts.iter_mut().next().unwrap();
    sa.metadata.name = format!("{}\u{202e}evil", sa.metadata.name);
    let mut a = App::new(inv, Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, ":sa\n");
    let s = screen(&render(&mut a, 200, 40));
    assert!(s.contains("\u{fffd}evil"), "{s}");
    assert!(!s.contains('\u{202e}'), "{s}");
}

/// #15.10: a narrow header drops the region, the cluster and the account before the data's age,
/// and never `read-only`.
#[test]
fn a_narrow_header_keeps_read_only_and_the_datas_age() {
    for (w, keeps, drops) in [
        (80, &["read-only", "│ loaded ", "account 111122223333"][..], &["eu-west-1"][..]),
        (60, &["read-only", "│ loaded "][..], &["account", "cluster"][..]),
        (30, &["arcscope", "read-only"][..], &["loaded"][..]),
    ] {
        let mut a = app();
        let t = render(&mut a, w, 24);
        let header = screen(&t).lines().next().unwrap().to_string();
        for k in keeps {
            assert!(header.contains(k), "{w}: {k} in {header:?}");
        }
        for d in drops {
            assert!(!header.contains(d), "{w}: {d} dropped from {header:?}");
        }
    }
}

/// #15.4 and #15.6: help scrolls and stays open until a closing key (at 80x24 it holds ~90
/// lines, 18 at a time), the current view's keys first; text (yaml) goes to its end with `G`,
/// never past it, and says where it is.
#[test]
fn help_and_yaml_scroll_to_their_end_and_close_only_when_asked() {
    let mut a = app();
    keys(&mut a, ":runners\n?");
    let s = screen(&render(&mut a, 80, 24));
    let title = |s: &str| s.lines().find(|l| l.contains("┌ help ")).unwrap().to_string();
    assert!(title(&s).contains("help 1–18 of"), "{s}");
    assert!(s.lines().nth(3).unwrap().contains("tables"), "the table's keys first:\n{s}");
    keys(&mut a, "xj");
    let s = screen(&render(&mut a, 80, 24));
    assert!(title(&s).contains("help 2–19 of"), "x ignored, j scrolled:\n{s}");
    keys(&mut a, "G");
    let s = screen(&render(&mut a, 80, 24));
    let t = title(&s);
    let total: String = t.split(" of ").nth(1).unwrap().chars().take_while(|c| c.is_ascii_digit()).collect();
    assert!(t.contains(&format!("–{total} of {total}")), "the end: {t}");
    keys(&mut a, "\x1b");
    assert!(matches!(a.nav.mode, arcscope::app::state::Mode::Normal), "esc closes");

    keys(&mut a, "y");
    let s = screen(&render(&mut a, 80, 24));
    assert!(s.contains("1–18 of"), "{s}");
    keys(&mut a, "G");
    let s = screen(&render(&mut a, 80, 24));
    let body: Vec<&str> = s.lines().skip(3).take(18).collect();
    assert!(body.iter().all(|l| !l.trim_matches(['│', ' ']).is_empty()), "no blank page past the end:\n{s}");
}

/// #15.2: with wrap on, scrolling counts screen rows, so `G` (and autoscroll) reach the end of
/// the last line, and a wrapped line's continuation keeps the count's gutter.
#[test]
fn with_wrap_on_g_reaches_the_end_of_the_last_line() {
    for wrap in [false, true] {
        let mut a = app();
        keys(&mut a, ":logs arc-runners/arc-runner-set-x7c2p-runner-4h9sd\n");
        if wrap {
            keys(&mut a, "w");
        }
        keys(&mut a, "G");
        let s = screen(&render(&mut a, 80, 24));
        let lines = arcscope::app::state::logview::logs_lines(&a);
        let last = lines.last().expect("the demo runner has logs");
        let tail: String = last.text.chars().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
        assert!(lines.iter().any(|l| l.text.chars().count() > 80), "a line long enough to wrap");
        if wrap {
            assert!(s.contains(tail.trim()), "wrap {wrap}: the end of the last line, {tail:?}, on screen\n{s}");
            assert!(s.lines().any(|l| l.starts_with("│       ") && l.trim_end_matches('│').trim().len() > 10), "{s}");
        } else {
            let head: String = last.text.chars().take(20).collect();
            assert!(s.contains(head.trim()), "the last line on screen\n{s}");
        }
    }
}

/// #15.7: a what-if is marked in the chain's title and the header, says when it changes no
/// decision, and `X` resets them all.
#[test]
fn what_ifs_are_marked_say_when_they_change_nothing_and_reset_with_one_key() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    let s = screen(&render(&mut a, 120, 40));
    assert!(!s.contains("WHAT-IF"), "{s}");
    keys(&mut a, "T");
    let s = screen(&render(&mut a, 120, 40));
    assert!(s.lines().next().unwrap().contains("WHAT-IF"), "the header says it\n{s}");
    assert!(s.contains("WHAT-IF (X resets) · ✔ allow"), "the title says it: tags skipped, the hop passes\n{s}");
    assert!(!a.status.as_deref().unwrap_or("").contains("changes no decision"), "{:?}", a.status);
    keys(&mut a, "D");
    assert!(a.status.as_deref().unwrap_or("").contains("changes no decision"), "900 s changes nothing: {:?}", a.status);
    keys(&mut a, "X");
    let s = screen(&render(&mut a, 120, 40));
    assert!(!s.contains("WHAT-IF"), "{s}");
    assert!(a.status.as_deref().unwrap_or("").starts_with("what-ifs reset"), "{:?}", a.status);
    assert!(s.contains("✘ deny"), "back to what the workflow does\n{s}");
}

/// #15.11 and #15.12: `:chain`, `:logs` and `l` follow the selected row — on the pulse the
/// selected scale set's worst runner, on the service accounts a runner of the selected one.
#[test]
fn chain_and_logs_follow_the_selected_scale_set_or_service_account() {
    let mut a = app();
    let gpu = a.nav.table.rows.iter().position(|r| r.key.ends_with("/arc-runner-gpu")).expect("the gpu set");
    let at = a.nav.table.visible.iter().position(|&i| i == gpu).unwrap();
    keys(&mut a, &"j".repeat(at));
    keys(&mut a, "l");
    match a.view() {
        arcscope::app::state::View::Logs { subject } => assert!(subject.contains("arc-runner-gpu"), "{subject}"),
        v => panic!("l on the pulse opens the set's runner's logs: {v:?} {:?}", a.status),
    }
    let mut a = app();
    keys(&mut a, ":sa\n");
    let docs = a.nav.table.rows.iter().position(|r| r.key == "arc-runners/arc-runner-docs").expect("the docs SA");
    let at = a.nav.table.visible.iter().position(|&i| i == docs).unwrap();
    keys(&mut a, &"j".repeat(at));
    keys(&mut a, ":chain\n");
    match a.view() {
        arcscope::app::state::View::Chain { subject } => assert!(subject.contains("arc-runner-docs"), "{subject}"),
        v => panic!("{v:?}"),
    }
}

/// #15.12: the chain's title words the verdict as its failing hop does: a hop that could not be
/// made (`✘ error`, the missing service account) is not called `✘ deny` above it.
#[test]
fn the_chain_title_says_error_when_the_failing_hop_does() {
    let mut a = app();
    keys(&mut a, ":chain arc-gpu-runners/arc-runner-gpu-p4w8r-runner-n5d2c\n");
    let s = screen(&render(&mut a, 120, 40));
    assert!(s.contains("┏ ✘ error arc-gpu-runners/"), "{s}");
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    assert!(screen(&render(&mut a, 120, 40)).contains("┏ ✘ deny arc-runners/"), "an implicit deny stays deny");
}

#[path = "tui/keys.rs"]
mod keys_of_15;
