#!/usr/bin/env bash
# Benchmarks the public pages as visitors load them: the movie list and its search, the store's
# product listing, and the forum's list, at 32 connections against the release binary in the
# production profile, on SQLite and PostgreSQL. Records requests/s, p50/p99 latency and the
# server's memory.
#
#   bench/public_pages.sh                  # both backends, writes target/bench/public_pages.md
#   bench/public_pages.sh --update-docs    # and puts the table into docs/benchmarks.md
#
# Settings (environment): BACKENDS="sqlite postgres", POSTS=20000 (forum posts seeded beside the
# demo data), RUNS=3 (each figure is the median of RUNS runs), DURATION=10 (seconds per run),
# CONNECTIONS=32, WARMUP=2 (seconds, not measured), PG_URL=postgres://postgres@127.0.0.1:5432,
# PORT=18765. About 10 minutes in all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

POSTS=${POSTS:-20000}
production_env

bench_tools

# The demo users write POSTS forum posts, one every ten minutes up to now, half of them about a
# film of the catalogue; scores spread from -20 to 80 as the votes would have left them. (The demo
# data itself has only seven posts.)
FORUM_SEED="
WITH film AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM movies_movie),
     author AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM core_user),
     films AS (SELECT COUNT(*) AS n FROM movies_movie),
     authors AS (SELECT COUNT(*) AS n FROM core_user)
INSERT INTO forum_post (author_id, movie_id, title, body, created_at, updated_at, score, hidden, locked)
SELECT author.id,
       CASE WHEN i % 2 = 0 THEN film.id END,
       'Thoughts on part ' || i || ' of the saga',
       'A post seeded for the benchmark, with a few words of **Markdown** in it.',
       %TIME%, %TIME%,
       (i * 37) % 101 - 20,
       i % 50 = 0, FALSE
FROM %SERIES%
JOIN films ON TRUE JOIN authors ON TRUE
JOIN film ON film.k = i % films.n
JOIN author ON author.k = i % authors.n;"

seed_sqlite() {
  local now; now=$(date -u +%s)
  local series="(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $POSTS) SELECT i FROM n) AS s"
  local time="strftime('%Y-%m-%dT%H:%M:%S+00:00', $now - ($POSTS - i) * 600, 'unixepoch')"
  local sql=${FORUM_SEED//%SERIES%/$series}
  timeout 300 sqlite3 "$WORK/bench.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
${sql//%TIME%/$time}
COMMIT;
ANALYZE;
SQL
}

seed_postgres() {
  local now; now=$(date -u +%s)
  local sql=${FORUM_SEED//%SERIES%/generate_series(1, $POSTS) AS i}
  timeout 300 psql -q -v ON_ERROR_STOP=1 "$DB_URL" >/dev/null <<SQL
${sql//%TIME%/to_timestamp($now - ($POSTS - i) * 600)}
SQL
  timeout 300 psql -q -v ON_ERROR_STOP=1 "$DB_URL" -c "VACUUM ANALYZE"
}

# What the page shows, for the table: how many films, products or posts it lists.
describe() {
  curl -s --max-time 60 "$BASE$1" | python3 -c '
import re, sys
page = sys.stdin.read()
shown = page.count("class=\"movie-card\"") + page.count("class=\"product-card\"") \
    + len(re.findall(r"<tr>\s*<th scope=\"row\"", page))
print("%d shown" % shown)'
}

bench_backend() {
  local backend=$1
  new_database "$backend"
  say "$backend: migrate, demo data, $POSTS forum posts"
  migrate
  load_fixtures core/demo movies/demo store/demo forum/demo
  "seed_$backend"
  start_server

  local -a names=(
    "movie list, most popular first"
    "movie list, page 40"
    "movie search (q=love)"
    "movie list, one genre by rating"
    "product listing"
    "product listing, category and price sort"
    "product search (q=tea)"
    "forum, newest first"
    "forum, top posts, page 100"
  )
  local -a paths=(
    "/"
    "/?page=40"
    "/?q=love"
    "/?genre=18&sort=rating"
    "/store/"
    "/store/?category=kitchen&sort=price&in_stock=1"
    "/store/?q=tea"
    "/forum/"
    "/forum/?sort=top&page=100"
  )
  local i
  for i in "${!paths[@]}"; do
    local path=${paths[$i]} what rps p50 p99 notes
    what=$(describe "$path")
    read -r rps p50 p99 notes < <(measure 200 "$path")
    printf '| %s | %s | `%s` | %s | %s | %s | %s%s |\n' "$backend" "${names[$i]}" "$path" \
      "$rps" "$p50" "$p99" "$what" "${notes:+ $notes}" | tee -a "$RESULTS.rows" >&2
  done
  record_memory "$backend"
  cleanup
}

for backend in $BACKENDS; do
  bench_backend "$backend"
done

write_report "Load: $CONNECTIONS connections without cookies (each request a new visitor), ${DURATION} s per run after ${WARMUP} s of warm-up; each figure is the median of $RUNS runs. Data: the demo fixtures (3,201 films, 288 products) and $POSTS forum posts." \
  "| backend | page | path | requests/s | p50 ms | p99 ms | the page shows |" \
  "| --- | --- | --- | ---: | ---: | ---: | --- |"
