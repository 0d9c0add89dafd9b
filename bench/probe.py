#!/usr/bin/env python3
"""A probe of the classes issue 29 closed, against a real `debut serve`.

    cargo build --release && python3 bench/probe.py            # or DEBUT_BIN=path/to/debut

Starts the service on a fresh SQLite database, signs a brand in, then:
- posts 20 MB to every POST, PUT and PATCH route (the API's from /api/openapi.json, the pages'
  from src/startup.rs; not the sign-outs), chunked and with a declared length, with a CSRF
  cookie, a session and a bearer token of a brand and of staff, and counts the answers: no 5xx,
  and none may wait for the whole body (a route that takes no body may answer 2xx unread);
- reads the resident-memory high-water mark before and after;
- checks `nosniff` on every response and a Content-Security-Policy without inline scripts on
  every HTML page it fetched;
- asks an organization owner to remove every other user's id, and checks nobody was signed out.
Prints one line per finding and a summary; exits 1 if anything was found.
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEBUT_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "debut"))
CSRF = "ab" * 32
BODY_MB = 20
findings = []


def start():
    tmp = tempfile.mkdtemp(prefix="debut-probe-")
    db = f"sqlite://{tmp}/probe.db"
    subprocess.run([BIN, "migrate", "--database-url", db], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([BIN, "admin", "create-staff", "--email", "staff@probe.cn", "--database-url", db],
                   check=True, stdout=subprocess.DEVNULL, env={**os.environ, "DEBUT_PASSWORD": "correct horse battery"})
    proc = subprocess.Popen(
        [BIN, "serve", "--bind", "127.0.0.1:0", "--database-url", f"sqlite://{tmp}/probe.db", "--media-dir", f"{tmp}/media"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "error"}, text=True,
    )
    for line in proc.stdout:
        if "listening on " in line:
            base = line.split("listening on ")[1].split()[0].rstrip("/")
            return proc, base
    raise SystemExit("debut serve did not start")


def call(base, method, path, body=None, token=None, cookie=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def post_raw(host, port, method, path, headers, chunked, total):
    """Sends `total` bytes and returns (status, bytes sent before the answer)."""
    s = socket.create_connection((host, port), timeout=30)
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {total}\r\n\r\n"
    s.sendall(head.encode())
    s.setblocking(False)
    chunk, sent, answer = b"A" * 65536, 0, b""
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            answer += s.recv(4096)
            if b"\r\n" in answer:
                break
        except BlockingIOError:
            pass
        except OSError:
            break
        if sent < total:
            piece = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk
            try:
                s.send(piece)
                sent += len(chunk)
            except (BlockingIOError, OSError):
                time.sleep(0.001)
        else:
            time.sleep(0.005)
    s.close()
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    status = int(line.split()[1]) if len(line.split()) > 1 else 0
    return status, sent


def html_post_routes():
    text = open(os.path.join(ROOT, "src", "startup.rs")).read()
    routes = []
    for m in re.finditer(r'\.at\(\s*"([^"]+)",\s*([^\n]*)', text):
        path, rest = m.group(1), m.group(2)
        if "post(" in rest and not path.startswith("/api"):
            routes.append(("POST", re.sub(r":[a-z_]+", "1", path)))
    return routes


def api_routes(base):
    _, _, body = call(base, "GET", "/api/openapi.json")
    spec = json.loads(body)
    routes = []
    for path, item in spec["paths"].items():
        for method in ("post", "put", "patch"):
            if method in item:
                routes.append((method.upper(), "/api/v1" + re.sub(r"\{[a-z_]+\}", "1", path) if not path.startswith("/api") else re.sub(r"\{[a-z_]+\}", "1", path)))
    return routes


def main():
    proc, base = start()
    host, port = base.replace("http://", "").split(":")
    port = int(port)
    try:
        password = "correct horse battery"
        call(base, "POST", "/api/v1/auth/register", {"organization_name": "Probe", "organization_kind": "brand", "email": "owner@probe.cn", "password": password, "display_name": "Owner"})
        _, _, body = call(base, "POST", "/api/v1/auth/login", {"email": "owner@probe.cn", "password": password})
        token = json.loads(body)["token"]
        call(base, "POST", "/api/v1/auth/register", {"organization_name": "Other", "organization_kind": "brand", "email": "other@probe.cn", "password": password, "display_name": "Other"})
        _, _, body = call(base, "POST", "/api/v1/auth/login", {"email": "other@probe.cn", "password": password})
        other = json.loads(body)["token"]
        _, _, body = call(base, "GET", "/api/v1/me", token=token)
        org = json.loads(body)["organization"]["id"]
        _, _, body = call(base, "POST", "/api/v1/auth/login", {"email": "staff@probe.cn", "password": password})
        staff = json.loads(body)["token"]

        before = peak_kib(proc.pid)
        # Signing out would end the probe's own session; everything else is fair game.
        routes = [r for r in html_post_routes() + api_routes(base) if not r[1].endswith("logout")]
        statuses = {}
        slow = 0
        for (method, path), who in [(r, t) for r in routes for t in (token, staff)]:
            api = path.startswith("/api")
            headers = [("Cookie", f"debut_csrf={CSRF}; debut_session={who}")]
            headers.append(("Content-Type", "application/json" if api else "application/x-www-form-urlencoded"))
            if api:
                headers.append(("Authorization", f"Bearer {who}"))
            for chunked in (False, True):
                status, sent = post_raw(host, port, method, path, headers, chunked, BODY_MB * 1024 * 1024)
                statuses[status] = statuses.get(status, 0) + 1
                # A route that takes no body may answer without reading it; a 5xx never.
                if not 200 <= status < 500:
                    findings.append(f"{method} {path} ({'chunked' if chunked else 'declared'}): {status}")
                if sent >= BODY_MB * 1024 * 1024:
                    slow += 1
                    findings.append(f"{method} {path} ({'chunked' if chunked else 'declared'}): read all {BODY_MB} MB before answering {status}")
        rise = (peak_kib(proc.pid) - before) // 1024
        if rise >= 20:
            findings.append(f"resident memory rose {rise} MiB")

        pages = ["/", "/events", "/venues", "/markets", "/calls", "/login", "/register", "/subscribe", "/widget", "/password/forgot", "/staff", "/portal", "/calendar.ics", "/api/v1/venues"]
        html_pages = 0
        for path in pages:
            status, headers, _ = call(base, "GET", path, cookie=f"debut_session={token}")
            headers = {k.lower(): v for k, v in headers.items()}
            if headers.get("x-content-type-options") != "nosniff":
                findings.append(f"GET {path}: no nosniff")
            if headers.get("content-type", "").startswith("text/html"):
                html_pages += 1
                policy = headers.get("content-security-policy", "")
                script = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
                if not policy or "unsafe-inline" in script:
                    findings.append(f"GET {path}: CSP {policy!r}")

        _, _, body = call(base, "GET", "/api/v1/me", token=other)
        other_id = json.loads(body)["id"]
        removals = 0
        for victim in range(1, other_id + 5):
            status, _, _ = call(base, "DELETE", f"/api/v1/organizations/{org}/members/{victim}", token=token)
            removals += 1
        status, _, _ = call(base, "GET", "/api/v1/me", token=other)
        if status != 200:
            findings.append(f"an owner removing other ids signed another user out ({status})")

        for f in findings:
            print("FOUND", f)
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        print(f"{len(routes)} routes x 2 accounts (brand, staff) x 2 framings of {BODY_MB} MB: statuses {summary}; {slow} read whole; peak resident +{rise} MiB")
        print(f"{len(pages)} pages fetched ({html_pages} HTML) for headers; {removals} removals of other ids by an owner")
        print(f"{len(findings)} findings")
        return 1 if findings else 0
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
