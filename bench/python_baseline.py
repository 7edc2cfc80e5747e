#!/usr/bin/env python3
"""python-socketio 5.x baseline for the gatewayd benchmarks.

An `AsyncServer` on aiohttp whose `/bench` namespace mirrors gatewayd's bench handlers (bench/handlers/bench):

- `echo(data)`    -> ack `data`
- `work(data)`    -> ack `{accepted, queued, requestId, eventName}`, then (after the ack) emit `reply` and
                     `ws:result` with the "result" the Lua handler computes
- `join(data)`    -> enter room `data["room"]`, ack `{joined}`
- `publish(data)` -> emit `fan` with `data` to room `data["room"]`, ack `{published: true}`

Prints `LISTENING <port>` (the bound port) once it serves, and exits 0 on SIGTERM or SIGINT.
Run with .venv-v5's python: `.venv-v5/bin/python bench/python_baseline.py --port 0`.
"""

import argparse
import asyncio
import itertools
import os
import signal
import socket
import sys

import socketio
from aiohttp import web

NAMESPACE = "/bench"


def make_server() -> tuple[socketio.AsyncServer, web.Application]:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        logger=False,
        engineio_logger=False,
        cors_allowed_origins="*",
        max_http_buffer_size=1_000_000,
        ping_interval=25,
        ping_timeout=20,
    )
    app = web.Application()
    sio.attach(app)
    request_ids = itertools.count(1)

    @sio.on("connect", namespace=NAMESPACE)
    async def connect(sid, environ, auth=None):
        return True  # any client, auth ignored

    @sio.on("echo", namespace=NAMESPACE)
    async def echo(sid, data=None):
        return data

    async def deliver_work(sid, rid, data):
        # The ack is queued by python-socketio right after `work` returns, before this task first runs;
        # the extra yield only makes that ordering more obvious.
        await asyncio.sleep(0)
        items = [i * 2 for i in range(1, 11)]
        await sio.emit("reply", {"n": len(items)}, to=sid, namespace=NAMESPACE)
        await sio.emit(
            "ws:result",
            {
                "requestId": rid,
                "eventName": "work",
                "success": True,
                "result": {"items": items, "echo": data},
                "logs": [],
            },
            to=sid,
            namespace=NAMESPACE,
        )

    @sio.on("work", namespace=NAMESPACE)
    async def work(sid, data=None):
        rid = f"{next(request_ids)}"
        sio.start_background_task(deliver_work, sid, rid, data)
        return {"accepted": True, "queued": True, "requestId": rid, "eventName": "work"}

    @sio.on("join", namespace=NAMESPACE)
    async def join(sid, data=None):
        room = data["room"]
        await sio.enter_room(sid, room, namespace=NAMESPACE)
        return {"joined": room}

    @sio.on("publish", namespace=NAMESPACE)
    async def publish(sid, data=None):
        await sio.emit("fan", data, room=data["room"], namespace=NAMESPACE)
        return {"published": True}

    return sio, app


async def serve(host: str, port: int) -> None:
    _, app = make_server()
    # Bind the socket here so port 0 gives a real port to print.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4096)
    sock.setblocking(False)
    bound_port = sock.getsockname()[1]

    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"LISTENING {bound_port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    try:
        await asyncio.wait_for(runner.cleanup(), timeout=3)
    except (asyncio.TimeoutError, Exception):
        pass  # shutting down anyway
    # Skip asyncio's and the interpreter's teardown: python-engineio's WebSocket tasks do not all end when
    # cancelled, and with thousands of sockets open that outlasts the runner's 10 s before SIGKILL.
    sys.stdout.flush()
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks any free port")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())

