"""A loopback TCP proxy adding a fixed delay to every chunk in each direction, for benchmarks.

Unlike ``tests/support/proxy.py`` (HTTP-aware, threaded, one upstream connection per
request) this one forwards raw bytes: each client connection gets one upstream
connection, and every chunk read from either side is written to the other side
``delay`` seconds later, in order.  The delay is a timestamp on a per-direction queue,
not a sleep, so throughput and concurrency are not serialised by it: 64 requests in
flight each see ``2 × delay`` plus the registry's own time, as over a real link.

It runs in its own process (``python bench/latency_proxy.py``) so it does not share a
GIL with anything in the benchmark process, and counts HTTP requests by scanning the
client→server bytes for request lines (``GET /v2/... HTTP/1.1``) at line starts.

Use :func:`latency_proxy` (a context manager) from a benchmark::

    with latency_proxy("127.0.0.1:5000", delay=0.025) as proxy:
        ...  # talk to proxy.host
        proxy.count()  # requests since start or the last clear()
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import subprocess
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["LatencyProxy", "latency_proxy"]

T = TypeVar("T")

_REQUEST_LINE = re.compile(
    rb"^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ HTTP/1\.[01]\r?$", re.MULTILINE
)
_MAX_CARRY = 16 * 1024  # an unfinished line longer than this is not a request line
_BACKLOG = 4096
_CHUNK_LIMIT = 4 * 1024 * 1024  # bytes queued one way before reading from the source pauses


class _Stats:
    """Requests seen, by method; touched by the event loop, read by the control thread."""

    def __init__(self) -> None:
        self.methods: Counter[str] = Counter()
        self.connections = 0

    def snapshot(self) -> dict[str, object]:
        methods = dict(self.methods)
        return {
            "requests": sum(methods.values()),
            "methods": methods,
            "connections": self.connections,
        }

    def clear(self) -> None:
        self.methods = Counter()
        self.connections = 0


class _Direction:
    """One way of one connection: chunks stamped with their due time, written when due.

    A single timer per direction drains the queue head-first, so order is kept even when
    two chunks share a timestamp.  When too much is queued the source stops reading
    until the queue drains (TCP back-pressure, as a slow link would exert).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self.loop = loop
        self.delay = delay
        self.queue: deque[tuple[float, bytes | None]] = deque()
        self.queued = 0
        self.timer: asyncio.TimerHandle | None = None
        self.dest: asyncio.Transport | None = None
        self.source: asyncio.Transport | None = None
        self.paused = False

    def push(self, data: bytes | None) -> None:
        self.queue.append((self.loop.time() + self.delay, data))
        if data:
            self.queued += len(data)
            if self.queued > _CHUNK_LIMIT and self.source is not None and not self.paused:
                self.paused = True
                self.source.pause_reading()
        self._arm()

    def attach(self, dest: asyncio.Transport) -> None:
        self.dest = dest
        self._arm()

    def _arm(self) -> None:
        if self.timer is None and self.dest is not None and self.queue:
            self.timer = self.loop.call_at(self.queue[0][0], self._flush)

    def _flush(self) -> None:
        self.timer = None
        dest = self.dest
        assert dest is not None
        now = self.loop.time()
        first = True
        while self.queue and (first or self.queue[0][0] <= now):
            first = False  # the timer fired for the head: it is due
            _, data = self.queue.popleft()
            if data is None:
                self.queue.clear()
                if dest.can_write_eof():
                    dest.write_eof()
                else:
                    dest.close()
                return
            self.queued -= len(data)
            if not dest.is_closing():
                dest.write(data)
        if self.paused and self.queued <= _CHUNK_LIMIT // 2 and self.source is not None:
            self.paused = False
            self.source.resume_reading()
        self._arm()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.queue.clear()


class _Upstream(asyncio.Protocol):
    """Server side of one proxied connection: its bytes go back to the client, delayed."""

    def __init__(self, conn: _Client) -> None:
        self.conn = conn

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        _nodelay(transport)
        self.conn.back.source = transport
        self.conn.forth.attach(transport)

    def data_received(self, data: bytes) -> None:
        self.conn.back.push(data)

    def eof_received(self) -> bool:
        self.conn.back.push(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.upstream_lost()


class _Client(asyncio.Protocol):
    """Client side of one proxied connection; opens its upstream connection at once."""

    def __init__(self, upstream: tuple[str, int], delay: float, stats: _Stats) -> None:
        self.upstream_addr = upstream
        self.stats = stats
        loop = asyncio.get_running_loop()
        self.forth = _Direction(loop, delay)  # client → registry
        self.back = _Direction(loop, delay)  # registry → client
        self.transport: asyncio.Transport | None = None
        self.upstream: asyncio.Transport | None = None
        self.carry = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        _nodelay(transport)
        self.transport = transport
        self.forth.source = transport
        self.back.attach(transport)
        self.stats.connections += 1
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        host, port = self.upstream_addr
        try:
            transport, _ = await loop.create_connection(lambda: _Upstream(self), host, port)
        except OSError:
            if self.transport is not None:
                self.transport.close()
            return
        self.upstream = transport

    def data_received(self, data: bytes) -> None:
        self._count(data)
        self.forth.push(data)

    def _count(self, data: bytes) -> None:
        buf = self.carry + data
        end = buf.rfind(b"\n") + 1
        if end:
            for m in _REQUEST_LINE.finditer(buf, 0, end):
                self.stats.methods[m.group(1).decode()] += 1
        rest = buf[end:]
        self.carry = rest if len(rest) <= _MAX_CARRY else b""

    def eof_received(self) -> bool:
        self.forth.push(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.forth.cancel()
        self.back.cancel()
        if self.upstream is not None:
            self.upstream.close()

    def upstream_lost(self) -> None:
        # Let queued response bytes reach the client first, then close it.
        if self.transport is None:
            return
        transport = self.transport
        self.back.queue.append((self.back.loop.time() + self.back.delay, None))
        self.back._arm()
        self.back.loop.call_later(self.back.delay + 0.001, transport.close)


def _nodelay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _control(stats: _Stats, loop: asyncio.AbstractEventLoop) -> None:
    """Answer ``stats`` / ``clear`` lines on stdin with one JSON line each; EOF stops."""
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "clear":
            asyncio.run_coroutine_threadsafe(_call(stats.clear), loop).result()
            print(json.dumps({"ok": True}), flush=True)
        elif cmd == "stats":
            snap = asyncio.run_coroutine_threadsafe(_call(stats.snapshot), loop).result()
            print(json.dumps(snap), flush=True)
    loop.call_soon_threadsafe(loop.stop)


async def _call(fn: Callable[[], T]) -> T:
    """Run ``fn`` on the event loop (the stats are the loop's alone)."""
    return fn()


async def _serve(upstream: tuple[str, int], delay: float, port: int) -> None:
    loop = asyncio.get_running_loop()
    stats = _Stats()
    server = await loop.create_server(
        lambda: _Client(upstream, delay, stats), "127.0.0.1", port, backlog=_BACKLOG
    )
    bound = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": bound}), flush=True)
    threading.Thread(target=_control, args=(stats, loop), daemon=True).start()
    await asyncio.Event().wait()  # until the control thread stops the loop


def _main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("upstream", help="HOST:PORT of the registry")
    ap.add_argument("--delay", type=float, default=0.025, help="seconds each way (0.025)")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    host, _, port = args.upstream.rpartition(":")
    try:
        asyncio.run(_serve((host, int(port)), args.delay, args.port))
    except RuntimeError:  # loop stopped by the control thread
        pass
    return 0


@dataclass
class LatencyProxy:
    """A running proxy process: ``host`` (``127.0.0.1:PORT``) for references."""

    host: str
    process: subprocess.Popen[str]

    def _ask(self, cmd: str) -> dict[str, object]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(cmd + "\n")
        self.process.stdin.flush()
        answer: dict[str, object] = json.loads(self.process.stdout.readline())
        return answer

    def stats(self) -> dict[str, object]:
        """``{"requests": N, "methods": {"GET": n, ...}, "connections": N}`` since clear."""
        return self._ask("stats")

    def count(self) -> int:
        """HTTP requests the clients sent since the start or the last :meth:`clear`."""
        n = self.stats()["requests"]
        assert isinstance(n, int)
        return n

    def clear(self) -> None:
        self._ask("clear")


@contextmanager
def latency_proxy(upstream: str, *, delay: float = 0.025) -> Iterator[LatencyProxy]:
    """Run the proxy in a child process in front of ``upstream`` (``[http://]HOST:PORT``)."""
    target = upstream.removeprefix("http://").rstrip("/")
    proc = subprocess.Popen(
        [sys.executable, __file__, target, "--delay", str(delay)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"latency proxy did not start (exit {proc.wait()})")
        port = json.loads(line)["port"]
        yield LatencyProxy(f"127.0.0.1:{port}", proc)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(_main())
