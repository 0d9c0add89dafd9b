//! The `debut` command line, run as a real process.

use std::process::Command;

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

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
    let token = app.login("chief@office.cn").await;
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
