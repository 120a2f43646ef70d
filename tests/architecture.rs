//! The shape ARCHITECTURE.md promises, checked: no import cycle between the top-level modules
//! (`app`, `ui`, `sources`, `chain`, …) nor between the modules inside one, and no source file
//! over 800 lines outside its tests. The edges are read from the code itself: every
//! `crate::a::b` and `super::b` path (in `use` blocks or inline), test modules left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under the shell's and the core's `src/`.
fn sources() -> Vec<(Vec<String>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for base in [root.join("src"), root.join("core/src")] {
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path: PathBuf = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path.strip_prefix(&base).unwrap().with_extension("");
                    let mut module: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                    if module.last().is_some_and(|l| l == "mod") {
                        module.pop();
                    }
                    if matches!(module.as_slice(), [one] if one == "lib" || one == "main") {
                        continue;
                    }
                    out.push((module, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }
    out
}

/// The text before the file's test module.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |i| &text[..i])
}

/// Paths `prefix::a::b::c` in `text`, as their first three segments; grouped imports
/// (`crate::{a::b, c}`) give each member.
fn paths(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let segments = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = s;
        while out.len() < 3 {
            let w: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if w.is_empty() {
                break;
            }
            rest = &rest[w.len()..];
            out.push(w);
            match rest.strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        out
    };
    let mut out = Vec::new();
    let pat = format!("{prefix}::");
    let mut rest = text;
    while let Some(i) = rest.find(&pat) {
        let before = rest[..i].chars().last();
        rest = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let Some(group) = rest.strip_prefix('{') else {
            out.push(segments(rest));
            continue;
        };
        let (mut depth, mut item) = (0, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(segments(std::mem::take(&mut item).trim()));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        out.push(segments(item.trim()));
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The module graph with modules cut to `level` segments (1: `app`, 2: `app/state`, 3:
/// `app/state/live`): an edge for every `crate::` path, and every `super::` path resolved from the
/// file's module.
fn graph(level: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in sources() {
        let text = without_tests(&text);
        let cut = |m: &[String]| m[..m.len().min(level)].join("/");
        let node = cut(&module);
        let parent = &module[..module.len() - 1];
        let mut targets: Vec<Vec<String>> = paths(text, "crate");
        targets.extend(paths(text, "super").into_iter().map(|p| parent.iter().cloned().chain(p).collect()));
        let set = edges.entry(node.clone()).or_default();
        for t in targets {
            set.insert(cut(&t));
        }
        set.remove(&node);
    }
    edges
}

/// A cycle through the graph, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].iter().cloned().chain([n.to_string()]).collect());
        }
        if !done.insert(n.to_string()) {
            return None;
        }
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, done, path) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut done, &mut Vec::new()))
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let g = graph(1);
    assert!(g.contains_key("app") && g["app"].contains("chain"), "the graph is read: {g:?}");
    assert_eq!(cycle(&g), None, "{g:#?}");
    // The core never reaches the shell (its crate could not even name it).
    for core in ["iam", "logs", "model", "chain"] {
        let shell: Vec<_> =
            g[core].iter().filter(|m| !["iam", "logs", "model", "chain"].contains(&m.as_str())).collect();
        assert!(shell.is_empty(), "{core} uses {shell:?}");
    }
}

#[test]
fn no_import_cycle_inside_a_module() {
    let g = graph(2);
    assert!(g.get("chain/hop").is_some_and(|e| e.contains("chain/session")), "the graph is read: {g:?}");
    assert_eq!(cycle(&g), None, "{g:#?}");
    let g = graph(3);
    assert!(g.get("app/state/table").is_some_and(|e| e.contains("app/state/rows")), "the graph is read: {g:?}");
    assert_eq!(cycle(&g), None, "{g:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let got = paths("use crate::{a::b::c::d, e};\nx = crate::f::g(1); super::h", "crate");
    assert_eq!(got, [vec!["a", "b", "c"], vec!["e"], vec!["f", "g"]]);
}

#[test]
fn no_source_file_over_800_lines_outside_its_tests() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| without_tests(text).lines().count() > 800)
        .map(|(m, _)| m.join("/"))
        .collect();
    assert!(long.is_empty(), "{long:?}");
}

/// Line counts of the functions in `text` (from the `fn` line to the closing brace), by name.
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    // Braces in string and character literals do not count.
    let code = |line: &str| -> String {
        let (mut out, mut chars) = (String::new(), line.chars().peekable());
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    while let Some(d) = chars.next() {
                        match d {
                            '\\' => {
                                chars.next();
                            }
                            '"' => break,
                            _ => {}
                        }
                    }
                }
                '\'' if chars.clone().nth(1) == Some('\'') || chars.peek() == Some(&'\\') => {
                    for d in chars.by_ref() {
                        if d == '\'' {
                            break;
                        }
                    }
                }
                '/' if chars.peek() == Some(&'/') => break,
                c => out.push(c),
            }
        }
        out
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let t = t
            .strip_prefix("pub ")
            .or_else(|| t.strip_prefix("pub(crate) "))
            .or(t.strip_prefix("pub(super) "))
            .unwrap_or(t);
        let t = t.strip_prefix("async ").or(t.strip_prefix("const ")).unwrap_or(t);
        let Some(rest) = t.strip_prefix("fn ") else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let (mut depth, mut started) = (0i32, false);
        for (j, l) in lines[i..].iter().enumerate() {
            for c in code(l).chars() {
                match c {
                    '{' => (depth, started) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if started && depth == 0 {
                out.push((name.clone(), j + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn no_function_over_100_lines_outside_tests() {
    let long: Vec<String> = sources()
        .into_iter()
        .flat_map(|(m, text)| {
            function_lengths(without_tests(&text))
                .into_iter()
                .filter(|(_, n)| *n > 100)
                .map(move |(f, n)| format!("{}::{f} ({n} lines)", m.join("/")))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
    let sample = "fn a() {\n    let s = \"}\";\n    if x { '{' } else { '}' }\n}\nfn b() {}\n";
    assert_eq!(function_lengths(sample), [("a".to_string(), 4), ("b".to_string(), 1)]);
}
