//! The OpenAPI document and the server agree: schemathesis generates requests from the document
//! and checks every answer against it (no 5xx, responses match their schemas, invalid input is
//! refused, valid input is not, a 405 names the methods in `Allow`, auth is not ignored).

use std::{path::Path, process::Command};

use serde_json::json;

use crate::{concurrency::ServerProcess, helpers::TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs schemathesis (DEBUT_SCHEMATHESIS); bash .ci/run installs it and runs this"]
async fn schemathesis_finds_no_fault_as_staff_or_as_a_brand() {
    let program = std::env::var("DEBUT_SCHEMATHESIS")
        .unwrap_or_else(|_| "/tmp/debut-conformance/schemathesis/bin/schemathesis".into());
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/schemathesis.toml");
    // Each role gets a fresh database with the demo data: a staff run archives venues and
    // cancels bookings, which would leave a brand run little to work on.
    for role in ["staff", "brand"] {
        let app = TestApp::spawn().await;
        let media = tempfile::tempdir().unwrap();
        let (url, media_path) = (app.test_db.url().to_owned(), media.path().display().to_string());
        let server = tokio::task::spawn_blocking(move || {
            ServerProcess::start_with(&url, &["--demo", "--media-dir", &media_path])
        })
        .await
        .unwrap();
        let login = app
            .client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"email": format!("{role}@debut.example"), "password": "debut-demo-2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "the demo {role} logs in");
        let token = login.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        let base = server.base.trim_end_matches('/').to_owned();
        // schemathesis keeps a cache in its working folder: not in the checkout.
        let scratch = tempfile::tempdir().unwrap();
        let output = tokio::task::spawn_blocking({
            let (program, config, scratch) = (program.clone(), config.clone(), scratch.path().to_owned());
            move || {
                Command::new(&program)
                    .current_dir(scratch)
                    .arg("--config-file")
                    .arg(&config)
                    .args(["run", &format!("{base}/api/openapi.json"), "--url", &base])
                    .args(["--checks", "all", "--no-color", "--output-truncate", "false"])
                    .env("DEBUT_TOKEN", token)
                    .output()
                    .unwrap_or_else(|e| panic!("{program} did not start ({e}); bash .ci/run installs it"))
            }
        })
        .await
        .unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        let summary = report.lines().rev().find(|l| l.contains(" in ") && l.contains('=')).unwrap_or("");
        println!("schemathesis as {role}: {}", summary.trim_matches(|c| c == '=' || c == ' '));
        assert!(
            output.status.success(),
            "schemathesis as {role} found faults:\n{report}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        drop(server);
    }
}
