"""Server version detection and health."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .._dialect import FEATURES, MAX_VERSION, Version, parse_version
from .._envelope import unwrap
from .._exceptions import NotFoundError, RAGFlowConfigError, RAGFlowError
from .._http import Request
from ._core import Op

__all__ = ["detect_version", "health"]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def detect_version() -> Op[Version]:
    """Ask the server its version (v0.25+) or infer it (contract section 2).

    Older servers have no API-key version endpoint; the way they answer an unknown route
    tells the era (0.24: HTTP 404 with a code; 0.23: HTTP 404 without; up to 0.22: HTTP
    200 with code 100; 0.13: ``retcode``), then ``total_datasets`` (0.21+) and a document's
    ``process_duration`` (0.20+) narrow it. Where nothing narrows it further, v0.19 is
    assumed for the v0.14-v0.20 era; pin ``server_version`` to be exact.
    """
    req = Request("GET", "/system/version", "get server version")
    resp = yield req
    raw = _json(resp.body)
    if resp.status == 200 and isinstance(raw, dict) and raw.get("code") == 0:
        data = raw.get("data")
        if isinstance(data, str):
            try:
                return parse_version(data)
            except RAGFlowConfigError:
                return MAX_VERSION if data.startswith(("v0.2", "v1", "0.2")) else (0, 25, 0)
    if resp.status == 401 or (isinstance(raw, dict) and raw.get("code") == 401):
        unwrap(resp, req)  # raises AuthenticationError
    if isinstance(raw, dict) and "retcode" in raw:
        return (0, 13, 0)
    if resp.status == 404:
        return (0, 24, 0) if isinstance(raw, dict) and "code" in raw else (0, 23, 0)
    # Up to 0.22: narrow down with a dataset list and a document.
    req = Request(
        "GET", "/datasets", "detect server version", params=(("page", "1"), ("page_size", "1"))
    )
    resp = yield req
    raw = _json(resp.body)
    if isinstance(raw, dict) and raw.get("code") not in (0, None):
        unwrap(resp, req)  # a bad key is reported here
    if isinstance(raw, dict) and "total_datasets" in raw:
        return FEATURES["total_datasets"]
    datasets = raw.get("data") if isinstance(raw, dict) else None
    if isinstance(datasets, list) and datasets and isinstance(datasets[0], dict):
        req = Request(
            "GET",
            f"/datasets/{datasets[0].get('id')}/documents",
            "detect server version",
            params=(("page", "1"), ("page_size", "1")),
        )
        resp = yield req
        raw = _json(resp.body)
        docs = (raw.get("data") or {}).get("docs") if isinstance(raw, dict) else None
        if isinstance(docs, list) and docs and isinstance(docs[0], dict):
            if "process_duration" in docs[0]:
                return (0, 20, 0)
            return (0, 19, 0)
    return (0, 19, 0)


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
