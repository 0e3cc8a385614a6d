#!/usr/bin/env bash
# Dumps Bureau's MySQL database from docker-compose.yml's `db` service into a gzipped SQL file,
# checks that the dump is complete, records its checksum, copies it off-site when BACKUP_REMOTE
# is set, and deletes local dumps older than BACKUP_KEEP_DAYS. Run from anywhere; the systemd
# timer (deploy/systemd/bureau-backup.timer) runs it daily.
#
#   BACKUP_DIR=/var/backups/bureau  BACKUP_KEEP_DAYS=14
#   BACKUP_REMOTE=offsite:bureau-backups  BACKUP_REMOTE_KEEP_DAYS=90
#
# BACKUP_REMOTE is an rclone destination (remote:path, configured with `rclone config`); empty
# keeps the dumps on this machine only, which is no backup against losing the machine. Dumps
# there older than BACKUP_REMOTE_KEEP_DAYS are deleted after each successful copy.
# The dump is consistent without stopping anything: --single-transaction reads every InnoDB
# table as of one moment while Bureau keeps writing.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${BACKUP_DIR:-/var/backups/bureau}
keep_days=${BACKUP_KEEP_DAYS:-14}
remote=${BACKUP_REMOTE:-}
remote_keep_days=${BACKUP_REMOTE_KEEP_DAYS:-90}

umask 077
mkdir -p "$dir"
file="$dir/bureau-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
trap 'rm -f "$file.partial"' EXIT

# Inside the container, whose environment has the root password; an option file read from a
# pipe keeps it off the command line, as the mysql image's own entrypoint does.
docker compose exec -T db bash -c 'exec mysqldump \
    --defaults-extra-file=<(printf "[client]\nuser=root\npassword=%s\n" "$MYSQL_ROOT_PASSWORD") \
    --single-transaction --quick --routines --triggers --events --hex-blob \
    --set-gtid-purged=OFF --no-tablespaces "$MYSQL_DATABASE"' \
  | gzip -6 > "$file.partial"
# mysqldump ends a complete dump with this line; a dump cut short has none.
if ! gzip -dc "$file.partial" | tail -n 1 | grep -q '^-- Dump completed'; then
  echo "backup: the dump is incomplete; nothing kept" >&2
  exit 1
fi
mv "$file.partial" "$file"
(cd "$dir" && sha256sum "$(basename "$file")" > "$(basename "$file").sha256")

if [ -n "$remote" ]; then
  rclone copy --no-traverse "$file" "$remote"
  rclone copy --no-traverse "$file.sha256" "$remote"
  rclone delete --min-age "${remote_keep_days}d" --include 'bureau-*.sql.gz*' "$remote"
fi

find "$dir" -maxdepth 1 -name 'bureau-*.sql.gz*' -mtime +"$keep_days" -delete
echo "backup: $file ($(du -h "$file" | cut -f1))${remote:+, copied to $remote}"
