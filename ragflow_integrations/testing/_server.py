"""The HTTP side of LocalRAGFlow: routing, auth per era, faults, envelopes and SSE transport."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import _agents, _chats, _completions, _dataset_tools, _datasets, _documents, _memories
from ._dialects import Dialect, normalise_version
from ._faults import Fault, FaultBook
from ._routing import (
    Auth,
    Available,
    RouteRow,
    always,
    auth_docs,
    auth_download,
    auth_parse,
    auth_rest,
    no_auth,
    since,
)
from ._store import Store
from ._wire import Call, Fail, Handler, Reply, StreamReply, dumps, json_result, parse_multipart

__all__ = ["LocalRAGFlow", "RecordedRequest"]

API_PREFIX = "/api/v1"


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


# -- routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    available: Available
    auth: Auth


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile("^" + regex + "/?$")


def _version_auth(d: Dialect) -> str:
    return "rest" if d.version_needs_auth else "none"


def _version(call: Call) -> Reply:
    return json_result(call.d, call.server_version)


def _ping(call: Call) -> Reply:
    return Reply(status=200, body=b"pong", content_type="text/plain; charset=utf-8")


def _healthz(call: Call) -> Reply:
    body = {"db": "ok", "redis": "ok", "doc_engine": "ok", "storage": "ok", "status": "ok"}
    return Reply.json(body)


def _build_routes() -> list[Route]:
    ds = "/datasets/{dataset_id}"
    doc = ds + "/documents/{document_id}"
    chat = "/chats/{chat_id}"
    table: list[RouteRow] = [
        ("POST", "/datasets", _datasets.create_dataset, always, auth_rest),
        ("GET", "/datasets", _datasets.list_datasets, always, auth_rest),
        ("DELETE", "/datasets", _datasets.delete_datasets, always, auth_rest),
        ("PUT", ds, _datasets.update_dataset, always, auth_rest),
        ("GET", ds, _datasets.get_dataset, lambda d: d.get_dataset_route, auth_rest),
        ("POST", ds + "/search", _dataset_tools.search_dataset, since(0, 25, 1), auth_rest),
        ("POST", "/datasets/search", _dataset_tools.search_datasets, since(0, 25, 2), auth_rest),
        ("GET", ds + "/tags", _dataset_tools.list_tags, since(0, 25, 1), auth_rest),
        ("DELETE", ds + "/tags", _dataset_tools.delete_tags, since(0, 25, 1), auth_rest),
        ("PUT", ds + "/tags", _dataset_tools.rename_tag, since(0, 25, 1), auth_rest),
        (
            "GET",
            "/datasets/tags/aggregation",
            _dataset_tools.aggregate_tags,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "GET",
            ds + "/metadata/summary",
            _dataset_tools.metadata_summary,
            since(0, 23),
            auth_docs,
        ),
        (
            "GET",
            "/datasets/metadata/flattened",
            _dataset_tools.flattened_metadata,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "GET",
            ds + "/metadata/config",
            _dataset_tools.get_metadata_config,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "PUT",
            ds + "/metadata/config",
            _dataset_tools.update_metadata_config,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "PUT",
            doc + "/metadata/config",
            _dataset_tools.document_metadata_config,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "PATCH",
            ds + "/documents/metadatas",
            _dataset_tools.batch_update_metadata,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "POST",
            ds + "/documents/batch-update-status",
            _dataset_tools.document_status,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "GET",
            ds + "/ingestions/summary",
            _dataset_tools.ingestion_summary,
            since(0, 25, 1),
            auth_rest,
        ),
        ("GET", ds + "/ingestions", _dataset_tools.ingestion_logs, since(0, 25, 1), auth_rest),
        (
            "GET",
            ds + "/ingestions/{log_id}",
            _dataset_tools.get_ingestion_log,
            since(0, 25, 1),
            auth_rest,
        ),
        ("POST", ds + "/documents", _documents.upload_documents, always, auth_docs),
        ("GET", ds + "/documents", _documents.list_documents, always, auth_docs),
        ("DELETE", ds + "/documents", _documents.delete_documents, always, auth_docs),
        (
            "POST",
            ds + "/documents/parse",
            _documents.parse_batch,
            lambda d: d.parse_stop_routes,
            auth_rest,
        ),
        (
            "POST",
            ds + "/documents/stop",
            _documents.stop_batch,
            lambda d: d.parse_stop_routes,
            auth_rest,
        ),
        ("PUT", doc, _documents.update_document, lambda d: d.doc_put_update, auth_docs),
        ("PATCH", doc, _documents.update_document, lambda d: d.doc_patch_update, auth_docs),
        ("GET", doc, _documents.download_document, always, auth_download),
        ("POST", ds + "/chunks", _documents.parse_documents, always, auth_parse),
        ("DELETE", ds + "/chunks", _documents.stop_parsing, always, auth_parse),
        ("POST", doc + "/chunks", _documents.add_chunk, always, auth_docs),
        ("GET", doc + "/chunks", _documents.list_chunks, always, auth_docs),
        ("DELETE", doc + "/chunks", _documents.delete_chunks, always, auth_docs),
        ("PATCH", doc + "/chunks", _documents.bulk_chunk_switch, since(0, 25, 1), auth_docs),
        ("PUT", doc + "/chunks/{chunk_id}", _documents.update_chunk, always, auth_docs),
        (
            "PATCH",
            doc + "/chunks/{chunk_id}",
            _documents.update_chunk,
            lambda d: d.chunk_patch,
            auth_docs,
        ),
        ("GET", doc + "/chunks/{chunk_id}", _documents.get_chunk, since(0, 25, 1), auth_docs),
        ("POST", "/retrieval", _documents.retrieval, always, auth_parse),
        (
            "GET",
            "/documents/images/{image_id}",
            _documents.chunk_image,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "GET",
            "/documents/artifact/{filename}",
            _documents.artifact,
            since(0, 25, 1),
            auth_rest,
        ),
        (
            "GET",
            "/documents/{document_id}",
            _documents.download_by_id,
            since(0, 25, 6),
            auth_rest,
        ),
        ("POST", "/chats", _chats.create_chat, always, auth_rest),
        ("GET", "/chats", _chats.list_chats, always, auth_rest),
        ("DELETE", "/chats", _chats.delete_chats, always, auth_rest),
        ("PUT", chat, _chats.update_chat, always, auth_rest),
        ("GET", chat, _chats.get_chat, since(0, 25), auth_rest),
        ("PATCH", chat, _chats.patch_chat, since(0, 25), auth_rest),
        ("DELETE", chat, _chats.delete_chat, since(0, 25), auth_rest),
        ("POST", chat + "/sessions", _chats.create_session, always, auth_rest),
        ("GET", chat + "/sessions", _chats.list_sessions, always, auth_rest),
        ("DELETE", chat + "/sessions", _chats.delete_sessions, always, auth_rest),
        ("PUT", chat + "/sessions/{session_id}", _chats.update_session, always, auth_rest),
        ("GET", chat + "/sessions/{session_id}", _chats.get_session, since(0, 25), auth_rest),
        (
            "PATCH",
            chat + "/sessions/{session_id}",
            _chats.update_session,
            lambda d: d.session_patch,
            auth_rest,
        ),
        ("POST", chat + "/completions", _completions.legacy_completion, always, auth_docs),
        (
            "POST",
            chat + "/sessions/{session_id}/completions",
            _completions.session_completion,
            lambda d: d.ge(0, 25) and d.lt(0, 25, 1),
            auth_rest,
        ),
        ("POST", "/chat/completions", _completions.new_completion, since(0, 25, 1), auth_rest),
        (
            "POST",
            "/chats_openai/{chat_id}/chat/completions",
            _completions.openai_completion,
            lambda d: d.openai_route,
            auth_rest,
        ),
        (
            "POST",
            "/openai/{chat_id}/chat/completions",
            _completions.openai_completion,
            since(0, 25, 1),
            auth_rest,
        ),
        ("GET", "/system/version", _version, lambda d: d.version_endpoint, _version_auth),
        ("GET", "/system/ping", _ping, since(0, 25), no_auth),
        ("GET", "/system/healthz", _healthz, since(0, 25), no_auth),
        *_agents.ROUTES,
        *_memories.ROUTES,
        # Last: werkzeug prefers a route's fixed segments to this one's variable one.
        ("DELETE", ds + "/{index_type}", _dataset_tools.delete_index, since(0, 25, 1), auth_rest),
    ]
    return [Route(m, _compile(API_PREFIX + p), h, a, au) for m, p, h, a, au in table]


def _legacy_healthz_available(d: Dialect) -> bool:
    return d.ge(0, 21) and (d.lt(0, 25, 1) or d.ge(0, 25, 2))


#: Handlers that answer a malformed JSON body themselves (``validate_and_parse_json_request``),
#: from the version given; the others answer the framework's ``BadRequest``.
VALIDATES_JSON: dict[Handler, tuple[int, ...]] = {
    _datasets.create_dataset: (0, 19),
    _datasets.update_dataset: (0, 19),
    _datasets.delete_datasets: (0, 19),
    _documents.delete_documents: (0, 25, 1),
    _dataset_tools.search_dataset: (0, 25, 1),
    _dataset_tools.search_datasets: (0, 25, 2),
    _dataset_tools.update_metadata_config: (0, 25, 1),
    _chats.delete_sessions: (0, 27),
}

ROUTES: list[Route] = [
    *_build_routes(),
    Route("GET", _compile("/v1/system/healthz"), _healthz, _legacy_healthz_available, no_auth),
]


# -- era-specific replies --------------------------------------------------------------


def unknown_route(d: Dialect, path: str) -> Reply:
    style = d.unknown_route_style
    if style == "code100":
        return json_result(d, None, 100, "<NotFound '404: Not Found'>")
    if style == "quart":
        return Reply.json(
            {"error": "Not Found", "message": f"The requested URL {path} was not found"}, 404
        )
    return Reply.json(
        {"code": 404, "message": f"Not Found: {path}", "data": None, "error": "Not Found"}, 404
    )


def method_not_allowed(d: Dialect) -> Reply:
    return json_result(d, None, 100, "<MethodNotAllowed '405: Method Not Allowed'>")


def unauthorized(d: Dialect) -> Reply:
    return Reply.json(
        {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}, 401
    )


def check_auth(d: Dialect, mode: str, header: str | None, api_key: str) -> Reply | None:
    """The era's reply to a missing/bad API key, or ``None`` when the key is good."""
    if mode == "none":
        return None
    if mode == "rest":
        token = (header or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        return None if token and token == api_key else unauthorized(d)
    era = d.auth_messages_era
    if not header:
        if era in ("0.13", "0.14"):
            if header is None:
                return json_result(
                    d, None, 100, "AttributeError(\"'NoneType' object has no attribute 'split'\")"
                )
            return json_result(d, None, 100, "IndexError('list index out of range')")
        return json_result(d, False, 0, "`Authorization` can't be empty")
    parts = header.split()
    if len(parts) < 2:
        if era in ("0.13", "0.14"):
            return json_result(d, None, 100, "IndexError('list index out of range')")
        return json_result(d, False, 0, "Please check your authorization format.")
    if parts[1] == api_key:
        return None
    if era in ("0.13", "0.14"):
        return json_result(d, False, 109, "Token is not valid!")
    return json_result(d, False, 109, "Authentication error: API key is invalid!")


# -- the server ------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: LocalRAGFlow

    def __init__(self, address: tuple[str, int], owner: LocalRAGFlow) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, dropped streams) are normal here: stay quiet."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class LocalRAGFlow:
    """An offline, in-process, deterministic stand-in RAGFlow server (see the package docs)."""

    def __init__(
        self,
        dialect: str = "v0.27",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        parse_delay: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dialect = Dialect.for_version(dialect)
        self.version: str = normalise_version(dialect)
        self.dialect: str = self._dialect.name
        self.host = host
        self._requested_port = port
        self._last_port = port
        if api_key is None:
            # The same key, tenant and ids on every run: recordings can be made again.
            seed = f"localragflow:{self.version}"
            api_key = "ragflow-" + hashlib.sha256(seed.encode()).hexdigest()[:32]
        self.api_key: str = api_key
        tenant = hashlib.md5(api_key.encode()).hexdigest()
        self.parse_delay = float(parse_delay)
        #: Seconds to wait between two streamed events (0 = as fast as possible).
        self.stream_delay: float = 0.0
        self._store = Store(tenant, self.parse_delay, clock)
        self._faults = FaultBook()
        self._log_lock = threading.Lock()
        self.request_log: list[RecordedRequest] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> LocalRAGFlow:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self._requested_port), self)
        self._httpd = httpd
        self._last_port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="LocalRAGFlow",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = None
        self._thread = None
        httpd.shutdown()
        with httpd.sockets_lock:
            open_sockets = list(httpd.open_sockets)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LocalRAGFlow:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            if self._last_port:
                return self._last_port
            raise RuntimeError("LocalRAGFlow is not started: the port is chosen at start()")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    # -- faults and state ---------------------------------------------------------------
    def inject(
        self,
        kind: str = "status",
        status: int = 500,
        retry_after: float | None = None,
        times: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        body: str | bytes | None = None,
        content_type: str | None = None,
        seconds: float = 0.0,
        after_events: int = 0,
    ) -> Fault:
        """Add a fault; see :class:`Fault`. Returns it (its ``hits`` count is live)."""
        fault = Fault(
            kind=kind,
            status=status,
            retry_after=retry_after,
            times=times,
            path=path,
            method=method,
            body=body,
            content_type=content_type,
            seconds=seconds,
            after_events=after_events,
        )
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset(self) -> None:
        """Empty the store and the request log (faults are kept; see :meth:`clear_faults`)."""
        self._store.clear()
        with self._log_lock:
            self.request_log.clear()

    @property
    def store(self) -> Store:
        """The in-memory records (hold ``store.lock`` while reading them)."""
        return self._store

    @property
    def behaviour(self) -> Dialect:
        """The behaviour flags of the dialect being served."""
        return self._dialect

    def _record(self, entry: RecordedRequest) -> None:
        with self._log_lock:
            self.request_log.append(entry)

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        return f"LocalRAGFlow(version={self.version!r}, dialect={self.dialect!r}, {where})"


# -- request handling ------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    server_version = "LocalRAGFlow"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):  # no Nagle delay between headers and body
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- plumbing -----------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = bytearray()
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline(65537)
            return bytes(data)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()  # buffered (wbufsize): headers and body leave in one write
        self.wfile.write(reply.body)
        self.wfile.flush()

    def _send_stream(self, reply: StreamReply, drop_after: int | None) -> None:
        chunked = self.request_version == "HTTP/1.1"
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()
        delay = max(reply.event_delay, 0.0)
        sent = 0
        try:
            for event in reply.events:
                if drop_after is not None and sent >= drop_after:
                    self._drop()
                    return
                if delay and sent:
                    time.sleep(delay)
                if chunked:
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                else:
                    self.wfile.write(event)
                self.wfile.flush()
                sent += 1
            if drop_after is not None:
                self._drop()
                return
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection abruptly: no end marker, no terminating chunk."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _fault_reply(self, fault: Fault) -> Reply:
        if fault.kind == "malformed":
            body = (
                fault.body if fault.body is not None else '{"code": 0, "data": {"chunks": [{"id": "'
            )
            raw = body.encode() if isinstance(body, str) else body
            return Reply(
                status=200, body=raw, content_type=fault.content_type or "application/json"
            )
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            ra = fault.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        if fault.body is None:
            phrase = self.responses.get(fault.status, ("Error",))[0]
            raw = dumps({"code": fault.status, "message": phrase, "data": None})
            ctype = fault.content_type or "application/json"
        else:
            raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
            ctype = fault.content_type or "text/plain; charset=utf-8"
        return Reply(status=fault.status, body=raw, content_type=ctype, headers=headers)

    def _dispatch(self) -> None:
        owner = self.server.owner
        d = owner._dialect
        split = urlsplit(self.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        raw = self._read_body()
        ctype = self.headers.get("Content-Type") or ""
        body: Any = None
        form: dict[str, str] = {}
        files: list[tuple[str, bytes]] = []
        bad_json = False
        if ctype.lower().startswith("multipart/form-data"):
            form, files = parse_multipart(ctype, raw)
            body = {"form": dict(form), "files": [name for name, _ in files]}
        elif raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body = raw.decode("utf-8", errors="replace")
                bad_json = "json" in ctype.lower()
        owner._record(
            RecordedRequest(
                method=self.command,
                path=path,
                query={k: list(v) for k, v in query.items()},
                body=body,
                headers=dict(self.headers.items()),
            )
        )
        fault = owner._faults.take(self.command, path, ("delay",))
        if fault is not None:
            time.sleep(max(fault.seconds, 0.0))
        fault = owner._faults.take(self.command, path, ("status", "malformed"))
        if fault is not None:
            self._send(self._fault_reply(fault))
            return
        reply = self._route(d, path, query, body, form, files, raw, bad_json)
        if isinstance(reply, StreamReply):
            drop = owner._faults.take(self.command, path, ("drop_stream",))
            self._send_stream(reply, drop.after_events if drop is not None else None)
        else:
            self._send(reply)

    def _route(
        self,
        d: Dialect,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        form: dict[str, str],
        files: list[tuple[str, bytes]],
        raw: bytes,
        bad_json: bool,
    ) -> Reply | StreamReply:
        owner = self.server.owner
        path_known = False
        # Werkzeug merges repeated slashes: ``/datasets//documents`` is matched as
        # ``/datasets/documents``, and a route that takes it answers with a redirect there.
        merged = re.sub("/{2,}", "/", path)
        for route in ROUTES:
            if not route.available(d):
                continue
            match = route.pattern.match(merged)
            if match is None:
                continue
            path_known = True
            if route.method != self.command:
                continue
            if merged != path:
                target = merged + (f"?{urlsplit(self.path).query}" if "?" in self.path else "")
                return Reply(status=308, body=b"", headers={"Location": target})
            denied = check_auth(d, route.auth(d), self.headers.get("Authorization"), owner.api_key)
            if denied is not None:
                return denied
            since = VALIDATES_JSON.get(route.handler)
            if bad_json and not (since is not None and d.ge(*since)):
                return json_result(d, None, 100, "<BadRequest '400: Bad Request'>")
            call = Call(
                d=d,
                store=owner._store,
                method=self.command,
                path=path,
                params=dict(match.groupdict()),
                query=query,
                body=body,
                form=form,
                files=files,
                stream_event_delay=owner.stream_delay,
                server_version=owner.version,
                content_type=self.headers.get("Content-Type") or "",
                raw=raw,
                bad_json=bad_json,
            )
            with owner._store.lock:
                try:
                    return route.handler(call)
                except Fail as failure:
                    return failure.reply
                except Exception as exc:  # the real server's catch-all: code 100 + repr
                    return json_result(d, None, 100, repr(exc))
        if path_known:
            return method_not_allowed(d)
        return unknown_route(d, path)
