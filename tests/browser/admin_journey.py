"""The admin in real headless Chromium: log in, create, edit, search, filter, publish (an object
action) and delete a note.

Usage: admin_journey.py BASE_URL USERNAME PASSWORD SCREENSHOT_DIR
Saves a screenshot of each step (desktop and phone sizes) into SCREENSHOT_DIR and fails on the
first step that does not do what a staff user expects, or on any browser error (a CSP violation,
a failed request).
"""

import pathlib
import re
import sys

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main(base: str, username: str, password: str, shots: str) -> None:
    out = pathlib.Path(shots)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        # A form answered 422 is logged by Chromium as a failed resource; that is the design.
        page.on(
            "console",
            lambda m: m.type == "error"
            and "status of 4" not in m.text
            and problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

        def shot(name: str) -> None:
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            if problems:
                fail(problems)

        page.goto(f"{base}/admin/")
        page.fill("#id_login", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        expect(page.locator("h1")).to_have_text("Administration")
        shot("01-dashboard")

        page.click("a[href='/admin/probe/note/']")
        page.click("text=Add note")
        page.fill("#id_title", "")
        page.fill("#id_created_at", "2026-11-23T10:00")
        page.click("button[name=_save]")
        expect(page.locator(".errorlist").first).to_contain_text("This field is required.")
        shot("02-add-with-errors")
        page.fill("#id_title", "Written in Chromium")
        page.check("#id_published")
        page.click("button[name=_save]")
        page.wait_for_url(f"{base}/admin/probe/note/")
        expect(page.locator(".messages")).to_contain_text("was added")
        shot("03-list-after-add")

        page.click(".result-list a:text('Written in Chromium')")
        page.fill("#id_title", "Edited in Chromium")
        page.click("button[name=_continue]")
        expect(page.locator(".messages")).to_contain_text("was changed")
        shot("04-change-form")

        page.goto(f"{base}/admin/probe/note/")
        # Search as you type: htmx replaces the results without a page load.
        page.fill("#search-box", "edited in")
        expect(page.locator(".result-count")).to_have_text("1 row")
        expect(page).to_have_url(re.compile(r".*/admin/probe/note/\?q=edited(\+|%20)in$"))
        shot("05-search")
        page.fill("#search-box", "")
        page.click(".filters a:text('No')")
        expect(page.locator(".result-list")).not_to_contain_text("Edited in Chromium")
        page.click(".filters a:text('Yes')")
        expect(page.locator(".result-list")).to_contain_text("Edited in Chromium")
        shot("06-filtered")

        # An object action: "Publish" asks for a note and a channel, and only for a draft.
        page.click(".result-list a:text('Edited in Chromium')")
        page.uncheck("#id_published")
        page.click("button[name=_continue]")
        shot("07-draft-offers-publish")
        page.click(".object-tools a:text('Publish')")
        expect(page.locator("h1")).to_have_text("Publish")
        page.click("main button[type=submit]")
        expect(page.locator("#id_note_errors")).to_contain_text("This field is required.")
        shot("08-object-action-with-errors")
        page.fill("#id_note", "Ready for readers")
        page.select_option("#id_channel", "site")
        page.click("main button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("was published by")
        expect(page.locator(".object-tools")).not_to_contain_text("Publish")
        shot("09-after-object-action")

        page.click("a.button.danger")
        expect(page.locator("h1")).to_contain_text("Delete note")
        shot("10-delete-confirmation")
        page.click("button.danger")
        page.wait_for_url(f"{base}/admin/probe/note/")
        expect(page.locator(".messages")).to_contain_text("was deleted")
        expect(page.locator(".result-list")).not_to_contain_text("Edited in Chromium")
        shot("11-after-delete")

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/admin/core/user/")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"the user list is {overflow}px wider than a phone")
        phone.screenshot(path=str(out / "12-phone-user-list.png"), full_page=True)
        browser.close()
    if problems:
        fail(problems)
    print("ok")


def fail(problems: list[str]) -> None:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:5])
