//! A venue is never double-booked, however the approvals race: in one server, and across two
//! server processes sharing one database.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::json;

use crate::helpers::{TestApp, booking_body, local};

const RACERS: usize = 50;

/// Creates `RACERS` submitted bookings that all clash with each other; returns their ids.
async fn clashing_bookings(app: &TestApp, staff: &str) -> Vec<i64> {
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(staff, "oujiang-parlor").await;
    let mut ids = Vec::new();
    for i in 0..RACERS {
        let mut body = booking_body(venue, &local(10, 19, 0), &local(10, 21, 0));
        body["title_en"] = json!(format!("Launch {i}"));
        ids.push(app.submitted_booking(&brand, body).await);
    }
    ids
}

/// Fires every approval at once, spread over `bases`; returns the statuses.
async fn approve_all_at_once(bases: &[String], staff: &str, ids: &[i64]) -> Vec<u16> {
    let client = reqwest::Client::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(ids.len()));
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let url = format!("{}/api/v1/bookings/{id}/approve", bases[i % bases.len()]);
            let (client, barrier, staff) = (client.clone(), barrier.clone(), staff.to_owned());
            tokio::spawn(async move {
                barrier.wait().await;
                let response = client.post(url).bearer_auth(staff).json(&json!({})).send().await.unwrap();
                response.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

async fn assert_exactly_one_approved(app: &TestApp, staff: &str, statuses: &[u16]) {
    let won = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, refused), (1, RACERS - 1), "statuses: {statuses:?}");
    let approved = app.get("/api/v1/bookings?state=approved", Some(staff)).await.ok(200);
    assert_eq!(approved["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_approvals_of_clashing_bookings_approve_exactly_one() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ids = clashing_bookings(&app, &staff).await;
    let statuses = approve_all_at_once(std::slice::from_ref(&app.base), &staff, &ids).await;
    assert_exactly_one_approved(&app, &staff, &statuses).await;
}

/// A `debut serve` process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[])
    }

    /// Starts `debut serve` with more flags.
    pub fn start_with(database_url: &str, flags: &[&str]) -> Self {
        Self::start_with_env(database_url, flags, &[])
    }

    /// Starts `debut serve` with more flags and environment variables.
    pub fn start_with_env(database_url: &str, flags: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_debut"))
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url])
            .args(flags)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start debut serve");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("the server printed its address").unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        Self { child, base }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_sharing_one_database_approve_exactly_one() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ids = clashing_bookings(&app, &staff).await;
    let url = app.test_db.url().to_owned();
    let (one, two) =
        tokio::task::spawn_blocking(move || (ServerProcess::start(&url), ServerProcess::start(&url)))
            .await
            .unwrap();
    let statuses = approve_all_at_once(&[one.base.clone(), two.base.clone()], &staff, &ids).await;
    assert_exactly_one_approved(&app, &staff, &statuses).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_login_throttle_counts_failures_across_server_processes() {
    let app = TestApp::spawn().await;
    app.staff("desk@office.cn").await;
    let url = app.test_db.url().to_owned();
    let (one, two) =
        tokio::task::spawn_blocking(move || (ServerProcess::start(&url), ServerProcess::start(&url)))
            .await
            .unwrap();
    let wrong = serde_json::json!({"email": "desk@office.cn", "password": "not the password"});
    for (i, base) in [&one.base, &two.base, &one.base, &two.base, &app.base].into_iter().enumerate() {
        let status =
            app.client.post(format!("{base}/api/v1/auth/login")).json(&wrong).send().await.unwrap().status();
        assert_eq!(status, 401, "failure {i} is counted, not refused");
    }
    // Five failures, spread over three processes: each of them now slows the account down.
    let right = serde_json::json!({"email": "desk@office.cn", "password": crate::helpers::PASSWORD});
    for base in [&one.base, &two.base, &app.base] {
        let reply = app.client.post(format!("{base}/api/v1/auth/login")).json(&right).send().await.unwrap();
        assert_eq!(reply.status(), 429, "{base}");
        assert!(reply.headers().get("retry-after").is_some());
    }
}
