//! The word catalogue: zh and en hold the same keys, and every key the code asks for exists.
//!
//! The code asks in two ways: a `catalogue!` struct (`struct X in "area" { field, … }`, each
//! field the key `area-field`), and `words::text(lang, "key")` / `text_with(lang, "key", …)`.
//! A key built at run time is written as `format!("area-thing-{…}")`; its fixed part counts as
//! asked for every key it begins.

use std::{collections::BTreeSet, fs, path::Path};

use debut::values::Lang;

fn catalogue_keys(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(key, _)| key.trim().to_owned()))
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The keys the code asks for, and the fixed beginnings of keys it builds at run time.
fn asked_for() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    let (mut keys, mut prefixes) = (BTreeSet::new(), BTreeSet::new());
    for (_, source) in &files {
        let code: String =
            source.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let source = code.as_str();
        // `struct Name in "area" { a, b, … }`
        let mut rest = source;
        while let Some(at) = rest.find(" in \"") {
            rest = &rest[at + 5..];
            let Some((area, after)) = rest.split_once('"') else { break };
            let Some(body) = after.trim_start().strip_prefix('{') else { continue };
            let body = &body[..body.find('}').unwrap()];
            for line in body.lines().map(str::trim) {
                if line.starts_with("//") || line.starts_with("#[") || line.is_empty() {
                    continue;
                }
                for field in line.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    keys.insert(format!("{area}-{}", field.replace('_', "-")));
                }
            }
        }
        for call in ["text(", "text_with("] {
            let mut rest = source;
            while let Some(at) = rest.find(call) {
                rest = &rest[at + call.len()..];
                let args = &rest[..rest.find(')').unwrap_or(rest.len()).min(200)];
                // The key is the second argument, a literal.
                if let Some(literal) =
                    args.split_once(",").and_then(|(_, second)| second.trim_start().strip_prefix('"'))
                {
                    let key = &literal[..literal.find('"').unwrap()];
                    if let Some(prefix) =
                        key.strip_suffix('{').or_else(|| key.split('{').next().filter(|_| key.contains('{')))
                    {
                        prefixes.insert(prefix.to_owned());
                    } else {
                        keys.insert(key.to_owned());
                    }
                }
            }
        }
        // An e-mail's words: `"mail-booking-decision"` asks for its `-subject` and `-body`.
        let mut rest = source;
        while let Some(at) = rest.find("\"mail-") {
            rest = &rest[at + 1..];
            prefixes.insert(rest[..rest.find('"').unwrap()].to_owned());
        }
        let mut rest = source;
        while let Some(at) = rest.find("format!(\"") {
            rest = &rest[at + 9..];
            let literal = &rest[..rest.find('"').unwrap()];
            if let Some((prefix, _)) = literal.split_once('{')
                && prefix.contains('-')
                && prefix.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            {
                prefixes.insert(prefix.to_owned());
            }
        }
    }
    (keys, prefixes)
}

#[test]
fn zh_and_en_hold_the_same_keys_and_every_key_the_code_asks_for() {
    let [(zh_lang, zh), (en_lang, en)] = debut::words::SOURCES;
    let (zh_keys, en_keys) = (catalogue_keys(zh), catalogue_keys(en));
    assert!(zh_keys.len() > 500, "the catalogue was read ({} keys)", zh_keys.len());
    let only_zh: Vec<_> = zh_keys.difference(&en_keys).collect();
    let only_en: Vec<_> = en_keys.difference(&zh_keys).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN.ftl: {only_zh:?}; only in en.ftl: {only_en:?}"
    );
    // The bundles parse and hold what the line scan found.
    for key in &zh_keys {
        assert!(debut::words::has(zh_lang, key) && debut::words::has(en_lang, key), "{key} parses in both");
    }

    let (asked, prefixes) = asked_for();
    assert!(asked.len() > 500, "the scan found the code's keys ({})", asked.len());
    let missing: Vec<_> = asked.iter().filter(|key| !zh_keys.contains(*key)).collect();
    assert!(missing.is_empty(), "the code asks for keys the catalogue lacks: {missing:?}");
    let unused: Vec<_> = zh_keys
        .iter()
        .filter(|key| {
            !asked.contains(*key) && !prefixes.iter().any(|prefix| key.starts_with(prefix.as_str()))
        })
        .collect();
    assert!(unused.is_empty(), "keys no code asks for (remove them or use them): {unused:?}");
}

#[test]
fn messages_take_their_arguments_and_plural_rules() {
    let args = |n: u64| [("seconds", n.into())];
    assert_eq!(
        debut::words::text_with(Lang::En, "portal-wait", &args(1)),
        "Too many attempts; please try again in one second."
    );
    assert_eq!(
        debut::words::text_with(Lang::En, "portal-wait", &args(30)),
        "Too many attempts; please try again in 30 seconds."
    );
    assert_eq!(
        debut::words::text_with(Lang::Zh, "portal-wait", &args(30)),
        "操作过于频繁，请在 30 秒后再试。"
    );
    // No isolation marks around arguments: they would show in SMS and e-mail subjects.
    assert!(!debut::words::text_with(Lang::Zh, "portal-wait", &args(5)).contains('\u{2068}'));
}
