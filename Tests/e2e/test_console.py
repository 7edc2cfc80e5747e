"""The web console at `/admin/ui/` (issue 24), in headless Chromium (Debian's, through Playwright): signing in with the
admin token (a wrong one of the same length is refused), creating a gateway and an event handler, a syntax error shown
at its line, fixed and saved, a test run, a python-socketio client appearing live, its events counted by outcome, and
disconnected from the console; a collection browsed, filtered and an item edited.
Hostile names (markup as a gateway path and an event name) are shown as text, no script runs, and the page logs no
Content-Security-Policy violation or error. Screenshots of both pages at 1280×800 and 390×844 go to `E2E_SCREENSHOTS`
(default: the test's tmp folder)."""
import os
import pathlib
import re

import pytest
import requests
import socketio

from browser_support import browser  # noqa: F401 - the fixture
from conftest import ROOT, wait_until
from gateway_support import TIMEOUT, make_jwt, serve

TOKEN = "console-admin-token-0123456789abcdef"
HOSTILE_PATH = "/<img/src=x/onerror=window.__xss=1>"
HOSTILE_EVENT = "<script>window.__xss=2</script>"
HOSTILE_USER = "<img src=x onerror=window.__xss=4>"
STEP = 15_000  # ms a step may take before the test fails: a bound on a hang, not a measure


@pytest.fixture
def page(browser, start_server, tmp_path):  # noqa: F811
    server = serve(start_server, tmp_path, ROOT / "handlers", "--admin-token", TOKEN)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(STEP)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        yield server, page, problems
    finally:
        context.close()


def shoot(page, name):
    folder = pathlib.Path(os.environ.get("E2E_SCREENSHOTS") or page.context.tmp_folder)
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_console_end_to_end(page, tmp_path):
    server, page, problems = page
    page.context.tmp_folder = tmp_path / "screenshots"
    page.goto(server.url + "/admin/ui/")

    # Sign in: a wrong token of the right length is refused, the right one opens the gateway list.
    page.fill("#token", "x" * len(TOKEN))
    page.click("#signInForm button")
    page.wait_for_selector("#signInError:has-text('not the admin token')")
    page.fill("#token", TOKEN)
    page.click("#signInForm button")
    page.wait_for_selector("#gatewayRows tr:has-text('/chat')")
    assert page.evaluate("sessionStorage.getItem('gatewayd.token')") == TOKEN

    # A hostile gateway path is text in the list, not markup.
    page.fill("#newPath", HOSTILE_PATH)
    page.click("#newGateway button")
    # (Selectors, not page functions: the console's CSP refuses eval, Playwright's included.)
    page.wait_for_selector(f"#gatewayTitle:text-is('{HOSTILE_PATH}')")
    page.click("[data-view=gateways]")
    page.wait_for_selector(f"#gatewayRows td:text-is('{HOSTILE_PATH}')")
    shoot(page, "gateways")

    # A gateway of its own, an event, a syntax error at its line, the fix.
    page.fill("#newPath", "/console-draft")
    page.click("#newGateway button")
    page.wait_for_selector("#gatewayTitle:text-is('/console-draft')")
    # Its settings: renamed from /console-draft; a connection handler that does not compile is refused at its line;
    # the rest saves.
    page.click("#settings summary")
    page.fill("#path", "/console")
    page.fill("#description", "Console test gateway")
    page.fill("#connectionScript", "SOCKET.reply(\"welcome\"\n")
    page.click("#settingsForm button[type=submit]")
    page.wait_for_selector("#settingsStatus.bad")
    assert page.text_content("#settingsStatus").startswith("connectionScript, line "), page.text_content("#settingsStatus")
    page.fill("#connectionScript", 'SOCKET.reply("welcome", {gateway = GATEWAY})\n')
    page.fill("#hooks", '{"notes": "LOGS(\\"note\\", EVENT)"}')
    page.click("#settingsForm button[type=submit]")
    page.wait_for_selector("#settingsStatus.ok:has-text('Saved')")
    page.wait_for_selector("#gatewayTitle:text-is('/console')")
    gateways = requests.get(server.url + "/admin/gateways", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT).json()
    [saved] = [g for g in gateways["gateways"] if g["path"] == "/console"]
    assert saved["description"] == "Console test gateway" and saved["hooks"] == {"notes": 'LOGS("note", EVENT)'}

    for name in (HOSTILE_EVENT, "shout"):
        page.fill("#newEventName", name)
        page.click("#newEvent button")
        page.wait_for_selector(f"#eventList button:text-is('{name}')")
    page.wait_for_selector("#editorTitle:text-is('shout')")
    for script, outcome in (("local text = BODY\nreturn string.upper(text\n", ".bad"),
                            ("local text = BODY\nreturn string.upper(text)\n", ".ok:has-text('Saved')")):
        page.fill("#script", script)
        page.click("#saveEvent")
        page.wait_for_selector("#editorStatus" + outcome)
        if outcome == ".bad":
            assert page.text_content("#editorStatus").startswith("Line 3:"), page.text_content("#editorStatus")
            assert page.text_content("#gutter .bad") == "3"

    # A test run of it.
    page.fill("#payload", '"hello"')
    page.click("#runTest")
    page.wait_for_selector("#editorStatus.ok:has-text('Test run succeeded')")
    assert page.text_content("#testResult") == '"HELLO"'
    # And the gateway's connection handler, saved above.
    page.select_option("#kind", "websocket_connection")
    page.click("#runTest")
    page.wait_for_selector("#testEmitted:has-text('welcome')")
    assert '"gateway":"/console"' in page.text_content("#testEmitted")
    page.select_option("#kind", "websocket_event")

    # A client connects (its user id hostile): it appears in the live list, its user id as text; the console
    # disconnects it.
    client = socketio.Client(reconnection=False)
    gone = []
    client.on("disconnect", lambda *args: gone.append(args), namespace="/console")
    poked = []
    client.on("poke", lambda *args: poked.append(args), namespace="/console")
    try:
        client.connect(server.url, namespaces=["/console"], transports=["websocket"], wait_timeout=TIMEOUT,
                       auth={"token": make_jwt({"sub": HOSTILE_USER})})
        sid = client.get_sid("/console")
        page.wait_for_selector(f"#socketRows tr[data-id='{sid}']")
        assert page.text_content(f"#socketRows tr[data-id='{sid}'] td:nth-child(2)") == HOSTILE_USER
        assert page.text_content(f"#socketRows tr[data-id='{sid}'] td:nth-child(3)") == "websocket"
        # Its events, counted by outcome from the daemon's metrics: two that succeed, one no handler serves.
        for event, data in (("shout", "a"), ("shout", "b"), ("nobodyHandlesThis", None)):
            client.call(event, data, namespace="/console", timeout=TIMEOUT)
        page.wait_for_selector("#outcomeRows tr[data-outcome='ok'] td:nth-child(2):text-is('2')")
        page.wait_for_selector("#outcomeRows tr[data-outcome='NO_HANDLER'] td:nth-child(2):text-is('1')")
        # Emit to it from its row.
        page.click(f"#socketRows tr[data-id='{sid}'] button.emit")
        page.fill("#emitEvent", "poke")
        page.fill("#emitArgs", '["hi", 2]')
        page.click("#emitForm button")
        page.wait_for_selector("#emitStatus.ok:has-text('1 socket reached')")
        assert wait_until(lambda: poked, timeout=TIMEOUT) and poked[0] == ("hi", 2)
        shoot(page, "gateway")
        page.click(f"#socketRows tr[data-id='{sid}'] button.danger")
        assert wait_until(lambda: gone, timeout=TIMEOUT), "the console's disconnect reached the client"
        page.wait_for_selector(f"#socketRows tr[data-id='{sid}']", state="detached")
    finally:
        client.disconnect()

    # The hostile event's handler deleted (the page asks first; the test accepts).
    page.click(f"#eventList button:text-is('{HOSTILE_EVENT}')")
    page.click("#deleteEvent")
    page.wait_for_selector(f"#eventList button:text-is('{HOSTILE_EVENT}')", state="detached")

    # A collection: browsed, filtered, an item edited (with a hostile field value, shown as text).
    for text in ("<img src=x onerror=window.__xss=3>", "second"):
        created = requests.post(server.url + "/admin/collections/notes/items", json={"text": text},
                                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT)
        assert created.status_code == 201, created.text
    page.click("[data-view=collections]")
    page.click("#collectionList button[data-name='notes']")
    page.wait_for_selector("#itemTotal:text-is('2 items')")
    page.fill("#filter", '{"text": "second"}')
    page.click("#filterForm button")
    page.wait_for_selector("#itemTotal:text-is('1 item')")
    item_id = page.get_attribute("#itemRows tr", "data-id")
    page.click("#itemRows tr")
    page.fill("#itemJson", '{"text": "edited", "done": true}')
    page.click("#saveItem")
    page.wait_for_selector("#itemStatus.ok:has-text('Saved')")
    stored = requests.get(f"{server.url}/admin/collections/notes/items/{item_id}",
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT).json()
    assert stored["text"] == "edited" and stored["done"] is True
    page.fill("#filter", "")
    page.click("#filterForm button")
    page.wait_for_selector("#itemTotal:text-is('2 items')")
    shoot(page, "collections")

    # No hostile name or value ran as script, and the page logged nothing but the refusals the test asked for (the
    # wrong token's 401, the two syntax errors' 422) and the favicon it does not have: no CSP violation, no script error.
    assert page.evaluate("window.__xss") is None
    assert [problem for problem in problems if not problem.startswith("Failed to load resource")] == []
    statuses = [re.search(r"status of (\d+)", problem).group(1) for problem in problems]
    assert statuses.count("401") == 1 and statuses.count("422") == 2 and set(statuses) <= {"401", "404", "422"}, problems
