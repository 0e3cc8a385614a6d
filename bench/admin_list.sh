#!/usr/bin/env bash
# Benchmarks the admin change list over a 1,000,000-row table (`core_admin_log`) on SQLite and
# PostgreSQL: the release binary, a real login, and a load tool at 32 connections; the server's
# memory after the runs and at its peak.
#
#   bench/admin_list.sh                  # both backends, writes target/bench/admin_list.md
#   bench/admin_list.sh --update-docs    # and puts the table into docs/benchmarks.md
#
# Settings (environment): BACKENDS="sqlite postgres", ROWS=1000000, RUNS=3 (each figure is the
# median of RUNS runs), DURATION=10 (seconds per run), CONNECTIONS=32, WARMUP=2 (seconds, not
# measured), PG_URL=postgres://postgres@127.0.0.1:5432 (a server where we may create a database),
# PORT=18765. Every step is bounded in time; the whole run takes about
# backends x urls x (WARMUP + RUNS x DURATION) seconds plus the seeding (about a minute each).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROWS=${ROWS:-1000000}
PASSWORD="Tq7-$RANDOM-vX9-$RANDOM-load"
production_env BUREAU_SUPERUSER_PASSWORD="$PASSWORD"
LIST="/admin/core/admin_log/"

bench_tools

# The audit log, like a busy site's over two years: a row every minute on average (two share each
# timestamp), ending now; 50 staff users; actions change 60 %, add 25 %, delete 10 %, refund 5 %;
# eight models. `changes` is a small JSON document, as the admin writes.
seed_sqlite() {
  local end; end=$(date -u +%s)
  timeout 900 sqlite3 "$WORK/bench.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO core_admin_log (id, at, user_id, username, action, model, object_id, object_repr, changes)
SELECT i,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', $end - (($ROWS - i) / 2) * 120, 'unixepoch'),
       NULL,
       printf('staff%02d', (i * 37) % 50),
       CASE WHEN i % 20 < 12 THEN 'change' WHEN i % 20 < 17 THEN 'add'
            WHEN i % 20 < 19 THEN 'delete' ELSE 'refund' END,
       CASE (i * 13) % 8 WHEN 0 THEN 'store.order' WHEN 1 THEN 'store.product'
            WHEN 2 THEN 'movies.movie' WHEN 3 THEN 'forum.post' WHEN 4 THEN 'core.user'
            WHEN 5 THEN 'tasks.task' WHEN 6 THEN 'store.customer' ELSE 'core.role' END,
       CAST((i * 7919) % 100000 AS TEXT),
       CASE (i * 13) % 8 WHEN 0 THEN 'Order #' WHEN 1 THEN 'Product ' WHEN 2 THEN 'Movie '
            WHEN 3 THEN 'Post ' WHEN 4 THEN 'User ' WHEN 5 THEN 'Task '
            WHEN 6 THEN 'Customer ' ELSE 'Role ' END || ((i * 7919) % 100000),
       '{"status": ["new", "paid"], "note": ["", "checked by the night shift"]}'
FROM n;
COMMIT;
ANALYZE;
SQL
}

seed_postgres() {
  local end; end=$(date -u +%s)
  timeout 900 psql -q -v ON_ERROR_STOP=1 "$DB_URL" >/dev/null <<SQL
INSERT INTO core_admin_log (id, at, user_id, username, action, model, object_id, object_repr, changes)
SELECT i,
       to_timestamp($end - (($ROWS - i) / 2) * 120),
       NULL,
       'staff' || lpad(((i * 37) % 50)::text, 2, '0'),
       CASE WHEN i % 20 < 12 THEN 'change' WHEN i % 20 < 17 THEN 'add'
            WHEN i % 20 < 19 THEN 'delete' ELSE 'refund' END,
       (ARRAY['store.order', 'store.product', 'movies.movie', 'forum.post', 'core.user',
              'tasks.task', 'store.customer', 'core.role'])[(i * 13) % 8 + 1],
       ((i * 7919) % 100000)::text,
       (ARRAY['Order #', 'Product ', 'Movie ', 'Post ', 'User ', 'Task ', 'Customer ',
              'Role '])[(i * 13) % 8 + 1] || ((i * 7919) % 100000),
       '{"status": ["new", "paid"], "note": ["", "checked by the night shift"]}'
FROM generate_series(1, $ROWS::bigint) AS i;
SELECT setval(pg_get_serial_sequence('core_admin_log', 'id'), $ROWS);
SQL
  # VACUUM too: it fills the visibility map that index-only scans (the capped count) rely on.
  timeout 900 psql -q -v ON_ERROR_STOP=1 "$DB_URL" -c "VACUUM ANALYZE core_admin_log"
}

# The session cookie is read off the answers rather than kept in a cookie jar: production marks
# it Secure, and curl keeps no Secure cookie that plain HTTP sets.
COOKIE=""
session_cookie() { sed -n 's/^[Ss]et-[Cc]ookie: bureau_session=\([^;]*\).*/\1/p' "$1" | tail -n1; }
login() {
  local page token status
  page=$(curl -sf -D "$WORK/login-page" "$BASE/accounts/login/")
  token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)
  [ -n "$token" ] || fail "no CSRF token on the login page"
  status=$(curl -s -o /dev/null -D "$WORK/login" -w '%{http_code}' \
    -H "Cookie: bureau_session=$(session_cookie "$WORK/login-page")" \
    --data-urlencode "csrf_token=$token" --data-urlencode "login=bench" \
    --data-urlencode "password=$PASSWORD" "$BASE/accounts/login/")
  [ "$status" = 303 ] || fail "login answered $status"
  COOKIE=$(session_cookie "$WORK/login")
  [ -n "$COOKIE" ] || fail "no bureau_session cookie after login"
}

get() { curl -sf --max-time 60 -H "Cookie: bureau_session=$COOKIE" "$BASE$1"; }

# A page's link with this rel, as a path (entities undone).
rel_link() {
  get "$1" | python3 -c '
import html, re, sys
m = re.search(r"<a href=\"([^\"]*)\" rel=\"" + sys.argv[1] + "\"", sys.stdin.read())
print(html.unescape(m.group(1)) if m else "")' "$2"
}

# What the page says about its count and position, for the table.
describe() {
  get "$1" | python3 -c '
import html, re, sys
page = sys.stdin.read()
count = re.search(r"class=\"result-count\"[^>]*>\s*([^(<]*)", page)
position = re.search(r"<nav class=\"pagination\".*?<span>([^<]*)</span>", page, re.S)
rows = len(re.findall(r"<tr>\s*<th scope=\"row\">", page))
print("%s; %s; %d rows shown" % (
    html.unescape(count.group(1)).strip() if count else "?",
    html.unescape(position.group(1)).strip() if position else "no page number",
    rows))'
}

bench_backend() {
  local backend=$1
  new_database "$backend"
  say "$backend: migrate, superuser"
  migrate
  bureau 120 createsuperuser --no-input --username bench --email bench@example.com \
    >>"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log" >&2; fail "createsuperuser failed"; }
  say "$backend: seeding $ROWS rows"
  local started=$SECONDS
  "seed_$backend"
  say "$backend: seeded in $((SECONDS - started)) s"
  start_server
  login

  local since; since=$(date -u -d '30 days ago' +%Y-%m-%d)
  # Deep pages as people reach them: "Next" from a page far into the list.
  local deep_next deep_user deep_action
  deep_next=$(rel_link "$LIST?p=10000" next)
  deep_user=$(rel_link "$LIST?o=username&p=5000" next)
  deep_action=$(rel_link "$LIST?action=change&p=5000" next)
  [ -n "$deep_next" ] && [ -n "$deep_user" ] && [ -n "$deep_action" ] || fail "no next links on deep pages"
  local -a names=(
    "first page (newest first)"
    "page 10,000 by number (p=10000)"
    "page 10,001 by its Next link"
    "last page (p=last)"
    "sorted by username"
    "sorted by username, page 5,001 by Next"
    "sorted by time, oldest last (o=-at)"
    "filtered: action=change"
    "filtered: action=change, page 5,001 by Next"
    "filtered: last 30 days (at__gte)"
    "search, common (q=staff07)"
    "search, rare (q=12345)"
  )
  local -a urls=(
    "$LIST"
    "$LIST?p=10000"
    "$deep_next"
    "$LIST?p=last"
    "$LIST?o=username"
    "$deep_user"
    "$LIST?o=-at"
    "$LIST?action=change"
    "$deep_action"
    "$LIST?at__gte=$since"
    "$LIST?q=staff07"
    "$LIST?q=12345"
  )
  local i
  for i in "${!urls[@]}"; do
    local url=${urls[$i]} what rps p50 p99 notes
    what=$(describe "$url")
    read -r rps p50 p99 notes < <(measure 200 "$url" -H "Cookie: bureau_session=$COOKIE")
    printf '| %s | %s | `%s` | %s | %s | %s | %s%s |\n' "$backend" "${names[$i]}" \
      "$(printf '%s' "$url" | cut -c1-60)" "$p50" "$p99" "$rps" "$what" "${notes:+ $notes}" \
      | tee -a "$RESULTS.rows" >&2
  done
  record_memory "$backend"
  cleanup
}

for backend in $BACKENDS; do
  bench_backend "$backend"
done

write_report "Load: $CONNECTIONS connections, ${DURATION} s per run after ${WARMUP} s of warm-up; each figure is the median of $RUNS runs. Rows: $ROWS." \
  "| backend | page | URL | median ms | p99 ms | requests/s | what the page says |" \
  "| --- | --- | --- | ---: | ---: | ---: | --- |"
