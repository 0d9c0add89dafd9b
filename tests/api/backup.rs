//! `debut backup` and `debut restore`: an online copy taken under write load holds every write
//! acknowledged before it began, and restores as an intact database.

use std::{
    process::Command,
    sync::{Arc, Mutex},
};

use sqlx::{Connection, SqliteConnection};

use crate::helpers::{TestApp, TestDb, venue_body};

fn debut(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debut")).args(args).env("RUST_LOG", "error").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_every_write_acknowledged_before_it() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("debut-backup.db");
    let backup_arg = backup.display().to_string();
    if let TestDb::Postgres { .. } = app.test_db {
        // PostgreSQL is backed up with its own tools; the command says which.
        let output = debut(&["backup", "--to", &backup_arg, "--database-url", app.test_db.url()]);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"));
        return;
    }
    let staff = app.staff("staff@office.cn").await;
    // A writer creates venues as fast as it can, noting each one acknowledged.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (base, staff, acknowledged, stop) =
            (app.base.clone(), staff.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let slug = format!("venue-{i}");
                let response = client
                    .post(format!("{base}/api/v1/venues"))
                    .bearer_auth(&staff)
                    .json(&venue_body(&slug))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
                acknowledged.lock().unwrap().push(slug);
                i += 1;
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let url = app.test_db.url().to_owned();
    let args = ["backup", "--to", &backup_arg, "--database-url", &url].map(str::to_owned);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_debut")).args(&args).env("RUST_LOG", "error").output().unwrap()
    })
    .await
    .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let after = acknowledged.lock().unwrap().len();
    assert!(after > before.len(), "writes went on while the backup ran");
    // Writing over the backup is refused.
    let again = debut(&["backup", "--to", &backup_arg, "--database-url", &url]);
    assert!(!again.status.success());

    let restored_url = format!("sqlite://{}/restored/debut.db", dir.path().display());
    let output = debut(&["restore", "--from", &backup_arg, "--database-url", &restored_url]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut conn = SqliteConnection::connect(&restored_url).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    assert_eq!(integrity, "ok");
    let slugs: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM venues").fetch_all(&mut conn).await.unwrap();
    for slug in &before {
        assert!(slugs.contains(slug), "{slug} was acknowledged before the backup and is in it");
    }
    conn.close().await.unwrap();
    // An existing database is replaced only when asked, and a file that is no database is refused.
    assert!(!debut(&["restore", "--from", &backup_arg, "--database-url", &restored_url]).status.success());
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let refused = debut(&[
        "restore",
        "--from",
        &junk.display().to_string(),
        "--database-url",
        &restored_url,
        "--replace",
    ]);
    assert!(!refused.status.success());
    assert!(
        debut(&["restore", "--from", &backup_arg, "--database-url", &restored_url, "--replace"])
            .status
            .success()
    );
}
