//! The shape of `api/src`, checked: every `crate::<module>` path of every file is an arrow from
//! its top-level module to that one; no arrow may point up a layer, and no two top-level
//! modules may reach each other (an import cycle wider than one folder). The layers are those
//! of docs/architecture.md ("Layers"); a new top-level module must be placed in [`LAYERS`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules by layer, lowest first. An arrow may stay in its layer or go down.
const LAYERS: &[&[&str]] = &[
    // Foundations: pure rules and the plumbing everything may use.
    &[
        "domain", "entities", "config", "error", "metrics", "clock", "schedule", "crypto", "db",
    ],
    // Adapters: the database's queries and the upstream clients.
    &["store", "connectors"],
    // Concerns, each with its own context.
    &["sync", "auth", "portfolio", "alerts"],
    // Background work.
    &["jobs"],
    // The top floor: the router and its handlers, the app state, the request middleware.
    &["http", "state", "telemetry"],
];

/// Files that are not a module of the library (the binaries, the crate root).
fn skipped(rel: &str) -> bool {
    rel.starts_with("bin/") || rel == "main.rs" || rel == "lib.rs"
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file belongs to (`sync/evm.rs` → `sync`, `state.rs` → `state`).
fn top_of(rel: &str) -> String {
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a source file names through `crate::`, with the line of each, comments
/// left out (`crate::a`, `crate::a::b`, `crate::{a, b::c}`).
fn imports(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + "crate::".len()..];
            // `$crate::` and identifiers ending in `crate` are not this crate's root.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for part in group[..end].split(',') {
                    let name = part.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() && name != "self" {
                        out.push((name.to_string(), n + 1));
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((name, n + 1));
                }
            }
        }
    }
    out
}

type Arrows = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Arrows between top-level modules, each with where it is drawn (`file:line`).
fn arrows_of(src: &Path) -> Arrows {
    let mut arrows = Arrows::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read api/src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            if skipped(&rel) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read a source file");
            add(&mut arrows, &rel, &text);
        }
    }
    arrows
}

/// The arrows of one file (`rel`: its path under `src`).
fn add(arrows: &mut Arrows, rel: &str, text: &str) {
    let from = top_of(rel);
    for (to, line) in imports(text) {
        if to != from {
            arrows
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_default()
                .push(format!("{rel}:{line}"));
        }
    }
}

/// Every broken rule, in words: unplaced modules, arrows up a layer, cycles between modules.
fn problems(arrows: &Arrows, modules: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for m in modules {
        if layer_of(m).is_none() {
            out.push(format!(
                "`{m}` is in no layer: place it in LAYERS (and docs/architecture.md)"
            ));
        }
    }
    for (from, tos) in arrows {
        for (to, at) in tos {
            if let (Some(lf), Some(lt)) = (layer_of(from), layer_of(to)) {
                if lt > lf {
                    out.push(format!(
                        "`{from}` (layer {lf}) imports `{to}` (layer {lt}), a layer up: {}",
                        at.join(", ")
                    ));
                }
            }
        }
    }
    // Who reaches whom (the graph is small: a closure by repeated passes).
    let mut reach: BTreeMap<&str, BTreeSet<&str>> = arrows
        .iter()
        .map(|(f, tos)| (f.as_str(), tos.keys().map(String::as_str).collect()))
        .collect();
    loop {
        let mut grew = false;
        let snapshot = reach.clone();
        for set in reach.values_mut() {
            let more: BTreeSet<&str> = set
                .iter()
                .filter_map(|m| snapshot.get(m))
                .flatten()
                .copied()
                .collect();
            let before = set.len();
            set.extend(more);
            grew |= set.len() > before;
        }
        if !grew {
            break;
        }
    }
    let mut seen = BTreeSet::new();
    for (a, set) in &reach {
        let mut cycle: Vec<&str> = set
            .iter()
            .filter(|b| *b != a && reach.get(*b).is_some_and(|s| s.contains(a)))
            .copied()
            .collect();
        if cycle.is_empty() {
            continue;
        }
        cycle.push(a);
        cycle.sort();
        cycle.dedup();
        if seen.insert(cycle.clone()) {
            out.push(format!("import cycle between {}", cycle.join(", ")));
        }
    }
    out
}

#[test]
fn api_src_has_no_upward_arrow_and_no_cycle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let arrows = arrows_of(&src);
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .expect("read api/src")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .map(|n| n.trim_end_matches(".rs").to_string())
        .filter(|n| !skipped(&format!("{n}.rs")) && n != "bin")
        .collect();
    assert!(
        arrows.contains_key("http") && arrows.contains_key("sync"),
        "the arrows were read: {arrows:?}"
    );
    let problems = problems(&arrows, &modules);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_finds_an_upward_arrow_and_a_cycle() {
    let arrows = arrows_of_text(&[
        (
            "sync/mod.rs",
            "use crate::state::AppState;\nuse crate::store;",
        ),
        (
            "store/mod.rs",
            "// crate::sync in a comment is no arrow\nuse crate::{connectors::X, db};",
        ),
        ("connectors/mod.rs", "fn f() { crate::store::g() }"),
        ("http/mod.rs", "let _ = $crate::sync::x;"),
    ]);
    let modules = ["sync", "store", "connectors", "db", "state", "http"]
        .into_iter()
        .map(String::from)
        .collect();
    let found = problems(&arrows, &modules);
    assert_eq!(
        found,
        vec![
            "`sync` (layer 2) imports `state` (layer 4), a layer up: sync/mod.rs:1".to_string(),
            "import cycle between connectors, store".to_string(),
        ]
    );
}

fn arrows_of_text(files: &[(&str, &str)]) -> Arrows {
    let mut arrows = Arrows::new();
    for (rel, text) in files {
        add(&mut arrows, rel, text);
    }
    arrows
}
