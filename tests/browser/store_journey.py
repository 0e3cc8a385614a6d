"""A customer's purchase in real headless Chromium: browse, cart, checkout, pay, order history.

Usage: store_journey.py BASE_URL USERNAME PASSWORD SCREENSHOT_DIR MANAGER MANAGER_PASSWORD
Runs against the app with the demo store (and its shipping rates) loaded, as USERNAME, an existing
verified account. Browses as a guest, fills the cart, logs in at checkout (the cart comes along),
gives an address, chooses shipping, places the order, goes through the sandbox's 3-D Secure step
and finds the paid order in the history, at desktop size and on a phone. Then MANAGER, a store
manager, finds the order in the admin, marks it shipped with a tracking number and refunds it, and
the customer's tracking page tells both. Saves a screenshot of
each step into SCREENSHOT_DIR and fails on the first step that does not do what a customer
expects, on any browser error, and on pages wider than the phone's screen.
"""

import pathlib
import re
import sys

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main(base: str, username: str, password: str, shots: str, manager: str,
         manager_password: str) -> None:
    out = pathlib.Path(shots)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for device, options in [
            ("desktop", {"viewport": {"width": 1280, "height": 900}}),
            ("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}),
        ]:
            page = browser.new_context(**options).new_page()
            page.on(
                "console",
                lambda m: m.type == "error"
                and "the server responded with a status of 4" not in m.text
                and problems.append(f"console: {m.text}"),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "response",
                lambda r: (r.status >= 500 or r.status in (403, 404))
                and problems.append(f"{r.status} {r.url}"),
            )

            def shot(name: str) -> None:
                page.screenshot(path=str(out / f"{device}-{name}.png"), full_page=True)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    problems.append(f"{device} {name}: {overflow}px wider than the screen")
                if problems:
                    fail(problems)

            # Browse as a guest: the store, a category, a product.
            page.goto(f"{base}/store/")
            expect(page.locator("h1")).to_be_visible()
            shot("01-store")
            page.goto(f"{base}/store/?category=kitchen&in_stock=1&sort=price")
            product = page.locator("main a[href^='/store/p/']").first
            expect(product).to_be_visible()
            product.click()
            page.wait_for_url(re.compile(r"/store/p/[^/]+/$"))
            name = page.locator("h1").inner_text()
            shot("02-product")

            page.fill("input[name=quantity]", "2")
            page.click("form[action='/store/cart/add/'] button[type=submit]")
            page.wait_for_url(f"{base}/store/cart/")
            expect(page.locator(".messages")).to_contain_text(f"Added 2 × {name}")
            shot("03-cart")

            # Checkout asks to log in; the cart follows the customer.
            page.click("a:text('Check out')")
            page.wait_for_url(re.compile(r"/accounts/login/"))
            page.fill("#id_login", username)
            page.fill("#id_password", password)
            page.click("main button[type=submit]")
            page.goto(f"{base}/store/checkout/")
            expect(page.locator("h1")).to_have_text("Checkout")
            page.fill("#id_ship_name", "Ann Example")
            page.fill("#id_ship_line1", "1 rue de la Paix")
            page.fill("#id_ship_postcode", "75002")
            page.fill("#id_ship_city", "Paris")
            page.select_option("#id_ship_country", "FR")
            shot("04-addresses")
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/store/checkout/shipping/")
            expect(page.locator(".totals")).to_contain_text(name)
            expect(page.locator("input[name=method]").first).to_be_checked()
            shot("05-shipping-and-summary")

            page.click("button:text('Place order')")
            page.wait_for_url(re.compile(r"/store/orders/[^/]+/pay/$"))
            number = page.url.rstrip("/").split("/")[-2]
            expect(page.locator(".messages")).to_contain_text(f"Order {number} is placed")
            page.fill("#id_payment_method", "4000 0000 0000 0002")
            page.click("main button[type=submit]")
            expect(page.locator(".messages")).to_contain_text("declined")
            shot("06-declined")
            page.fill("#id_payment_method", "4000 0027 6000 3184")
            page.click("main button[type=submit]")
            page.wait_for_url(re.compile(r"/store/sandbox/3ds/"))
            shot("07-3d-secure")
            page.click("button:text('Approve')")
            page.wait_for_url(f"{base}/store/orders/{number}/")
            expect(page.locator(".messages")).to_contain_text(f"Payment received for order {number}")
            expect(page.locator(".timeline")).to_contain_text("Paid")
            shot("08-paid")

            page.goto(f"{base}/store/orders/")
            expect(page.locator("main table")).to_contain_text(number)
            expect(page.locator("main table")).to_contain_text("Paid")
            shot("09-history")
            if device == "desktop":
                ship_and_refund(browser, base, number, manager, manager_password, out)
                page.goto(f"{base}/store/orders/{number}/")
                expect(page.locator(".timeline")).to_contain_text("Shipped")
                expect(page.locator(".timeline")).to_contain_text("Refunded")
                expect(page.locator("main")).to_contain_text("6A12345678901")
                shot("13-customer-sees-refund")
            page.context.close()
        browser.close()
    if problems:
        fail(problems)
    print("ok")


def ship_and_refund(browser, base, number, manager, password, out: pathlib.Path) -> None:
    """The store manager's side, in a browser of their own: the order list, the order's page,
    Mark shipped with carrier and tracking number, then Refund, confirmed."""
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(f"{base}/admin/login/")
    admin.fill("#id_login", manager)
    admin.fill("#id_password", password)
    admin.click("main button[type=submit]")
    admin.goto(f"{base}/admin/store/order/?q={number}")
    admin.click(f"main table a:text('{number}')")
    admin.wait_for_url(re.compile(r"/admin/store/order/\d+/change/$"))
    expect(admin.locator("h1")).to_contain_text("View order")
    admin.click("a.button:text('Mark shipped')")
    admin.fill("#id_carrier", "La Poste")
    admin.fill("#id_tracking_number", "6A12345678901")
    admin.screenshot(path=str(out / "desktop-10-admin-ship.png"), full_page=True)
    admin.click("main button[type=submit]")
    expect(admin.locator(".messages")).to_contain_text("marked shipped")
    admin.screenshot(path=str(out / "desktop-11-admin-shipped.png"), full_page=True)
    admin.click("a.button:text('Refund')")
    admin.check("#id_confirm")
    admin.click("main button[type=submit]")
    expect(admin.locator(".messages")).to_contain_text("refunded")
    # The payment, inline on the order's page, went back through the sandbox provider.
    # (The declined attempt stays declined.)
    payments = admin.locator("fieldset.inline-group", has_text="Payments")
    expect(payments.locator("td[data-field$='-status']", has_text="refunded")).to_have_count(1)
    expect(payments.locator("td[data-field$='-message']", has_text="Refunded as sbx_re_")).to_have_count(1)
    # Amounts read as money, not cents.
    expect(payments.locator("td[data-field$='-amount']").first).to_have_text(re.compile(r"^\s*\d+\.\d\d\s*$"))
    admin.screenshot(path=str(out / "desktop-12-admin-refunded.png"), full_page=True)
    admin.context.close()


def fail(problems: list[str]) -> None:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:7])
