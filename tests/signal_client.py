#!/usr/bin/env python3
"""A signaling client that is not callbench's own (Python's websockets), for
tests/test_signal.c.  Usage: signal_client.py URL SCENARIO [ARG]

  pair ROOM      two clients: joined/peer-joined, offer and answer (with "to"),
                 a third gets full, leave gives left and peer-left
  rooms N        N rooms of 2 clients at once; every message reaches only its
                 room's other peer
  malformed N    N malformed, oversized or binary messages, each answered by
                 an error; the connection stays open
  hold ROOM      join ROOM, print "joined ID", then wait to be killed or stopped
                 (pongs are answered by the library while it runs)

Prints "ok ..." and exits 0, or "FAIL: ..." and exits 1.  Every wait has a
timeout, so a broken server cannot hang the test.
"""
import asyncio
import json
import sys

import websockets

T = 5.0  # seconds any single answer may take


class Fail(Exception):
    pass


async def connect(url):
    # ping_interval=None: the server's pings are answered, none of our own.
    ws = await websockets.connect(url, ping_interval=None, max_size=None)
    welcome = await recv(ws)
    if welcome.get("type") != "welcome" or welcome.get("version") != 1:
        raise Fail("no welcome: %r" % welcome)
    return ws, welcome["id"]


async def recv(ws):
    try:
        text = await asyncio.wait_for(ws.recv(), T)
    except asyncio.TimeoutError:
        raise Fail("no answer within %g s" % T)
    if not isinstance(text, str):
        raise Fail("a binary frame from the server")
    return json.loads(text)


async def expect(ws, **want):
    got = await recv(ws)
    for k, v in want.items():
        if got.get(k) != v:
            raise Fail("expected %r, got %r" % (want, got))
    return got


async def send(ws, **msg):
    await ws.send(json.dumps(msg))


async def nothing_more(ws, wait=0.2):
    try:
        got = await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        return
    raise Fail("unexpected message: %r" % got)


async def pair(url, room):
    a, ida = await connect(url)
    b, idb = await connect(url)
    c, _ = await connect(url)
    await send(a, type="join", room=room)
    got = await expect(a, type="joined", room=room, id=ida)
    if got["peers"] != []:
        raise Fail("first joiner saw peers %r" % got["peers"])
    await send(b, type="join", room=room)
    got = await expect(b, type="joined", room=room, id=idb)
    if got["peers"] != [ida]:
        raise Fail("second joiner saw peers %r" % got["peers"])
    await expect(a, type="peer-joined", room=room, id=idb)
    await send(c, type="join", room=room)
    await expect(c, type="full", room=room)
    offer = {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"}
    await send(a, type="message", data=offer)
    await expect(b, type="message", room=room, **{"from": ida, "data": offer})
    await send(b, type="message", to=ida, data={"type": "answer", "sdp": "v=0\r\n"})
    await expect(a, type="message", **{"from": idb})
    await send(c, type="message", data="sneak")
    await expect(c, type="error", code="not-joined")
    await send(a, type="leave")
    await expect(a, type="left", room=room)
    await expect(b, type="peer-left", room=room, id=ida, reason="left")
    await nothing_more(b)
    for ws in (a, b, c):
        await ws.close()
    print("ok pair")


async def rooms(url, n):
    clients = [await connect(url) for _ in range(2 * n)]
    for i, (ws, _) in enumerate(clients):
        await send(ws, type="join", room="room-%d" % (i // 2))
        await expect(ws, type="joined")
    for i in range(0, 2 * n, 2):
        await expect(clients[i][0], type="peer-joined", id=clients[i + 1][1])
    # Everyone sends at once; each must get exactly its peer's message.
    await asyncio.gather(*(send(ws, type="message", data={"room": "room-%d" % (i // 2), "i": i})
                           for i, (ws, _) in enumerate(clients)))
    for i, (ws, _) in enumerate(clients):
        peer = i ^ 1
        got = await expect(ws, type="message", room="room-%d" % (i // 2))
        if got["from"] != clients[peer][1] or got["data"] != {"room": "room-%d" % (i // 2),
                                                              "i": peer}:
            raise Fail("client %d got %r" % (i, got))
    await asyncio.gather(*(nothing_more(ws) for ws, _ in clients))
    for ws, _ in clients:
        await ws.close()
    print("ok rooms %d" % n)


BAD = [
    ("not json", "bad-json"),
    ("[1]", "not-object"),
    ('{"type": 3}', "bad-type"),
    ('{"type": "nope"}', "unknown-type"),
    ('{"type": "join"}', "bad-field"),
    ('{"type": "join", "room": "a/b"}', "bad-room"),
    ('{"type": "join", "room": "' + "r" * 300 + '"}', "bad-room"),
    ('{"type": "message", "data": 1}', "not-joined"),
    ("x" * 70000, "too-big"),
    (b"\x00\x01binary", "binary"),
]


async def malformed(url, n):
    ws, _ = await connect(url)
    for i in range(n):
        text, code = BAD[i % len(BAD)]
        await ws.send(text)
        await expect(ws, type="error", code=code)
    await send(ws, type="ping")
    await expect(ws, type="pong")
    await ws.close()
    print("ok malformed %d" % n)


async def hold(url, room):
    ws, me = await connect(url)
    await send(ws, type="join", room=room)
    await expect(ws, type="joined", room=room)
    print("joined %s" % me, flush=True)
    while True:
        await ws.recv()


def main():
    url, scenario = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    run = {"pair": lambda: pair(url, arg or "py-room"),
           "rooms": lambda: rooms(url, int(arg or 100)),
           "malformed": lambda: malformed(url, int(arg or 100)),
           "hold": lambda: hold(url, arg or "held")}[scenario]
    try:
        asyncio.run(run())
    except (Fail, websockets.exceptions.WebSocketException, OSError) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
