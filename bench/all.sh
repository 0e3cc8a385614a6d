#!/usr/bin/env bash
# Every benchmark, one after the other, each as its own script runs it: the tasks API, the public
# pages, the admin list over a million rows, overload, and the database going away under load.
#
#   bench/all.sh                  # writes target/bench/*.md
#   bench/all.sh --update-docs    # and puts each table into docs/benchmarks.md
#
# The scripts' settings (environment) apply to all of them. About 50 minutes.
set -euo pipefail
cd "$(dirname "$0")"
for bench in tasks_api public_pages admin_list overload db_restart; do
  printf '\n==== bench/%s.sh\n' "$bench" >&2
  "./$bench.sh" "$@"
done
