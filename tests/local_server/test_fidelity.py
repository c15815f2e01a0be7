"""The stand-in against the real RAGFlow, from the cassettes recorded against a real server.

Each interaction of a cassette recorded against a live RAGFlow (``x-recorded-against: live
RAGFlow vX``) is sent again, in the same order, to a fresh ``LocalRAGFlow`` of that version's
dialect, seeded like the recording was (``seed-<dialect>.json``), and the two answers compared:
HTTP status, envelope ``code``, ``message`` and the shape of the rest of the body (keys and
JSON types; ids, times and scores masked; for a stream, the shapes of its events). Ids are
mapped as the stand-in mints its own: the seed's first, then every id the two answers hold at
the same place. A request the real server refused for its key is sent with a wrong key (the
recorded key itself is scrubbed).

A difference fails, unless ``fidelity_allowlist.yaml`` lists it with a reason; an entry that
no longer matches anything fails too, so the list only shrinks as the stand-in improves.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from ragflow_integrations import RAGFlow
from ragflow_integrations.samples import load_samples
from ragflow_integrations.testing import LocalRAGFlow, resolve_dialect
from tests.support import CASSETTES, RECORDED_AGAINST

ALLOWLIST = Path(__file__).with_name("fidelity_allowlist.yaml")
LIVE = "live RAGFlow "
MASKED = re.compile(
    r"^(id|.*_id|.*_ids|.*_time|.*_date|.*_at|time|date|similarity|.*_similarity|score|.*_score)$"
)
ID_IN_PATH = re.compile(r"^[0-9a-f]{16,}$")
AUTH_REFUSED = ("Unauthorized", "Authentication error", "API key is invalid", "Invalid API")


@dataclass(frozen=True)
class Difference:
    route: str
    aspect: str  # status, code, message, body, stream
    path: str
    detail: str

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.route}: {self.aspect}{where}: {self.detail}"


def live_cassettes() -> list[tuple[Path, str]]:
    """Every cassette recorded against a real server, with that server's version."""
    found = []
    for path in sorted(CASSETTES.rglob("*.yaml")):
        text = path.read_text()
        match = re.search(rf"{RECORDED_AGAINST}:\n\s*- {LIVE}(v[0-9.]+)", text)
        if match:
            found.append((path, match.group(1)))
    return found


# -- shapes ---------------------------------------------------------------------------------
def shape(value: Any, key: str = "") -> Any:
    """Keys and JSON types of ``value``; masked keys and list elements merged."""
    if MASKED.match(key):
        return "*"
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = merge(merged, shape(item))
        return ["empty"] if not value else [merged]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


def merge(a: Any, b: Any) -> Any:
    if a is None or a == "null":
        return b
    if b == "null" or a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: merge(a.get(k), b.get(k)) for k in a.keys() | b.keys()}
    if isinstance(a, list) and isinstance(b, list):
        return b if a == ["empty"] else a if b == ["empty"] else [merge(a[0], b[0])]
    return "|".join(sorted({describe(a), describe(b)}))


def describe(s: Any) -> str:
    return "object" if isinstance(s, dict) else "list" if isinstance(s, list) else str(s)


def shape_differences(real: Any, local: Any, path: str) -> list[tuple[str, str]]:
    if real == "*" or local == "*" or real == local:
        return []
    if isinstance(real, dict) and isinstance(local, dict):
        out = []
        for k in sorted(real.keys() | local.keys()):
            sub = f"{path}.{k}"
            if k not in local:
                out.append((sub, "missing in the stand-in"))
            elif k not in real:
                out.append((sub, "only in the stand-in"))
            else:
                out.extend(shape_differences(real[k], local[k], sub))
        return out
    if isinstance(real, list) and isinstance(local, list):
        if ["empty"] in (real, local):
            side = "real server" if real == ["empty"] else "stand-in"
            return [(path, f"empty list from the {side} only")]
        return shape_differences(real[0], local[0], f"{path}[]")
    return [(path, f"real {describe(real)}, stand-in {describe(local)}")]


# -- ids --------------------------------------------------------------------------------------
class IdMap:
    """Ids the real server minted -> the ids the stand-in minted for the same things."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def pair(self, real: Any, local: Any) -> None:
        if isinstance(real, str) and isinstance(local, str) and real != local and real:
            self.ids.setdefault(real, local)

    def learn(self, real: Any, local: Any, key: str = "") -> None:
        """Pair the ids found at the same places of two answers."""
        if isinstance(real, dict) and isinstance(local, dict):
            for k in real.keys() & local.keys():
                self.learn(real[k], local[k], k)
        elif isinstance(real, list) and isinstance(local, list):
            for r, lo in zip(real, local, strict=False):
                self.learn(r, lo, key)
        elif key == "id" or key.endswith(("_id", "_ids")):
            self.pair(real, local)

    def apply(self, text: str) -> str:
        for real in sorted(self.ids, key=len, reverse=True):
            text = text.replace(real, self.ids[real])
        return text


# -- one interaction --------------------------------------------------------------------------
def route_of(method: str, uri: str) -> str:
    segments = ["{id}" if ID_IN_PATH.match(s) else s for s in urlsplit(uri).path.split("/")]
    return f"{method} {'/'.join(segments)}"


def decode(content_type: str, body: bytes) -> Any:
    if "event-stream" in content_type:
        events = []
        for line in body.decode().splitlines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                events.append(json.loads(line[5:]))
        return {"stream": events}
    try:
        return json.loads(body)
    except ValueError:
        return {"bytes": body}


def compare(
    route: str, real: tuple[int, Any], local: tuple[int, Any], ids: IdMap
) -> list[Difference]:
    out = []
    if real[0] != local[0]:
        out.append(Difference(route, "status", "", f"real {real[0]}, stand-in {local[0]}"))
    a, b = real[1], local[1]
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return [*out, Difference(route, "body", "", "not both JSON objects")]
    if "stream" in a or "stream" in b:
        return out + stream_differences(route, a.get("stream", []), b.get("stream", []))
    if "bytes" in a or "bytes" in b:
        if a != b:
            out.append(Difference(route, "body", "", "the bytes differ"))
        return out
    if a.get("code") != b.get("code"):
        out.append(Difference(route, "code", "", f"real {a.get('code')}, stand-in {b.get('code')}"))
    message_a = ids.apply(str(a.get("message", "")))
    if message_a != str(b.get("message", "")):
        out.append(
            Difference(
                route, "message", "", f"real {message_a!r}, stand-in {b.get('message', '')!r}"
            )
        )
    rest_a = shape({k: v for k, v in a.items() if k not in ("code", "message")})
    rest_b = shape({k: v for k, v in b.items() if k not in ("code", "message")})
    for path, detail in shape_differences(rest_a, rest_b, ""):
        out.append(Difference(route, "body", path.lstrip("."), detail))
    return out


def stream_differences(route: str, real: list[Any], local: list[Any]) -> list[Difference]:
    """The first event, the last and all of them merged: shapes compared path by path."""
    if not (real and local):
        side = "real server" if real else "stand-in"
        return [Difference(route, "stream", "", f"events from the {side} only")]
    parts = {"first event": (real[0], local[0]), "last event": (real[-1], local[-1])}
    parts["events"] = (real, local)
    return [
        Difference(route, "stream", path, detail)
        for name, (a, b) in parts.items()
        for path, detail in shape_differences(shape(a), shape(b), name)
    ]


# -- one cassette -----------------------------------------------------------------------------
def seed_of(cassette: Path, dialect: str) -> Path | None:
    """The seed the recording used: its module's, or a sibling seed of its own (a module's
    tests may use two, ``<module>`` and ``<module>_separate``), the one whose ids it names.
    """
    own = cassette.parent / f"seed-{dialect}.json"
    text = cassette.read_text()
    for path in sorted(
        cassette.parent.parent.glob(f"{cassette.parent.name}_*/seed-{dialect}.json")
    ):
        other = json.loads(path.read_text())
        if any(i in text for i in (other["dataset_id"], other["chat_id"], *other["document_ids"])):
            return path
    return own if own.exists() else None


def seed(stand_in: LocalRAGFlow, dialect: str, cassette: Path, ids: IdMap) -> None:
    """Seed the stand-in as the recording's server was (if it was), mapping the seed's ids."""
    recorded = seed_of(cassette, dialect)
    if recorded is None:
        return
    real = json.loads(recorded.read_text())
    name = recorded.parent.name
    with RAGFlow(stand_in.api_key, stand_in.base_url, server_version=dialect) as rag:
        samples = load_samples(
            rag, dataset_name=f"samples_{name}", chat_name=f"guide_{name}", interval=0.01
        )
    assert samples.chat is not None
    ids.pair(real["dataset_id"], samples.dataset.id)
    ids.pair(real["chat_id"], samples.chat.id)
    for r, lo in zip(real["document_ids"], samples.documents, strict=True):
        ids.pair(r, lo.id)


def replay(cassette: Path, version: str) -> list[Difference]:
    dialect = resolve_dialect(version)
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    ids = IdMap()
    out: list[Difference] = []
    http = requests.Session()
    http.trust_env = False
    with LocalRAGFlow(dialect=dialect, parse_delay=0) as stand_in:
        seed(stand_in, dialect, cassette, ids)
        for interaction in interactions:
            request, response = interaction["request"], interaction["response"]
            real_body = response["body"]["string"]
            real_body = real_body.encode() if isinstance(real_body, str) else real_body
            headers = {k.lower(): v[0] for k, v in response["headers"].items()}
            real_type = headers.get("content-type", "")
            real = (response["status"]["code"], decode(real_type, real_body))
            headers = {
                k: v[0]
                for k, v in request["headers"].items()
                if k.lower() not in ("authorization", "accept-encoding", "content-length")
            }
            if "authorization" in {k.lower() for k in request["headers"]}:
                refused = real[0] == 401 or any(
                    s in real_body.decode(errors="replace") for s in AUTH_REFUSED
                )
                key = "ragflow-not-the-recorded-key" if refused else stand_in.api_key
                headers["Authorization"] = f"Bearer {key}"
            parts = urlsplit(ids.apply(request["uri"]))
            url = stand_in.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
            body = request["body"]
            if isinstance(body, str):
                body = ids.apply(body).encode()
            answer = http.request(request["method"], url, data=body, headers=headers, timeout=30)
            local_type = answer.headers.get("Content-Type", "")
            local = (answer.status_code, decode(local_type, answer.content))
            route = route_of(request["method"], request["uri"])
            out.extend(compare(route, real, local, ids))
            ids.learn(real[1], local[1])
    return out


# -- the allow-list -------------------------------------------------------------------------
@cache
def allowlist() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = yaml.safe_load(ALLOWLIST.read_text()) or []
    for entry in entries:
        assert entry.get("reason"), f"allow-list entry without a reason: {entry}"
    return entries


def allowed_by(difference: Difference) -> int | None:
    """The allow-list entry that explains a difference: ``route``, ``aspect`` and each of
    ``paths`` are shell patterns (``[`` is literal), ``detail`` a part of the text."""
    for index, entry in enumerate(allowlist()):
        if (
            fnmatch(difference.route, entry["route"])
            and fnmatch(difference.aspect, entry["aspect"])
            and any(
                fnmatch(difference.path, p.replace("[", "[[]")) for p in entry.get("paths", ["*"])
            )
            and entry.get("detail", "") in difference.detail
        ):
            return index
    return None


@cache
def all_differences() -> dict[str, list[Difference]]:
    return {
        str(path.relative_to(CASSETTES)): replay(path, version)
        for path, version in live_cassettes()
    }


CASES = [str(path.relative_to(CASSETTES)) for path, _ in live_cassettes()]


@pytest.mark.parametrize("cassette", CASES)
def test_stand_in_answers_like_the_real_server(cassette: str) -> None:
    unexplained = [d for d in all_differences()[cassette] if allowed_by(d) is None]
    assert not unexplained, "\n".join(str(d) for d in unexplained)


def test_every_allowlist_entry_is_still_needed() -> None:
    used = {allowed_by(d) for diffs in all_differences().values() for d in diffs}
    stale = [entry for index, entry in enumerate(allowlist()) if index not in used]
    assert not stale, f"the stand-in now does these as the real server does: remove them {stale}"


def test_there_are_real_recordings() -> None:
    assert CASES, "no cassette was recorded against a real RAGFlow"
