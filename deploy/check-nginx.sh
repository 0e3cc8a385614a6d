#!/usr/bin/env bash
# Checks deploy/nginx.conf with the nginx on this machine (Debian: apt-get install nginx-light),
# then runs it on free loopback ports in front of two stand-in instances and tests what it
# promises: the HTTP → HTTPS redirect, certbot's challenge folder and nginx's health check on
# HTTP, TLS 1.2/1.3 and HTTP/2, exactly the forwarded headers Bureau reads, the static cache,
# gzip, the body limit, and retries on the other instance that never resend a POST.
#
# A copy of the file is tested with its machine paths moved into a temporary folder: the
# certificate (a throwaway self-signed one), the cache, the challenge folder, the logs, and the
# instances' addresses (172.30.0.11/.12:8000, docker-compose.yml's) moved to loopback ports.
# Needs nginx, openssl, curl and python3; run as root, or the nginx workers cannot be started
# as another user (then only `nginx -t` runs).
#
#   deploy/check-nginx.sh            # syntax, then the behaviour tests
#   deploy/check-nginx.sh --syntax   # nginx -t only
#   deploy/check-nginx.sh --render DIR HTTP_PORT HTTPS_PORT PORT_A PORT_B
#       # the checked copy in DIR for real instances on PORT_A and PORT_B, left there; run it
#       # with: nginx -p DIR/ -c DIR/nginx.conf -e DIR/error.log -g "pid DIR/nginx.pid;"
#       # (deploy/check-topology.py does)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
conf="$here/nginx.conf"
syntax_only=false
render_to=""
case "${1:-}" in
  --syntax) syntax_only=true ;;
  --render)
    [ $# = 6 ] || { echo "usage: $0 --render DIR HTTP_PORT HTTPS_PORT PORT_A PORT_B" >&2; exit 2; }
    render_to=$2
    syntax_only=true ;;
esac

fail() { printf 'check-nginx: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'check-nginx: ok: %s\n' "$*"; passed=$((passed + 1)); }
passed=0

for tool in nginx openssl curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done

if [ -n "$render_to" ]; then
  mkdir -p "$render_to"
  tmp=$(cd "$render_to" && pwd)
else
  tmp=$(mktemp -d)
fi
pids=()
cleanup() {
  if [ -n "$render_to" ]; then return; fi
  if [ -f "$tmp/nginx.pid" ]; then kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# The workers (another user when run as root) read the challenge folder.
chmod 755 "$tmp"
mkdir -p "$tmp/certs" "$tmp/www/.well-known/acme-challenge" "$tmp/cache"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=example.test -keyout "$tmp/certs/privkey.pem" -out "$tmp/certs/fullchain.pem" \
  2>/dev/null
cp "$tmp/certs/fullchain.pem" "$tmp/certs/chain.pem"

# Four free loopback ports: HTTP, HTTPS, instance A, instance B.
if [ -n "$render_to" ]; then
  http_port=$3 https_port=$4 port_a=$5 port_b=$6
else
  read -r http_port https_port port_a port_b < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
fi

version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
# `http2 on;` is nginx 1.25.1's; older ones say it on the listen line.
old_http2=$(python3 -c 'import sys; print(int(tuple(map(int, sys.argv[1].split("."))) < (1, 25, 1)))' "$version")

temp_paths="client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy;"
for module in fastcgi uwsgi scgi; do
  if ! nginx -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
    temp_paths="$temp_paths ${module}_temp_path $tmp/$module;"
  fi
done

sed -e "s|/etc/letsencrypt/live/bureau|$tmp/certs|g" \
    -e "s|/var/cache/nginx/bureau|$tmp/cache|g" \
    -e "s|/var/www/certbot|$tmp/www|g" \
    -e "s|error_log /dev/stderr|error_log $tmp/error.log|" \
    -e "s|access_log /dev/stdout|access_log $tmp/access.log|" \
    -e "s|172\.30\.0\.11:8000|127.0.0.1:$port_a|" \
    -e "s|172\.30\.0\.12:8000|127.0.0.1:$port_b|" \
    -e "s|listen 80 default_server;|listen 127.0.0.1:$http_port default_server;|" \
    -e "s|listen 443 ssl default_server;|listen 127.0.0.1:$https_port ssl default_server;|" \
    -e "s|^http {|http {\n    $temp_paths|" \
    "$conf" > "$tmp/nginx.conf"
if [ "$old_http2" = 1 ]; then
  sed -i -e "s|ssl default_server;|ssl http2 default_server;|" -e '/^ *http2 on;$/d' "$tmp/nginx.conf"
fi
if grep -v '^ *#' "$tmp/nginx.conf" | grep -q '172\.30\.0\.'; then
  fail "an address of docker-compose.yml was not moved"
fi

nginx_cmd=(nginx -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" -g "pid $tmp/nginx.pid;")
"${nginx_cmd[@]}" -t -q 2>"$tmp/t.log" || { cat "$tmp/t.log" >&2; fail "nginx -t refused the configuration"; }
ok "nginx $version accepts deploy/nginx.conf (nginx -t)"
if $syntax_only; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "check-nginx: not root, so the behaviour tests are skipped"
  exit 0
fi

# The stand-in instances: each records what it received (one JSON line per request) and
# answers 200 (ok) or 503 (fail); /static/ as Bureau does, with Cache-Control and an ETag.
cat > "$tmp/instance.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_one(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with open(log, "a") as f:
            f.write(json.dumps({"port": port, "method": self.command, "path": self.path,
                                "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
        if mode == "fail":
            body, status, headers = b"unavailable", 503, {"Content-Type": "text/plain"}
        elif self.path.startswith("/static/"):
            body = b"body { color: black; }\n" * 100
            cache = "public, max-age=31536000, immutable" if "?v=" in self.path else "public, max-age=300"
            status, headers = 200, {"Content-Type": "text/css", "Cache-Control": cache,
                                    "ETag": '"0123abcd"'}
        else:
            body = json.dumps({"port": port, "padding": "x" * 2048}).encode()
            status, headers = 200, {"Content-Type": "application/json"}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
: > "$tmp/requests.jsonl"
start_instance() { # port mode
  python3 "$tmp/instance.py" "$1" "$2" "$tmp/requests.jsonl" &
  pids+=($!)
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return; sleep 0.1; done
  fail "the stand-in instance on port $1 did not start"
}
start_instance "$port_a" ok
pid_a=${pids[-1]}
start_instance "$port_b" ok

"${nginx_cmd[@]}" || { cat "$tmp/error.log" >&2; fail "nginx did not start"; }

https() { curl -sk --resolve "example.test:$https_port:127.0.0.1" "$@"; }
url="https://example.test:$https_port"
requests() { python3 -c '
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(sum(1 for r in rows if eval(sys.argv[2])))' "$tmp/requests.jsonl" "$1"; }

# HTTP: the redirect, and certbot's challenge answered from the folder.
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: example.test' \
  "http://127.0.0.1:$http_port/store/?q=1")
[ "$out" = "301 https://example.test/store/?q=1" ] || fail "HTTP redirect: got '$out'"
ok "HTTP answers 301 to the same URL on HTTPS"
printf token-content > "$tmp/www/.well-known/acme-challenge/abc123"
chmod -R a+rX "$tmp/www"
out=$(curl -s -w ' %{http_code}' -H 'Host: example.test' \
  "http://127.0.0.1:$http_port/.well-known/acme-challenge/abc123")
[ "$out" = "token-content 200" ] || fail "ACME challenge over HTTP: got '$out'"
ok "HTTP serves /.well-known/acme-challenge/ from the webroot, without redirecting"
out=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$http_port/nginx-health")
[ "$out" = "ok
 200" ] || fail "/nginx-health over HTTP from loopback: got '$out'"
ok "HTTP answers /nginx-health (the container's health check) on loopback"

# TLS versions and HTTP/2.
https --tlsv1.2 --tls-max 1.2 -o /dev/null "$url/" || fail "TLS 1.2 refused"
https --tlsv1.3 -o /dev/null "$url/" || fail "TLS 1.3 refused"
if https --tlsv1.1 --tls-max 1.1 -o /dev/null "$url/" 2>/dev/null; then fail "TLS 1.1 accepted"; fi
out=$(https --http2 -o /dev/null -w '%{http_version}' "$url/")
[ "$out" = 2 ] || fail "HTTP/2 not negotiated (got HTTP/$out)"
ok "TLS 1.2 and 1.3 accepted, 1.1 refused; HTTP/2 negotiated"

# Forwarded headers: exactly Bureau's, with forged ones from the client replaced.
https -o /dev/null -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Forwarded-Proto: http' \
  -H 'X-Forwarded-Host: evil.test' -H 'X-Request-Id: forged' "$url/headers-probe"
python3 - "$tmp/requests.jsonl" <<'PY' || fail "forwarded headers wrong (see above)"
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"/headers-probe"' in l]
assert len(rows) == 1, rows
h = rows[0]["headers"]
expected = {"host": "example.test", "x-forwarded-for": "127.0.0.1",
            "x-forwarded-proto": "https", "x-forwarded-host": "example.test"}
for name, value in expected.items():
    assert h.get(name) == value, (name, h.get(name))
assert re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")), h.get("x-request-id")
assert "x-real-ip" not in h and "forwarded" not in h, h
PY
ok "Host, X-Forwarded-For/-Proto/-Host and X-Request-Id sent, client's forgeries replaced"

# Static files: cached by nginx as long as Bureau says, Cache-Control passed on unchanged.
https -o /dev/null "$url/static/core/site.css?v=0123abcd"
out=$(https -D - -o /dev/null "$url/static/core/site.css?v=0123abcd" | tr -d '\r')
grep -qi '^x-cache-status: HIT$' <<<"$out" || fail "static file not served from the cache: $out"
grep -qi '^cache-control: public, max-age=31536000, immutable$' <<<"$out" \
  || fail "static Cache-Control not passed on: $out"
[ "$(requests 'r["path"] == "/static/core/site.css?v=0123abcd"')" = 1 ] \
  || fail "the instances were asked for a cached static file more than once"
ok "static files cached (second request a HIT, instances asked once), Cache-Control kept"

# gzip for text.
out=$(https -H 'Accept-Encoding: gzip' -D - -o /dev/null "$url/api/thing/" | tr -d '\r')
grep -qi '^content-encoding: gzip$' <<<"$out" || fail "JSON not gzipped: $out"
ok "text answers gzipped"

# Body limit: above client_max_body_size refused by nginx, below passed to the instance.
head -c $((5 * 1024 * 1024)) /dev/zero > "$tmp/big"
head -c $((3 * 1024 * 1024)) /dev/zero > "$tmp/medium"
out=$(https -o /dev/null -w '%{http_code}' --data-binary "@$tmp/big" "$url/upload")
[ "$out" = 413 ] || fail "a 5 MiB body got $out, not 413"
out=$(https -o /dev/null -w '%{http_code}' --data-binary "@$tmp/medium" "$url/upload")
[ "$out" = 200 ] || fail "a 3 MiB body got $out, not 200"
ok "bodies over 4 MiB refused with 413, smaller ones passed on"

# Retries: instance A down, then answering 503. Every GET still succeeds on B; a POST is
# retried only when A never received it, so no POST reaches the instances twice.
kill "$pid_a"
wait "$pid_a" 2>/dev/null || true
for i in 1 2 3 4; do
  out=$(https -o /dev/null -w '%{http_code}' "$url/down-get-$i")
  [ "$out" = 200 ] || fail "GET with instance A down: $out"
  out=$(https -o /dev/null -w '%{http_code}' -d x "$url/down-post-$i")
  [ "$out" = 200 ] || fail "POST with instance A down (connection refused, so retried): $out"
done
ok "with one instance down, GET and POST are answered by the other"

# nginx has marked A failed for fail_timeout; wait it out so A gets requests again.
start_instance "$port_a" fail
sleep 11
for i in 1 2 3 4; do
  out=$(https -o /dev/null -w '%{http_code}' "$url/fail-get-$i")
  [ "$out" = 200 ] || fail "GET with instance A answering 503: $out"
done
# A is marked failed again by those 503s; once it is back, POSTs reach it and get its 503.
sleep 11
statuses=""
for i in 1 2 3 4 5 6; do
  statuses="$statuses $(https -o /dev/null -w '%{http_code}' -d x "$url/fail-post-$i")"
done
[ "$(requests 'r["path"].startswith("/fail-get-") and r["port"] == '"$port_a")" -ge 1 ] \
  || fail "instance A received no GET, so the retry was not exercised"
[ "$(requests 'r["path"].startswith("/fail-post-") and r["port"] == '"$port_a")" -ge 1 ] \
  || fail "instance A received no POST, so not resending was not exercised"
[ "$(requests 'r["path"].startswith("/fail-post-")')" = 6 ] \
  || fail "POSTs reached the instances $(requests 'r["path"].startswith("/fail-post-")') times for 6 sent:$statuses"
ok "GETs answered 503 by one instance are retried on the other; POSTs never resent (got$statuses)"

printf '%s passed, 0 failed\n' "$passed"
