"""The account pages in real headless Chromium at a phone's size.

Usage: accounts_on_a_phone.py BASE_URL USERNAME PASSWORD
Signs up a new account, logs in as USERNAME (an existing, verified account), opens the profile and
logs out through the header button, checking on every page that nothing overflows the screen,
that tap targets are big enough, and that the browser reported no errors (a CSP violation, a
missing asset). Exits non-zero with a message on the first problem.
"""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


def main(base: str, username: str, password: str) -> None:
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{r.status} for {r.url}"),
        )

        def check_layout(what: str) -> None:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{what}: {overflow}px wider than the screen")
            for box in page.locator("input:not([type=hidden]), button").all():
                if box.is_visible() and box.bounding_box()["height"] < 32:
                    problems.append(f"{what}: a control is under 32px tall")
            if problems:
                fail(problems)

        page.goto(f"{base}/accounts/signup/")
        check_layout("signup")
        page.fill("#id_username", "phoneuser")
        page.fill("#id_email", "phone@example.com")
        page.fill("#id_password1", "blue kite over hills")
        page.fill("#id_password2", "blue kite over hills")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/accounts/login/")
        if "We sent a confirmation link to phone@example.com" not in page.inner_text(".messages"):
            fail(["no confirmation message after signup"])
        check_layout("login")

        page.fill("#id_login", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/accounts/profile/")
        if f"Successfully signed in as {username}." not in page.inner_text(".messages"):
            fail(["no welcome message after login"])
        check_layout("profile")

        page.click("header .account-nav button")
        page.wait_for_url(f"{base}/")
        if "You have signed out." not in page.inner_text(".messages"):
            fail(["no message after logout"])
        check_layout("home")
        browser.close()
    if problems:
        fail(problems)
    print("ok")


def fail(problems: list[str]) -> None:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:4])
