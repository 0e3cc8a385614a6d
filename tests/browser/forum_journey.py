"""A new user's first visit in real headless Chromium: sign up, log in, find a film, post, vote.

Usage: forum_journey.py BASE_URL SCREENSHOT_DIR
Runs against the app with its demo data (the film catalogue and the demo forum) and optional
email verification. Saves a screenshot of each step, desktop size, into SCREENSHOT_DIR, and fails
on the first step that does not do what the user expects, on any browser error (a CSP violation,
a failed request, a script error), and if a script hidden in the post ever runs.
"""

import pathlib
import re
import sys

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
USERNAME = "newcomer"
PASSWORD = "violet lanterns at dusk"
ATTACK = '<script>alert("xss")</script><img src=x onerror=alert("img")>'


def main(base: str, shots: str) -> None:
    out = pathlib.Path(shots)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        # Chromium logs every 4xx answer as a console error; the response handler judges those.
        page.on(
            "console",
            lambda m: m.type == "error"
            and "the server responded with a status of 4" not in m.text
            and problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: problems.append(f"a script ran: {d.message}") or d.dismiss())
        # A form answered 422 is the design; so is the 404 of the attack's image once it has
        # lost its onerror (`src=x`, relative to the post).
        page.on(
            "response",
            lambda r: (r.status >= 500 or r.status in (403, 404))
            and not r.url.endswith("/x")
            and problems.append(f"{r.status} {r.url}"),
        )

        def shot(name: str) -> None:
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            if problems:
                fail(problems)

        def message() -> str:
            return page.locator(".messages").inner_text()

        page.goto(f"{base}/")
        expect(page.locator(".movie-card").first).to_be_visible()
        shot("01-home")

        # Sign up: with optional verification the new account is logged in straight away.
        page.click("header a:text('Sign up')")
        page.fill("#id_username", USERNAME)
        page.fill("#id_email", "newcomer@example.com")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/accounts/profile/")
        expect(page.locator(".messages")).to_contain_text(f"Welcome, {USERNAME}!")
        shot("02-signed-up")

        page.click("header .account-nav button")
        page.wait_for_url(f"{base}/")
        page.click("header a:text('Log in')")
        page.fill("#id_login", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/accounts/profile/")
        expect(page.locator(".messages")).to_contain_text(f"Successfully signed in as {USERNAME}.")
        shot("03-logged-in")

        # Search without the accent the title has.
        page.goto(f"{base}/")
        page.fill("#q", "AMELIE")
        page.click(".movie-search button[type=submit]")
        page.wait_for_url(re.compile(r"[?&]q=AMELIE"))
        film = page.locator(".movie-card a", has_text="Amélie")
        expect(film).to_have_count(1)
        shot("04-search")

        film.click()
        page.wait_for_url(re.compile(r"/movies/\d+/$"))
        film_url = page.url
        expect(page.locator("h1")).to_contain_text("Amélie Poulain")
        expect(page.locator(".film-posts")).to_contain_text("Amélie on a rainy Sunday")
        shot("05-film")

        # A post about the film: first with mistakes, then for real, with a script in it.
        page.click(".film-posts a:text('Write about this film')")
        page.wait_for_url(re.compile(r"/forum/new/\?movie=\d+$"))
        page.click("main button[type=submit]")
        expect(page.locator("#id_title_errors, .field.has-error").first).to_be_visible()
        expect(page.locator(".messages .message-error")).to_contain_text("not published yet")
        shot("06-post-with-errors")
        page.fill("#id_title", f"Seen it twice {ATTACK}")
        page.fill("#id_body", f"The *garden gnome* photos are the best running joke.\n\n{ATTACK}")
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r"/forum/\d+/$"))
        post_url = page.url
        expect(page.locator(".messages")).to_contain_text("Your post is published.")
        expect(page.locator("h1")).to_contain_text('<script>alert("xss")</script>')
        expect(page.locator(".post-body em")).to_have_text("garden gnome")
        if page.locator(".post-body script, .post-body img[onerror]").count():
            fail(["the post body kept a script"])
        shot("07-published")

        # Votes toggle: up, up again takes it back, down switches.
        score = page.locator(".post .score")
        expect(score).to_have_text("0")
        page.click("button[aria-label='Vote up']")
        page.wait_for_url(post_url)
        expect(page.locator(".messages")).to_contain_text("You voted this post up.")
        expect(score).to_have_text("1")
        expect(page.locator("button[aria-label='Vote up']")).to_have_attribute("aria-pressed", "true")
        shot("08-voted-up")
        page.click("button[aria-label='Vote up']")
        expect(page.locator(".messages")).to_contain_text("Your vote is taken back.")
        expect(score).to_have_text("0")
        page.click("button[aria-label='Vote down']")
        expect(page.locator(".messages")).to_contain_text("You voted this post down.")
        expect(score).to_have_text("-1")
        expect(page.locator("button[aria-label='Vote up']")).to_have_attribute("aria-pressed", "false")
        expect(page.locator("button[aria-label='Vote down']")).to_have_attribute("aria-pressed", "true")
        shot("09-voted-down")

        # Someone else's post about the film: a vote adds to the votes it has.
        page.goto(film_url)
        expect(page.locator(".film-posts")).to_contain_text("Seen it twice")
        page.click(".film-posts a:text('Amélie on a rainy Sunday')")
        before = int(score.inner_text())
        page.click("button[aria-label='Vote up']")
        expect(page.locator(".messages")).to_contain_text("You voted this post up.")
        expect(score).to_have_text(str(before + 1))
        if page.locator(".post-actions a:text('Edit')").count():
            fail(["another user's post offers an Edit link"])
        shot("10-voted-on-another-post")
        browser.close()
    if problems:
        fail(problems)
    print("ok")


def fail(problems: list[str]) -> None:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
