#!/usr/bin/env bash
# Restores a dump made by deploy/backup.sh into the `db` service of docker-compose.yml.
#
#   deploy/restore.sh FILE             # the live database: stops app-1 and app-2 first, asks
#   deploy/restore.sh --yes FILE       #   ... without asking
#   deploy/restore.sh FILE bureau_x    # another database on the same server (restore drills)
#
# The target database is dropped and created again, then the dump is loaded; Bureau's MySQL user
# gets every privilege on it. The instances are left stopped after a live restore: start them
# with the image of the release the dump was made with (docs/deployment.md, "Restore").
set -euo pipefail
cd "$(dirname "$0")/.."

yes=false
if [ "${1:-}" = "--yes" ]; then yes=true; shift; fi
file=${1:?usage: deploy/restore.sh [--yes] FILE [DATABASE]}
target=${2:-}
[ -f "$file" ] || { echo "restore: no file $file" >&2; exit 1; }
if [ -f "$file.sha256" ]; then
  (cd "$(dirname "$file")" && sha256sum --check --quiet "$(basename "$file").sha256") \
    || { echo "restore: $file does not match its checksum" >&2; exit 1; }
fi
gzip -t "$file"

# SQL as root inside the db container (its environment has the password and the names); the
# option file, read from a pipe, must come first and keeps the password off the command line.
db_sql() {
  docker compose exec -T db bash -c 'exec mysql \
    --defaults-extra-file=<(printf "[client]\nuser=root\npassword=%s\n" "$MYSQL_ROOT_PASSWORD") "$@"' \
    bash "$@"
}
live=$(docker compose exec -T db printenv MYSQL_DATABASE | tr -d '\r')
user=$(docker compose exec -T db printenv MYSQL_USER | tr -d '\r')
target=${target:-$live}
case $target in
  *[!A-Za-z0-9_]*|"") echo "restore: bad database name '$target'" >&2; exit 1 ;;
esac

if [ "$target" = "$live" ]; then
  if ! $yes; then
    [ -t 0 ] || { echo "restore: replacing the live database needs --yes without a terminal" >&2; exit 1; }
    read -r -p "This replaces the live database '$live' with $file. Type 'yes' to continue: " answer
    [ "$answer" = yes ] || { echo "restore: not confirmed; nothing changed"; exit 1; }
  fi
  # Nothing may write while the tables are replaced.
  docker compose stop app-1 app-2
fi

db_sql -e "DROP DATABASE IF EXISTS \`$target\`;
           CREATE DATABASE \`$target\` CHARACTER SET utf8mb4;
           GRANT ALL PRIVILEGES ON \`$target\`.* TO '$user'@'%';"
gzip -dc "$file" | db_sql "$target"
tables=$(db_sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$target'")
echo "restore: $file loaded into '$target' ($tables tables)"
if [ "$target" = "$live" ]; then
  echo "restore: app-1 and app-2 are stopped; check \`docker compose run --rm migrate migrate status\`, then \`docker compose up -d --wait\`"
fi
