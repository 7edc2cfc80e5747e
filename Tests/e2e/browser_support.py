"""What the headless Chromium tests share: Debian's chromium through Playwright (the `browser` fixture) and test pages
served, with the client bundle, from a loopback port of their own (`static_site`)."""
import functools
import http.server
import shutil
import threading

import pytest

from conftest import ROOT

CLIENT = ROOT / ".cache" / "js" / "socket.io.min.js"


def static_site(directory, files):
    """Serves copies of `files` from `directory` on a free loopback port: yields the site's URL, then stops it."""
    directory.mkdir()
    for source in files:
        shutil.copy(source, directory / source.name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # scripts/setup.sh --test-clients installs it

    assert shutil.which("chromium"), "scripts/setup.sh --test-clients installs Debian's chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        yield chromium
        chromium.close()
