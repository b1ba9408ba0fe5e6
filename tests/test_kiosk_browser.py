"""The kiosk in a real browser: chromium (headless) against waitress on 127.0.0.1.

Opens the access link, uploads a photo of a marked slip through the form, and checks that the
board moved the task. Screenshots land in the test's tmp_path. Skipped without
/usr/bin/chromium or playwright.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from scan_images import Mark, grid_photo

from paperkit import codes
from paperkit.kiosk import create_app, make_server
from paperkit.kiosk.access import lan_address

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")

pytestmark = pytest.mark.browser
TOKEN = "browser-test-token-0123456789"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _served(kit, lan: bool = False):
    """Serve the kiosk for ``kit`` with waitress on a free port, in a thread; yields the
    address other devices open (127.0.0.1, or with ``lan`` the laptop's LAN address)."""
    app = create_app(kit, token=TOKEN, lan=lan)
    server = make_server(app, port=0, lan=lan)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield app.config["KIOSK_BASE_URL"]
    # the serving loop closes its own sockets and returns (closed from here, a socket could
    # vanish under the loop's select: EBADF in the serving thread)
    server.trigger.pull_trigger(lambda: server.asyncore.close_all(server._map))
    thread.join(timeout=5)
    server.task_dispatcher.shutdown(timeout=5)
    assert not thread.is_alive()


@pytest.fixture
def kiosk(sample_kit):
    """The kiosk served by waitress on a free port of 127.0.0.1, in a thread."""
    yield from _served(sample_kit)


@pytest.fixture
def lan_kiosk(sample_kit):
    """The kiosk served on every interface (--lan), at the laptop's LAN address."""
    if lan_address() is None:
        pytest.skip("this machine has no LAN address")
    yield from _served(sample_kit, lan=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_upload_through_the_form_moves_the_task_on_the_board(kiosk, browser, sample_kit,
                                                             tmp_path):
    code = codes.build(sample_kit.key, sample_kit.id, "T0002", 1).text
    photo = tmp_path / "meeting.jpg"
    Image.fromarray(grid_photo([(code, (Mark("done"),))], size=(900, 620), cols=1, s=3.0)
                    ).save(photo, quality=88)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{kiosk}/?token={TOKEN}")
    assert page.locator("#col-open #task-T0002").count() == 1
    page.wait_for_function("!location.search.includes('token=')")  # our JS ran under the CSP
    page.screenshot(path=str(tmp_path / "board-before.png"), full_page=True)

    page.click("nav >> text=Upload")
    page.set_input_files("#photos", str(photo))
    assert "meeting.jpg" in page.inner_text(".drop .big")
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("h1:has-text('What the photos said')")
    result = page.inner_text("table.slips")
    assert "T0002" in result and "Updated" in result
    page.screenshot(path=str(tmp_path / "scanned.png"), full_page=True)

    page.click("nav >> text=Board")
    assert page.locator("#col-done #task-T0002").count() == 1
    assert page.locator("#col-open #task-T0002").count() == 0
    page.screenshot(path=str(tmp_path / "board-after.png"), full_page=True)
    for name in ("board-before.png", "scanned.png", "board-after.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert problems == []
    context.close()


def test_the_board_fits_a_phone_and_a_stranger_is_turned_away(kiosk, browser, tmp_path):
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{kiosk}/?token={TOKEN}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the board scrolls sideways on a phone"
    page.screenshot(path=str(tmp_path / "board-phone.png"))
    phone.close()

    stranger = browser.new_context()
    page = stranger.new_page()
    response = page.goto(f"{kiosk}/")
    assert response.status == 401
    assert "access link" in page.inner_text("main")
    stranger.close()


def test_a_long_reason_keeps_the_outcome_badge_one_line_on_a_phone(kiosk, browser, sample_kit,
                                                                   tmp_path):
    """On a phone each slip's cells stack as rows of a label and a value; the outcome's
    badge was a row item beside its reason, stretched to the reason's height (a tall pill
    for a long reason, such as a small slip's). It sits on its own line above the reason."""
    from paperkit.layout import slip as S

    code = codes.build(sample_kit.key, sample_kit.id, "T0003", 1).text
    cell = 1.1 * S.SLIP_W / 0.86  # about 1.1 px a slip unit: a small slip, a long reason
    photo = tmp_path / "small.jpg"
    Image.fromarray(grid_photo([(code, ())], size=(int(cell), int(cell * 0.75)), cols=1, s=1.6)
                    ).save(photo, quality=92)
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{kiosk}/?token={TOKEN}")
    page.click("nav >> text=Upload")
    page.set_input_files("#photos", str(photo))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("h1:has-text('What the photos said')")
    badge = page.locator("table.slips .badge").first.bounding_box()
    reason = page.locator("table.slips td[data-label=Outcome] .small").first.bounding_box()
    page.screenshot(path=str(tmp_path / "scanned-phone.png"), full_page=True)
    assert reason["height"] > 40  # the premise: the reason runs on over lines
    assert badge["height"] < 32, "the badge is stretched to the reason's height"
    assert reason["y"] >= badge["y"] + badge["height"] - 1  # below it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()



def test_lan_pages_log_no_console_errors(lan_kiosk, browser):
    """Over plain HTTP on a LAN address Chromium ignores Cross-Origin-Opener-Policy and
    logged an error for it on every page."""
    assert not lan_kiosk.startswith(("http://127.", "http://localhost"))
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{lan_kiosk}/?token={TOKEN}")
    for path in ("/", "/upload", "/review", "/print", "/task/T0002", "/access"):
        assert page.goto(lan_kiosk + path).status == 200, path
    assert problems == []
    context.close()


#: An element's text contrast as seen: its colours composited at its opacity over the white
#: panel it sits on (WCAG relative luminance).
CONTRAST_JS = """el => {
  const cs = getComputedStyle(el), op = Number(cs.opacity);
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => op * v + (1 - op) * 255);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255).map(
    v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(rgb(cs.color)), lum(rgb(cs.backgroundColor))].sort((x, y) => y - x);
  return {contrast: (a + 0.05) / (b + 0.05), opacity: op,
          cursor: cs.cursor, disabled: el.disabled, text: el.innerText};
}"""


def test_the_current_status_is_readable_and_not_clickable(kiosk, browser, tmp_path):
    """The current status was a disabled primary button at opacity .6: white on about
    #789ED8, a contrast of 2.7:1."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    page.goto(f"{kiosk}/?token={TOKEN}")
    page.goto(f"{kiosk}/task/T0002")
    current = page.locator(".choices button[disabled]")
    assert current.count() == 1
    shown = current.evaluate(CONTRAST_JS)
    page.locator("form.choices").screenshot(path=str(tmp_path / "choices.png"))
    assert shown["contrast"] >= 4.5, shown
    assert shown["opacity"] == 1 and shown["cursor"] != "pointer"
    assert current.get_attribute("aria-current") == "true"
    status = page.inner_text(".facts .badge")
    assert status.lower() in shown["text"].lower()
    others = page.locator(".choices button:not([disabled])")
    assert others.count() == 4
    for i in range(4):
        assert others.nth(i).evaluate(CONTRAST_JS)["contrast"] >= 4.5
    context.close()
