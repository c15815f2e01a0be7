"""The official SDK's raw calls (``rag.get/post/...``, ``obj.get/post/.../rm``) and their
replacement by SDK code, on both clients, with no network.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from ragflow_integrations import (
    APIResponseValidationError,
    AsyncDataSet,
    AsyncRAGFlow,
    BadRequestError,
    Chat,
    DataSet,
    Document,
    Memory,
    Session,
)
from ragflow_integrations._raw import AsyncRawResponse, RawResponse
from tests.unit_tests.core.scripted import sync_client


def test_raw_calls_send_through_the_transport_and_raise_nothing() -> None:
    refusal = {"code": 101, "message": "bad"}
    rag, adapter = sync_client([(200, refusal), (200, {"code": 0, "data": True})])
    answer = rag.get("/datasets", {"page": 2, "ids": ["a", "b"], "name": None})
    assert answer.json() == refusal and answer.status_code == 200  # read, not raised
    assert adapter.calls[0].url == "http://rf.test/api/v1/datasets?page=2&ids=a&ids=b"
    assert adapter.calls[0].headers["Authorization"] == "Bearer ragflow-secret"
    rag.post("/datasets/x/documents", files=[("file", ("a.txt", b"alpha"))])
    assert b'filename="a.txt"' in (adapter.calls[1].body or b"")


def test_raw_stream_reads_lines_as_they_arrive() -> None:
    body = b'data:{"code":0,"data":{"answer":"hi"}}\n\ndata:{"code":0,"data":true}\n\n'
    rag, _ = sync_client([(200, body, {"Content-Type": "text/event-stream"})])
    answer = rag.post("/chats/c/completions", {"question": "q", "stream": True}, stream=True)
    lines = [line for line in answer.iter_lines(decode_unicode=True) if line]
    assert [json.loads(line[5:])["data"] for line in lines] == [{"answer": "hi"}, True]


class _Reply:
    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def json(self) -> Any:
        if isinstance(self.payload, Exception):
            raise self.payload
        return self.payload


def test_replaced_calls_see_the_objects_requests_with_python_values() -> None:
    rag, adapter = sync_client([])  # nothing may reach the transport
    rag._version = None  # not detected: a replacement cannot be asked for its version
    chat = Chat(rag, {"id": "chat-1"})
    calls: list[tuple[str, Any]] = []

    def fake_get(path: str, params: dict[str, Any] | None = None) -> _Reply:
        calls.append((path, params))
        return _Reply({"code": 0, "data": [{"id": "s", "chat_id": "chat-1"}]})

    chat.get = fake_get  # type: ignore[method-assign]
    sessions = chat.list_sessions(page=2, page_size=2, desc=False, name="one")
    assert [type(s) for s in sessions] == [Session]
    assert calls == [
        (
            "/chats/chat-1/sessions",
            {"page": 2, "page_size": 2, "orderby": "create_time", "desc": False, "name": "one"},
        )
    ]
    chat.post = lambda *a, **k: _Reply({"code": 102, "message": "`name` can not be empty"})  # type: ignore[method-assign]
    with pytest.raises(BadRequestError, match=r"^`name` can not be empty"):
        chat.create_session(name="")
    chat.post = lambda *a, **k: _Reply(ValueError("not JSON"))  # type: ignore[method-assign]
    with pytest.raises(APIResponseValidationError, match=r"^Invalid response"):
        chat.create_session(name="x")
    chat.post = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("transport boom"))  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="transport boom"):
        chat.create_session(name="x")  # the replacement's own error is its own
    assert adapter.calls == [] and rag._version is None  # the client itself is unchanged


def test_replaced_calls_on_the_client_and_the_dataset() -> None:
    rag, adapter = sync_client([])
    sent: list[Any] = []
    rag.delete = lambda path, json=None: sent.append((path, json)) or _Reply({"code": 0})  # type: ignore[method-assign]
    rag.delete_chats(["c1"])
    assert sent == [("/chats", {"ids": ["c1"]})]
    ds = DataSet(rag, {"id": "ds"})
    ds.rm = lambda path, json: _Reply({"code": 102, "message": "cancel failed"})  # type: ignore[method-assign]
    ds.get = lambda path, params=None: _Reply({"code": 0, "data": {"docs": [], "total": 0}})  # type: ignore[method-assign]
    with pytest.raises(BadRequestError, match=r"^cancel failed"):
        ds.async_cancel_parse_documents(["doc-1"])  # an id the dataset lacks is sent
    assert adapter.calls == []


def test_documents_status_polls_list_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    rag, _ = sync_client([])
    ds = DataSet(rag, {"id": "ds"})
    rounds = {"running": 0}

    def listed(id: str | None = None, **_: Any) -> list[Document]:
        if id == "running":
            rounds["running"] += 1
            run = "RUNNING" if rounds["running"] < 3 else "DONE"
            return [Document(rag, {"id": id, "run": run, "chunk_count": 2, "token_count": 9})]
        return [Document(rag, {"id": id, "run": "RUNNING", "progress": 1.0})]

    slept: list[float] = []
    monkeypatch.setattr(ds, "list_documents", listed)
    monkeypatch.setattr("time.sleep", slept.append)
    ended = ds._get_documents_status(["running", "finished"], interval=0.5)
    assert ended == [("finished", "DONE", 0, 0), ("running", "DONE", 2, 9)]
    assert slept == [0.5, 0.5]


async def test_async_raw_calls() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/completions"):
            body = b"data: one\n\ndata: two\n"
            return httpx.Response(200, content=body, headers={"Content-Type": "text/event-stream"})
        return httpx.Response(200, json={"code": 0, "data": {"ok": True}})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    async with AsyncRAGFlow(
        "k", "http://rf.test", server_version="v0.27", http_client=client
    ) as rag:
        assert (await rag.patch("/chats/c", {"name": "n"})).json()["data"] == {"ok": True}
        assert seen[-1].method == "PATCH" and json.loads(seen[-1].content) == {"name": "n"}
        streamed = await rag.post("/chats/c/completions", {"stream": True}, stream=True)
        lines = [line async for line in streamed.aiter_lines(decode_unicode=True)]
        assert lines == ["data: one", "", "data: two"]
        ds = await rag.get("/datasets", {"page": 1})
        assert ds.ok and seen[-1].url.query == b"page=1"


class _Lines:
    """A replaced ``post``'s streamed answer that only has ``iter_lines`` (as in SDK tests);
    v0.27's events, deltas that carry ``final``.
    """

    def iter_lines(self, decode_unicode: bool = False) -> Any:
        yield from [
            'data:{"code":0,"data":{"answer":"Hel","final":false}}',
            "",
            'data:{"code":0,"data":{"answer":"lo","final":false}}',
            "",
            'data:{"code":0,"data":{"answer":"","final":true,"reference":{}}}',
            "",
            'data:{"code":0,"data":true}',
            "",
        ]


def test_a_replaced_post_streams_the_answer() -> None:
    rag, adapter = sync_client([])
    session = Session(rag, {"id": "s1", "chat_id": "c1"})
    sent: list[Any] = []

    def fake_post(path: str, json: Any = None, stream: bool = False, files: Any = None) -> Any:
        sent.append((path, json, stream))
        return _Lines()

    session.post = fake_post  # type: ignore[method-assign]
    messages = list(session.ask("hi", stream=True))
    assert messages[-1].final and messages[-1].content == "Hello"
    assert sent[0][2] is True and sent[0][1]["question"] == "hi" and adapter.calls == []


async def test_async_objects_have_the_raw_calls() -> None:
    seen: list[tuple[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(200, json={"code": 0, "data": {}})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    async with AsyncRAGFlow(
        "k", "http://rf.test", server_version="v0.27", http_client=client
    ) as rag:
        ds = AsyncDataSet(rag, {"id": "d1"})
        for answer in (
            await ds.get("/datasets/d1"),
            await ds.post("/datasets/d1/chunks", {"document_ids": ["x"]}),
            await ds.put("/datasets/d1", {"name": "n"}),
            await ds.patch("/datasets/d1", {"name": "n"}),
            await ds.rm("/datasets/d1/chunks", {"document_ids": ["x"]}),
        ):
            assert answer.json() == {"code": 0, "data": {}}
    assert [m for m, _ in seen] == ["GET", "POST", "PUT", "PATCH", "DELETE"]


def test_a_memory_has_the_raw_calls_as_the_sdks_does() -> None:
    config = {"code": 0, "data": {"memory_size": 1}}
    rag, adapter = sync_client([(200, config)])
    memory = Memory(rag, {"id": "m1", "name": "notes"})
    answer = memory.get("/memories/m1/config")  # Memory.get_config in the SDK reads it so
    assert answer.json() == config
    assert adapter.calls[0].url == "http://rf.test/api/v1/memories/m1/config"


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"data: a\r", b"\ndata: b\n"], [b"data: a", b"data: b"]),  # CRLF across chunks
        ([b"a\r", b"b\rc"], [b"a", b"b", b"c"]),
        ([b"a\r\n\r\n", b"b\r"], [b"a", b"", b"b"]),
        ([b"\r"], [b""]),
        ([b"", b"x"], [b"x"]),
    ],
)
def test_raw_lines_split_on_cr_lf_and_crlf_however_the_body_arrives(
    chunks: list[bytes], lines: list[bytes]
) -> None:
    assert list(RawResponse(200, {}, iter(chunks)).iter_lines()) == lines

    async def pieces() -> Any:
        for chunk in chunks:
            yield chunk

    async def read() -> list[Any]:
        return [line async for line in AsyncRawResponse(200, {}, pieces()).aiter_lines(True)]

    assert asyncio.run(read()) == [line.decode() for line in lines]
