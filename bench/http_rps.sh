#!/usr/bin/env bash
# Requests per second of HTTP paths on one release server with demo data, in one run, each
# reported with its ratio to the first path (the baseline, usually /healthz).
#
#   bench/http_rps.sh /healthz /api/v1/venues
#
# Environment: DURATION (seconds per path, default 10), CONNECTIONS (default 32),
# PORT (default 18181). The load comes from wrk on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${TMPDIR:-/tmp}/debut-target}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18181}"
(($# > 0)) || set -- /healthz /api/v1/venues

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
workdir="$(mktemp -d)"
RUST_LOG=warn "$CARGO_TARGET_DIR/release/debut" serve --demo --bind "127.0.0.1:$PORT" \
    --database-url "sqlite://$workdir/bench.db" --media-dir "$workdir/media" >"$workdir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

baseline=""
printf '%-40s %12s %8s\n' "path" "requests/s" "ratio"
for path in "$@"; do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT$path" || { echo "GET $path failed" >&2; exit 1; }
    rps=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$PORT$path" | awk '/Requests\/sec/ {print $2}')
    baseline="${baseline:-$rps}"
    printf '%-40s %12.0f %8.2f\n' "$path" "$rps" "$(echo "$rps / $baseline" | bc -l)"
done
