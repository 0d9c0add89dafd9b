//! The `debut` command line, run as a real process.

use std::process::Command;

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, totp};

#[tokio::test]
async fn admin_create_staff_prints_the_id_of_a_user_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let output = Command::new(env!("CARGO_BIN_EXE_debut"))
        .args(["admin", "create-staff", "--email", "Chief@Office.cn", "--admin"])
        .env("DATABASE_URL", app.test_db.url())
        .env("DEBUT_PASSWORD", PASSWORD)
        .output()
        .expect("run debut");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let id: i64 = String::from_utf8(output.stdout).unwrap().trim().parse().expect("an id on stdout");
    // An admin signs in with a second factor, set up at the first sign-in on the web.
    let refused =
        app.post("/api/v1/auth/login", None, json!({"email": "chief@office.cn", "password": PASSWORD})).await;
    assert!(refused.problem(403)["detail"].as_str().unwrap().contains("/login"));
    let mut browser = crate::portal::Browser::new(&app);
    browser.get("/login").await;
    let setup = browser.post("/login", &[("email", "chief@office.cn"), ("password", PASSWORD)], true).await;
    assert_eq!(setup.status, reqwest::StatusCode::OK);
    let challenge = crate::portal::hidden_value(&setup.text, "challenge");
    let secret =
        setup.text.split("<code id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(browser.get("/staff").await.status, reqwest::StatusCode::NOT_FOUND, "not signed in yet");
    let now = app.clock.now().timestamp();
    let done = browser
        .post("/login/code", &[("challenge", &challenge), ("code", &totp(&secret, now)), ("next", "")], true)
        .await;
    assert_eq!(done.status, reqwest::StatusCode::OK);
    assert_eq!(done.text.matches("<li><code>").count(), 10, "ten recovery codes: {}", done.text);
    assert_eq!(browser.get("/staff").await.status, reqwest::StatusCode::OK, "signed in");
    // Reached without its form (switching the language, say), the code step starts over.
    assert_eq!(browser.get("/login/code").await.location.as_deref(), Some("/login"));
    // The challenge worked once.
    let again = browser
        .post(
            "/login/code",
            &[("challenge", &challenge), ("code", &totp(&secret, now + 30)), ("next", "")],
            true,
        )
        .await;
    assert_eq!(again.status, reqwest::StatusCode::NOT_FOUND);

    let login = json!({"email": "chief@office.cn", "password": PASSWORD, "code": totp(&secret, now + 30)});
    let token =
        app.post("/api/v1/auth/login", None, login).await.ok(200)["token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me", Some(&token)).await.ok(200);
    assert_eq!(me["id"], id);
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn admin_create_staff_refuses_a_short_password_and_creates_nobody() {
    let app = TestApp::spawn().await;
    let output = Command::new(env!("CARGO_BIN_EXE_debut"))
        .args(["admin", "create-staff", "--email", "chief@office.cn"])
        .env("DATABASE_URL", app.test_db.url())
        .env("DEBUT_PASSWORD", "short")
        .output()
        .expect("run debut");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));
    let login =
        app.post("/api/v1/auth/login", None, json!({"email": "chief@office.cn", "password": "short"})).await;
    login.problem(401);
}

#[tokio::test]
async fn migrate_creates_a_missing_sqlite_file_and_folder() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/debut.db", dir.path().display());
    let output =
        Command::new(env!("CARGO_BIN_EXE_debut")).args(["migrate", "--database-url", &url]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("nested/debut.db").exists());
}

#[tokio::test]
async fn debut_database_url_wins_over_the_generic_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let ours = format!("sqlite://{}/ours.db", dir.path().display());
    let generic = format!("sqlite://{}/generic.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_debut"))
        .arg("migrate")
        .env("DATABASE_URL", &generic)
        .env("DEBUT_DATABASE_URL", &ours)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("ours.db").exists() && !dir.path().join("generic.db").exists());
    // Without ours, the generic one is used.
    let output = Command::new(env!("CARGO_BIN_EXE_debut"))
        .arg("migrate")
        .env("DATABASE_URL", &generic)
        .env_remove("DEBUT_DATABASE_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("generic.db").exists());
}

#[tokio::test]
async fn a_port_in_use_is_named_with_the_flag_that_changes_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/debut.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_debut"))
        .args(["serve", "--bind", &address, "--database-url", &url])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&address) && stderr.contains("--bind"), "{stderr}");
}

#[tokio::test]
async fn a_media_url_that_is_not_s3_is_refused_at_start_with_the_expected_form() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/debut.db", dir.path().display());
    for media_url in ["https://bucket.example/media", "s3://", "s3:///prefix"] {
        let output = Command::new(env!("CARGO_BIN_EXE_debut"))
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url, "--media-url", media_url])
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{media_url} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--media-url") && stderr.contains("s3://bucket/prefix"),
            "{media_url}: {stderr}"
        );
    }
}

/// Runs `debut serve` with `env`, makes one request, stops it and returns what it logged.
fn serve_and_log(env: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/debut.db", dir.path().display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_debut"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url])
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let status = raw_http::get(&format!("{base}/healthz"));
    assert_eq!(status, 200);
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

mod raw_http {
    /// A plain HTTP/1.0 GET over a socket, so the test needs no blocking client.
    pub fn get(url: &str) -> u16 {
        use std::io::{Read, Write};
        let address = url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        let path = format!("/{}", url.trim_start_matches("http://").split_once('/').map_or("", |(_, p)| p));
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

#[test]
fn logs_off_a_terminal_have_no_colour_codes_and_whole_number_latencies() {
    let text = serve_and_log(&[]);
    assert!(!text.contains('\u{1b}'), "no ANSI escapes when stderr is not a terminal: {text}");
    let line = text.lines().find(|l| l.contains("path=/healthz")).expect("the request is logged");
    let latency = line.split("latency_us=").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(latency.parse::<u64>().is_ok(), "{line}");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let text = serve_and_log(&[("DEBUT_LOG_FORMAT", "json")]);
    let mut request = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if value["fields"]["path"] == "/healthz" {
            request = Some(value);
        }
    }
    let request = request.expect("the request is logged");
    assert_eq!(request["fields"]["status"], 200);
    assert!(request["fields"]["latency_us"].is_u64(), "{request}");
}
