"""A TCP proxy on loopback that can cut every connection through it with a reset, as a network that drops does, and
refuse new ones until told otherwise: for clients that must lose their connection without a clean close.

`url` is where clients connect, forwarded to `upstream_port` — or, from the first cut on, to `then_port` if given (a
client that drops comes back through another node of a cluster); `control_url` takes `POST /cut` (reset every open connection), `POST /block`
(reset new connections as they come) and `POST /unblock`, so that a client script can drive it mid-stream, a browser
page too: its answers allow any origin (`Access-Control-Allow-Origin: *`, and a preflight is answered). `actions`
adds the test's own (`{"kill": callable}` is `POST /kill`), answered once the callable returns."""
import http.server
import socket
import struct
import threading


class CuttingProxy:
    def __init__(self, upstream_port, then_port=None, actions=None):
        self.upstream = ("127.0.0.1", upstream_port)
        self.then = ("127.0.0.1", then_port) if then_port else None
        self.lock = threading.Lock()
        self.open = []
        self.blocked = False
        self.cuts = 0
        self.actions = {"/cut": self.cut, "/block": self.block, "/unblock": self.unblock,
                        **{f"/{name}": action for name, action in (actions or {}).items()}}
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._control_handler())
        self.control_url = f"http://127.0.0.1:{self.control.server_address[1]}"
        self.threads = [threading.Thread(target=self._accept, daemon=True),
                        threading.Thread(target=self.control.serve_forever, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _control_handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                action = proxy.actions.get(self.path)
                failed = None
                if action:
                    try:
                        action()
                    except Exception as error:  # noqa: BLE001 - answered, so that the client script fails with it
                        failed = error
                self.send_response(500 if failed else 204 if action else 404)
                self._allow_any_origin()
                self.end_headers()

            def do_OPTIONS(self):  # noqa: N802 - a browser's preflight
                self.send_response(204)
                self._allow_any_origin()
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", "*")
                self.end_headers()

            def _allow_any_origin(self):
                self.send_header("Access-Control-Allow-Origin", "*")

            def log_message(self, *args):
                pass

        return Handler

    @staticmethod
    def _reset(sock):
        """Closes with a reset (linger 0). A pump thread blocked in `recv` holds the socket open in the kernel until it
        returns: shutting down the reading side wakes it without sending anything."""
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        sock.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed by stop()
            with self.lock:
                blocked, upstream = self.blocked, self.upstream
            if blocked:
                self._reset(client)
                continue
            try:
                server = socket.create_connection(upstream)
            except OSError:
                self._reset(client)
                continue
            with self.lock:
                self.open.append((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=((client, server), source, target), daemon=True).start()

    def _pump(self, pair, source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
            with self.lock:
                cut = pair not in self.open
            if not cut:
                target.shutdown(socket.SHUT_WR)  # a clean end passed on; a cut one sends nothing more
        except OSError:
            pass

    def cut(self):
        with self.lock:
            cut, self.open = self.open, []
            self.cuts += 1
            self.upstream = self.then or self.upstream
        for client, server in cut:
            self._reset(client)
            self._reset(server)

    def block(self):
        with self.lock:
            self.blocked = True

    def unblock(self):
        with self.lock:
            self.blocked = False

    def stop(self):
        self.control.shutdown()
        self.control.server_close()
        self.listener.close()
        self.cut()
