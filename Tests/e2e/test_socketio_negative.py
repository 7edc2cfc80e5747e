"""Bad input against the SocketIO module's test app, with raw HTTP and WebSocket clients: each must end
with the protocol's error and a server that goes on serving."""
import json
import threading

import pytest
import requests
import socketio
import websocket

from conftest import wait_until

EIO4 = "/socket.io/?EIO=4&transport="


def disconnect_reasons(server):
    """What the server concluded about every /chat socket that went away (from the test app)."""
    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=5)
    try:
        return client.call("disconnectReasons", timeout=5)
    finally:
        client.disconnect()


def assert_still_serving(server):
    client = socketio.Client(reconnection=False)
    client.connect(server.url, namespaces=["/chat"], auth={"token": "letmein"}, transports=["websocket"], wait_timeout=5)
    try:
        assert client.call("echo", "still here", namespace="/chat", timeout=5) == "still here"
    finally:
        client.disconnect()


def open_polling_session(server):
    response = requests.get(server.url + EIO4 + "polling", timeout=5)
    assert response.status_code == 200 and response.text[0] == "0"
    return json.loads(response.text[1:])


def open_chat_websocket(server):
    ws = websocket.create_connection(server.url.replace("http", "ws") + EIO4 + "websocket", timeout=5)
    assert ws.recv().startswith("0{")
    ws.send('40/chat,{"token":"letmein"}')
    assert ws.recv().startswith('40/chat,{"sid":')
    assert ws.recv().startswith('42/chat,["welcome"')
    return ws


def test_handshake_announces_session(chat_app):
    server = chat_app("--ping-interval", "1234", "--ping-timeout", "567", "--max-payload", "4321")
    handshake = open_polling_session(server)
    assert handshake["upgrades"] == ["websocket"]
    assert (handshake["pingInterval"], handshake["pingTimeout"], handshake["maxPayload"]) == (1234, 567, 4321)
    assert len(handshake["sid"]) == 22  # 128 random bits, base64url


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_oversized_payload_closes_with_transport_error(chat_app, transport):
    server = chat_app("--max-payload", "1000")
    client = socketio.Client(reconnection=False)
    gone = threading.Event()
    client.on("disconnect", lambda *args: gone.set(), namespace="/chat")
    client.connect(server.url, namespaces=["/chat"], auth={"token": "letmein"}, transports=[transport], wait_timeout=5)
    client.emit("echo", "x" * 5000, namespace="/chat")
    assert gone.wait(10), "the server must close a connection that sent more than maxHttpBufferSize"
    client.disconnect()
    assert wait_until(lambda: "transport error" in disconnect_reasons(server))
    assert_still_serving(server)


@pytest.mark.parametrize("packet", ["42/chat,{}", "4abc", '42/chat,"not an array"', "42/chat,[]", '42/chat,abc["echo"]', "9"])
def test_malformed_packet_closes_connection(chat_app, packet):
    server = chat_app()
    ws = open_chat_websocket(server)
    ws.send(packet)
    ws.settimeout(5)
    frames = []
    try:
        while True:  # bounded by the socket timeout
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            frames.append(data)
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        pass
    assert all(frame == b"2" for frame in frames), frames  # nothing but heartbeats before the close
    assert wait_until(lambda: "parse error" in disconnect_reasons(server))
    assert_still_serving(server)


def test_unknown_sid_is_refused(chat_app):
    server = chat_app()
    for method in (requests.get, requests.post):
        response = method(server.url + EIO4 + "polling&sid=doesnotexist", data="40", timeout=5)
        assert response.status_code == 400
        assert response.json() == {"code": 1, "message": "Session ID unknown"}


@pytest.mark.parametrize("query,code", [
    ("EIO=5&transport=polling", 5),
    ("transport=polling", 5),
    ("EIO=4&transport=carrier-pigeon", 0),
    ("EIO=4", 0),
])
def test_bad_handshake_parameters(chat_app, query, code):
    server = chat_app()
    response = requests.get(server.url + "/socket.io/?" + query, timeout=5)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_handshake_must_be_get(chat_app):
    server = chat_app()
    response = requests.post(server.url + EIO4 + "polling", data="40", timeout=5)
    assert response.status_code == 400
    assert response.json() == {"code": 2, "message": "Bad handshake method"}


def test_concurrent_polls_close_the_session(chat_app):
    server = chat_app()
    sid = open_polling_session(server)["sid"]
    url = server.url + EIO4 + "polling&sid=" + sid
    # Two GETs at once, no clock involved: nothing is queued for the session (its first ping is 25 s away), so
    # whichever reaches it first is held until the other arrives. The session's loop orders them; which one it
    # saw first is not known, so the outcomes are compared as a set.
    responses = [None, None]
    start = threading.Barrier(2)

    def get(index):
        start.wait(10)
        responses[index] = requests.get(url, timeout=10)

    threads = [threading.Thread(target=get, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert None not in responses, responses
    outcomes = sorted((response.status_code, response.text) for response in responses)
    # The held one is released with a close packet; the overlapping one is refused.
    assert outcomes[0] == (200, "1"), outcomes
    assert outcomes[1][0] == 400, outcomes
    assert requests.get(url, timeout=5).status_code == 400  # the session is gone


def test_missed_pongs_close_the_session(chat_app):
    server = chat_app("--ping-interval", "300", "--ping-timeout", "200")
    sid = open_polling_session(server)["sid"]
    url = server.url + EIO4 + "polling&sid=" + sid
    assert requests.post(url, data='40/chat,{"token":"letmein"}', timeout=5).text == "ok"
    answer = requests.get(url, timeout=5).text
    assert answer.startswith('40/chat,{"sid":')
    # Never answer the ping: the server gives up (a generous bound on the wait, not a timing assertion; the reason
    # below says why it closed).
    polled = []

    def gone():
        response = requests.get(url, timeout=5)
        polled.append(response)
        return response.status_code == 400

    assert wait_until(gone, timeout=10)
    packets = [packet for response in polled[:-1] for packet in response.text.split("\x1e")]
    assert "2" in packets, packets  # it did ping, and was not answered
    assert wait_until(lambda: "ping timeout" in disconnect_reasons(server))


def test_heartbeat_keeps_an_answering_client(chat_app):
    server = chat_app("--ping-interval", "200", "--ping-timeout", "200")
    ws = open_chat_websocket(server)
    ws.settimeout(2)
    for _ in range(4):  # about a second of pings, each answered
        assert ws.recv() == "2"
        ws.send("3")
    ws.send('42/chat,1["echo","alive"]')
    assert ws.recv() == '43/chat,1["alive"]'
    ws.close()


def test_websocket_upgrade_probe_by_hand(chat_app):
    server = chat_app()
    sid = open_polling_session(server)["sid"]
    ws = websocket.create_connection(server.url.replace("http", "ws") + EIO4 + "websocket&sid=" + sid, timeout=5)
    ws.send("2probe")
    assert ws.recv() == "3probe"
    # While upgrading, a poll is answered at once with a noop so the client can pause polling.
    assert requests.get(server.url + EIO4 + "polling&sid=" + sid, timeout=5).text == "6"
    ws.send("5")
    ws.send('40/chat,{"token":"letmein"}')
    assert ws.recv().startswith('40/chat,{"sid":')
    # After the upgrade, polling requests for the session are refused.
    assert wait_until(lambda: requests.get(server.url + EIO4 + "polling&sid=" + sid, timeout=5).status_code == 400)
    ws.close()


def closed_by_server(ws):
    """True when the next thing on `ws` is the server's close (its close frame, or the connection cut)."""
    try:
        return ws.recv() == ""
    except websocket.WebSocketConnectionClosedException:
        return True


def test_a_second_websocket_during_an_upgrade_is_closed_and_the_first_upgrades(chat_app):
    server = chat_app()
    sid = open_polling_session(server)["sid"]
    url = server.url.replace("http", "ws") + EIO4 + "websocket&sid=" + sid
    first = websocket.create_connection(url, timeout=5)
    # Opened once the first one's handshake response is in: the first one is the session's probe already.
    second = websocket.create_connection(url, timeout=5)
    first.send("2probe")
    assert first.recv() == "3probe"
    first.send("5")
    assert closed_by_server(second)
    first.send('40/chat,{"token":"letmein"}')
    assert first.recv().startswith('40/chat,{"sid":')
    first.close()


def test_connect_timeout_closes_idle_engine_sessions(chat_app):
    server = chat_app("--connect-timeout", "300")
    # The default connect timeout is 45 s: a close within the socket's generous 10 s wait is the 300 ms one.
    ws = websocket.create_connection(server.url.replace("http", "ws") + EIO4 + "websocket", timeout=10)
    try:
        assert ws.recv().startswith("0{")
        opcode, _ = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
    finally:
        ws.close()
