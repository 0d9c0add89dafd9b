//! One client holding connections open cannot stop the service (`http::server`): slow and idle
//! connections are cut off, and at the cap the longest-idle one makes room for a new one.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::concurrency::ServerProcess;

fn start(flags: &'static [&'static str]) -> (tempfile::TempDir, ServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("debut.db").display());
    let server = ServerProcess::start_with(&url, flags);
    (dir, server)
}

fn addr(server: &ServerProcess) -> String {
    server.base.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// A fresh client's `GET /healthz`, and how long it took.
async fn healthz(addr: &str) -> (u16, Duration) {
    let started = Instant::now();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let status = client.get(format!("http://{addr}/healthz")).send().await.expect("healthz answers").status();
    (status.as_u16(), started.elapsed())
}

/// Whether the server closed `stream` (end of file or a reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 or similar before closing is fine; keep reading until the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_and_slow_connections_leave_healthz_answering_at_once() {
    // The cap is below what the client opens, and the timeouts are long: /healthz answers because
    // the longest-idle connections make room, not because time ran out on them.
    let (_dir, server) = tokio::task::spawn_blocking(|| {
        start(&["--max-connections", "1000", "--header-timeout-secs", "120", "--idle-timeout-secs", "120"])
    })
    .await
    .unwrap();
    let addr = addr(&server);
    let mut held = Vec::new();
    for i in 0..2000 {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        if i % 2 == 1 {
            // Slowloris: a request head that never ends.
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, took) = healthz(&addr).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(2), "/healthz took {took:?} behind 2,000 held connections");
    let fds = open_descriptors(server.pid());
    assert!(fds < 1000 + 100, "the server holds {fds} descriptors with a cap of 1,000 connections");
    // The ones it closed to make room were the oldest: the newest connection still works.
    let newest = held.last_mut().unwrap();
    newest.write_all(b"x\r\n\r\n").await.unwrap();
    let mut answer = vec![0u8; 12];
    newest.read_exact(&mut answer).await.expect("the newest held connection is still served");
    assert_eq!(&answer, b"HTTP/1.1 200");
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_their_timeouts() {
    let (_dir, server) =
        tokio::task::spawn_blocking(|| start(&["--header-timeout-secs", "1", "--idle-timeout-secs", "2"]))
            .await
            .unwrap();
    let addr = addr(&server);

    // A head that trickles in, one byte at a time, is cut off at the header timeout.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    let mut cut_off = false;
    while started.elapsed() < Duration::from_secs(6) {
        if slow.write_all(b"X").await.is_err() {
            cut_off = true;
            break;
        }
        let mut buf = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await
        {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "a request head still arriving after 6 s was not cut off");

    // A connection that never sends anything, and a kept-alive one after its answer, are closed.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(6)).await, "a silent connection stayed open");
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = vec![0u8; 12];
    kept.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    assert!(
        closed_within(&mut kept, Duration::from_secs(6)).await,
        "an idle kept-alive connection stayed open"
    );

    // And a complete request on a new connection is answered as ever.
    assert_eq!(healthz(&addr).await.0, 200);
}
