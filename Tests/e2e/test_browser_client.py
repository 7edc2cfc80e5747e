"""The official JavaScript client (socket.io-client 4.8.1) in headless Chromium, on a page served from another
loopback port: cross-origin, with `withCredentials: true`, over polling, WebSocket and upgrade — Enfyra's chat flow
on handlers/chat. Without an allowed origin the browser refuses to poll at all."""
import pytest

from browser_support import CLIENT, browser, static_site  # noqa: F401 - browser is a fixture
from conftest import ROOT
from gateway_support import serve

PAGE = ROOT / "Tests" / "e2e" / "browser"


@pytest.fixture
def page_server(tmp_path):
    """The test page and the client bundle on their own loopback port; stopped after the test."""
    yield from static_site(tmp_path / "page", [PAGE / "index.html", CLIENT])


def run_page(browser, page_url, server, mode):
    page = browser.new_page()
    try:
        page.goto(f"{page_url}/index.html?server={server.url}&mode={mode}")
        page.wait_for_function("window.result !== undefined", timeout=30000)
        return page.evaluate("window.result")
    finally:
        page.close()


@pytest.mark.parametrize("mode", ["polling", "websocket", "upgrade"])
def test_chat_flow_cross_origin_with_credentials(start_server, tmp_path, page_server, browser, mode):
    server = serve(start_server, tmp_path, ROOT / "handlers", "--cors-origin", page_server)
    seen = run_page(browser, page_server, server, mode)
    assert "error" not in seen, seen
    assert seen["welcome"]["id"]
    assert seen["join"]["accepted"] is True and seen["joinResult"]["result"] == {"room": "lobby", "members": 1}
    assert seen["echo"]["eventName"] == "message" and seen["heard"]["text"] == "from chromium"
    assert seen["transport"] == ("polling" if mode == "polling" else "websocket")


def test_a_browser_cannot_poll_from_an_origin_that_is_not_allowed(start_server, tmp_path, page_server, browser):
    server = serve(start_server, tmp_path, ROOT / "handlers", "--cors-origin", "http://127.0.0.1:1")
    seen = run_page(browser, page_server, server, "polling")
    assert seen.get("error", "").startswith("connect_error"), seen
