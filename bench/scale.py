#!/usr/bin/env python3
"""Debut at scale: publish N events through the API, then measure what the public asks for.

    bench/scale.py                      # 10,000 events on SQLite
    DATABASE=postgres bench/scale.py    # the same on PostgreSQL (a fresh database debut_scale)

Everything goes through the HTTP API of one release `debut serve` process, as clients would: no
SQL. Figures, side by side in one run: requests per second (wrk, CONNECTIONS connections, DURATION
seconds each) of the static stylesheet (the baseline: a static response from memory by the same
process), /healthz, the warm /calendar.ics and /events.rss, the first page of /api/v1/events,
/api/v1/events?q=首发, the events page; the time of the first /calendar.ics after one public change
against a cached one; and the process's resident memory after all of it.

Environment: EVENTS (10000), DATABASE (sqlite | postgres), PG_URL
(postgres://postgres@127.0.0.1:5432), CONNECTIONS (64), DURATION (10), PORT (18282), WORKERS (8,
threads publishing events), KEEP (set: keep the SQLite database and media afterwards, for profiling).
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta

EVENTS = int(os.environ.get("EVENTS", "10000"))
DATABASE = os.environ.get("DATABASE", "sqlite")
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
DURATION = int(os.environ.get("DURATION", "10"))
PORT = int(os.environ.get("PORT", "18282"))
WORKERS = int(os.environ.get("WORKERS", "8"))
SAMPLES = 9  # changes of each kind, each followed by one rebuild; the median is printed
VENUES = 25
BASE = f"http://127.0.0.1:{PORT}"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(tempfile.gettempdir(), "debut-target"))


def call(method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        raise SystemExit(f"{method} {path}: {err.code} {err.read().decode()[:300]}")


def get_timed(path, gzip=False):
    request = urllib.request.Request(BASE + path, headers={"accept-encoding": "gzip"} if gzip else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        size = len(response.read())
    return time.perf_counter() - started, size


def login(email, password):
    return call("POST", "/api/v1/auth/login", body={"email": email, "password": password})["token"]


def publish(staff, brand, venue_ids, i):
    """Event i: a four-hour slot at one of the venues, approved by staff."""
    venue = venue_ids[i % len(venue_ids)]
    slot = i // len(venue_ids)
    day = date.today() + timedelta(days=2 + slot // 4)
    hour = 6 * (slot % 4)
    starts = f"{day.isoformat()}T{hour:02d}:30"
    ends = f"{day.isoformat()}T{hour + 3:02d}:30"
    title = f"品牌首发 {i}" if i % 10 == 0 else f"新品发布 {i}"
    body = {
        "venue_id": venue, "format": "launch", "reach": "national", "title_zh": title,
        "title_en": f"Launch {i}", "description_en": "A product launch in the city.",
        "brand_name": f"Brand {i % 97}", "expected_attendance": 200, "starts_at": starts, "ends_at": ends,
        "contact": {"name": "Ada", "email": "ada@brand.example", "phone": "+86 577 0000"},
    }
    booking = call("POST", "/api/v1/bookings", brand, body)["id"]
    call("POST", f"/api/v1/bookings/{booking}/submit", brand, {})
    call("POST", f"/api/v1/bookings/{booking}/approve", staff, {})
    return booking


def wrk(path):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "30s", BASE + urllib.parse.quote(path, safe="/?=&")],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses")
    return rps


def rss_mib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main():
    if not shutil.which("wrk"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq wrk >/dev/null", shell=True, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": TARGET})
    work = tempfile.mkdtemp()
    if DATABASE == "postgres":
        subprocess.run(["psql", PG_URL + "/postgres", "-qc", "DROP DATABASE IF EXISTS debut_scale"], check=True)
        subprocess.run(["psql", PG_URL + "/postgres", "-qc", "CREATE DATABASE debut_scale"], check=True)
        url = PG_URL + "/debut_scale"
    else:
        url = f"sqlite://{work}/scale.db"
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen(
        [os.path.join(TARGET, "release", "debut"), "serve", "--demo", "--bind", f"127.0.0.1:{PORT}",
         "--database-url", url, "--media-dir", os.path.join(work, "media")],
        stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        staff = login("staff@debut.example", "debut-demo-2026")
        week = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
        venue_ids = []
        for v in range(VENUES):
            venue = call("POST", "/api/v1/venues", staff, {
                "slug": f"scale-hall-{v}", "name_zh": f"展厅 {v}", "name_en": f"Hall {v}", "kind": "hall",
                "tier": "main", "address": f"解放街 {v} 号", "latitude": 28.0 + v / 1000, "longitude": 120.6,
                "capacity": 500, "indoor": True, "description": "A hall for launches.", "opening_hours": week,
                "setup_minutes": 60, "teardown_minutes": 30,
            })
            venue_ids.append(venue["id"])
        call("POST", "/api/v1/auth/register", body={
            "organization_name": "Scale Brand", "organization_kind": "brand", "email": "scale@brand.example",
            "password": "scale-brand-pass", "display_name": "Scale"})
        brand = login("scale@brand.example", "scale-brand-pass")

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            bookings = list(pool.map(lambda i: publish(staff, brand, venue_ids, i), range(EVENTS)))
        published = time.perf_counter() - started
        print(f"published {EVENTS} events through the API in {published:.0f} s ({EVENTS / published:.0f} events/s, 3 requests each); "
              f"resident {rss_mib(server.pid)[0]:.0f} MiB\n")
        if DATABASE == "postgres":
            # What autovacuum does within a minute of a bulk load. Measured at once, PostgreSQL
            # still believes bookings is nearly empty and plans the event list as for 25 rows
            # (51 ms against 0.6 ms for the first page). Statistics, not data: still no SQL writes.
            subprocess.run(["psql", url, "-qc", "ANALYZE"], check=True)

        # Rebuild after one change, against the cached feed. Two kinds of change: one event
        # retitled (a brand's change request, approved by staff), and a venue described anew
        # (nothing any event shows changes; pages change, feeds are rebuilt from the change log).
        def retitle(n):
            call("PATCH", f"/api/v1/bookings/{bookings[n]}", brand, {"title_en": f"Launch {n}, retitled"})
            call("POST", f"/api/v1/bookings/{bookings[n]}/approve", staff, {})

        def describe(n):
            call("PATCH", f"/api/v1/venues/{venue_ids[0]}", staff, {"description": f"A hall for launches ({n})."})

        # The feed as its subscribers keep it: built once since the bulk load. Without this the
        # first "rebuild" would be the first build of all (every row read, ~180 ms), and the two
        # after it pay for the memory that build freed (pages handed back to the system and
        # faulted in again), which is the bulk load's cost, not one change's.
        get_timed("/calendar.ics")
        for label, change in (("one event retitled", retitle), ("a venue described anew", describe)):
            rebuilds, cached = [], []
            for n in range(SAMPLES):
                change(n)
                seconds, size = get_timed("/calendar.ics")
                rebuilds.append(seconds)
                cached.extend(get_timed("/calendar.ics")[0] for _ in range(5))
            rebuild, serve = sorted(rebuilds)[len(rebuilds) // 2], sorted(cached)[len(cached) // 2]
            print(f"/calendar.ics after {label}: rebuilt in {rebuild * 1000:.1f} ms, cached {serve * 1000:.2f} ms "
                  f"(rebuild = {rebuild / serve:.1f}x a cached serve; median of {SAMPLES})")
        gzipped = get_timed("/calendar.ics", gzip=True)[1]
        print(f"/calendar.ics: {size / 1e6:.1f} MB ({gzipped / 1e6:.2f} MB gzipped)\n")

        paths = ["/static/debut.css", "/healthz", "/calendar.ics", "/events.rss", "/api/v1/events",
                 "/api/v1/events?q=首发", "/events", "/venues", "/venues/scale-hall-3", "/venues/scale-hall-3/calendar.ics"]
        print(f"{'path':32} {'requests/s':>12} {'vs static':>10}   ({DATABASE}, {EVENTS} events, {CONNECTIONS} connections, {DURATION} s each)")
        baseline = None
        for path in paths:
            rps = wrk(path)
            baseline = baseline or rps
            print(f"{path:32} {rps:12.0f} {rps / baseline:10.3f}")
        now, peak = rss_mib(server.pid)
        print(f"\nresident memory after serving all of the above: {now:.0f} MiB (peak {peak:.0f} MiB)")
    finally:
        server.terminate()
        server.wait()
        if os.environ.get("KEEP"):
            print(f"kept the database and media in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
