#!/usr/bin/env python3
"""docker-compose.yml's topology on one machine, without Docker: MariaDB, two Bureau instances in
the production profile and Debian's nginx with deploy/nginx.conf, all on 127.0.0.1. It shows that

  1. a session made on one instance works on the other (sessions live in the database);
  2. an RBAC change made on one instance applies on the other, without a restart;
  3. a message is mailed exactly once, though both instances run the outbox worker;
  4. stopping one instance under load loses no request nginx can retry (GETs through nginx all
     succeed while one instance shuts down).

    deploy/check-topology.py [--bin target/debug/bureau] [--mysql mysql://root@127.0.0.1:3306]

Needs a built `bureau`, a MariaDB/MySQL server the URL reaches (with the `mariadb` or `mysql`
client), nginx (Debian's nginx-light), openssl, and python3 with aiosmtpd (for tests/smtp_sink.py).
Run as root, as nginx's workers switch user. Exits non-zero, saying what failed, when a check fails.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "topology-password-1"


def say(message):
    print(f"check-topology: {message}", flush=True)


def fail(message):
    print(f"check-topology: FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def wait_until(what, check, seconds=30.0):
    """Polls `check` until it answers something true; fails naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"{what}: not within {seconds:.0f} s")


class Client:
    """A browser of one site: a cookie (the session) and the CSRF token its pages carry.

    Secure cookies and HTTPS-only pages are the production profile's; talking to an instance
    directly, the client says what nginx would (X-Forwarded-Proto: https, from 127.0.0.1, a
    trusted proxy)."""

    def __init__(self, port, tls=False):
        self.port, self.tls = port, tls
        self.cookies = {}

    def on(self, port, tls=False):
        """The same browser (same cookies) talking to another address."""
        other = Client(port, tls)
        other.cookies = self.cookies
        return other

    def request(self, method, path, form=None):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "localhost"}
        if not self.tls:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = "https://localhost"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, response.headers

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        """Submits the form at `path` with its CSRF token, as a browser does."""
        _, page, _ = self.get(path)
        token = hidden(page, "csrf_token")
        return self.request("POST", path, [("csrf_token", token)] + list(fields))


def hidden(page, name):
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    if not found:
        fail(f"no {name} on the page:\n{page[:2000]}")
    return unescape(found.group(1))


def unescape(text):
    for entity, char in [("&#x2f;", "/"), ("&quot;", '"'), ("&#x27;", "'"), ("&lt;", "<"),
                         ("&gt;", ">"), ("&amp;", "&")]:
        text = text.replace(entity, char)
    return text


class Stack:
    """The processes and the database of one run; `stop` undoes everything `start` did."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="bureau-topology."))
        self.processes = {}
        self.database = f"bureau_topology_{os.getpid()}"
        self.mysql = urllib.parse.urlparse(args.mysql)
        client = "mariadb" if subprocess.run(["which", "mariadb"], capture_output=True).returncode == 0 else "mysql"
        self.sql_client = [client, "-h", self.mysql.hostname or "127.0.0.1",
                           "-P", str(self.mysql.port or 3306), "-u", self.mysql.username or "root"]
        if self.mysql.password:
            self.sql_client.append(f"-p{self.mysql.password}")
        self.http_port, self.https_port, self.port_a, self.port_b = free_ports(4)

    def sql(self, statement):
        subprocess.run(self.sql_client + ["-e", statement], check=True, timeout=60)

    def env(self, name):
        return {
            **os.environ,
            "BUREAU_APP__PROFILE": "production",
            "BUREAU_APP__DEBUG": "false",
            "BUREAU_APP__LOAD_DEMO_FIXTURES": "false",
            "BUREAU_APP__DATA_DIR": str(self.tmp / name),
            "BUREAU_SECURITY__SECRET_KEY": self.secret,
            "BUREAU_SERVER__ALLOWED_HOSTS": "localhost",
            "BUREAU_SERVER__TRUSTED_PROXIES": "127.0.0.1",
            "BUREAU_CORS__ALLOWED_ORIGINS": "",
            "BUREAU_DATABASE__URL": f"{self.args.mysql.rstrip('/')}/{self.database}",
            "BUREAU_AUTH__SITE_URL": f"https://localhost:{self.https_port}",
            "BUREAU_MAIL__TRANSPORT": "smtp",
            "BUREAU_MAIL__SMTP_HOST": "127.0.0.1",
            "BUREAU_MAIL__SMTP_PORT": str(self.smtp_port),
            "BUREAU_MAIL__SMTP_TLS": "none",
            "BUREAU_MAIL__POLL_INTERVAL_MS": "200",
            "BUREAU_LOG__LEVEL": "warn",
        }

    def bureau(self, name, *args, extra=None):
        env = self.env(name) | (extra or {})
        done = subprocess.run([self.args.bin, *args], env=env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            fail(f"bureau {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self):
        self.secret = secrets.token_urlsafe(48)
        self.mail_dir = self.tmp / "mail"
        self.mail_dir.mkdir()
        sink = subprocess.Popen([sys.executable, str(ROOT / "tests/smtp_sink.py"), "--dir",
                                 str(self.mail_dir)], stdout=subprocess.PIPE, text=True)
        self.processes["smtp"] = sink
        self.smtp_port = int(sink.stdout.readline())
        self.sql(f"CREATE DATABASE `{self.database}`")
        self.bureau("setup", "migrate", "up")
        self.bureau("setup", "createsuperuser", "--no-input", "--username", "admin",
                    "--email", "admin@example.com", extra={"BUREAU_SUPERUSER_PASSWORD": PASSWORD})
        # A staff member with no role yet, who signs in with the admin's password hash.
        self.bureau("setup", "loaddata", str(self.staff_fixture()))
        for name, port in [("a", self.port_a), ("b", self.port_b)]:
            env = self.env(name) | {"BUREAU_SERVER__ADDR": f"127.0.0.1:{port}"}
            log = open(self.tmp / f"{name}.log", "w")
            self.processes[name] = subprocess.Popen([self.args.bin, "serve"], env=env,
                                                    stdout=log, stderr=subprocess.STDOUT)
            wait_until(f"instance {name} ready on {port}",
                       lambda port=port: Client(port).get("/readyz")[0] == 200)
        conf = self.tmp / "nginx"
        render = subprocess.run([str(ROOT / "deploy/check-nginx.sh"), "--render", str(conf),
                                 str(self.http_port), str(self.https_port), str(self.port_a),
                                 str(self.port_b)], capture_output=True, text=True, timeout=60)
        if render.returncode != 0:
            fail(f"cannot render deploy/nginx.conf: {render.stdout}{render.stderr}")
        self.processes["nginx"] = subprocess.Popen([
            "nginx", "-p", f"{conf}/", "-c", str(conf / "nginx.conf"), "-e", str(conf / "error.log"),
            "-g", f"pid {conf}/nginx.pid; daemon off;"])
        wait_until("nginx ready", lambda: Client(self.https_port, tls=True).get("/readyz")[0] == 200)
        say(f"MariaDB database {self.database}, instances on {self.port_a} and {self.port_b}, "
            f"nginx on {self.http_port} (HTTP) and {self.https_port} (HTTPS)")

    def staff_fixture(self):
        user_hash = subprocess.run(
            self.sql_client + ["-N", "-e", f"SELECT password FROM `{self.database}`.core_user "
                               "WHERE username = 'admin'"],
            capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        path = self.tmp / "staff.json"
        path.write_text(json.dumps([{
            "model": "core.user",
            "pk": 500,
            "fields": {
                "username": "sam", "username_key": "sam",
                "email": "sam@example.com", "email_key": "sam@example.com",
                "password": user_hash, "is_active": True, "is_staff": True,
                "is_superuser": False, "email_verified": True,
                "date_joined": "2026-11-01T08:00:00Z", "last_login": None,
            },
        }]))
        return path

    def stop(self):
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    process.kill()
        try:
            self.sql(f"DROP DATABASE IF EXISTS `{self.database}`")
        except (subprocess.SubprocessError, OSError):
            pass
        if not self.args.keep:
            subprocess.run(["rm", "-rf", str(self.tmp)])
        else:
            say(f"kept {self.tmp}")

    def mails(self):
        return sorted(self.mail_dir.glob("*.eml"))


def log_in(client, username):
    status, _, headers = client.post("/accounts/login/", [("login", username), ("password", PASSWORD)])
    if status != 303:
        fail(f"{username} cannot log in (HTTP {status})")
    return client


def sessions_are_shared(stack):
    on_a = log_in(Client(stack.port_a), "sam")
    status, page, _ = on_a.on(stack.port_b).get("/accounts/profile/")
    if status != 200 or "sam@example.com" not in page:
        fail(f"the session made on instance A is not known to instance B (HTTP {status})")
    status, page, _ = on_a.on(stack.https_port, tls=True).get("/accounts/profile/")
    if status != 200 or "sam@example.com" not in page:
        fail(f"the session does not work through nginx (HTTP {status})")
    say("ok: a session made on instance A works on instance B and through nginx")


def rbac_changes_reach_the_other_instance(stack):
    sam_on_b = log_in(Client(stack.port_b), "sam")
    orders = "/admin/store/order/"
    status, _, _ = sam_on_b.get(orders)
    if status != 403:
        fail(f"sam, with no role, sees the orders on B (HTTP {status})")
    admin_on_a = log_in(Client(stack.port_a), "admin")
    form_url = "/admin/core/user/500/change/"
    _, form, _ = admin_on_a.get(form_url)
    # The role checkboxes: <input type="checkbox" name="roles" value="<id>"> <role's name>
    ticks = re.findall(r'name="roles" value="(\d+)"[^>]*>\s*([^<]+)', form)
    role_id = next((value for value, label in ticks if label.split()[0] == "store_manager"), None)
    if role_id is None:
        fail(f"no store_manager role on sam's page: {ticks}")
    status, page, _ = admin_on_a.request("POST", form_url, [
        ("csrf_token", hidden(form, "csrf_token")),
        ("username", "sam"), ("email", "sam@example.com"), ("is_active", "on"),
        ("is_staff", "on"), ("email_verified", "on"),
        ("_version", hidden(form, "_version")), ("_original", hidden(form, "_original")),
        ("roles", role_id),
    ])
    if status != 303:
        fail(f"the admin on A cannot give sam a role (HTTP {status}):\n{page[:3000]}")
    started = time.monotonic()
    wait_until("sam's new role on instance B", lambda: sam_on_b.get(orders)[0] == 200, seconds=10)
    say(f"ok: a role given on instance A applies on instance B after {time.monotonic() - started:.1f} s, "
        "without a restart")


def mail_is_sent_once(stack):
    before = len(stack.mails())
    status, _, _ = Client(stack.https_port, tls=True).post(
        "/accounts/password/reset/", [("email", "sam@example.com")])
    if status not in (200, 303):
        fail(f"password reset through nginx: HTTP {status}")
    wait_until("the reset mail at the SMTP server", lambda: len(stack.mails()) > before)
    # Both workers poll every 200 ms: ten polls each is ample for a second copy to show.
    time.sleep(4)
    sent = [m for m in stack.mails()[before:] if "sam@example.com" in m.read_text(errors="replace")]
    if len(sent) != 1:
        fail(f"the reset mail was sent {len(sent)} times")
    say("ok: both instances run the outbox worker and the mail is sent exactly once")


def an_instance_stops_under_load_and_no_request_is_lost(stack):
    results, lock, stop = {}, threading.Lock(), threading.Event()

    def load():
        client = Client(stack.https_port, tls=True)
        while not stop.is_set():
            try:
                status = client.get("/store/")[0]
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            with lock:
                results[status] = results.get(status, 0) + 1

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before = sum(results.values())
    stack.processes["b"].send_signal(signal.SIGTERM)
    code = stack.processes["b"].wait(timeout=40)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    total = sum(results.values())
    if code != 0:
        fail(f"instance B did not stop cleanly on SIGTERM (exit {code})")
    if set(results) != {200} or total - before < 10:
        fail(f"requests through nginx while instance B stopped: {results}")
    # nginx's log names two upstreams for a request it sent to B, found closed, and retried on A.
    access = (stack.tmp / "nginx/access.log").read_text(errors="replace")
    retried = len(re.findall(rf"upstream=127\.0\.0\.1:{stack.port_b}, 127\.0\.0\.1:{stack.port_a}", access))
    say(f"ok: {total} GETs through nginx, {total - before} of them after instance B was told to "
        f"stop, {retried} retried on A by nginx: every one answered 200")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    parser.add_argument("--bin", default=str(target / "debug/bureau"))
    parser.add_argument("--mysql", default="mysql://root@127.0.0.1:3306")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and its logs")
    args = parser.parse_args()
    if not Path(args.bin).is_file():
        fail(f"no bureau binary at {args.bin} (cargo build first, or --bin)")
    stack = Stack(args)
    try:
        stack.start()
        sessions_are_shared(stack)
        rbac_changes_reach_the_other_instance(stack)
        mail_is_sent_once(stack)
        an_instance_stops_under_load_and_no_request_is_lost(stack)
    finally:
        stack.stop()
    say("all checks passed")


if __name__ == "__main__":
    main()
