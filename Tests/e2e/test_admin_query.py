"""Query strings are decoded the form way (`+` is a space, then `%XX`), as curl's --data-urlencode, Python's requests,
browsers' URLSearchParams and HTML forms send them: on the admin API's collection queries and on the Socket.IO
handshake (Node's socket.io reads both with `querystring`)."""
import json
import shutil
import subprocess

import pytest
import requests

from gateway_support import TIMEOUT, Client, serve, write_gateway

ITEMS = [{"id": "a", "n": 3, "name": "one two"}, {"id": "b", "n": 4, "name": "one+two"}, {"id": "c", "n": 3, "name": "x"}]


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "echo", "/echo",
                  connection='SOCKET.reply("query", HANDSHAKE.query)')
    server = serve(start_server, tmp_path, handlers)
    for item in ITEMS:
        assert requests.post(f"{server.url}/admin/collections/t/items", json=item, headers=server.admin_headers,
                             timeout=TIMEOUT).status_code == 201
    return server


def ids(response):
    assert response.status_code == 200, response.text
    return sorted(item["id"] for item in response.json()["data"])


def test_curl_requests_and_percent_twenty_give_the_same_answer(server):
    url = f"{server.url}/admin/collections/t/items"
    by_requests = requests.get(url, params={"filter": '{"n": 3}', "sort": "-id"}, headers=server.admin_headers,
                               timeout=TIMEOUT)
    assert "+" in by_requests.url, by_requests.url  # requests encodes the spaces the form way
    by_percent = requests.get(url + "?filter=%7B%22n%22%3A%203%7D&sort=-id", headers=server.admin_headers,
                              timeout=TIMEOUT)
    assert ids(by_requests) == ids(by_percent) == ["a", "c"]
    assert [item["id"] for item in by_requests.json()["data"]] == ["c", "a"]

    assert shutil.which("curl"), "curl is on every Debian machine this runs on"
    headers = [option for name, value in server.admin_headers.items() for option in ("-H", f"{name}: {value}")]
    done = subprocess.run(["curl", "-sS", "-G", *headers, "--data-urlencode", 'filter={"n": 3}', url],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert sorted(item["id"] for item in json.loads(done.stdout)["data"]) == ["a", "c"]


def test_a_literal_plus_is_percent_2b_and_a_plus_is_a_space(server):
    url = f"{server.url}/admin/collections/t/items"
    # requests sends "+" in a value as %2B and a space as "+": each must come back as it was meant.
    get = lambda url, **options: requests.get(url, headers=server.admin_headers, timeout=TIMEOUT, **options)
    assert ids(get(url, params={"filter": json.dumps({"name": "one+two"})})) == ["b"]
    assert ids(get(url, params={"filter": json.dumps({"name": "one two"})})) == ["a"]
    assert ids(get(url + '?filter={"name":"one%2Btwo"}')) == ["b"]
    assert ids(get(url + '?filter={"name":"one+two"}')) == ["a"]


def test_a_refused_parameter_names_its_decoded_field(server):
    response = requests.get(f"{server.url}/admin/collections/t/items", params={"filter": "{n: 3}"},
                            headers=server.admin_headers, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "filter"
    response = requests.get(f"{server.url}/admin/collections/t/items?li+mit=2", headers=server.admin_headers,
                            timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "li mit"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_handshake_query_is_decoded_the_form_way(server, transport):
    client = None
    try:
        client = Client(server, ["/echo"], transports=(transport,), url_query="?name=Ada+Lovelace&plus=1%2B1")
        query = client.got("query", namespace="/echo")[0][0]
        assert query["name"] == "Ada Lovelace"
        assert query["plus"] == "1+1"
    finally:
        if client:
            client.close()
