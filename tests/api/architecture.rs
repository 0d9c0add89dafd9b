//! The house's one rule: modules form layers, and every `crate::` reference points down.
//!
//! `LAYERS` lists the top-level modules from the bottom up; a module may use only modules listed
//! before it. That rules out cycles, keeps the foundation free of domains and keeps
//! `startup` (route composition) out of everything but `main.rs` and the tests. A new module must
//! be placed here, which is the moment to decide what it may use.
//!
//! Below the top level the rule is weaker but still strict: no modules use each other round a
//! cycle at any depth (`portal::markets::board` and `portal::markets::fees` may not both use the
//! other). A module and its own sub-modules are one family: a child may use its parent's
//! helpers and the parent may name its children.

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

/// Modules of one layer that may not use each other either way: the brands' portal and the
/// staff console share only what lies below both.
const APART: &[(&str, &str)] = &[("portal", "console")];

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
                _ if APART.iter().any(|&(a, b)| (a, b) == (&module, &used) || (b, a) == (&module, &used)) => {
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

/// Every module of `src` by its path (`["portal", "markets", "board"]`), with its source.
fn module_tree(src: &Path) -> BTreeMap<Vec<String>, String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(src).unwrap().with_extension("");
            let mut path: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if path.last().is_some_and(|last| last == "mod") {
                path.pop();
            }
            if path == ["lib"] || path == ["main"] {
                return None;
            }
            Some((path, fs::read_to_string(&file).unwrap()))
        })
        .collect()
}

/// `a::{b, c::{d, e}}` as the paths it names: `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split("::").map(str::to_owned).collect()];
    };
    let prefix: Vec<String> = tree[..open]
        .trim_end_matches("::")
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let close = tree.rfind('}').filter(|close| *close > open).unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let (mut depth, mut part, mut parts) = (0, String::new(), Vec::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut part));
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    parts.push(part);
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(p))
        .map(|rest| prefix.iter().cloned().chain(rest).collect())
        .collect()
}

/// The paths (`crate::…`, `super::…`, `self::…`) a source file names, comments aside.
fn named_paths(source: &str) -> Vec<Vec<String>> {
    let code: String =
        source.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let preceded_by_word = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + 4..];
        let Some(end) = rest.find(';') else { break };
        let tree = &rest[..end];
        let is_path = tree.chars().all(|c| c.is_alphanumeric() || "_:{},* \n".contains(c));
        if !preceded_by_word && is_path {
            paths.extend(expand_use(tree));
        }
    }
    for root in ["crate::", "super::", "self::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(root) {
            let preceded_by_word =
                rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            let path: String =
                rest[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            rest = &rest[at + root.len()..];
            if !preceded_by_word {
                paths.push(path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect());
            }
        }
    }
    paths
}

/// The module a path leads to, from the module `from` that names it.
fn resolve(tree: &BTreeMap<Vec<String>, String>, from: &[String], path: &[String]) -> Option<Vec<String>> {
    let (mut module, mut rest) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (from.to_vec(), &path[1..]),
        "super" => {
            let mut module = from.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                module.pop();
                rest = &rest[1..];
            }
            (module, rest)
        }
        _ => return None,
    };
    while let Some(segment) = rest.first() {
        let name = segment.split(" as ").next().unwrap_or(segment).trim().to_owned();
        let mut child = module.clone();
        child.push(name);
        if !tree.contains_key(&child) {
            break;
        }
        module = child;
        rest = &rest[1..];
    }
    Some(module)
}

/// Each reference between two modules, lifted to the siblings it runs between: a file of
/// `portal::markets::board` naming `portal::bookings::week` makes `portal::markets` use
/// `portal::bookings`. A module and its own sub-modules are one family and may name each other.
fn sibling_uses(tree: &BTreeMap<Vec<String>, String>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut uses: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, source) in tree {
        for path in named_paths(source) {
            let Some(target) = resolve(tree, module, &path) else { continue };
            if target.starts_with(module) || module.starts_with(&target) {
                continue;
            }
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            uses.entry(module[..=common].to_vec()).or_default().insert(target[..=common].to_vec());
        }
    }
    uses
}

/// The groups of modules that use each other round a cycle (Tarjan's strongly connected
/// components of more than one module).
fn cycles(uses: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        uses: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a [String], (usize, usize)>,
        stack: Vec<&'a [String]>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, module: &'a [String]) -> usize {
            let order = self.index.len();
            self.index.insert(module, (order, order));
            self.stack.push(module);
            let mut low = order;
            for next in self.uses.get(module).into_iter().flatten() {
                let next = next.as_slice();
                match self.index.get(next) {
                    None => low = low.min(self.visit(next)),
                    Some(&(seen, _)) if self.stack.contains(&next) => low = low.min(seen),
                    Some(_) => {}
                }
            }
            if low == order {
                let at = self.stack.iter().position(|m| *m == module).unwrap();
                let mut group: Vec<String> = self.stack.drain(at..).map(|m| m.join("::")).collect();
                group.sort();
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
            self.index.insert(module, (order, low));
            low
        }
    }
    let mut walk = Walk { uses, index: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for module in uses.keys() {
        if !walk.index.contains_key(module.as_slice()) {
            walk.visit(module);
        }
    }
    walk.found
}

#[test]
fn no_modules_use_each_other_round_a_cycle_at_any_depth() {
    let tree = module_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(tree.contains_key(&vec!["portal".to_owned(), "markets".to_owned(), "board".to_owned()]));
    let found = cycles(&sibling_uses(&tree));
    assert!(
        found.is_empty(),
        "these modules use each other round a cycle; move what both need into a module below them: {found:?}"
    );
}

#[test]
fn the_cycle_check_finds_a_cycle_between_nested_siblings_and_ignores_a_family() {
    let tree: BTreeMap<Vec<String>, String> = [
        (vec!["a"], "mod b; mod c; use self::b::x;"),
        (vec!["a", "b"], "use super::{c::y, x};"),
        (vec!["a", "c"], "fn f() { crate::a::b::x(); }"),
        (vec!["d"], "use crate::a::{\n    b::{x, y},\n};"),
    ]
    .into_iter()
    .map(|(path, source)| (path.into_iter().map(str::to_owned).collect(), source.to_owned()))
    .collect();
    let uses = sibling_uses(&tree);
    assert_eq!(uses[&vec!["d".to_owned()]], BTreeSet::from([vec!["a".to_owned()]]));
    assert_eq!(cycles(&uses), [vec!["a::b".to_owned(), "a::c".to_owned()]]);
}

/// A file longer than this holds more than one thing; split it by page or by concern.
const MAX_FILE_LINES: usize = 600;

#[test]
fn no_file_in_src_is_longer_than_it_takes_to_show_one_thing() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = fs::read_to_string(file).unwrap().lines().count();
            (lines > MAX_FILE_LINES)
                .then(|| format!("{} ({lines} lines)", file.strip_prefix(&src).unwrap().display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these files by page or concern (at most {MAX_FILE_LINES} lines): {long:?}"
    );
}
