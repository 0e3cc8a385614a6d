#!/usr/bin/env bash
# The monthly restore drill (docs/maintenance.md): restores a backup into a scratch database
# beside the live one and proves it usable, then drops it. Touches nothing live.
#
#   deploy/restore-drill.sh          # the newest dump in BACKUP_DIR (/var/backups/bureau)
#   deploy/restore-drill.sh FILE     # that dump, e.g. one fetched back from off-site storage
#   deploy/restore-drill.sh --keep FILE   # leave bureau_drill in place to look around
#
# Passes when: the checksum matches; the dump loads; the running release's `bureau migrate
# status` and `bureau check` accept the restored database with no migration pending; it has the
# live database's tables and triggers; and its users table is not empty. Prints each count, the
# live one beside it, and the dump's age.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
dir=${BACKUP_DIR:-/var/backups/bureau}
file=${1:-$(find "$dir" -maxdepth 1 -name 'bureau-*.sql.gz' | sort | tail -n 1)}
[ -n "$file" ] || { echo "drill: no dump in $dir" >&2; exit 1; }
drill=bureau_drill

fail() { echo "drill: FAIL: $*" >&2; exit 1; }
db_sql() {
  docker compose exec -T db bash -c 'exec mysql \
    --defaults-extra-file=<(printf "[client]\nuser=root\npassword=%s\n" "$MYSQL_ROOT_PASSWORD") -N -B "$@"' \
    bash "$@"
}
live=$(docker compose exec -T db printenv MYSQL_DATABASE | tr -d '\r')
# shellcheck disable=SC2329 # run by the EXIT trap
cleanup() {
  if ! $keep; then db_sql -e "DROP DATABASE IF EXISTS \`$drill\`" || true; fi
}
trap cleanup EXIT

started=$(date +%s)
deploy/restore.sh "$file" "$drill"

# The release now running, pointed at the drill database: its own URL with the name swapped.
bureau_on_drill() {
  docker compose run --rm --no-deps -T --entrypoint sh migrate -c \
    'BUREAU_DATABASE__URL="${BUREAU_DATABASE__URL%/*}/'"$drill"'" exec bureau "$@"' sh "$@"
}
status=$(bureau_on_drill migrate status) || fail "bureau migrate status refused the restored database"
pending=$(grep -c '^pending' <<<"$status" || true)
[ "$pending" = 0 ] || fail "$pending migration(s) pending: the dump is older than the running release"
bureau_on_drill check >/dev/null || fail "bureau check refused the restored database"

count_tables="SELECT COUNT(*) FROM information_schema.tables WHERE table_schema ="
count_triggers="SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema ="
tables=$(db_sql -e "$count_tables '$drill'")
live_tables=$(db_sql -e "$count_tables '$live'")
triggers=$(db_sql -e "$count_triggers '$drill'")
live_triggers=$(db_sql -e "$count_triggers '$live'")
users=$(db_sql -e "SELECT COUNT(*) FROM \`$drill\`.core_user")
live_users=$(db_sql -e "SELECT COUNT(*) FROM \`$live\`.core_user")
[ "$tables" = "$live_tables" ] || fail "$tables tables restored, the live database has $live_tables"
[ "$triggers" = "$live_triggers" ] || fail "$triggers triggers restored, the live database has $live_triggers"
[ "$users" -gt 0 ] || fail "no users in the restored database"

age_hours=$(( ($(date +%s) - $(stat -c %Y "$file")) / 3600 ))
echo "drill: passed: $file (made ${age_hours} h ago), restored and checked in $(( $(date +%s) - started )) s"
printf 'drill:   %-10s restored %-8s live %s\n' \
  tables "$tables" "$live_tables" triggers "$triggers" "$live_triggers" users "$users" "$live_users"
$keep && echo "drill: kept database $drill; drop it with: DROP DATABASE $drill"
exit 0
