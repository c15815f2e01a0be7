"""Code written for the official ragflow-sdk, run on our client against LocalRAGFlow.

Each test holds one thing the SDK's users (and its own test suite) rely on: its argument
names and orders, its raw calls and their replacement, its waiting parse, and the fixes
made on the way (a downloaded ``.json`` file is a file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ragflow_integrations import (
    AsyncRAGFlow,
    BadRequestError,
    Chat,
    DataSet,
    InvalidArgumentError,
    Message,
    NotFoundError,
    ParseTimeoutError,
    RAGFlow,
    RAGFlowError,
    UnsupportedFeatureError,
)
from ragflow_integrations.testing import LocalRAGFlow


@pytest.fixture
def server() -> Iterator[LocalRAGFlow]:
    with LocalRAGFlow(dialect="v0.27", parse_delay=0.02) as srv:
        yield srv


@pytest.fixture
def rag(server: LocalRAGFlow) -> Iterator[RAGFlow]:
    with RAGFlow(server.api_key, server.base_url, server_version="v0.27") as client:
        yield client


class _Reply:
    """What SDK code's replacements of the raw calls return: something with ``.json()``."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def json(self) -> dict[str, Any]:
        return self.payload


def _parsed_dataset(rag: RAGFlow, texts: dict[str, bytes]) -> tuple[DataSet, list[str]]:
    ds = rag.create_dataset(name="kb")
    docs = ds.upload_documents([{"display_name": n, "blob": b} for n, b in texts.items()])
    ids = [d.id for d in docs]
    return ds, ids


def test_parse_documents_waits_and_reports_each_document(rag: RAGFlow) -> None:
    ds, ids = _parsed_dataset(rag, {"a.txt": b"alpha " * 40, "scan.pdf": b"%PDF-1.4"})
    ended = ds.parse_documents(ids)
    states = {doc_id: (run, chunks) for doc_id, run, chunks, _ in ended}
    assert states[ids[0]][0] == "DONE" and states[ids[0]][1] >= 1
    assert states[ids[1]][0] == "FAIL"
    with pytest.raises(InvalidArgumentError, match="`document_ids` is required"):
        ds.async_parse_documents([])  # nothing sent: old servers read none as all


def test_parse_documents_cancels_when_interrupted(
    rag: RAGFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds, ids = _parsed_dataset(rag, {"a.txt": b"alpha"})
    cancelled: list[list[str]] = []

    def interrupt(document_ids: list[str]) -> None:
        raise KeyboardInterrupt

    states = [(ids[0], "CANCEL", 0, 0)]
    monkeypatch.setattr(ds, "async_parse_documents", interrupt)
    monkeypatch.setattr(ds, "async_cancel_parse_documents", cancelled.append)
    monkeypatch.setattr(ds, "_get_documents_status", lambda document_ids: states)
    assert ds.parse_documents(ids) == states
    assert cancelled == [ids]


def test_waiting_for_a_parse_is_bounded(server: LocalRAGFlow) -> None:
    with LocalRAGFlow(dialect="v0.27", parse_delay=30) as slow:
        rag = RAGFlow(slow.api_key, slow.base_url, server_version="v0.27")
        ds, ids = _parsed_dataset(rag, {"a.txt": b"alpha " * 40})
        ds.async_parse_documents(ids)
        with pytest.raises(ParseTimeoutError, match=r"did not end within 0.2 s"):
            ds._get_documents_status(ids, interval=0.05, timeout=0.2)


def test_cancelling_unknown_documents_is_refused_by_the_server(rag: RAGFlow) -> None:
    ds, ids = _parsed_dataset(rag, {"a.txt": b"alpha"})
    ds.async_cancel_parse_documents(ids)  # not being parsed: left alone, no error
    with pytest.raises(RAGFlowError, match="not-a-document"):
        ds.async_cancel_parse_documents(["not-a-document"])


def test_a_downloaded_json_file_is_the_file(rag: RAGFlow) -> None:
    ds = rag.create_dataset(name="kb")
    looks_like_an_error = json.dumps({"code": 102, "message": "not an error"}).encode()
    doc = ds.upload_documents([{"display_name": "reply.json", "blob": looks_like_an_error}])[0]
    assert doc.download() == looks_like_an_error
    missing = type(doc)(rag, {"id": "missing-document", "dataset_id": ds.id})
    with pytest.raises(RAGFlowError, match="missing-document"):
        missing.download()


def test_raw_calls_answer_as_they_came(rag: RAGFlow) -> None:
    ds = rag.create_dataset(name="kb")
    listed = rag.get("/datasets", {"page": 1, "page_size": 10, "id": ds.id})
    assert listed.status_code == 200 and listed.json()["data"][0]["name"] == "kb"
    refused = rag.put(f"/datasets/{ds.id}", {"unknown_field": 1})
    assert refused.json()["code"] != 0  # no exception: the caller reads the envelope
    chat = rag.create_chat("helper", dataset_ids=[])
    session = chat.create_session("s")
    stream = rag.post(
        f"/chats/{chat.id}/completions",
        {"question": "hi", "stream": True, "session_id": session.id},
        stream=True,
    )
    lines = [ln for ln in stream.iter_lines(decode_unicode=True) if ln.startswith("data:")]
    assert json.loads(lines[-1][5:])["data"] is True  # the end marker, read as sent
    assert chat.get(f"/chats/{chat.id}").json()["data"]["id"] == chat.id


def test_replaced_raw_calls_see_the_requests(rag: RAGFlow) -> None:
    chat = rag.create_chat("helper", dataset_ids=[])
    seen: list[tuple[str, Any]] = []

    def fake_get(path: str, params: dict[str, Any] | None = None) -> _Reply:
        seen.append((path, params))
        return _Reply({"code": 0, "data": [{"id": "s1", "name": "one", "chat_id": chat.id}]})

    chat.get = fake_get  # type: ignore[method-assign]
    sessions = chat.list_sessions(page_size=0, name="one")
    assert [s.id for s in sessions] == ["s1"]
    assert seen[-1][0] == f"/chats/{chat.id}/sessions"
    assert seen[-1][1]["page_size"] == 0 and seen[-1][1]["name"] == "one"

    sent: list[Any] = []
    other = rag.get_chat(chat.id)  # the replacement is this object's only
    other.patch = lambda path, payload: sent.append((path, payload)) or _Reply({"code": 0})  # type: ignore[method-assign]
    other.update({"name": "renamed"})
    assert sent == [(f"/chats/{chat.id}", {"name": "renamed"})]  # PATCH, the body as given

    rag.delete = lambda path, json=None: _Reply({"code": 102, "message": "boom"})  # type: ignore[method-assign]
    with pytest.raises(BadRequestError, match=r"^boom"):
        rag.delete_chats([chat.id])


def test_sdk_style_chat_settings(rag: RAGFlow) -> None:
    chat = rag.create_chat(
        "sdk",
        icon="data:image/png;base64,AAAA",
        dataset_ids=[],
        llm_setting={"temperature": 0.4},
        prompt_config={"prologue": "Hey.", "quote": False},
    )
    fresh = rag.get_chat(chat.id)
    assert fresh.icon == "data:image/png;base64,AAAA"
    assert fresh.llm_setting.temperature == 0.4 and fresh.prompt_config.prologue == "Hey."
    assert fresh.llm.temperature == 0.4 and fresh.get_prologue() == "Hey."
    assert [c.id for c in rag.list_chats(keywords="sd")] == [chat.id]
    assert Chat(rag, fresh.to_json()).llm_setting == fresh.llm_setting


def test_sdk_style_dataset_calls(rag: RAGFlow, monkeypatch: pytest.MonkeyPatch) -> None:
    config = DataSet.ParserConfig(rag, {"chunk_token_num": 256, "raptor": {"use_raptor": True}})
    ds = rag.create_dataset(name="kb", chunk_method="naive", parser_config=config)
    assert ds.parser_config.chunk_token_num == 256 and ds.parser_config.raptor.use_raptor
    other = rag.create_dataset(name="kb2")
    assert {d.id for d in rag.list_datasets(ids=[ds.id, other.id])} == {ds.id, other.id}
    assert ds.update({"pagerank": 10}) is ds and ds.pagerank == 10
    with pytest.raises(InvalidArgumentError, match="'document_count': Extra inputs"):
        ds.update({"document_count": 3})
    with pytest.raises(BadRequestError, match=r"(?i)^no properties were modified"):
        ds.update({})  # sent as given; the server says why it refuses
    with pytest.raises(NotFoundError, match=r"^User .* lacks permission for dataset 'missing'"):
        rag.get_dataset(name="missing")  # the server's own error comes first
    monkeypatch.setattr(rag, "list_datasets", lambda **_: [])
    with pytest.raises(NotFoundError, match="Dataset missing not found"):
        rag.get_dataset(name="missing")
    with pytest.raises(InvalidArgumentError, match="unexpected keyword argument 'pagerank'"):
        rag.create_dataset(name="kb3", pagerank=5)


def test_sdk_style_chunk_calls(rag: RAGFlow) -> None:
    ds, ids = _parsed_dataset(rag, {"a.txt": b"alpha"})
    ds.parse_documents(ids)
    doc = ds.list_documents(id=ids[0])[0]
    for i in range(3):
        doc.add_chunk(f"chunk {i}", ["k"], tag_kwd=["t"])
    assert len(doc.list_chunks(1, 2)) == 2  # the SDK's positional order: page, page_size
    assert len(doc.list_chunks(page_size=0)) == len(doc.list_chunks(page_size=100))
    assert len(doc.list_chunks(page="2", page_size="2")) == len(doc.list_chunks(2, 2))


def test_ask_iterates_to_its_answer(rag: RAGFlow) -> None:
    session = rag.create_chat("helper", dataset_ids=[]).create_session("s")
    answer = session.ask("hello")
    assert isinstance(answer, Message)
    assert [m.content for m in session.ask("hello again")] == [session.ask("hello again").content]


def test_versions_without_the_sdks_newer_filters_say_so() -> None:
    with LocalRAGFlow(dialect="v0.24") as srv:
        rag = RAGFlow(srv.api_key, srv.base_url, server_version="v0.24")
        with pytest.raises(UnsupportedFeatureError, match=r"v0.27"):
            rag.list_datasets(ids=["a"])
        with pytest.raises(UnsupportedFeatureError, match=r"v0.25"):
            rag.list_chats(keywords="x")
        chat = rag.create_chat("old", dataset_ids=[], llm_setting={"temperature": 0.2})
        assert chat.llm.temperature == 0.2 and chat.llm_setting.temperature == 0.2
        with pytest.raises(UnsupportedFeatureError, match="auto"):
            rag.create_dataset(name="kb").get_auto_metadata()


async def test_async_client_takes_the_same_arguments(server: LocalRAGFlow) -> None:
    async with AsyncRAGFlow(server.api_key, server.base_url, server_version="v0.27") as rag:
        ds = await rag.create_dataset(
            name="kb", parser_config={"chunk_token_num": 128}, chunk_method="naive"
        )
        assert ds.parser_config.chunk_token_num == 128
        assert [d.id for d in await rag.list_datasets(ids=[ds.id])] == [ds.id]
        with pytest.raises(NotFoundError, match="'nope'"):
            await rag.get_dataset(name="nope")
        chat = await rag.create_chat("a", dataset_ids=[], prompt_config={"prologue": "Yo"})
        assert chat.prompt_config.prologue == "Yo"
        assert [c.id for c in await rag.list_chats(keywords="a")] == [chat.id]
        raw = await rag.get(f"/chats/{chat.id}")
        assert raw.json()["data"]["name"] == "a"
        docs = await ds.upload_documents([{"display_name": "a.txt", "blob": b"alpha " * 30}])
        ended = await ds.parse_documents([docs[0].id])
        assert ended[0][:2] == (docs[0].id, "DONE")
        with pytest.raises(InvalidArgumentError, match="not instance of"):
            await rag.list_chats(desc="true")  # type: ignore[arg-type]
