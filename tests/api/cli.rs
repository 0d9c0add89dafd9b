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
