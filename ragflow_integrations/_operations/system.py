"""Server version detection and health."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .._dialect import FEATURES, MAX_VERSION, Version, parse_version
from .._envelope import unwrap
from .._exceptions import NotFoundError, RAGFlowConfigError, RAGFlowError
from .._http import Request, path
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
    200 with code 100; 0.13: ``retcode``). Then ``total_datasets`` (0.21+), the strict
    validation of list queries (0.19+), a document's ``process_duration`` (0.20+) and the
    OpenAI-compatible route (0.17+) narrow it. The result is the oldest version that fits
    (v0.14 for v0.14-v0.16, v0.17 for v0.17-v0.18, v0.19 for v0.19-v0.20 without documents);
    pin ``server_version`` to be exact.
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
    # Up to 0.22: narrow down with side-effect-free probes.
    listing = Request(
        "GET", "/datasets", "detect server version", params=(("page", "1"), ("page_size", "1"))
    )
    resp = yield listing
    raw = _json(resp.body)
    if isinstance(raw, dict) and raw.get("code") in (109, 401):
        unwrap(resp, listing)  # a bad key is reported here
    if isinstance(raw, dict) and "total_datasets" in raw:
        return FEATURES["total_datasets"]
    datasets = raw.get("data") if isinstance(raw, dict) else None
    # 0.19 validates list queries strictly: an unknown key is refused.
    strict = yield Request(
        "GET", "/datasets", "detect server version", params=(*listing.params, ("probe", "1"))
    )
    raw = _json(strict.body)
    if (
        isinstance(raw, dict)
        and raw.get("code") == 101
        and "Extra inputs" in str(raw.get("message"))
    ):
        if (
            isinstance(datasets, list)
            and datasets
            and isinstance(datasets[0], dict)
            and isinstance(datasets[0].get("id"), str)
        ):
            docs_req = Request(
                "GET",
                path("/datasets/{}/documents", datasets[0].get("id")),
                "detect server version",
                params=(("page", "1"), ("page_size", "1")),
            )
            raw = _json((yield docs_req).body)
            docs = (raw.get("data") or {}).get("docs") if isinstance(raw, dict) else None
            if isinstance(docs, list) and docs and "process_duration" in docs[0]:
                return (0, 20, 0)
        return FEATURES["strict_dataset_models"]
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
        isinstance(raw, dict) and raw.get("code") == 100 and "NotFound" in str(raw.get("message"))
    )
    return (0, 14, 0) if unknown_route else FEATURES["openai_compat"]


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
