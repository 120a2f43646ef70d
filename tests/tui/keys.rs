//! Key sequences of #15: `/` search in the logs and YAML views (typed text never acts as keys),
//! the hint bar per focused pane, focus seen without colour.

use super::*;
use arcscope::app::state::Mode;
use arcscope::app::state::search::Target;

fn render_with(app: &mut App, theme: &str, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    app.settle();
    arcscope::ui::layout(app, ratatui::layout::Rect::new(0, 0, w, h));
    t.draw(|f| arcscope::ui::draw(f, app, &Theme::built_in(theme).unwrap())).unwrap();
    t
}

/// #15.3: `/Tag` in the chain view searches the log: the letters are the pattern's, not keys
/// (T toggled the tags what-if and a jumped to the service account before).
#[test]
fn slash_in_the_chain_searches_the_log_and_typed_letters_are_never_keys() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    keys(&mut a, "/TagSession");
    assert!(!a.chain.sim.skip_tags, "T was typed, not pressed");
    assert!(matches!(a.view(), View::Chain { .. }), "a was typed, not pressed: {:?}", a.view());
    let s = screen(&render(&mut a, 120, 40));
    assert!(s.lines().rev().nth(1).unwrap().starts_with("/TagSession"), "the prompt shows the pattern\n{s}");
    let lines = arcscope::app::state::logview::logs_lines(&a);
    let hits: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.text.to_lowercase().contains("tagsession"))
        .map(|(i, _)| i)
        .collect();
    assert!(!hits.is_empty(), "the demo's log names sts:TagSession");
    assert_eq!(a.chain.log.search_hit, Some(hits[0]), "the first match, as typed");
    keys(&mut a, "\n");
    assert!(a.nav.search.is_none());
    let status = a.status.clone().unwrap_or_default();
    assert!(status.starts_with(&format!("match 1 of {} for /TagSession", hits.len())), "{status}");
    // n goes on (and wraps), N comes back.
    keys(&mut a, "n");
    assert_eq!(a.chain.log.search_hit, Some(hits[1 % hits.len()]));
    keys(&mut a, "N");
    assert_eq!(a.chain.log.search_hit, Some(hits[0]));
    // The match is highlighted where it is drawn (wrapped: it may be far along its line).
    keys(&mut a, "w");
    let t = render(&mut a, 200, 60);
    let buf = t.backend().buffer();
    let highlighted = (0..buf.area.height).any(|y| {
        (0..buf.area.width).any(|x| {
            let c = &buf[(x, y)];
            c.symbol() == "T" && c.modifier.contains(ratatui::style::Modifier::UNDERLINED)
        })
    });
    assert!(highlighted, "{}", screen(&t));
}

/// Esc while typing puts the log back where it was and keeps no pattern; a bad regex is said in
/// the prompt and enter does not take it.
#[test]
fn esc_undoes_a_search_and_a_bad_pattern_is_an_error() {
    let mut a = app();
    keys(&mut a, &format!(":logs {SEED_POD}\n"));
    assert!(a.chain.log.autoscroll);
    keys(&mut a, "/assum");
    assert!(!a.chain.log.autoscroll, "moved to the match");
    keys(&mut a, "\x1b");
    assert!(a.chain.log.autoscroll, "back to following the end");
    assert!(a.nav.found.is_none() && a.nav.search.is_none());
    keys(&mut a, "/(x");
    let s = screen(&render(&mut a, 100, 30));
    assert!(s.contains("✘ invalid regex"), "{s}");
    keys(&mut a, "\n");
    assert!(a.nav.search.is_some(), "enter does not take a pattern that cannot be used");
    keys(&mut a, "\x1b");
    // Without a pattern, n is the next finding, as before.
    keys(&mut a, "n");
    let lines = arcscope::app::state::logview::logs_lines(&a);
    let hit = a.chain.log.search_hit.expect("a finding");
    assert!(lines[hit].finding);
}

/// #15.3 and #15.6: the YAML view searches too; its matches are highlighted and the current one
/// is scrolled into view; closing it forgets the pattern.
#[test]
fn yaml_is_searched_with_slash_and_n() {
    let mut a = app();
    keys(&mut a, ":runners\ny");
    let Mode::Text { text, .. } = &a.nav.mode else { panic!("y opens the YAML") };
    let hits: Vec<usize> =
        text.lines().enumerate().filter(|(_, l)| l.to_lowercase().contains("image")).map(|(i, _)| i).collect();
    assert!(hits.len() > 1, "the pod's YAML names its images");
    keys(&mut a, "/image\n");
    assert_eq!(a.found_in(Target::Text).and_then(|f| f.hit), Some(hits[0]));
    keys(&mut a, "n");
    assert_eq!(a.found_in(Target::Text).and_then(|f| f.hit), Some(hits[1]));
    let Mode::Text { scroll, .. } = &a.nav.mode else { panic!("n does not close the text") };
    assert_eq!(*scroll, hits[1].saturating_sub(2), "the match is in view with two lines above it");
    let t = render(&mut a, 80, 24);
    assert!(screen(&t).contains("image"), "{}", screen(&t));
    keys(&mut a, "\x1b");
    assert!(matches!(a.nav.mode, Mode::Normal) && a.nav.found.is_none());
}

/// A paste into the search prompt is text: it searches, runs nothing.
#[test]
fn a_paste_into_the_search_is_its_pattern() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n/"));
    a.handle_paste("Tag\nq");
    assert!(!a.quit && !a.chain.sim.skip_tags);
    assert_eq!(a.nav.search.as_ref().map(|s| s.input.value().to_string()), Some("Tag q".into()));
}

/// #15.8: the hint bar offers the focused pane's keys first and help always, never a hint cut
/// in half; with the mono theme the focused pane is still seen (a thick border).
#[test]
fn hints_follow_the_focused_pane_and_focus_shows_without_colour() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&render_with(&mut a, "mono", w, h));
        let footer = s.lines().last().unwrap();
        assert!(footer.starts_with("<c> copy fix"), "the steps' keys first at {w}: {footer}");
        assert!(footer.trim_end().ends_with("<?> help"), "help always: {footer}");
        assert!(s.lines().nth(2).unwrap().starts_with('┏'), "the focused steps have the thick border\n{s}");
        assert!(s.contains("┌ logs"), "the logs pane is not focused\n{s}");
    }
    keys(&mut a, "\t");
    let s = screen(&render_with(&mut a, "mono", 80, 24));
    let footer = s.lines().last().unwrap();
    assert!(footer.starts_with("<n> next match/finding"), "the logs' keys first: {footer}");
    assert!(s.contains("┏ logs"), "now the logs pane is\n{s}");
    assert!(s.lines().nth(2).unwrap().starts_with('┌'), "{s}");
    // Every hint drawn whole: as many `<` as `>`.
    for (w, h) in [(60, 15), (80, 24), (100, 30)] {
        let s = screen(&render(&mut a, w, h));
        let footer = s.lines().last().unwrap();
        assert_eq!(footer.matches('<').count(), footer.matches('>').count(), "{footer}");
        assert!(footer.contains("<?> help"), "{w}: {footer}");
    }
}

fn copied(a: &mut App) -> Option<String> {
    a.take_effects().into_iter().find_map(|e| match e {
        Effect::Copy(text) => Some(text),
        _ => None,
    })
}

/// #15.5: `c` copies something to run: on the chain the selected step's first fix as its AWS CLI
/// line, `2` the second (CDK), on the pulse the selected row's failing step's first fix; the
/// status says what was copied, and in tmux what tmux needs.
#[test]
fn c_copies_a_runnable_fix_and_the_digits_choose_which() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\nc"));
    let text = copied(&mut a).expect("copied");
    assert!(
        text.starts_with(
            "aws iam update-assume-role-policy --role-name arc-runner-ecr-image-pusher-role --policy-document '{"
        ),
        "{text}"
    );
    assert!(a.status.as_deref().unwrap().starts_with("copied fix 1 (aws-cli)"), "{:?}", a.status);
    keys(&mut a, "2");
    assert!(copied(&mut a).expect("copied").starts_with("new iam.AccountPrincipal("));
    keys(&mut a, "4");
    assert_eq!(copied(&mut a).as_deref(), Some("role-skip-session-tagging: true"));
    // Focus on the logs: the digits are the log window's again (live), nothing is copied.
    keys(&mut a, "\t1");
    assert!(copied(&mut a).is_none());

    let mut a =
        App::new(arcscope::demo::load().unwrap(), Options { tmux: true, ..Options::at("2026-06-20T12:00:00Z") });
    let selected = a.nav.table.visible[0];
    let row = a.nav.table.rows[selected].key.clone();
    keys(&mut a, "c");
    let text = copied(&mut a).unwrap_or_else(|| panic!("c on the pulse row {row}: {:?}", a.status));
    assert!(text.starts_with("aws ") || text.starts_with("kubectl "), "{row}: {text}");
    assert!(a.status.as_deref().unwrap().contains("set -g set-clipboard on"), "{:?}", a.status);
}

/// #15.9: tab cycles through the commands a prefix names and completes namespaces; `:ns` with a
/// name the data never saw is refused with the known ones; `0` is every namespace again.
#[test]
fn tab_cycles_completes_namespaces_and_ns_refuses_an_unknown_name() {
    let mut a = app();
    keys(&mut a, ":r\t\n");
    assert_eq!(a.view(), &View::Runners { scale_set: None });
    keys(&mut a, ":r\t\t\n");
    assert_eq!(a.view(), &View::Roles, "the second tab goes on to the next command");
    keys(&mut a, ":r\t\t\t\n");
    assert_eq!(a.view(), &View::Runners { scale_set: None }, "and round again");
    keys(&mut a, ":ns arc-g\t\n");
    assert_eq!(a.nav.namespace.as_deref(), Some("arc-gpu-runners"));
    keys(&mut a, ":ns nosuch\n");
    assert_eq!(a.nav.namespace.as_deref(), Some("arc-gpu-runners"), "an unknown namespace is not taken");
    let status = a.status.clone().unwrap_or_default();
    assert!(status.contains("\"nosuch\" not found") && status.contains("arc-runners"), "{status}");
    keys(&mut a, "0");
    assert_eq!(a.nav.namespace, None, "0: all namespaces");
    keys(&mut a, ":zz\t");
    assert_eq!(a.prompt_note.as_deref(), Some("no completion"));
}

/// #15.9: `d` describes the selected object (fields, then events; environment values never
/// shown), `:events` lists events, `ctrl-a` the commands and aliases, and the keys k9s uses to
/// change a cluster say that arcscope is read-only; `:ctx` on a bundle says why it cannot.
#[test]
fn describe_events_aliases_and_the_read_only_keys_each_say_something() {
    let mut a = app();
    keys(&mut a, ":runners\n/4h9sd\n");
    keys(&mut a, "d");
    let Mode::Text { title, text, .. } = &a.nav.mode else { panic!("d opens the description: {:?}", a.status) };
    assert!(title.starts_with("describe pod arc-runners/"), "{title}");
    assert!(text.contains("Service Account:    arc-runner-irsa"), "{text}");
    assert!(text.contains("AWS_ROLE_ARN: <set>"), "env names only\n{text}");
    assert!(!text.contains("AWS_ROLE_ARN: arn:"), "{text}");
    assert!(text.contains("Events:"));
    keys(&mut a, "\x1b:events\n");
    assert!(matches!(&a.nav.mode, Mode::Text { title, .. } if title.starts_with("events")));
    keys(&mut a, "\x1b");
    a.handle_key(&KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    assert!(matches!(&a.nav.mode, Mode::Text { text, .. } if text.contains(":runners :runner :pods")));
    keys(&mut a, "\x1b");
    for (code, mods) in [(KeyCode::Char('d'), KeyModifiers::CONTROL), (KeyCode::Char('e'), KeyModifiers::NONE)] {
        a.status = None;
        a.handle_key(&KeyEvent::new(code, mods));
        assert!(a.status.as_deref().unwrap_or("").starts_with("arcscope is read-only"), "{code:?}: {:?}", a.status);
    }
    keys(&mut a, ":ctx\n");
    assert!(a.status.as_deref().unwrap_or("").contains("one cluster as it was taken"), "{:?}", a.status);
}

/// #15.10: at 60x15 the failing hop is scrolled into the steps table and the pane below shows
/// something: the step panel, or after tab the logs, each whole.
#[test]
fn a_small_terminal_keeps_the_failing_hop_and_a_readable_pane() {
    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n"));
    let s = screen(&render(&mut a, 60, 15));
    assert!(s.contains("✘ implicit deny sts:TagSess"), "the failing hop in view\n{s}");
    assert!(s.contains("tab: logs"), "{s}");
    keys(&mut a, "\t");
    let s = screen(&render(&mut a, 60, 15));
    let logs = s.lines().position(|l| l.contains(" logs ")).expect("the logs pane");
    assert!(s.lines().nth(logs + 1).is_some_and(|l| l.len() > 10 && !l.contains('━')), "a log row\n{s}");
}

/// #15.12: the admission error is Kubernetes's, not AWS's; enter on the missing service
/// account's row opens the chain it breaks; ASSUMABLE BY counts what the jobs really send (the
/// docs runner's tagged session); a status message goes after a while.
#[test]
fn lesser_words_say_who_speaks_and_go_when_stale() {
    let mut a = app();
    keys(&mut a, ":chain arc-gpu-runners/arc-runner-gpu-p4w8r-runner-n5d2c\n");
    let s = screen(&render(&mut a, 120, 40));
    assert!(s.contains("Kubernetes would say") && !s.contains("AWS would say"), "{s}");

    let mut a = app();
    keys(&mut a, ":sa\n");
    let missing = a.nav.table.rows.iter().position(|r| r.cells.iter().any(|c| c.contains("missing"))).unwrap();
    let at = a.nav.table.visible.iter().position(|&i| i == missing).unwrap();
    keys(&mut a, &"j".repeat(at));
    keys(&mut a, "\n");
    assert!(
        matches!(a.view(), View::Chain { subject } if subject.contains("arc-runner-gpu")),
        "{:?} {:?}",
        a.view(),
        a.status
    );

    let mut a = app();
    keys(&mut a, ":roles\n");
    let s = screen(&render(&mut a, 200, 30));
    let row = s.lines().find(|l| l.contains("arc-runner-docs-publisher-role ")).unwrap();
    assert!(row.contains("arc-runner-docs-base-role  "), "{row}");

    keys(&mut a, "e");
    assert!(a.status.is_some());
    for _ in 0..arcscope::app::state::STATUS_TICKS + 1 {
        a.tick();
    }
    assert_eq!(a.status, None, "the message went");
}

/// #15.13: an allow that rests on an assumption is `✔*` in the runners list, the chain's title
/// and its steps, and the step panel says what is assumed.
#[test]
fn an_assumed_allow_is_marked_and_said() {
    let mut a = app();
    keys(&mut a, ":runners\n");
    let s = screen(&render(&mut a, 200, 30));
    let row = s.lines().find(|l| l.contains("arc-runner-docs-m2k9t-runner-b7xzq")).unwrap();
    assert!(row.contains("✔* allow (assumed)"), "{row}");
    keys(&mut a, ":chain arc-runners/arc-runner-docs-m2k9t-runner-b7xzq\n");
    keys(&mut a, "G");
    let s = screen(&render(&mut a, 120, 40));
    assert!(s.contains("✔* allow (assumed) arc-runners/arc-runner-docs"), "{s}");
    assert!(s.contains("✔* allow "), "{s}");
    assert!(s.contains("✔* assumed: role-to-assume"), "{s}");
}

/// #15.7: `R` opens a filterable role picker (500 roles is normal): typed letters filter and
/// never act, enter simulates the chain with the role picked, esc leaves the target as it was.
#[test]
fn r_picks_the_target_role_from_five_hundred_by_typing() {
    let mut inv = arcscope::demo::load().unwrap();
    let template = inv.roles.values().next().unwrap().clone();
    for i in 0..500 {
        let mut r = template.clone();
        r.arn = arcscope::iam::arn::RoleArn::parse(&format!("arn:aws:iam::111122223333:role/team-{i:04}-deployer"))
            .unwrap();
        inv.roles.insert(r.arn.arn(), r);
    }
    let mut a = App::new(inv, Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, &format!(":chain {SEED_POD}\nR"));
    assert!(matches!(a.nav.mode, Mode::PickRole(_)));
    assert!(a.choices("").len() > 500);
    keys(&mut a, "0420");
    assert_eq!(a.choices("0420").len(), 1);
    let s = screen(&render(&mut a, 100, 30));
    assert!(s.contains("team-0420-deployer") && s.contains("1 of 507"), "{s}");
    keys(&mut a, "\n");
    assert_eq!(a.chain.sim.target.as_deref(), Some("arn:aws:iam::111122223333:role/team-0420-deployer"));
    assert!(a.status.as_deref().unwrap().starts_with("what-if:"), "{:?}", a.status);
    // Typed letters are the filter's: "pusher" has a p (probe), an s, an e…
    keys(&mut a, "Rpusher\n");
    assert_eq!(a.chain.sim.target.as_deref(), Some("arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role"));
    assert!(!a.chain.sim.skip_tags);
    keys(&mut a, "Rtrain\x1b");
    assert_eq!(
        a.chain.sim.target.as_deref(),
        Some("arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role"),
        "esc keeps it"
    );
    // ↓ moves: the workflow's own target is first, the first role second.
    keys(&mut a, "R");
    special(&mut a, KeyCode::Home);
    let Mode::PickRole(p) = &a.nav.mode else { panic!() };
    let at = p.selected;
    special(&mut a, KeyCode::Down);
    let Mode::PickRole(p) = &a.nav.mode else { panic!() };
    assert_eq!(p.selected, at + 1);
}

fn wizard_value(a: &App, key: &str) -> String {
    let Mode::Wizard(form) = &a.nav.mode else { panic!("the wizard is open") };
    let page = form.fields.iter().map(|(_, f)| f);
    let target = form.targets[0].iter().filter(|f| key.strip_prefix("targets.") == Some(f.key));
    page.filter(|f| f.key == key).chain(target).next().map(|f| f.input.value().to_string()).expect("the field")
}

/// #15.14: the wizard starts from the scale set selected (not always the first), reuses the role
/// its misplaced service account names instead of inventing one, names the target role the
/// workflow assumes, shows only the fields that apply, and a cursor in the focused text field.
#[test]
fn the_wizard_starts_from_the_selected_scale_set_and_its_real_roles() {
    let mut a = app();
    let gpu = a.nav.table.rows.iter().position(|r| r.key.ends_with("/arc-runner-gpu")).unwrap();
    let at = a.nav.table.visible.iter().position(|&i| i == gpu).unwrap();
    keys(&mut a, &"j".repeat(at));
    keys(&mut a, ":wizard\n");
    assert_eq!(wizard_value(&a, "runners.scale_set_name"), "arc-runner-gpu");
    assert_eq!(wizard_value(&a, "runners.namespace"), "arc-gpu-runners");
    assert_eq!(wizard_value(&a, "aws.base_role"), "arc-runner-gpu-base-role", "the role of the SA in arc-systems");

    let mut a = app();
    keys(&mut a, &format!(":chain {SEED_POD}\n:wizard\n"));
    assert_eq!(wizard_value(&a, "runners.scale_set_name"), "arc-runner-set");
    assert_eq!(wizard_value(&a, "targets.role"), "arc-runner-ecr-image-pusher-role", "the workflow's role-to-assume");
    assert_eq!(wizard_value(&a, "aws.base_role"), "arc-runner-base-role");

    // The AWS page: IRSA asks for the issuer, not the cluster name; Pod Identity the other way.
    let ctrl = |a: &mut App, c: char| a.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    ctrl(&mut a, 'n');
    ctrl(&mut a, 'n');
    let s = screen(&render(&mut a, 120, 30));
    assert!(s.contains("cluster OIDC issuer") && !s.contains("cluster name "), "{s}");
    keys(&mut a, "\t\t");
    special(&mut a, KeyCode::Right);
    let s = screen(&render(&mut a, 120, 30));
    assert!(s.contains("cluster name") && !s.contains("cluster OIDC issuer"), "{s}");
    // A text field has the cursor at its end.
    keys(&mut a, "\t");
    let mut t = render(&mut a, 120, 30);
    let row = screen(&t).lines().position(|l| l.contains("› cluster name")).unwrap() as u16;
    let cur = t.get_cursor_position().unwrap();
    assert_eq!((cur.x, cur.y), (1 + 2 + 28, row), "the cursor where typing goes");
    keys(&mut a, "prod");
    let mut t = render(&mut a, 120, 30);
    assert_eq!(t.get_cursor_position().unwrap().x, 1 + 2 + 28 + 4);
}

/// The real binary in a pty at 80x24, as a user types (#15 done-when): `/` search with its match
/// counted, wrap + G reaching the end of the last log line, help scrolled to its end, and a
/// bracketed paste into the search prompt that runs nothing.
#[test]
fn the_real_binary_searches_wraps_to_the_end_scrolls_help_and_takes_a_paste() {
    let demo_log = arcscope::demo::load().unwrap();
    let mut a = App::new(demo_log, Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, &format!(":logs {SEED_POD}\n"));
    let last = arcscope::app::state::logview::logs_lines(&a).last().unwrap().text.clone();
    let tail: String = last.chars().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
    let keys = [
        (":chain arc-runners/arc-runner-set-x7c2p-runner-4h9sd\r", 400),
        ("/tagsession", 300),
        ("\r", 300),
        ("f", 200),
        ("w", 200),
        ("G", 400),
        ("?", 300),
        ("G", 300),
        ("\x1b", 200),
        ("/", 100),
        ("\x1b[200~Tq\x1b[201~", 300),
        ("\x1b", 200),
        ("q", 300),
    ];
    // The demo's bundle as a directory: all of its job log is there from the start (`--demo`
    // replays it over time).
    let args = format!("--bundle {}/src/demo/bundle", env!("CARGO_MANIFEST_DIR"));
    let (status, out) = super::common::pty(&args, &[], (24, 80), 1500, &keys, |_| {});
    assert!(status.success(), "{out}");
    let screens = super::common::screens(&out, 24, 80);
    assert!(screens.iter().any(|s| s.lines().any(|l| l.starts_with("/tagsession"))), "the prompt as typed");
    assert!(screens.iter().any(|s| s.contains("match 1 of")), "the match counted");
    assert!(screens.iter().any(|s| s.contains(tail.trim())), "wrap + G: the end of the last line, {tail:?}");
    assert!(
        screens.iter().any(|s| s.lines().any(|l| l.contains(" help ") && {
            // `help A–B of N` with B == N: scrolled to its end.
            let t = l.split(" help ").nth(1).unwrap_or("");
            let nums: Vec<&str> = t.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).collect();
            nums.len() >= 3 && nums[1] == nums[2]
        })),
        "help scrolled to its last entry"
    );
    assert!(screens.iter().any(|s| s.lines().any(|l| l.starts_with("/Tq"))), "the paste is the pattern");
    assert!(!screens.iter().any(|s| s.contains("WHAT-IF")), "no letter of it toggled a what-if");
}

/// #16.6: lint shows in the roles view (codes) and in the step panel of the hop it explains.
#[test]
fn lint_shows_in_the_roles_view_and_the_step_panel() {
    let dir = super::common::bundle(Some("trust-lint"));
    let inv = arcscope::sources::bundle::load_dir(dir.path()).unwrap();
    let mut a = App::new(inv, Options::at("2026-06-20T12:00:00Z"));
    keys(&mut a, ":roles\n");
    let s = screen(&render(&mut a, 200, 30));
    let row = s.lines().find(|l| l.contains("arc-runner-base-role ")).unwrap();
    assert!(row.contains("⚠ L3 L6"), "{row}");
    keys(&mut a, ":chain\n");
    let s = screen(&render(&mut a, 200, 60));
    assert!(s.contains("⚠ L3 arc-runner-base-role/trust #0: StringEquals compares"), "{s}");
}
