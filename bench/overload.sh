#!/usr/bin/env bash
# Overload: measures what the release binary serves of the movie list at 32 connections (its
# capacity), then offers it twice that rate from many more connections, and then the normal load
# again. Shows that the app sheds what it cannot serve with quick 503s (server.max_in_flight)
# while it keeps serving at capacity, its memory bounded and its health probe answering, and that
# it recovers at once. On SQLite and PostgreSQL, in the production profile.
#
#   bench/overload.sh                  # both backends, writes target/bench/overload.md
#   bench/overload.sh --update-docs    # and puts the table into docs/benchmarks.md
#
# Settings (environment): BACKENDS="sqlite postgres", DURATION=15 (seconds of each phase),
# CONNECTIONS=32 (capacity and recovery), OVERLOAD_CONNECTIONS=1024, FACTOR=2 (the offered rate as
# a multiple of the capacity), MAX_IN_FLIGHT=512 (the server's setting, as shipped),
# PG_URL=postgres://postgres@127.0.0.1:5432, PORT=18765. About 3 minutes in all.
set -euo pipefail
DURATION=${DURATION:-15}
source "$(dirname "$0")/lib.sh"

OVERLOAD_CONNECTIONS=${OVERLOAD_CONNECTIONS:-1024}
FACTOR=${FACTOR:-2}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-512}
PAGE="/"
production_env BUREAU_SERVER__MAX_IN_FLIGHT="$MAX_IN_FLIGHT"
# A thousand client connections and as many on the server's side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

bench_tools

# One phase's report from the load tool's JSON: "answers/s 200s/s 503-share errors p50 p99".
summarise() {
  python3 -c '
import json, sys
r = json.load(sys.stdin)
codes = r.get("statusCodeDistribution", {})
seconds = r["summary"]["total"]
total = sum(codes.values())
errors = sum(r.get("errorDistribution", {}).values())
p = r["latencyPercentiles"]
others = {k: v for k, v in codes.items() if k not in ("200", "503")}
print("%.0f %.0f %.1f %d %.1f %.1f %s" % (
    total / seconds, codes.get("200", 0) / seconds, 100.0 * codes.get("503", 0) / max(total, 1),
    errors, p["p50"] * 1000, p["p99"] * 1000,
    json.dumps(others).replace(" ", "") if others else "-"))'
}

# The health probe every half second while $1 runs: "answered/asked slowest-ms".
probe_health() {
  local until=$1 asked=0 answered=0 slowest=0 took
  while kill -0 "$until" 2>/dev/null; do
    asked=$((asked + 1))
    if took=$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' "$BASE/healthz"); then
      [ "${took%% *}" = 200 ] && answered=$((answered + 1))
      slowest=$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2]) * 1000))' \
        "$slowest" "${took#* }")
    fi
    sleep 0.5
  done
  printf '%s/%s %.0f\n' "$answered" "$asked" "$slowest"
}

# The server's CPU time so far, in seconds (user and system).
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }' "/proc/$SERVER/stat"
}

# One phase: `phase <backend> <name> <offered> <connections> [oha options]` loads the page for
# DURATION seconds while the health probe asks, adds the phase's row, and prints its 200s/s.
phase() {
  local backend=$1 name=$2 offered=$3 connections=$4; shift 4
  local out="$WORK/phase.json" cpu started load health cores
  cpu=$(server_cpu)
  started=$(date +%s.%N)
  load_json "$DURATION" "$connections" "$PAGE" "$@" >"$out" &
  load=$!
  health=$(probe_health "$load")
  wait "$load" || fail "the load tool failed"
  kill -0 "$SERVER" 2>/dev/null || fail "the server died during the $name phase"
  # The cores the server kept busy: its CPU seconds per second of the phase.
  cores=$(python3 -c 'import sys, time; print("%.2f" % ((float(sys.argv[1]) - float(sys.argv[2])) / (time.time() - float(sys.argv[3]))))' \
    "$(server_cpu)" "$cpu" "$started")
  local answers ok shed errors p50 p99 others
  read -r answers ok shed errors p50 p99 others < <(summarise <"$out")
  printf '| %s | %s | %s | %s | %s | %s | %s %% | %s | %s | %s | %s | %s |\n' "$backend" "$name" \
    "$offered" "$connections" "$answers" "$ok" "$shed" "$errors" "$p50" "$p99" "$cores" "$health" \
    | tee -a "$RESULTS.rows" >&2
  [ "$others" = - ] || say "$backend $name: other answers $others"
  echo "$ok"
}

bench_backend() {
  local backend=$1
  new_database "$backend"
  say "$backend: migrate, demo films"
  migrate
  load_fixtures movies/demo
  start_server
  load_json 3 "$CONNECTIONS" "$PAGE" >/dev/null

  say "$backend: capacity at $CONNECTIONS connections"
  local capacity
  capacity=$(phase "$backend" capacity "as fast as answered" "$CONNECTIONS")
  local rate=$((capacity * FACTOR))
  say "$backend: $rate requests/s offered from $OVERLOAD_CONNECTIONS connections"
  phase "$backend" "overload (${FACTOR}x)" "$rate/s" "$OVERLOAD_CONNECTIONS" \
    -q "$rate" --latency-correction >/dev/null
  say "$backend: recovery"
  phase "$backend" "recovery, at once" "as fast as answered" "$CONNECTIONS" >/dev/null
  record_memory "$backend"
  cleanup
}

for backend in $BACKENDS; do
  bench_backend "$backend"
done

write_report "Page: \`GET $PAGE\` (the movie list, demo films), production profile, server.max_in_flight = $MAX_IN_FLIGHT, database.max_connections = 10 (as shipped). Each phase runs ${DURATION} s, one after the other; the overload's rate is ${FACTOR}x the capacity measured just before, offered at that rate whatever the answers (latencies corrected for coordinated omission). Server CPU is the server process's CPU seconds per second of the phase (the machine has 2 cores; the load tool and the database use the rest). The health column is /healthz asked every 0.5 s during the phase: answered 200 / asked, and the slowest answer in ms." \
  "| backend | phase | offered | connections | answers/s | 200s/s | 503s | errors | p50 ms | p99 ms | server CPU (cores) | health (ok/asked, slowest ms) |" \
  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
