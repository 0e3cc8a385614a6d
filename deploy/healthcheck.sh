#!/bin/bash
# The image's HEALTHCHECK. The runtime image has no curl, and Bureau has no health subcommand, so
# this asks the server in this container for /readyz (the database answers and its migrations are
# applied) through bash's /dev/tcp, and succeeds on a 200. `healthcheck.sh /healthz` asks whether
# the process answers at all.
#
# The port is that of BUREAU_SERVER__ADDR (the image sets 0.0.0.0:8000); the server must listen on
# the loopback address too, as 0.0.0.0 and [::] do.
set -u

path=${1:-/readyz}
addr=${BUREAU_SERVER__ADDR:-127.0.0.1:8000}
port=${addr##*:}

exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
# The probes are exempt from the allowed-hosts check, so any Host will do.
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
# The status line: HTTP/1.1 200 OK
read -r -t 5 _ status _ <&3 || exit 1
[ "$status" = 200 ]
