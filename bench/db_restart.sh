#!/usr/bin/env bash
# The database goes away under load and comes back, and the app is never restarted: a PostgreSQL
# server of the script's own (initdb into a temporary folder, so the machine's server is left
# alone) is restarted, then stopped for OUTAGE seconds, while a load tool asks for the movie list
# at 32 connections. Records what the visitors got (200, 503 with Retry-After, anything else), how
# long the outage lasted as a probe saw it, and the load after the database is back.
#
#   bench/db_restart.sh                  # writes target/bench/db_restart.md
#   bench/db_restart.sh --update-docs    # and puts the table into docs/benchmarks.md
#
# Settings (environment): DURATION=40 (seconds of load per scenario; the database goes away at a
# third of it), OUTAGES="5 15" (seconds the database stays stopped, one scenario each: shorter and
# longer than the pool's acquire timeout of 10 s), CONNECTIONS=32, PG_PORT=55432, PORT=18765.
# About 3 minutes. Needs PostgreSQL's server binaries (Debian's postgresql package)
# and root, to run them as the postgres user.
set -euo pipefail
DURATION=${DURATION:-40}
source "$(dirname "$0")/lib.sh"

OUTAGES=${OUTAGES:-"5 15"}
PG_PORT=${PG_PORT:-55432}
PAGE="/"
production_env

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL's server binaries are missing (apt-get install postgresql)"
CLUSTER=$(mktemp -d /tmp/bureau-bench-pg.XXXXXX)
chown postgres "$CLUSTER"
as_postgres() { runuser -u postgres -- "$@"; }
pg_ctl() {
  as_postgres timeout 120 "$PG_BIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w \
    -o "-p $PG_PORT -k $CLUSTER -c listen_addresses=127.0.0.1" "$@" >/dev/null
}
stop_cluster() {
  pg_ctl stop -m immediate 2>/dev/null || true
  rm -rf "$CLUSTER"
}
trap 'cleanup; stop_cluster' EXIT

bench_tools
say "a PostgreSQL server of our own on port $PG_PORT"
as_postgres "$PG_BIN/initdb" -D "$CLUSTER/data" -A trust -U postgres >/dev/null
pg_ctl start
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"

# The visitors' view, one request every 0.1 s: "<seconds since start> <status>" lines in $1.
timeline() {
  local file=$1 until=$2 started=$SECONDS status
  : >"$file"
  while kill -0 "$until" 2>/dev/null; do
    status=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$BASE$PAGE" || true)
    echo "$(date +%s.%N) $status" >>"$file"
    sleep 0.1
  done
}

# What the load tool and the probe saw:
# "200s 503s others errors p99-ms slowest-ms probe-outage-s back-after-s".
# back-after: from the database answering again to the probe's first 200.
summarise() {
  local report=$1 probe=$2 database_back=$3
  python3 - "$report" "$probe" "$database_back" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get("statusCodeDistribution", {})
others = {k: v for k, v in codes.items() if k not in ("200", "503")}
errors = sum(r.get("errorDistribution", {}).values())
seen = [(float(t), s) for t, s in (line.split() for line in open(sys.argv[2]))]
bad = [t for t, s in seen if s != "200"]
back = float(sys.argv[3])
first_ok_after = next((t for t, s in seen if t >= back and s == "200"), None)
print("%d %d %s %d %.0f %.0f %.1f %s" % (
    codes.get("200", 0), codes.get("503", 0),
    json.dumps(others).replace(" ", "") if others else "0", errors,
    r["latencyPercentiles"]["p99"] * 1000, r["summary"]["slowest"] * 1000,
    (max(bad) - min(bad)) if bad else 0.0,
    "%.1f" % (first_ok_after - back) if first_ok_after else "never"))
PY
}

# Load for DURATION seconds; at a third of it, `$@` takes the database away and brings it back.
scenario() {
  local name=$1; shift
  say "scenario: $name"
  local report="$WORK/load.json" probe="$WORK/probe.txt"
  load_json "$DURATION" "$CONNECTIONS" "$PAGE" >"$report" &
  local load=$!
  timeline "$probe" "$load" &
  local prober=$!
  sleep $((DURATION / 3))
  local server_pid=$SERVER
  "$@"
  local database_back; database_back=$(date +%s.%N)
  wait "$load" || fail "the load tool failed"
  wait "$prober" || true
  [ "$SERVER" = "$server_pid" ] && kill -0 "$SERVER" 2>/dev/null || fail "the server stopped"
  local ok shed others errors p99 slowest outage back
  read -r ok shed others errors p99 slowest outage back \
    < <(summarise "$report" "$probe" "$database_back")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s s | %s s |\n' "$name" "$ok" "$shed" "$others" \
    "$errors" "$p99" "$slowest" "$outage" "$back" | tee -a "$RESULTS.rows" >&2
}

restart() { pg_ctl restart -m fast; }
outage() { pg_ctl stop -m fast; sleep "$1"; pg_ctl start; }

new_database postgres
say "migrate, demo films"
migrate
load_fixtures movies/demo
start_server
load_json 3 "$CONNECTIONS" "$PAGE" >/dev/null

scenario "PostgreSQL restarted (pg_ctl restart -m fast)" restart
for seconds in $OUTAGES; do
  scenario "PostgreSQL stopped for $seconds s, then started" outage "$seconds"
done
say "after: the normal load"
read -r rps p50 p99 notes < <(RUNS=1 WARMUP=1 DURATION=10 measure 200 "$PAGE")
printf 'After the scenarios, with the same server process: %s requests/s, p50 %s ms, p99 %s ms, %s.\n\n' \
  "$rps" "$p50" "$p99" "${notes:-every answer 200}" >"$RESULTS.notes"
record_memory postgres

write_report "Page: \`GET $PAGE\` (the movie list, demo films), production profile, database.max_connections = 10, acquire_timeout_secs = 10 (as shipped). Load: $CONNECTIONS connections for ${DURATION} s per scenario; the database goes away $((DURATION / 3)) s in. The outage column is how long a probe asking every 0.1 s got anything but 200; the last column, how long after the database was back the probe's first 200 came." \
  "| scenario | 200 | 503 | other statuses | connection errors | p99 ms | slowest ms | outage seen | back to 200 after |" \
  "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
