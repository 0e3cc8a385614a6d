# Shared by the benchmark scripts (sourced, not run): tools, the release build, a fresh database
# per backend, the server, the load tool, medians and the report header. Every step is bounded by
# `timeout`; a stopped run still stops its server and drops its database.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18765}
BASE="http://127.0.0.1:$PORT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$CARGO_TARGET_DIR/release/bureau"
OUT_DIR="$CARGO_TARGET_DIR/bench"
mkdir -p "$OUT_DIR"

# The settings every script takes; a script gives its own defaults before sourcing this file.
BACKENDS=${BACKENDS:-"sqlite postgres"}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-2}
# `--update-docs`: the script's table also replaces its part of docs/benchmarks.md.
UPDATE_DOCS=false
[ "${1:-}" = "--update-docs" ] && UPDATE_DOCS=true
# The script's report, assembled from the rows, notes and memory lines its runs append.
NAME=$(basename "$0" .sh)
RESULTS="$OUT_DIR/$NAME.md"
rm -f "$RESULTS.rows" "$RESULTS.notes" "$RESULTS.memory" "$OUT_DIR/versions"

say() { printf '== %s\n' "$*" >&2; }
fail() { printf 'bench: %s\n' "$*" >&2; exit 1; }

bench_tools() {
  command -v curl >/dev/null || fail "curl is missing"
  command -v python3 >/dev/null || fail "python3 is missing (it reads the load tool's JSON)"
  if ! command -v oha >/dev/null; then
    say "installing oha (cargo install oha --locked)"
    timeout 1800 cargo install oha --locked >&2 || fail "cannot install oha"
  fi
  OHA=$(command -v oha)
  say "release build"
  timeout 3600 cargo build --release --quiet >&2
}

WORK=""
SERVER=""
PG_DB=""
DB_URL=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  SERVER=""
  if [ -n "$PG_DB" ]; then
    timeout 60 psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  PG_DB=""
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
  WORK=""
}
trap cleanup EXIT
# Stopped (Ctrl-C, or `timeout` around the script): still stop the server and drop the database.
trap 'exit 130' INT TERM

# A work directory and an empty database for `backend` (sqlite or postgres): sets WORK, DB_URL.
new_database() {
  WORK=$(mktemp -d /tmp/bureau-bench.XXXXXX)
  mkdir -p "$WORK/data"
  case $1 in
    sqlite) DB_URL="sqlite://$WORK/bench.db" ;;
    postgres)
      PG_DB="bureau_bench_$$"
      timeout 60 psql -q "$PG_URL/postgres" -c "CREATE DATABASE $PG_DB" >/dev/null
      DB_URL="$PG_URL/$PG_DB" ;;
    *) fail "unknown backend $1 (sqlite or postgres)" ;;
  esac
}

# The server and the CLI run in the work directory (no config.toml there: the compiled-in
# defaults), configured by the environment only: BENCH_ENV (an array of NAME=value) adds to it.
BENCH_ENV=()

# The production profile, as a deployment runs (JSON access logs, no debug query counting, secure
# cookies), plus `$@` (NAME=value): sets BENCH_ENV.
production_env() {
  local secret
  secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 48)
  BENCH_ENV=(
    BUREAU_APP__PROFILE=production BUREAU_APP__DEBUG=false
    BUREAU_SECURITY__SECRET_KEY="$secret" BUREAU_SERVER__ALLOWED_HOSTS=127.0.0.1
    BUREAU_CORS__ALLOWED_ORIGINS= BUREAU_MAIL__TRANSPORT=file "$@"
  )
}

bureau() {
  local limit=$1; shift
  (cd "$WORK" && env BUREAU_DATABASE__URL="$DB_URL" BUREAU_SERVER__ADDR="127.0.0.1:$PORT" \
      BUREAU_APP__LOAD_DEMO_FIXTURES=false BUREAU_APP__DATA_DIR="$WORK/data" \
      "${BENCH_ENV[@]}" timeout "$limit" "$BIN" "$@")
}

# `bureau migrate up` and the database's version as the binary sees it (SQLite is bundled).
migrate() {
  bureau 300 migrate up >>"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log" >&2; fail "migrate up failed"; }
  # (`check` cuts PostgreSQL's version inside its parenthesis; drop the unclosed part.)
  { bureau 60 check 2>/dev/null || true; } | sed -n 's/^database *ok (\(.*\) at .*/\1/p' \
    | sed 's/ ([^)]*$//' | head -n1 >>"$OUT_DIR/versions"
}

# `bureau loaddata <fixtures...>`, its output kept in the work directory's CLI log.
load_fixtures() {
  bureau 600 loaddata "$@" >>"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log" >&2; fail "loaddata failed"; }
}

start_server() {
  (cd "$WORK" && exec env BUREAU_DATABASE__URL="$DB_URL" BUREAU_SERVER__ADDR="127.0.0.1:$PORT" \
      BUREAU_APP__LOAD_DEMO_FIXTURES=false BUREAU_APP__DATA_DIR="$WORK/data" \
      "${BENCH_ENV[@]}" "$BIN" serve) >"$WORK/server.log" 2>&1 &
  SERVER=$!
  local waited=0
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do
    sleep 0.2; waited=$((waited + 1))
    [ $waited -lt 150 ] || { tail -n 20 "$WORK/server.log" >&2; fail "the server did not become ready"; }
    kill -0 "$SERVER" 2>/dev/null || { tail -n 20 "$WORK/server.log" >&2; fail "the server stopped"; }
  done
}

# The server's resident memory now and at its peak, in MiB: "now peak".
server_memory() {
  awk '/^VmRSS/ { now = $2 } /^VmHWM/ { peak = $2 } END { printf "%.1f %.1f\n", now / 1024, peak / 1024 }' \
    "/proc/$SERVER/status"
}

# Appends "<backend>: server memory ..." to $RESULTS.memory, for the report.
record_memory() {
  local now peak
  read -r now peak < <(server_memory)
  printf '%s: server memory %s MiB resident after the runs, %s MiB at its peak.\n' \
    "$1" "$now" "$peak" | tee -a "$RESULTS.memory" >&2
}

# One run of the load tool, its JSON report on stdout: `load_json <seconds> <connections> <path>
# [oha options]`.
load_json() {
  local seconds=$1 connections=$2 path=$3; shift 3
  # -w: requests still running at the deadline finish (and count) rather than being cut off.
  timeout $((seconds + 60)) "$OHA" --no-tui --output-format json -w -z "${seconds}s" \
    -c "$connections" "$@" "$BASE$path"
}

# One run of the load tool: `measure_once <seconds> <connections> <expected status> <path> [oha
# options]` prints "p50-ms p99-ms requests/s ok" (or "bad:<status codes and errors>").
measure_once() {
  local seconds=$1 connections=$2 expected=$3 path=$4; shift 4
  load_json "$seconds" "$connections" "$path" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
codes = {k: v for k, v in r.get("statusCodeDistribution", {}).items() if k != sys.argv[1]}
errors = r.get("errorDistribution", {})
p = r["latencyPercentiles"]
print("%.2f %.2f %.1f %s" % (p["p50"] * 1000, p["p99"] * 1000, r["summary"]["requestsPerSec"],
      "ok" if not codes and not errors else ("bad:" + json.dumps([codes, errors]).replace(" ", ""))))' "$expected"
}

# WARMUP seconds unmeasured, then RUNS runs of DURATION seconds at CONNECTIONS connections:
# `measure <expected status> <path> [oha options]` prints "requests/s p50-ms p99-ms notes", each
# the median of the runs; notes lists what came back other than the expected status.
measure() {
  local expected=$1 path=$2; shift 2
  local notes="" run p50 p99 rps status
  local -a p50s=() p99s=() rpss=()
  measure_once "$WARMUP" "$CONNECTIONS" "$expected" "$path" "$@" >/dev/null
  for run in $(seq "$RUNS"); do
    read -r p50 p99 rps status < <(measure_once "$DURATION" "$CONNECTIONS" "$expected" "$path" "$@")
    p50s+=("$p50"); p99s+=("$p99"); rpss+=("$rps")
    [ "$status" = ok ] || notes="$notes $status"
  done
  echo "$(median "${rpss[@]}") $(median "${p50s[@]}") $(median "${p99s[@]}")$notes"
}

median() { python3 -c 'import statistics, sys; print("%.1f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# The lines above a results table: when, which commit, the machine and the versions measured.
report_header() {
  local cpu cores ram databases changes
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
  cores=$(nproc)
  ram=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  databases=$(paste -sd, "$OUT_DIR/versions" 2>/dev/null | sed 's/,/, /g')
  rm -f "$OUT_DIR/versions"
  # Which code was measured: the commit, and whether the code (not docs) had uncommitted changes.
  changes=$(git diff --quiet HEAD -- core modules migrations admin_ui src Cargo.toml Cargo.lock \
    || echo ' (with uncommitted changes to the code)')
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $(git rev-parse --short HEAD)$changes."
  echo "Machine: $cores cores ($cpu), $ram RAM; $(uname -sr); load average $LOAD_BEFORE before the run, $(cut -d' ' -f1-3 /proc/loadavg) after."
  echo "Versions: $("$BIN" --version 2>/dev/null || echo bureau) (release build), $(rustc --version | cut -d' ' -f1-2), $("$OHA" --version); $databases."
}

# Writes $RESULTS: the header, `$1` (what was loaded, and how), a table with the heading `$2` and
# the alignment row `$3` over the rows, then the notes and the memory lines; prints it, and with
# --update-docs puts it into docs/benchmarks.md.
write_report() {
  {
    report_header
    echo "$1"
    echo
    echo "$2"
    echo "$3"
    cat "$RESULTS.rows"
    echo
    if [ -f "$RESULTS.notes" ]; then cat "$RESULTS.notes"; fi
    if [ -f "$RESULTS.memory" ]; then sed 's/^/- /' "$RESULTS.memory"; fi
  } >"$RESULTS"
  rm -f "$RESULTS.rows" "$RESULTS.notes" "$RESULTS.memory"
  cat "$RESULTS"
  if $UPDATE_DOCS; then update_docs "$NAME" "$RESULTS"; fi
}

# Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in docs/benchmarks.md.
update_docs() {
  local name=$1 results=$2
  python3 - "$results" docs/benchmarks.md "$name" <<'PY'
import sys
results, docs, name = open(sys.argv[1]).read().strip(), sys.argv[2], sys.argv[3]
text = open(docs).read()
begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(docs, "w").write(head + begin + "\n" + results + "\n" + end + tail)
PY
  say "docs/benchmarks.md updated"
}
