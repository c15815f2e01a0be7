"""Fixtures for the LocalRAGFlow tests: servers on 127.0.0.1 and a thin raw-HTTP helper."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ragflow_integrations.testing import LocalRAGFlow


def sse_events(text: str) -> list[Any]:
    """The JSON payloads of ``data:`` lines (``[DONE]`` kept as the string)."""
    out: list[Any] = []
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[len("data:") :]
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


_SSL = ssl.create_default_context()  # one context: httpx builds one per client otherwise


class Api:
    """Raw HTTP calls against one LocalRAGFlow (httpx, no project client)."""

    def __init__(self, server: LocalRAGFlow) -> None:
        self.server = server
        self.d = server.behaviour
        self.http = httpx.Client(
            base_url=server.api_url,
            headers={"Authorization": f"Bearer {server.api_key}"},
            timeout=10,
            verify=_SSL,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, **kw)

    def j(self, method: str, path: str, **kw: Any) -> Any:
        return self.call(method, path, **kw).json()

    # -- seeding ---------------------------------------------------------------------------------
    def dataset(self, name: str = "kb", **body: Any) -> str:
        return str(self.dataset_record(name, **body)["id"])

    def dataset_record(self, name: str = "kb", **body: Any) -> dict[str, Any]:
        res = self.j("POST", "/datasets", json={"name": name, **body})
        assert res["code"] == 0, res
        record: dict[str, Any] = res["data"]
        return record

    def upload(self, ds_id: str, files: dict[str, bytes | str]) -> list[str]:
        parts = [
            ("file", (name, data.encode() if isinstance(data, str) else data))
            for name, data in files.items()
        ]
        res = self.j("POST", f"/datasets/{ds_id}/documents", files=parts)
        assert res["code"] == 0, res
        return [str(doc["id"]) for doc in res["data"]]

    def doc(self, ds_id: str, doc_id: str) -> dict[str, Any]:
        res = self.j("GET", f"/datasets/{ds_id}/documents", params={"id": doc_id})
        assert res["code"] == 0, res
        doc: dict[str, Any] = res["data"]["docs"][0]
        return doc

    def parse(self, ds_id: str, doc_ids: list[str], wait: bool = True) -> list[dict[str, Any]]:
        res = self.j("POST", f"/datasets/{ds_id}/chunks", json={"document_ids": doc_ids})
        assert res["code"] == 0, res
        if not wait:
            return []
        deadline = time.monotonic() + 5
        while True:
            docs = [self.doc(ds_id, i) for i in doc_ids]
            if all(doc["run"] in ("DONE", "FAIL", "CANCEL") for doc in docs):
                return docs
            assert time.monotonic() < deadline, docs
            time.sleep(0.02)

    def seeded(
        self, files: dict[str, bytes | str], name: str = "kb", chunk_token_num: int = 16
    ) -> tuple[str, list[str]]:
        ds_id = self.dataset(name, parser_config={"chunk_token_num": chunk_token_num})
        doc_ids = self.upload(ds_id, files)
        self.parse(ds_id, doc_ids)
        return ds_id, doc_ids

    def chat(self, ds_ids: list[str], name: str = "bot", **prompt: Any) -> str:
        if self.d.chat_schema == "dialog":
            body: dict[str, Any] = {"name": name, "dataset_ids": ds_ids}
            if prompt:
                body["prompt_config"] = prompt
            res = self.j("POST", "/chats", json=body)
        else:
            old = {
                {
                    "prologue": "opener",
                    "empty_response": "empty_response",
                    "quote": "show_quote",
                }.get(k, k): v
                for k, v in prompt.items()
            }
            body = {"name": name, "dataset_ids": ds_ids}
            if old:
                body["prompt"] = old
            res = self.j("POST", "/chats", json=body)
        assert res["code"] == 0, res
        return str(res["data"]["id"])

    def session(self, chat_id: str) -> str:
        res = self.j("POST", f"/chats/{chat_id}/sessions", json={"name": "s"})
        assert res["code"] == 0, res
        return str(res["data"]["id"])


FACTS = {
    "sky.txt": (
        "The sky is blue because of Rayleigh scattering of sunlight.\n"
        "Sunsets look red because light travels through more air.\n"
    ),
    "paris.md": (
        "# Paris\nParis is the capital of France and sits on the Seine.\n"
        "The Eiffel Tower was completed in 1889.\n"
    ),
    "ragflow.html": (
        "<html><body><p>RAGFlow is an open-source RAG engine based on deep document "
        "understanding.</p><p>It offers a streamlined RAG workflow.</p></body></html>"
    ),
}


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalRAGFlow]]:
    servers: list[LocalRAGFlow] = []

    def factory(dialect: str = "v0.27", **kw: Any) -> LocalRAGFlow:
        kw.setdefault("parse_delay", 0.02)
        server = LocalRAGFlow(dialect, **kw).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def api(serve: Callable[..., LocalRAGFlow]) -> Iterator[Callable[..., Api]]:
    clients: list[Api] = []

    def factory(dialect: str = "v0.27", **kw: Any) -> Api:
        client = Api(serve(dialect, **kw))
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def facts() -> dict[str, str]:
    return dict(FACTS)


@pytest.fixture
def parse_sse() -> Callable[[str], list[Any]]:
    return sse_events
