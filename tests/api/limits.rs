//! Bodies have limits: an oversized post of any kind is refused with 413 before the server reads
//! it, or as soon as it has read past the route's limit, and the server's memory stays flat.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::concurrency::ServerProcess;

/// How a test body is framed.
#[derive(Clone, Copy, Debug)]
enum Framing {
    /// `Content-Length` says the whole size up front.
    Declared,
    /// `Transfer-Encoding: chunked`: the server learns the size only by reading.
    Chunked,
}

/// Posts `total` bytes (a `prefix`, then `filler` repeated) to `path` over a raw socket, the way
/// a hostile client would, and returns the response's status as soon as it arrives. The body
/// goes on being written until the server answers or closes.
async fn post_raw(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    prefix: &[u8],
    filler: u8,
    total: u64,
    framing: Framing,
) -> u16 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match framing {
        Framing::Declared => head.push_str(&format!("Content-Length: {total}\r\n\r\n")),
        Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n\r\n"),
    }
    let prefix = prefix.to_vec();
    let write = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![filler; 64 * 1024];
        let mut sent = 0u64;
        let mut first = Some(prefix);
        while sent < total {
            let piece = match first.take() {
                Some(prefix) => prefix,
                None => chunk[..chunk.len().min((total - sent) as usize)].to_vec(),
            };
            sent += piece.len() as u64;
            match framing {
                Framing::Declared => writer.write_all(&piece).await?,
                Framing::Chunked => {
                    writer.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).await?;
                    writer.write_all(&piece).await?;
                    writer.write_all(b"\r\n").await?;
                }
            }
        }
        if let Framing::Chunked = framing {
            writer.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    let status = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let n = reader.read(&mut buf).await.unwrap_or(0);
            assert!(n > 0, "the server closed the connection without answering {path}");
            response.extend_from_slice(&buf[..n]);
            if let Some(line) = response.split(|b| *b == b'\n').next().filter(|_| response.contains(&b'\n')) {
                let line = String::from_utf8_lossy(line);
                return line.split_whitespace().nth(1).unwrap().parse::<u16>().unwrap();
            }
        }
    })
    .await
    .expect("the server answers within a minute");
    write.abort();
    status
}

/// The process's resident-memory high-water mark, in KiB.
fn peak_resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

const CSRF: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const HUNDRED_MB: u64 = 100 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_of_every_kind_are_refused_with_413_and_memory_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("debut.db").display());
    let server = ServerProcess::start_with(&url, &["--max-upload-bytes", "2097152"]);
    let addr = server.base.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let client = reqwest::Client::new();
    // A signed-in brand: its login token is also its web session.
    let registered = client
        .post(format!("{}/api/v1/auth/register", server.base))
        .json(&serde_json::json!({
            "organization_name": "Acme", "organization_kind": "brand", "email": "ada@acme.cn",
            "password": crate::helpers::PASSWORD, "display_name": "Ada",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let login: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": "ada@acme.cn", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let stranger = format!("debut_csrf={CSRF}");
    let signed_in = format!("debut_csrf={CSRF}; debut_session={token}");
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let json = ("Content-Type", "application/json");
    let boundary = "debutboundary";
    let multipart_type = format!("multipart/form-data; boundary={boundary}");
    let multipart_prefix = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nlogo\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    );
    let before = peak_resident_kib(server.pid());
    let started = Instant::now();

    // No CSRF cookie: no form can match, so nothing is read.
    for framing in [Framing::Declared, Framing::Chunked] {
        let status = post_raw(&addr, "/login", &[form], b"email=", b'A', HUNDRED_MB * 4, framing).await;
        assert_eq!(status, 403, "a form without the CSRF cookie ({framing:?})");
    }
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("/login", vec![form, ("Cookie", &stranger)], format!("csrf={CSRF}&email=").into_bytes()),
        ("/subscribe", vec![form, ("Cookie", &stranger)], format!("csrf={CSRF}&email=").into_bytes()),
        (
            "/portal/bookings/new",
            vec![form, ("Cookie", &signed_in)],
            format!("csrf={CSRF}&title_zh=").into_bytes(),
        ),
        ("/api/v1/auth/login", vec![json], b"{\"email\": \"".to_vec()),
        ("/api/v1/bookings", vec![json, ("Authorization", &bearer)], b"{\"title_zh\": \"".to_vec()),
        (
            "/api/v1/bookings/1/images",
            vec![("Content-Type", &multipart_type), ("Authorization", &bearer)],
            multipart_prefix.clone().into_bytes(),
        ),
        (
            "/portal/organization/logo",
            vec![("Content-Type", &multipart_type), ("Cookie", &signed_in)],
            multipart_prefix.clone().into_bytes(),
        ),
    ];
    for (path, headers, prefix) in &cases {
        for framing in [Framing::Declared, Framing::Chunked] {
            let status = post_raw(&addr, path, headers, prefix, b'A', HUNDRED_MB, framing).await;
            assert_eq!(status, 413, "{path} ({framing:?})");
        }
    }
    // Six at once, as the probe sent them.
    let mut parallel = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (addr, stranger) = (addr.clone(), stranger.clone());
        parallel.spawn(async move {
            let prefix = format!("csrf={CSRF}&email=").into_bytes();
            let headers = [form, ("Cookie", stranger.as_str())];
            post_raw(&addr, "/subscribe", &headers, &prefix, b'A', HUNDRED_MB, Framing::Chunked).await
        });
    }
    while let Some(status) = parallel.join_next().await {
        assert_eq!(status.unwrap(), 413);
    }
    let rise_mib = (peak_resident_kib(server.pid()).saturating_sub(before)) / 1024;
    assert!(rise_mib < 20, "resident memory peaked {rise_mib} MiB higher");
    assert!(started.elapsed() < Duration::from_secs(60), "refusals took {:?}", started.elapsed());
    // The service still answers.
    assert_eq!(client.get(format!("{}/healthz", server.base)).send().await.unwrap().status(), 200);
}
