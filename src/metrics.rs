//! Prometheus metrics for operators: requests by route and status with latency histograms,
//! counted as they are answered; and, read at each scrape, the database pool, the outbox's
//! depth and oldest message, the response cache's builds and hits, and running image jobs.
//!
//! One registry per process (a scraper scrapes processes, not apps); routes are the request
//! paths with ids and keys folded (`/api/v1/bookings/:id`), and capped in number, so a client
//! cannot grow the registry without bound.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{LazyLock, Mutex},
    time::Duration,
};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
/// The most distinct routes kept; later ones count as `other`.
const MAX_ROUTES: usize = 500;

#[derive(Debug, Default, Clone)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

#[derive(Debug, Default)]
struct Requests {
    by_status: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Latency>,
}

static REQUESTS: LazyLock<Mutex<Requests>> = LazyLock::new(Mutex::default);

/// A path with its ids and keys folded: all-digit segments become `:id`, hyphenated segments
/// with a digit (slugs ending in an id) and those longer than 32 characters (content hashes,
/// tokens) become `:key`; words such as `v1` or a venue's slug stay.
pub fn route_of(path: &str) -> String {
    let folded: Vec<&str> = path
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                ":id"
            } else if segment.len() > 32
                || (segment.contains('-') && segment.bytes().any(|b| b.is_ascii_digit()))
            {
                ":key"
            } else {
                segment
            }
        })
        .collect();
    folded.join("/")
}

/// Counts one answered request.
pub fn observe(path: &str, status: u16, elapsed: Duration) {
    let mut route = route_of(path);
    let mut requests = REQUESTS.lock().expect("metrics lock");
    if !requests.latency.contains_key(&route) && requests.latency.len() >= MAX_ROUTES {
        route = "other".to_owned();
    }
    *requests.by_status.entry((route.clone(), status)).or_default() += 1;
    let latency = requests.latency.entry(route).or_default();
    let seconds = elapsed.as_secs_f64();
    for (i, bound) in BUCKETS.iter().enumerate() {
        if seconds <= *bound {
            latency.buckets[i] += 1;
        }
    }
    latency.count += 1;
    latency.sum_seconds += seconds;
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A gauge or counter read at scrape time.
pub struct Reading {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: &'static str,
    /// (labels as `key="value",…`, value)
    pub samples: Vec<(String, f64)>,
}

/// The Prometheus text exposition (version 0.0.4) of the request metrics and `readings`.
pub fn render(readings: &[Reading]) -> String {
    let requests = REQUESTS.lock().expect("metrics lock");
    let mut out = String::new();
    out.push_str("# HELP debut_http_requests_total Requests answered, by route and status.\n");
    out.push_str("# TYPE debut_http_requests_total counter\n");
    for ((route, status), count) in &requests.by_status {
        let _ = writeln!(
            out,
            "debut_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
            label(route)
        );
    }
    out.push_str("# HELP debut_http_request_duration_seconds Time to answer a request, by route.\n");
    out.push_str("# TYPE debut_http_request_duration_seconds histogram\n");
    for (route, latency) in &requests.latency {
        let route = label(route);
        for (bound, count) in BUCKETS.iter().zip(latency.buckets) {
            let _ = writeln!(
                out,
                "debut_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "debut_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            latency.count
        );
        let _ = writeln!(
            out,
            "debut_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
            latency.sum_seconds
        );
        let _ =
            writeln!(out, "debut_http_request_duration_seconds_count{{route=\"{route}\"}} {}", latency.count);
    }
    drop(requests);
    for reading in readings {
        let _ = writeln!(out, "# HELP {} {}", reading.name, reading.help);
        let _ = writeln!(out, "# TYPE {} {}", reading.name, reading.kind);
        for (labels, value) in &reading.samples {
            if labels.is_empty() {
                let _ = writeln!(out, "{} {value}", reading.name);
            } else {
                let _ = writeln!(out, "{}{{{labels}}} {value}", reading.name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fold_ids_and_keys_but_keep_words() {
        assert_eq!(route_of("/api/v1/bookings/42/approve"), "/api/v1/bookings/:id/approve");
        assert_eq!(route_of("/events/ouhai-phones-national-launch-1"), "/events/:key");
        assert_eq!(route_of("/markets/waterfront-weekend"), "/markets/waterfront-weekend");
        assert_eq!(
            route_of("/feeds/0123456789abcdef0123456789abcdef01/bookings.ics"),
            "/feeds/:key/bookings.ics"
        );
    }
}
