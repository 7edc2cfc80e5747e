"""Connection state recovery (issue 23) with the official socket.io-client 4.8.1 in headless Chromium (Debian's,
through Playwright), over polling, WebSocket and upgrade: the `recover` scenario of js/recovery-scenarios.mjs, the one
test_recovery.py runs in Node, on a page served from its own loopback port. Client A connects cross-origin through
the cutting proxy (the page drives the proxy's control URL itself), publisher B directly to gatewayd, which allows
the page's origin; A is cut mid-stream while a room broadcast and 100 queued events flow and must come back with its
id, rooms, data and user, and every missed room message and `ws:result` exactly once, in order — the same assertions
as the Node test (recovery_support.py)."""
import json
import urllib.parse

import pytest

from conftest import ROOT
from gateway_support import admin
from recovery_support import assert_recovered_everything, proxied  # noqa: F401 - proxied is a fixture
from browser_support import CLIENT, browser, static_site  # noqa: F401 - browser is a fixture

PAGE = ROOT / "Tests" / "e2e" / "browser" / "recovery.html"
SCENARIOS = ROOT / "Tests" / "e2e" / "js" / "recovery-scenarios.mjs"
PAGE_BOUND_MS = 240000  # the whole scenario; each of its steps has its own bound (10 s)


@pytest.fixture
def page_server(tmp_path):
    """The recovery page, the shared scenarios and the client bundle on their own loopback port; stopped after the
    test."""
    yield from static_site(tmp_path / "page", [PAGE, SCENARIOS, CLIENT])


def run_page(browser, page_url, scenario, server, proxy, mode):  # noqa: F811 - browser is the fixture's value
    """Runs `scenario` on the page and returns what A saw; the page's admin requests are made here, with the
    harness's admin headers."""
    def gateway_admin(method, path, body):
        response = admin(server, method, path, body)
        return {"status": response.status_code, "text": response.text}

    console = []
    page = browser.new_page()
    try:
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.expose_function("gatewayAdmin", gateway_admin)
        query = urllib.parse.urlencode({"scenario": scenario, "proxy": proxy.url, "direct": server.url, "mode": mode,
                                        "control": proxy.control_url})
        page.goto(f"{page_url}/recovery.html?{query}")
        page.wait_for_function("window.result !== undefined", timeout=PAGE_BOUND_MS, polling=100)
        seen = page.evaluate("window.result")
    finally:
        page.close()
    assert "error" not in seen, "\n".join([seen["error"], json.dumps(seen.get("seen")), *console[-20:],
                                           "".join(server.errors[-30:])])
    return seen


@pytest.mark.parametrize("mode", ["polling", "websocket", "upgrade"])
def test_chromium_cut_mid_stream_recovers_everything_exactly_once_in_order(proxied, page_server, browser, mode):  # noqa: F811
    server, proxy = proxied({"enabled": True}, "--cors-origin", page_server)
    assert_recovered_everything(server, proxy, run_page(browser, page_server, "recover", server, proxy, mode))
