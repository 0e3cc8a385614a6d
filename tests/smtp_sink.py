#!/usr/bin/env python3
"""A real SMTP server for the mail tests: stores every message it accepts as a file.

    smtp_sink.py --dir DIR [--port N] [--user U --password P] [--cert CERT --key KEY]

Listens on 127.0.0.1 (port 0 picks a free one) and prints the port it listens on as the first
line of stdout, so the test knows when it is ready. Each message becomes DIR/<n>.eml, preceded by
`X-MailFrom:` and `X-RcptTo:` lines with the envelope; it is written under another name first and
renamed, so a reader never sees half a message. With --user, AUTH PLAIN/LOGIN with that password is
required. With --cert/--key, STARTTLS is offered and required before anything else.
"""

import argparse
import asyncio
import itertools
import os
import signal
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        number = next(self.numbers)
        head = (
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        partial = os.path.join(self.folder, f"{number:06}.part")
        with open(partial, "wb") as file:
            file.write(head + envelope.original_content)
        os.rename(partial, os.path.join(self.folder, f"{number:06}.eml"))
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        # handled=False: aiosmtpd answers 235 or 535 itself (handled=True would answer nothing).
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    # aiosmtpd warns about AUTH without TLS on every connection; that is deliberate here.
    warnings.simplefilter("ignore")

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    store = Store(args.dir)

    def session():
        return SMTP(
            store,
            hostname="sink.test",
            tls_context=tls,
            require_starttls=tls is not None,
            authenticator=authenticator(args.user, args.password) if args.user else None,
            auth_required=args.user is not None,
            # The tests without TLS still exercise AUTH; the client decides whether that is wise.
            auth_require_tls=tls is not None,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(session, "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
