"""Swagger UI at /api/docs in real headless Chromium: it renders the combined document, breaks no
rule of the site's Content-Security-Policy, and "Try it out" works for an unsafe method with the
browser session (the page adds the session's CSRF token).

Usage: api_docs.py BASE_URL USERNAME PASSWORD SCREENSHOT_DIR
Saves a screenshot of each step into SCREENSHOT_DIR and fails on the first step that does not do
what a reader expects, or on any browser error (a CSP violation, a failed request, a script error).
"""

import json
import pathlib
import sys

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"

# Chromium logs CSP violations to the console too; the event says which directive, for the message.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""


def main(base: str, username: str, password: str, shots: str) -> None:
    out = pathlib.Path(shots)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.add_init_script(REPORT_CSP)
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
        sent: list[dict] = []
        page.on(
            "request",
            lambda r: r.url.rstrip("/").endswith("/api/auth/login") and sent.append(r.headers),
        )

        def shot(name: str) -> None:
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            if problems:
                fail(problems)

        def login_operation():
            return page.locator(".opblock-post", has_text="/api/auth/login")

        # Anonymous: the document renders with every operation of /api/auth.
        page.goto(f"{base}/api/docs")
        for path in ["/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/me"]:
            expect(page.locator(".opblock-summary-path", has_text=path).first).to_be_visible()
        expect(page.locator(".info .title")).to_contain_text("API")
        shot("01-anonymous")

        # Logged in with the browser session, "Try it out" on an unsafe method.
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_login", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/accounts/profile/")
        page.goto(f"{base}/api/docs")
        expect(page.locator(".api-docs-header")).to_contain_text(f"Logged in as {username}")
        login_operation().locator(".opblock-summary").click()
        login_operation().locator("button.try-out__btn").click()
        login_operation().locator("textarea.body-param__text").fill(
            json.dumps({"username": username, "password": password})
        )
        login_operation().locator("button.execute").click()
        status = login_operation().locator(".live-responses-table .response .response-col_status")
        expect(status.first).to_have_text("200")
        expect(login_operation().locator(".live-responses-table")).to_contain_text("access_token")
        shot("02-try-it-out-with-the-session")
        if not sent or "x-csrf-token" not in sent[-1]:
            problems.append(f"the request carried no X-CSRF-Token: {sent}")

        browser.close()
    if problems:
        fail(problems)
    print("ok")


def fail(problems: list[str]) -> None:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:5])
