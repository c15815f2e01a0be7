"""A raw HTTP server on loopback whose answers a test writes byte by byte.

For what LocalRAGFlow does not do: redirects, broken chunked encoding, bodies ended by
closing the connection, resets, stalls and oversized answers. Connections are kept
alive as HTTP/1.1 allows, and the server counts the ones still open.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

__all__ = ["RawServer", "Seen", "chunked", "head", "reset"]


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen, socket.socket], bool]
"""Writes the answer; returns whether the connection stays open for another request."""


@dataclass
class RawServer:
    handler: Handler
    seen: list[Seen] = field(default_factory=list)
    open_connections: int = 0

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> RawServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        self._sock.settimeout(0.05)  # to see the stop flag: close() does not wake accept()
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self.open_connections += 1
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                raw_head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = raw_head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                seen = Seen(method, target, headers, body)
                self.seen.append(seen)
                if not self.handler(seen, conn):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self.open_connections -= 1
                if conn in self._conns:
                    self._conns.remove(conn)
            with contextlib.suppress(OSError):
                conn.close()


def head(status: int, headers: dict[str, str] | None = None, reason: str = "X") -> bytes:
    """A status line and headers."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(pieces: Iterator[bytes] | list[bytes]) -> Iterator[bytes]:
    """Pieces in chunked encoding, then the last chunk."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (RST), not a clean close."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
