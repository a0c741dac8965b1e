"""A real peer for the local /ws endpoint: Python's `websockets` (Debian's python3-websockets).

Usage: websockets_client.py URL
Connects, reads hello and status, sends a request, sends a WebSocket ping and waits for its
pong, reads N events, then closes with 4321 and checks the daemon echoed the code. Prints one
JSON line with what it saw; exits non-zero on any failure.
"""
import asyncio
import json
import sys

import websockets


async def main(url: str) -> None:
    seen = {"ops": [], "events": []}
    async with websockets.connect(url, max_size=2**20, ping_interval=None) as ws:
        for _ in range(2):
            seen["ops"].append(json.loads(await ws.recv())["op"])
        await ws.send(json.dumps({"op": "request", "d": {"id": "py-1", "type": "ping"}}))
        pong_waiter = await ws.ping(b"are you there")
        await asyncio.wait_for(pong_waiter, 5)
        seen["pong"] = True
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg["op"] == "response":
                seen["response"] = msg["d"]["ok"]
            elif msg["op"] == "event":
                seen["events"].append(msg["d"]["seq"])
                if len(seen["events"]) >= 5:
                    break
        await ws.close(code=4321, reason="done")
        seen["close_code"] = ws.close_code
    print(json.dumps(seen))


asyncio.run(main(sys.argv[1]))
