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
        // What is wrong with an input: `Invalid::new("required")` asks for `invalid-required`;
        // `Coded`'s own `Self::new("text")` asks for `invalid-text`, `conflict-text` and `forbidden-text`.
        keys.extend(["invalid-text".to_owned(), "conflict-text".to_owned(), "forbidden-text".to_owned()]);
        let mut rest = source;
        while let Some(at) = rest.find("Invalid::new(\"") {
            rest = &rest[at + 14..];
            keys.insert(format!("invalid-{}", &rest[..rest.find('"').unwrap()]));
        }
        let mut rest = source;
        while let Some(at) = rest.find("Reason::new(\"") {
            rest = &rest[at + 13..];
            keys.insert(format!("conflict-{}", &rest[..rest.find('"').unwrap()]));
        }
        let mut rest = source;
        while let Some(at) = rest.find("Refusal::new(\"") {
            rest = &rest[at + 14..];
            keys.insert(format!("forbidden-{}", &rest[..rest.find('"').unwrap()]));
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

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn the_api_says_what_is_wrong_in_the_language_asked_for_with_stable_codes() {
    use crate::helpers::{PASSWORD, TestApp};
    let app = TestApp::spawn().await;
    let bad = serde_json::json!({
        "organization_name": " ", "organization_kind": "brand", "email": "nope",
        "password": "short", "display_name": "Ada",
    });
    let register = |lang: Option<&'static str>| {
        let mut request = app.client.post(format!("{}/api/v1/auth/register", app.base)).json(&bad);
        if let Some(lang) = lang {
            request = request.header("Accept-Language", lang);
        }
        request
    };
    let codes = |problem: &serde_json::Value| -> Vec<(String, String)> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
            .collect()
    };
    let english = app.read(register(None)).await.problem(422);
    let chinese = app.read(register(Some("zh-CN,zh;q=0.9,en;q=0.8"))).await.problem(422);
    let expected = [("organization_name", "required"), ("email", "email"), ("password", "password-short")]
        .map(|(f, c)| (f.to_owned(), c.to_owned()));
    assert_eq!(codes(&english), expected, "codes are the same in every language");
    assert_eq!(codes(&chinese), expected);
    assert_eq!(english["errors"][0]["message"], "must not be empty");
    assert_eq!(english["errors"][2]["message"], "must be at least 10 characters");
    for error in chinese["errors"].as_array().unwrap() {
        assert!(has_chinese(error["message"].as_str().unwrap()), "{error}");
    }
    assert_eq!(chinese["errors"][2]["message"], "密码至少 10 个字符。");

    // A conflict carries its code, and its detail follows the header too.
    let good = serde_json::json!({
        "organization_name": "首发 Brand", "organization_kind": "brand", "email": "ada@brand.cn",
        "password": PASSWORD, "display_name": "Ada",
    });
    app.post("/api/v1/auth/register", None, good.clone()).await.ok(201);
    let again = |lang: &'static str| {
        app.client
            .post(format!("{}/api/v1/auth/register", app.base))
            .header("Accept-Language", lang)
            .json(&good)
    };
    let zh = app.read(again("zh")).await.problem(409);
    assert_eq!(
        (zh["code"].as_str(), zh["detail"].as_str()),
        (Some("email-taken"), Some("这个邮箱已有账户，请直接登录。"))
    );
    let en = app.read(again("en-GB")).await.problem(409);
    assert_eq!(en["detail"], "An account with this e-mail already exists; log in instead.");

    // A refusal too: a brand at a staff operation is told why in its language.
    let brand = app.brand("brand@refused.cn").await;
    let staff_only = app
        .client
        .post(format!("{}/api/v1/venues", app.base))
        .bearer_auth(&brand)
        .header("Accept-Language", "zh-CN")
        .json(&serde_json::json!({}));
    let refused = app.read(staff_only).await.problem(403);
    assert_eq!(refused["detail"], "只有商务局工作人员可以这样操作。");
}

#[tokio::test]
async fn a_form_shows_what_is_wrong_in_the_page_language() {
    use crate::{helpers::TestApp, portal::Browser};
    let app = TestApp::spawn().await;
    let fields = [
        ("organization_kind", "brand"),
        ("organization_name", " "),
        ("display_name", "Ada"),
        ("email", "ada@acme.cn"),
        ("password", "short"),
    ];
    let mut browser = Browser::new(&app);
    browser.get("/register").await;
    let page = browser.post("/register", &fields, true).await;
    assert_eq!(page.status.as_u16(), 422);
    assert!(
        page.text.contains("请填写此项。") && page.text.contains("密码至少 10 个字符。"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("must not be empty") && !page.text.contains("characters"));

    let mut browser = Browser::new(&app);
    browser.get("/lang/en?next=/register").await;
    browser.get("/register").await;
    let page = browser.post("/register", &fields, true).await;
    assert!(page.text.contains("must not be empty") && page.text.contains("must be at least 10 characters"));
    assert!(!page.text.contains("请填写此项"));
}
