"""Server version detection and health."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from .._dialect import FEATURES, MAX_VERSION, MIN_VERSION, Version, format_version, read_version
from .._envelope import load_json, unwrap
from .._exceptions import NotFoundError, RAGFlowError
from .._http import Request, Response, path
from ._core import Op

__all__ = ["Detected", "detect_version", "health"]

_BAD_KEY = re.compile(r"token|api key", re.I)


def _json(body: bytes) -> Any:
    try:
        return load_json(body)
    except ValueError:
        return None


@dataclass(frozen=True)
class Detected:
    """What version detection found.

    ``version`` is the version to speak. ``below`` is set when the probes could only
    narrow it down: the server is ``version`` or newer, but older than ``below``.
    ``note`` says anything else worth a warning (a version newer than this client knows,
    or one the server would not name).
    """

    version: Version
    below: Version | None = None
    note: str | None = None


def _error_code(raw: Any) -> Any:
    return raw.get("code", raw.get("retcode")) if isinstance(raw, dict) else None


def _auth_failure(resp: Response, raw: Any, req: Request) -> None:
    """A bad key is reported as soon as an answer shows it."""
    code = _error_code(raw)
    if (
        resp.status == 401
        or code == 401
        or (code == 109 and isinstance(raw, dict) and _BAD_KEY.search(str(raw.get("message"))))
    ):
        unwrap(resp, req)  # raises AuthenticationError


def detect_version() -> Op[Detected]:
    """Ask the server its version (v0.25+) or infer it (contract section 2).

    Every probe is a read or a request the server refuses, so nothing is left behind.
    Older servers have no API-key version endpoint; the way they answer an unknown route
    tells the era (0.24: HTTP 404 with a code; 0.23: HTTP 404 without; up to 0.22: HTTP
    200 with code 100; 0.13: ``retcode``). Then ``total_datasets`` (0.21+), the strict
    validation of list queries (0.19+), a document's ``process_duration`` (0.20+), the
    OpenAI-compatible route (0.17+) and the answer to a request without a key (0.16+)
    narrow it. Where they cannot tell (v0.14-v0.15, v0.17-v0.18, v0.19-v0.20 without
    documents, v0.21-v0.22), the result is the oldest version that fits, with ``below``
    set. A v0.25+ server that will not name its version (a source checkout answers
    ``"unknown"``) is probed too: the ``page_size`` cap (0.26+) and ``GET /datasets/{id}``
    (0.25.1+).
    """
    req = Request("GET", "/system/version", "get server version")
    resp = yield req
    raw = _json(resp.body)
    _auth_failure(resp, raw, req)
    if resp.status == 200 and isinstance(raw, dict) and raw.get("code") == 0:
        named = raw.get("data")
        version = read_version(named)
        if version is not None and MIN_VERSION <= version <= MAX_VERSION:
            return Detected(version)
        if version is not None and version > MAX_VERSION:
            return Detected(
                MAX_VERSION,
                note=f"it reports {named!r}, newer than this client knows; speaking "
                f"{format_version(MAX_VERSION)}",
            )
        return (yield from _probe_v025_on(named))
    if isinstance(raw, dict) and "retcode" in raw:
        return Detected((0, 13, 0))
    if resp.status == 404:
        return Detected((0, 24, 0) if isinstance(raw, dict) and "code" in raw else (0, 23, 0))
    # Up to 0.22: narrow down with side-effect-free probes.
    listing = Request(
        "GET", "/datasets", "detect server version", params=(("page", "1"), ("page_size", "1"))
    )
    resp = yield listing
    raw = _json(resp.body)
    _auth_failure(resp, raw, listing)
    if isinstance(raw, dict) and "total_datasets" in raw:
        return Detected(FEATURES["total_datasets"], below=(0, 23, 0))
    datasets = raw.get("data") if isinstance(raw, dict) else None
    # 0.19 validates list queries strictly: an unknown key is refused.
    strict = yield Request(
        "GET", "/datasets", "detect server version", params=(*listing.params, ("probe", "1"))
    )
    raw = _json(strict.body)
    if _error_code(raw) == 101 and "Extra inputs" in str(raw.get("message")):
        first = datasets[0] if isinstance(datasets, list) and datasets else None
        if isinstance(first, dict) and isinstance(first.get("id"), str):
            docs_req = Request(
                "GET",
                path("/datasets/{}/documents", first["id"]),
                "detect server version",
                params=(("page", "1"), ("page_size", "1")),
            )
            raw = _json((yield docs_req).body)
            data = raw.get("data") if isinstance(raw, dict) else None
            docs = data.get("docs") if isinstance(data, dict) else None
            if isinstance(docs, list) and docs and isinstance(docs[0], dict):
                if "process_duration" in docs[0]:
                    return Detected((0, 20, 0))
                return Detected(FEATURES["strict_dataset_models"])
        return Detected(FEATURES["strict_dataset_models"], below=(0, 21, 0))
    # Before 0.19: the OpenAI-compatible route arrived in 0.17. A chat id that cannot exist
    # is refused by the route where it exists, and the route is unknown where it does not.
    probe = yield Request(
        "POST",
        path("/chats_openai/{}/chat/completions", "0" * 32),
        "detect server version",
        json={"model": "model", "messages": [{"role": "user", "content": "?"}], "stream": False},
    )
    raw = _json(probe.body)
    unknown_route = probe.status == 404 or (
        _error_code(raw) == 100 and "NotFound" in str(raw.get("message"))
    )
    if not unknown_route:
        return Detected(FEATURES["openai_compat"], below=(0, 19, 0))
    # 0.16 answers a request without a key with code 0 and data false; 0.14-0.15 fail.
    keyless = yield Request(
        "GET",
        "/datasets",
        "detect server version",
        params=listing.params,
        authenticate=False,
    )
    raw = _json(keyless.body)
    if _error_code(raw) == 0 and isinstance(raw, dict) and raw.get("data") is False:
        return Detected(FEATURES["use_kg"])
    return Detected((0, 14, 0), below=(0, 16, 0))


def _probe_v025_on(named: object) -> Op[Detected]:
    """A v0.25+ server that does not name its version: the ``page_size`` cap came in
    v0.26.0, ``GET /datasets/{id}`` in v0.25.1."""
    note = f"it does not name its version (it says {str(named)[:40]!r})"
    capped = Request(
        "GET", "/datasets", "detect server version", params=(("page", "1"), ("page_size", "101"))
    )
    resp = yield capped
    raw = _json(resp.body)
    _auth_failure(resp, raw, capped)
    if _error_code(raw) not in (0, None):
        found = FEATURES["page_size_cap"]
        return Detected(found, note=f"{note}; it answers like {format_version(found)} or newer")
    by_id = yield Request("GET", path("/datasets/{}", "0" * 32), "detect server version")
    raw = _json(by_id.body)
    if "MethodNotAllowed" in str(raw.get("message") if isinstance(raw, dict) else ""):
        return Detected((0, 25, 0), note=f"{note}; it answers like v0.25.0")
    found = FEATURES["get_dataset"]
    return Detected(found, note=f"{note}; it answers like {format_version(found)} to v0.25.x")


def health() -> Op[dict[str, Any]]:
    """The server's health report (``/api/v1/system/healthz`` on v0.25+).

    Older servers keep healthz outside the API, so there a cheap authenticated list call
    proves the API answers. Raises when the server is unreachable or reports itself unhealthy.
    """
    req = Request("GET", "/system/healthz", "check server health")
    resp = yield req
    raw = _json(resp.body)
    if isinstance(raw, dict) and "status" in raw:
        if raw.get("status") != "ok":
            raise RAGFlowError(f"the server reports itself unhealthy: {raw}")
        return raw
    # Older servers: any enveloped answer proves the API is up.
    req = Request(
        "GET", "/datasets", "check server health", params=(("page", "1"), ("page_size", "1"))
    )
    resp = yield req
    with contextlib.suppress(NotFoundError):  # v0.13 calls an empty list an error: still up
        unwrap(resp, req)
    return {"status": "ok"}
