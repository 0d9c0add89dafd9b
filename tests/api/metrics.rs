//! `/metrics`: Prometheus text for staff, parsed line by line as a scraper would.

use std::collections::BTreeMap;

use crate::helpers::TestApp;

/// Parses the text exposition: every line a `# HELP`/`# TYPE` comment or `name{labels} value`;
/// returns the samples by name with their labels.
fn parse(text: &str) -> BTreeMap<String, Vec<(String, f64)>> {
    let mut samples: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    let mut typed = std::collections::BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("a TYPE line names a metric and a type");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            typed.insert(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "unexpected line {line:?}");
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}: the value is a number"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.strip_suffix('}').expect("labels close").to_owned()),
            None => (series, String::new()),
        };
        assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{name}");
        let family = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(typed.contains(name) || typed.contains(family), "{name} has a TYPE line before it");
        samples.entry(name.to_owned()).or_default().push((labels, value));
    }
    samples
}

#[tokio::test]
async fn staff_scrape_prometheus_text_with_requests_pool_outbox_and_cache() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    app.get("/healthz", None).await;
    app.get("/events", None).await;
    app.get("/events", None).await;
    assert_eq!(app.get("/metrics", None).await.status, 404);
    assert_eq!(app.get("/metrics", Some(&brand)).await.status, 404);
    let reply = app.get("/metrics", Some(&staff)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let samples = parse(&reply.text);
    let healthz = samples["debut_http_requests_total"]
        .iter()
        .find(|(labels, _)| labels == "route=\"/healthz\",status=\"200\"")
        .expect("the health check is counted");
    assert!(healthz.1 >= 1.0);
    let count = samples["debut_http_request_duration_seconds_count"]
        .iter()
        .find(|(labels, _)| labels == "route=\"/events\"")
        .unwrap()
        .1;
    let infinite = samples["debut_http_request_duration_seconds_bucket"]
        .iter()
        .find(|(labels, _)| labels == "route=\"/events\",le=\"+Inf\"")
        .unwrap()
        .1;
    assert_eq!(count, infinite);
    for name in [
        "debut_db_pool_connections",
        "debut_outbox_pending",
        "debut_outbox_oldest_pending_seconds",
        "debut_cache_builds_total",
        "debut_cache_hits_total",
        "debut_cache_bytes",
        "debut_cache_entries",
        "debut_cache_evictions_total",
        "debut_image_job_slots_free",
    ] {
        assert!(samples.contains_key(name), "{name} is exposed");
    }
    assert!(samples["debut_cache_hits_total"][0].1 >= 1.0, "the second /events came from the cache");
    assert!(samples["debut_cache_bytes"][0].1 > 0.0 && samples["debut_cache_entries"][0].1 >= 1.0);
    assert!(samples["debut_outbox_pending"][0].1 >= 0.0);
}
