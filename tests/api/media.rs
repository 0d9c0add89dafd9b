//! Media: safe uploads, upright and metadata-free variants, immutable files.

use std::io::Cursor;

use chrono::Utc;
use debut::clock::Clock;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, booking_body, local};

pub fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
}

pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

/// A JPEG carrying an EXIF block: orientation 6 (rotate 90° clockwise) and a GPS latitude.
fn phone_photo(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encode(&picture(width, height), ImageFormat::Jpeg);
    let mut tiff: Vec<u8> = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation = 6
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]); // GPS IFD at 38
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]); // GPSLatitudeRef = "N"
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG whose header claims 100000×100000 pixels (about 30 GB decoded) and has no pixel data.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png
}

pub async fn upload(app: &TestApp, path: &str, token: &str, name: &str, bytes: Vec<u8>, alt: &str) -> Reply {
    upload_to(app, &app.base, path, token, name, bytes, alt).await
}

/// [`upload`] to the server at `base` (another process on the test's database).
pub async fn upload_to(
    app: &TestApp,
    base: &str,
    path: &str,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    alt: &str,
) -> Reply {
    let form =
        Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned())).text("alt", alt.to_owned());
    // A logo or a permit is set with PUT; images are added with POST.
    let method = if path.ends_with("/logo") || path.ends_with("/permit") {
        reqwest::Method::PUT
    } else {
        reqwest::Method::POST
    };
    app.read(app.client.request(method, format!("{base}{path}")).bearer_auth(token).multipart(form)).await
}

/// Every file under the media root, as paths relative to it.
fn stored_files(app: &TestApp) -> Vec<String> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(app.media_dir.path()).unwrap().flatten() {
        if dir.path().is_dir() {
            for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
                files.push(format!(
                    "{}/{}",
                    dir.file_name().to_string_lossy(),
                    file.file_name().to_string_lossy()
                ));
            }
        }
    }
    files.sort();
    files
}

fn media_path(url: &Value) -> String {
    format!("/media/{}", url.as_str().unwrap().split_once("/media/").unwrap().1)
}

async fn venue_and_staff(app: &TestApp) -> (i64, String) {
    let staff = app.staff("staff@office.cn").await;
    let venue = app.venue(&staff, json!({})).await["id"].as_i64().unwrap();
    (venue, staff)
}

#[tokio::test]
async fn jpeg_png_and_webp_are_accepted_and_served_as_immutable_variants() {
    let app = TestApp::spawn().await;
    let (venue, staff) = venue_and_staff(&app).await;
    for (format, name) in
        [(ImageFormat::Jpeg, "a.jpg"), (ImageFormat::Png, "b.png"), (ImageFormat::WebP, "c.webp")]
    {
        let bytes = encode(&picture(700, 350), format);
        let image =
            upload(&app, &format!("/api/v1/venues/{venue}/photos"), &staff, name, bytes, "The hall at night")
                .await
                .ok(201);
        let widths: Vec<u64> =
            image["variants"].as_array().unwrap().iter().map(|v| v["width"].as_u64().unwrap()).collect();
        assert_eq!(widths, [320, 320, 640, 640], "{name}: never upscaled past 700");
        let jpeg = &image["variants"][0];
        assert_eq!(jpeg["content_type"], "image/jpeg");
        let served = app.get(&media_path(&jpeg["url"]), None).await;
        assert_eq!(served.status, 200);
        assert_eq!(served.header("content-type"), Some("image/jpeg"));
        assert_eq!(served.header("cache-control"), Some("public, max-age=31536000, immutable"));
    }
    let photos = app.get(&format!("/api/v1/venues/{venue}/photos"), None).await.ok(200);
    assert_eq!(photos.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_rotated_phone_photo_comes_out_upright_without_its_gps() {
    let app = TestApp::spawn().await;
    let (venue, staff) = venue_and_staff(&app).await;
    let photo = phone_photo(400, 200);
    assert!(photo.windows(4).any(|w| w == b"Exif"), "the fixture carries EXIF");
    let image =
        upload(&app, &format!("/api/v1/venues/{venue}/photos"), &staff, "IMG_0001.JPG", photo, "Stage")
            .await
            .ok(201);
    assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(200), Some(400)), "turned upright");
    for variant in image["variants"].as_array().unwrap() {
        let bytes = app
            .client
            .get(format!("{}{}", app.base, media_path(&variant["url"])))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "metadata stripped from {}", variant["url"]);
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (200, 400));
    }
}

#[tokio::test]
async fn bad_uploads_get_a_4xx_and_leave_no_file_behind() {
    let app = TestApp::spawn_with(Clock::System, |s| s.max_upload_bytes = 1024 * 1024).await;
    let (venue, staff) = venue_and_staff(&app).await;
    let path = format!("/api/v1/venues/{venue}/photos");
    let jpeg = encode(&picture(300, 200), ImageFormat::Jpeg);

    let started = std::time::Instant::now();
    let bomb = upload(&app, &path, &staff, "bomb.png", png_bomb(), "x").await;
    assert_eq!(bomb.invalid_fields(), ["file"]);
    assert!(bomb.json()["errors"][0]["message"].as_str().unwrap().contains("100000×100000"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "refused from the header, fast");

    let truncated = upload(&app, &path, &staff, "cut.jpg", jpeg[..jpeg.len() / 2].to_vec(), "x").await;
    assert_eq!(truncated.invalid_fields(), ["file"]);
    assert!(truncated.text.contains("truncated or corrupt"), "{}", truncated.text);
    let text = upload(&app, &path, &staff, "notes.jpg", b"just some text, not a picture".to_vec(), "x").await;
    assert_eq!(text.invalid_fields(), ["file"]);
    assert_eq!(upload(&app, &path, &staff, "empty.jpg", Vec::new(), "x").await.invalid_fields(), ["file"]);
    let mut huge = jpeg.clone();
    huge.resize(1024 * 1024 + 10, 0);
    upload(&app, &path, &staff, "huge.jpg", huge, "x").await.problem(413);
    assert_eq!(upload(&app, &path, &staff, "ok.jpg", jpeg.clone(), " ").await.invalid_fields(), ["alt"]);

    assert_eq!(stored_files(&app), Vec::<String>::new(), "nothing written");
    assert_eq!(app.get(&format!("/api/v1/venues/{venue}/photos"), None).await.ok(200), json!([]));
}

#[tokio::test]
async fn only_the_right_people_upload_and_files_go_when_nothing_uses_them() {
    let app = TestApp::spawn().await;
    let (venue, _staff) = venue_and_staff(&app).await;
    let (brand, org) = app.register("brand", "ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let jpeg = encode(&picture(700, 400), ImageFormat::Jpeg);

    upload(&app, &format!("/api/v1/venues/{venue}/photos"), &brand, "a.jpg", jpeg.clone(), "x")
        .await
        .problem(403);
    upload(&app, &format!("/api/v1/organizations/{org}/logo"), &bob, "a.jpg", jpeg.clone(), "x")
        .await
        .problem(404);
    let booking = app
        .post("/api/v1/bookings", Some(&brand), booking_body(venue, &local(10, 19, 0), &local(10, 21, 0)))
        .await
        .ok(201);
    let booking = booking["id"].as_i64().unwrap();
    upload(&app, &format!("/api/v1/bookings/{booking}/images"), &bob, "a.jpg", jpeg.clone(), "x")
        .await
        .problem(404);

    // The same picture as a logo and a poster shares its files.
    let logo = upload(
        &app,
        &format!("/api/v1/organizations/{org}/logo"),
        &brand,
        "logo.jpg",
        jpeg.clone(),
        "Ada logo",
    )
    .await
    .ok(200);
    let poster =
        upload(&app, &format!("/api/v1/bookings/{booking}/images"), &brand, "p.jpg", jpeg.clone(), "Poster")
            .await
            .ok(201);
    assert_eq!(logo["variants"], poster["variants"]);
    let files = stored_files(&app);
    assert_eq!(files.len(), 4);

    let poster_id = poster["id"].as_i64().unwrap();
    app.send(
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{booking}/images/{poster_id}"),
        Some(&bob),
        None,
    )
    .await
    .problem(404);
    app.send(
        reqwest::Method::DELETE,
        &format!("/api/v1/bookings/{booking}/images/{poster_id}"),
        Some(&brand),
        None,
    )
    .await
    .ok(204);
    assert_eq!(stored_files(&app), files, "the logo still uses them");
    app.send(reqwest::Method::DELETE, &format!("/api/v1/organizations/{org}/logo"), Some(&brand), None)
        .await
        .ok(204);
    assert_eq!(stored_files(&app), Vec::<String>::new());
    app.get(&media_path(&logo["variants"][0]["url"]), None).await.problem(404);
    app.get("/media/../Cargo.toml", None).await.problem(404);
}

#[tokio::test]
async fn a_booking_takes_at_most_eight_images_and_its_first_is_the_event_poster() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock).await;
    let (venue, staff) = venue_and_staff(&app).await;
    let brand = app.brand("ada@brand.cn").await;
    let booking = app
        .post("/api/v1/bookings", Some(&brand), booking_body(venue, &local(10, 19, 0), &local(10, 21, 0)))
        .await
        .ok(201);
    let id = booking["id"].as_i64().unwrap();
    for i in 0..8 {
        let bytes = encode(&picture(330 + i, 200), ImageFormat::Png);
        upload(
            &app,
            &format!("/api/v1/bookings/{id}/images"),
            &brand,
            "p.png",
            bytes,
            &format!("Poster {i}"),
        )
        .await
        .ok(201);
    }
    let ninth = upload(
        &app,
        &format!("/api/v1/bookings/{id}/images"),
        &brand,
        "p.png",
        encode(&picture(400, 200), ImageFormat::Png),
        "x",
    )
    .await;
    ninth.problem(409);

    app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&brand), json!({})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let events = app.get("/api/v1/events", None).await.ok(200);
    let poster = &events["items"][0]["poster"];
    assert_eq!(poster["alt"], "Poster 0");
    let ics = app.get("/calendar.ics", None).await.text.replace("\r\n ", "");
    let image = ics.lines().find(|l| l.starts_with("IMAGE;")).expect("an IMAGE property");
    for part in ["VALUE=URI", "DISPLAY=BADGE", "FMTTYPE=image/jpeg", "/media/"] {
        assert!(image.contains(part), "{image}");
    }
}

#[tokio::test]
async fn an_incentive_application_carries_evidence_only_its_applicant_adds_and_staff_can_see() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let fund = app
        .post(
            "/api/v1/funds",
            Some(&staff),
            json!({
                "name": "Fund", "budget_fen": 100_000_000,
                "opens_at": (Utc::now() - chrono::TimeDelta::days(1)).to_rfc3339(),
                "closes_at": (Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339(),
            }),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let application = app
        .post(
            "/api/v1/incentives",
            Some(&brand),
            json!({
                "fund_id": fund, "store_name": "Ada 首店", "address": "解放街 1 号", "tier": "city",
                "opening_date": "2026-10-01", "floor_area_m2": 100, "investment_fen": 0, "requested_fen": 100,
            }),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/incentives/{application}/evidence");
    let photo = encode(&picture(400, 300), ImageFormat::Jpeg);
    upload(&app, &path, &bob, "store.jpg", photo.clone(), "Storefront").await.problem(404);
    upload(&app, &path, &staff, "store.jpg", photo.clone(), "Storefront").await.problem(403);
    upload(&app, &path, &brand, "store.jpg", photo, "Storefront on opening day").await.ok(201);
    let seen = app.get(&path, Some(&staff)).await.ok(200);
    assert_eq!(seen[0]["alt"], "Storefront on opening day");
    app.get(&path, Some(&bob)).await.problem(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_uploads_never_pass_the_image_limit() {
    let app = TestApp::spawn().await;
    let (venue, _staff) = venue_and_staff(&app).await;
    let brand = app.brand("ada@brand.cn").await;
    let booking = app
        .post("/api/v1/bookings", Some(&brand), booking_body(venue, &local(10, 19, 0), &local(10, 21, 0)))
        .await
        .ok(201);
    let path = format!("{}/api/v1/bookings/{}/images", app.base, booking["id"]);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let bytes = encode(&picture(320 + i, 200), ImageFormat::Png);
            let (client, path, brand) = (app.client.clone(), path.clone(), brand.clone());
            tokio::spawn(async move {
                let form =
                    Form::new().part("file", Part::bytes(bytes).file_name("p.png")).text("alt", "Poster");
                client.post(path).bearer_auth(brand).multipart(form).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 8, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 4, "{statuses:?}");
    let images = app.get(&format!("/api/v1/bookings/{}/images", booking["id"]), Some(&brand)).await.ok(200);
    assert_eq!(images.as_array().unwrap().len(), 8);
    assert_eq!(stored_files(&app).len(), 16, "two files per image, none left over from refused uploads");
}

/// Peak resident memory of a process so far, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

/// A 7000×7000 RGBA PNG of a few hundred KB: 187 MiB once decoded.
fn huge_sparse_png() -> Vec<u8> {
    use image::{
        ImageEncoder, RgbaImage,
        codecs::png::{CompressionType, FilterType, PngEncoder},
    };
    let image = RgbaImage::from_fn(7000, 7000, |x, y| image::Rgba([(x / 64) as u8, (y / 64) as u8, 90, 255]));
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
        .write_image(image.as_raw(), 7000, 7000, image::ExtendedColorType::Rgba8)
        .unwrap();
    bytes
}

/// A venue and its staff, and a `debut serve` process (its memory is what the tests measure) on
/// the test's database with `flags`; keep the media folder alive as long as the server.
async fn venue_on_a_server_process(
    flags: &'static [&'static str],
) -> (TestApp, String, i64, tempfile::TempDir, crate::concurrency::ServerProcess) {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "riverside-hall").await;
    let media = tempfile::tempdir().unwrap();
    let (url, media_path) = (app.test_db.url().to_owned(), media.path().display().to_string());
    let server = tokio::task::spawn_blocking(move || {
        let mut all = vec!["--media-dir", media_path.as_str()];
        all.extend_from_slice(flags);
        crate::concurrency::ServerProcess::start_with(&url, &all)
    })
    .await
    .unwrap();
    (app, staff, venue, media, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_huge_images_at_once_stay_within_the_memory_budget() {
    let (app, staff, venue, _media, server) = venue_on_a_server_process(&[]).await;
    let started = std::time::Instant::now();
    let png = tokio::task::spawn_blocking(huge_sparse_png).await.unwrap();
    println!("made the PNG in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let before = peak_rss_mib(server.pid());
    let uploads = (0..8).map(|i| {
        let form = Form::new()
            .part("file", Part::bytes(png.clone()).file_name("huge.png"))
            .text("alt", format!("Hall, view {i}"));
        app.client
            .post(format!("{}/api/v1/venues/{venue}/photos", server.base))
            .bearer_auth(&staff)
            .multipart(form)
            .send()
    });
    let uploads: Vec<_> = uploads.map(tokio::spawn).collect();
    for upload in uploads {
        assert_eq!(upload.await.unwrap().unwrap().status(), 201);
    }
    let peak = peak_rss_mib(server.pid());
    println!("uploaded in {:?}", started.elapsed());
    println!(
        "eight {} KB 7000×7000 RGBA PNGs at once: peak RSS {peak:.0} MiB (idle {before:.0} MiB)",
        png.len() / 1024
    );
    assert!(peak < 400.0, "peak RSS {peak:.0} MiB while processing eight 7000×7000 images");
}

#[tokio::test]
async fn an_image_that_needs_more_than_the_whole_budget_is_refused_by_name() {
    let (app, staff, venue, _media, server) = venue_on_a_server_process(&["--image-memory-mib", "16"]).await;
    let photos = format!("/api/v1/venues/{venue}/photos");
    // 2000×2000 RGB: 11 MiB of pixels plus the resizer's rows, more than 16 MiB in all.
    let big = encode(&picture(2000, 2000), ImageFormat::Png);
    let reply = upload_to(&app, &server.base, &photos, &staff, "big.png", big, "Hall").await;
    assert_eq!(reply.invalid_fields(), ["file"]);
    assert!(reply.text.contains("MiB of memory"), "{}", reply.text);
    // A small one still goes through.
    let small = encode(&picture(400, 300), ImageFormat::Png);
    upload_to(&app, &server.base, &photos, &staff, "small.png", small, "Hall").await.ok(201);
}

/// The subjects and recipients of outbox messages whose key starts with `prefix`.
async fn outbox_with(app: &TestApp, prefix: &str) -> Vec<(String, Option<i64>, Option<String>)> {
    debut::on_db!(&app.db, pool => sqlx::query_as::<_, (String, Option<i64>, Option<String>)>(
        "SELECT subject, recipient_org_id, recipient_email FROM outbox WHERE coalesce_key LIKE $1 ORDER BY id",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(pool)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_poster_added_after_approval_waits_for_staff_and_the_event_keeps_its_old_one() {
    let app = TestApp::spawn().await;
    let (venue, staff) = venue_and_staff(&app).await;
    let brand = app.brand("ada@brand.cn").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let images = format!("/api/v1/bookings/{id}/images");
    let first =
        upload(&app, &images, &brand, "a.png", encode(&picture(400, 300), ImageFormat::Png), "Old poster")
            .await
            .ok(201);
    assert_eq!(first["awaiting_review"], false, "before approval, staff review images with the booking");
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let poster_alt = |events: Value| events["items"][0]["poster"]["alt"].clone();
    assert_eq!(poster_alt(app.get("/api/v1/events", None).await.ok(200)), "Old poster");

    // The applicant swaps the poster: deletes the old one and adds a new one, now first in line.
    let added =
        upload(&app, &images, &brand, "b.png", encode(&picture(420, 300), ImageFormat::Png), "New poster")
            .await
            .ok(201);
    assert_eq!(added["awaiting_review"], true);
    let new_id = added["id"].as_i64().unwrap();
    assert_eq!(
        poster_alt(app.get("/api/v1/events", None).await.ok(200)),
        "Old poster",
        "not public unreviewed"
    );
    let alerts = outbox_with(&app, &format!("image-review:{id}:")).await;
    assert_eq!(alerts.len(), 1, "each staff member hears of it: {alerts:?}");
    assert_eq!(alerts[0].2.as_deref(), Some("staff@office.cn"));
    app.send(reqwest::Method::DELETE, &format!("{images}/{}", first["id"]), Some(&brand), None).await.ok(204);
    let events = app.get("/api/v1/events", None).await.ok(200);
    assert!(events["items"][0].get("poster").is_none(), "no unreviewed poster: {}", events["items"][0]);
    assert!(!app.get("/calendar.ics", None).await.text.contains("IMAGE;"));

    // Only staff decide; the applicant cannot approve its own image.
    let approve = format!("{images}/{new_id}/approve");
    app.post(&approve, Some(&brand), json!({})).await.problem(403);
    let approved = app.post(&approve, Some(&staff), json!({})).await.ok(200);
    assert_eq!(approved["awaiting_review"], false);
    assert_eq!(poster_alt(app.get("/api/v1/events", None).await.ok(200)), "New poster");
    app.post(&approve, Some(&staff), json!({})).await.problem(409);

    // A rejected image is removed and the applicant is told why.
    let third =
        upload(&app, &images, &brand, "c.png", encode(&picture(440, 300), ImageFormat::Png), "Blurry")
            .await
            .ok(201);
    let third_id = third["id"].as_i64().unwrap();
    app.post(&format!("{images}/{third_id}/reject"), Some(&staff), json!({"note": "Too blurry to print"}))
        .await
        .ok(200);
    let listed = app.get(&images, Some(&brand)).await.ok(200);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let told = outbox_with(&app, &format!("image-rejected:{third_id}")).await;
    assert_eq!(told.len(), 1);
    assert!(told[0].1.is_some(), "the applicant's organization is told");
    assert_eq!(poster_alt(app.get("/api/v1/events", None).await.ok(200)), "New poster");
    let history = app.get(&format!("/api/v1/bookings/{id}/history"), Some(&staff)).await.ok(200);
    let last = &history.as_array().unwrap().last().unwrap()["note"];
    assert_eq!(history.as_array().unwrap().last().unwrap()["to_state"], "image_rejected");
    assert_eq!(last, "\"Blurry\": Too blurry to print", "the history names the image and the reason");

    // On the web: the applicant sees the image wait; staff approve it from the booking's page.
    let fourth = upload(&app, &images, &brand, "d.png", encode(&picture(460, 300), ImageFormat::Png), "Side")
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let mut applicant = crate::portal::Browser::new(&app);
    applicant.sign_in("ada@brand.cn").await;
    let mine = applicant.get(&format!("/portal/bookings/{id}")).await;
    assert!(mine.text.contains("待工作人员审核"), "{}", mine.text);
    let mut desk = crate::portal::Browser::new(&app);
    desk.sign_in("staff@office.cn").await;
    let review = desk.get(&format!("/staff/bookings/{id}")).await;
    assert!(review.text.contains(&format!("approve-image-{fourth}")), "{}", review.text);
    let done = desk.post(&format!("/staff/bookings/{id}/images/{fourth}/approve"), &[], true).await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER);
    let listed = app.get(&images, Some(&brand)).await.ok(200);
    assert!(listed.as_array().unwrap().iter().all(|i| i["awaiting_review"] == false), "{listed}");
    assert!(!desk.get(&format!("/staff/bookings/{id}")).await.text.contains("approve-image-"));
}

#[tokio::test]
async fn a_media_store_that_fails_is_a_503_naming_it_and_records_nothing() {
    let app = TestApp::spawn().await;
    let (venue, staff) = venue_and_staff(&app).await;
    let path = format!("/api/v1/venues/{venue}/photos");
    // Every folder a variant could go to is taken by a file: the store refuses each write.
    let blockers: Vec<_> = (0..=255u8).map(|b| app.media_dir.path().join(format!("{b:02x}"))).collect();
    for blocker in &blockers {
        std::fs::write(blocker, b"in the way").unwrap();
    }
    let jpeg = encode(&picture(300, 200), ImageFormat::Jpeg);
    let form =
        Form::new().part("file", Part::bytes(jpeg.clone()).file_name("hall.jpg")).text("alt", "The hall");
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .bearer_auth(&staff)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("media store"), "{problem}");
    assert_eq!(app.get(&path, None).await.ok(200), json!([]), "no photo recorded without its files");

    // Once the store works again, so does the upload.
    for blocker in &blockers {
        std::fs::remove_file(blocker).unwrap();
    }
    upload(&app, &path, &staff, "hall.jpg", jpeg, "The hall").await.ok(201);
    assert_eq!(app.get(&path, None).await.ok(200).as_array().unwrap().len(), 1);
}
