#!/usr/bin/env bash
# Benchmarks the tasks API as integrators load it: two users with 10,000 tasks each, bearer
# tokens from /api/auth/login/, and a load tool at 32 connections against the release binary in
# the production profile, on SQLite and PostgreSQL. Records requests/s, p50/p99 latency and the
# server's memory.
#
#   bench/tasks_api.sh                  # both backends, writes target/bench/tasks_api.md
#   bench/tasks_api.sh --update-docs    # and puts the table into docs/benchmarks.md
#
# Settings (environment): BACKENDS="sqlite postgres", TASKS=10000 (per user), RUNS=3 (each figure
# is the median of RUNS runs), DURATION=15 (seconds per run), CONNECTIONS=32, WARMUP=3 (seconds,
# not measured), PG_URL=postgres://postgres@127.0.0.1:5432, PORT=18765. About 6 minutes in all.
set -euo pipefail
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
source "$(dirname "$0")/lib.sh"

TASKS=${TASKS:-10000}
PASSWORD="Tq7-$RANDOM-vX9-$RANDOM-load"
production_env BUREAU_SUPERUSER_PASSWORD="$PASSWORD" BUREAU_AUTH__ACCESS_TOKEN_MINUTES=120

bench_tools

# TASKS tasks for each of ann and bob, a few minutes apart, statuses in turn.
seed_sqlite() {
  timeout 300 sqlite3 "$WORK/bench.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $TASKS)
INSERT INTO tasks_task (owner_id, title, description, status, created_at, updated_at)
SELECT u.id, 'Task ' || n.i || ' of ' || u.username, 'Seeded for the benchmark.',
       CASE n.i % 3 WHEN 0 THEN 'todo' WHEN 1 THEN 'doing' ELSE 'done' END,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 1767225600 + n.i * 300, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 1767225600 + n.i * 300, 'unixepoch')
FROM n CROSS JOIN core_user u WHERE u.username IN ('ann', 'bob');
COMMIT;
ANALYZE;
SQL
}

seed_postgres() {
  timeout 300 psql -q -v ON_ERROR_STOP=1 "$DB_URL" >/dev/null <<SQL
INSERT INTO tasks_task (owner_id, title, description, status, created_at, updated_at)
SELECT u.id, 'Task ' || i || ' of ' || u.username, 'Seeded for the benchmark.',
       (ARRAY['todo', 'doing', 'done'])[i % 3 + 1],
       to_timestamp(1767225600 + i * 300), to_timestamp(1767225600 + i * 300)
FROM generate_series(1, $TASKS) AS i CROSS JOIN core_user u WHERE u.username IN ('ann', 'bob');
SQL
  timeout 300 psql -q -v ON_ERROR_STOP=1 "$DB_URL" -c "VACUUM ANALYZE tasks_task"
}

token() {
  curl -sf --max-time 30 -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" "$BASE/api/auth/login/" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

bench_backend() {
  local backend=$1
  new_database "$backend"
  say "$backend: migrate, users ann and bob"
  migrate
  local user
  for user in ann bob; do
    bureau 120 createsuperuser --no-input --username "$user" --email "$user@example.com" \
      >>"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log" >&2; fail "createsuperuser failed"; }
  done
  say "$backend: seeding $TASKS tasks for each"
  "seed_$backend"
  start_server
  local ann bob
  ann=$(token ann)
  bob=$(token bob)
  [ -n "$ann" ] && [ -n "$bob" ] || fail "no tokens"
  local count
  count=$(curl -sf -H "Authorization: Bearer $ann" "$BASE/api/tasks/?page_size=1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])')
  [ "$count" = "$TASKS" ] || fail "ann sees $count tasks, not $TASKS"

  local body='{"title": "Benchmark task", "description": "Made by the load tool.", "status": "doing"}'
  local -a names=("GET /api/tasks/?page=3" "POST /api/tasks/" "GET /api/health/")
  local -a paths=("/api/tasks/?page=3" "/api/tasks/" "/api/health/")
  local -a expected=(200 201 200)
  local -a options=(
    "-H|Authorization: Bearer $ann"
    "-H|Authorization: Bearer $bob|-m|POST|-T|application/json|-d|$body"
    ""
  )
  local i
  for i in "${!paths[@]}"; do
    local -a opts=()
    [ -z "${options[$i]}" ] || IFS='|' read -r -a opts <<<"${options[$i]}"
    local rps p50 p99 notes
    read -r rps p50 p99 notes < <(measure "${expected[$i]}" "${paths[$i]}" "${opts[@]}")
    printf '| %s | `%s` | %s | %s | %s%s |\n' "$backend" "${names[$i]}" "$rps" "$p50" "$p99" \
      "${notes:+ $notes}" | tee -a "$RESULTS.rows" >&2
  done
  record_memory "$backend"
  cleanup
}

for backend in $BACKENDS; do
  bench_backend "$backend"
done

write_report "Load: $CONNECTIONS connections, ${DURATION} s per run after ${WARMUP} s of warm-up; each figure is the median of $RUNS runs. Data: $TASKS tasks for each of two users." \
  "| backend | request | requests/s | p50 ms | p99 ms |" \
  "| --- | --- | ---: | ---: | ---: |"
