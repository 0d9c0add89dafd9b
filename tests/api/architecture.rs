//! The house's one rule: modules form layers, and every `crate::` reference points down.
//!
//! `LAYERS` lists the top-level modules from the bottom up; a module may use only modules listed
//! before it. That rules out cycles, keeps the foundation free of domains and keeps
//! `startup` (route composition) out of everything but `main.rs` and the tests. A new module must
//! be placed here, which is the moment to decide what it may use.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

const LAYERS: &[&str] = &[
    // Foundation: knows no domain.
    "clock",
    "config",
    "words",
    "error",
    "db",
    "values",
    // Shared machinery.
    "cache",
    "http",
    "state",
    "audit",
    "notifications",
    "metrics",
    // Domains.
    "accounts",
    "venues",
    "bookings",
    "incentives",
    "markets",
    "calls",
    "media",
    "calendar",
    "reports",
    "pages",
    "web",
    "subscriptions",
    "portal",
    "console",
    // Composition.
    "demo",
    "startup",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source file names through `crate::`, comments aside.
fn referenced_modules(source: &str) -> BTreeSet<String> {
    let code: String =
        source.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}}`: the names at the group's top level.
            let (mut depth, mut name, mut names) = (0, String::new(), Vec::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => names.push(std::mem::take(&mut name)),
                    _ if depth == 0 => name.push(c),
                    _ => {}
                }
            }
            names.push(name);
            for name in names {
                let first = name.trim().split("::").next().unwrap_or("").trim().to_owned();
                if !first.is_empty() {
                    found.insert(first);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rank = |module: &str| LAYERS.iter().position(|m| *m == module);

    let mut unplaced = BTreeSet::new();
    let mut upward: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let module = relative.split('/').next().unwrap().trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own_rank) = rank(&module) else {
            unplaced.insert(module);
            continue;
        };
        for used in referenced_modules(&fs::read_to_string(file).unwrap()) {
            match rank(&used) {
                Some(used_rank) if used_rank > own_rank => {
                    upward.entry(relative.clone()).or_default().insert(used);
                }
                _ => {}
            }
        }
    }
    assert!(unplaced.is_empty(), "place these modules in LAYERS (tests/api/architecture.rs): {unplaced:?}");
    assert!(
        upward.is_empty(),
        "these files use modules of a higher layer (see LAYERS in tests/api/architecture.rs); \
         move the shared piece down instead: {upward:#?}"
    );
}

#[test]
fn the_reference_scanner_reads_groups_and_paths_and_skips_comments() {
    let source = "use crate::{\n    accounts::{auth, store},\n    error::ApiError,\n};\n\
                  /// See [`crate::startup`].\nfn f() { crate::venues::store::find(); }\n";
    let found: Vec<String> = referenced_modules(source).into_iter().collect();
    assert_eq!(found, ["accounts", "error", "venues"]);
}

#[test]
fn every_module_of_lib_rs_is_placed_in_a_layer() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: BTreeSet<&str> =
        lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';')).collect();
    assert_eq!(declared, LAYERS.iter().copied().collect(), "lib.rs and LAYERS name the same modules");
}
