"""Behaviour of each class over fake core clients (offline)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.base.response.schema import (
    AsyncStreamingResponse,
    Response,
    StreamingResponse,
)
from llama_index.core.schema import QueryBundle
from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters

from llamaindex_ragflow import (
    RAGFlowChatEngine,
    RAGFlowMemoryBlock,
    RAGFlowQueryEngine,
    RAGFlowReader,
    RAGFlowRetriever,
    RAGFlowToolSpec,
)
from ragflow_integrations import (
    Agent,
    ChatCompletion,
    ChatCompletionChunk,
    Chunk,
    DataSet,
    Document,
    Message,
    NotFoundError,
    RAGFlowConfigError,
    Usage,
)
from ragflow_integrations.filters import Condition, UnsupportedFilterError

CHUNKS = [
    Chunk.model_validate(
        {"id": f"c{i}", "content": f"chunk {i}", "document_id": "d1", "similarity": 1 - i / 10}
    )
    for i in range(3)
]
OPENER = {"role": "assistant", "content": "Hi! Ask me about RAGFlow."}


def answer_stream(question: str, session_id: str) -> list[Message]:
    """A v0.20-style stream: deltas, then citations inserted (replaced), then the final."""
    return [
        Message(content="About ", delta="About "),
        Message(content=f"About {question}.", delta=f"{question}."),
        Message(content=f"About {question} [ID:0].", replaced=True),
        Message(
            content=f"About {question} [ID:0].",
            reference=CHUNKS[:1],
            final=True,
            session_id=session_id,
            reasoning="thought",
        ),
    ]


class FakeSession:
    def __init__(self, sid: str, messages: list[dict[str, Any]]) -> None:
        self.id = sid
        self.messages = messages
        self.asked: list[tuple[str, bool, dict[str, Any]]] = []

    def ask(self, question: str, stream: bool = False, **kw: Any) -> Any:
        self.asked.append((question, stream, kw))
        if stream:
            return iter(answer_stream(question, self.id))
        return answer_stream(question, self.id)[-1]


class FakeAsyncSession(FakeSession):
    def ask(self, question: str, stream: bool = False, **kw: Any) -> Any:
        self.asked.append((question, stream, kw))
        items = answer_stream(question, self.id)

        async def whole() -> Message:
            return items[-1]

        async def gen() -> AsyncIterator[Message]:
            for m in items:
                yield m

        return gen() if stream else whole()


class FakeChat:
    def __init__(self, session_cls: type[FakeSession]) -> None:
        self.sessions: dict[str, FakeSession] = {}
        self.session_cls = session_cls

    def _new(self, name: str) -> FakeSession:
        sid = f"s{len(self.sessions) + 1}"
        self.sessions[sid] = self.session_cls(sid, [dict(OPENER)])
        return self.sessions[sid]

    def create_session(self, name: str = "", user_id: str | None = None) -> FakeSession:
        return self._new(name)

    def get_session(self, id: str) -> FakeSession:
        session = self.session_cls(id, [OPENER, {"role": "user", "content": "earlier?"}])
        session.messages.append({"role": "assistant", "content": "earlier!"})
        return session


class FakeAsyncChat(FakeChat):
    async def create_session(self, name: str = "", user_id: str | None = None) -> FakeSession:  # type: ignore[override]
        return self._new(name)

    async def get_session(self, id: str) -> FakeSession:  # type: ignore[override]
        return FakeChat.get_session(self, id)


def completion(messages: list[dict[str, Any]]) -> ChatCompletion:
    return ChatCompletion(
        content=f"Stateless: {messages[-1]['content']} [ID:0]",
        reference=CHUNKS[:2],
        usage=Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
    )


def completion_chunks(messages: list[dict[str, Any]]) -> list[ChatCompletionChunk]:
    return [
        ChatCompletionChunk(delta="Stateless: "),
        ChatCompletionChunk(delta=str(messages[-1]["content"])),
        ChatCompletionChunk(
            final_content=f"Stateless: {messages[-1]['content']} [ID:0]",
            reference=CHUNKS[:2],
            usage=Usage(total_tokens=3),
            finish_reason="stop",
        ),
    ]


class FakeRAG:
    """The parts of ``RAGFlow`` the integration uses."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.chat = FakeChat(FakeSession)
        self.fail: Exception | None = None

    def retrieve(self, **kw: Any) -> list[Chunk]:
        self.calls.append(("retrieve", kw))
        return list(CHUNKS)

    def get_chat(self, id: str | None = None, name: str | None = None) -> FakeChat:
        self.calls.append(("get_chat", id))
        return self.chat

    def openai_chat_completion(
        self, chat_id: str, messages: list[dict[str, Any]], stream: bool = False, **kw: Any
    ) -> Any:
        self.calls.append(("openai", (chat_id, messages, stream, kw)))
        return iter(completion_chunks(messages)) if stream else completion(messages)

    def list_datasets(self, **kw: Any) -> list[DataSet]:
        if self.fail:
            raise self.fail
        return [DataSet(id="ds1", name="samples", document_count=4, chunk_count=9)]

    def get_dataset(self, name: str | None = None, *, id: str | None = None) -> Any:
        self.calls.append(("get_dataset", id))
        if self.fail:
            raise self.fail
        return FakeDataset(self, id or "ds1")


class FakeAsyncRAG(FakeRAG):
    def __init__(self) -> None:
        super().__init__()
        self.chat = FakeAsyncChat(FakeAsyncSession)

    async def retrieve(self, **kw: Any) -> list[Chunk]:  # type: ignore[override]
        return FakeRAG.retrieve(self, **kw)

    async def get_chat(self, id: str | None = None, name: str | None = None) -> FakeChat:  # type: ignore[override]
        return FakeRAG.get_chat(self, id)

    async def openai_chat_completion(  # type: ignore[override]
        self, chat_id: str, messages: list[dict[str, Any]], stream: bool = False, **kw: Any
    ) -> Any:
        self.calls.append(("openai", (chat_id, messages, stream, kw)))
        if not stream:
            return completion(messages)

        async def gen() -> AsyncIterator[ChatCompletionChunk]:
            for c in completion_chunks(messages):
                yield c

        return gen()


class FakeDocument:
    def __init__(self, rag: FakeRAG, doc: Document, chunks: list[Chunk]) -> None:
        self.rag, self.doc, self.chunks = rag, doc, chunks

    def __getattr__(self, name: str) -> Any:
        return getattr(self.doc, name)

    def iter_chunks(self, page_size: int = 100) -> Iterator[Chunk]:
        self.rag.calls.append(("chunks", self.doc.id))
        yield from self.chunks


class FakeDataset:
    document_count, chunk_count, description = 4, 9, None

    def __init__(self, rag: FakeRAG, dataset_id: str) -> None:
        self.rag, self.id, self.name = rag, dataset_id, "samples"
        docs = [
            Document(id="d1", name="a.md", dataset_id=dataset_id, meta_fields={"author": "alice"}),
            Document(id="d2", name="b.md", dataset_id=dataset_id),
            Document(id="d3", name="unparsed.pdf", dataset_id=dataset_id),
        ]
        chunks = {
            "d1": [Chunk(id="c1", content="one", document_id="d1", dataset_id=dataset_id)],
            "d2": [
                Chunk(id="c2", content="two", document_id="d2", dataset_id=dataset_id),
                Chunk(id="c3", content="three", document_id="d2", dataset_id=dataset_id),
            ],
            "d3": [],
        }
        self.docs = [FakeDocument(rag, d, chunks[d.id]) for d in docs]
        self.uploaded: list[dict[str, Any]] = []

    def iter_documents(self, page_size: int = 100) -> Iterator[FakeDocument]:
        for doc in self.docs:
            self.rag.calls.append(("document", doc.doc.id))
            yield doc

    def list_documents(self, id: str | None = None, **kw: Any) -> list[FakeDocument]:
        return [d for d in self.docs if id is None or d.doc.id == id]

    def upload_documents(self, items: list[dict[str, Any]]) -> list[Document]:
        self.uploaded.extend(items)
        return [Document(id="new", name=items[0]["display_name"])]

    def async_parse_documents(self, ids: list[str]) -> None:
        self.rag.calls.append(("parse", ids))


# -- retriever --------------------------------------------------------------------------
def test_retriever_sends_only_set_options() -> None:
    rag = FakeRAG()
    retriever = RAGFlowRetriever(
        ["ds1"],
        similarity_top_k=2,
        similarity_threshold=0.1,
        highlight=True,
        filters=MetadataFilters(filters=[MetadataFilter(key="author", value="alice")]),
        client=rag,  # type: ignore[arg-type]
    )
    nodes = retriever.retrieve("what?")
    assert [n.node.node_id for n in nodes] == ["c0", "c1", "c2"]
    assert [n.score for n in nodes] == [1.0, 0.9, 0.8]
    [(_, kw)] = rag.calls
    filter_expr = kw.pop("filter")
    assert kw == {
        "dataset_ids": ["ds1"],
        "document_ids": None,
        "question": "what?",
        "page_size": 2,
        "similarity_threshold": 0.1,
        "highlight": True,
        "document_metadata": True,
    }
    assert filter_expr.children == (Condition("author", "eq", "alice"),)

    retriever.filters = {"year": {"$gte": 2024}}
    retriever.retrieve("again")
    assert rag.calls[-1][1]["filter"] == Condition("year", "gte", 2024)
    retriever.filters = None
    retriever.retrieve("again")
    assert "filter" not in rag.calls[-1][1]


def test_retriever_async_is_native() -> None:
    sync, arag = FakeRAG(), FakeAsyncRAG()
    retriever = RAGFlowRetriever(["ds1"], client=sync, async_client=arag)  # type: ignore[arg-type]
    nodes = asyncio.run(retriever.aretrieve("q"))
    assert len(nodes) == 3
    assert sync.calls == []
    assert arag.calls[0][0] == "retrieve"


def test_retriever_async_without_async_client_uses_a_thread() -> None:
    rag = FakeRAG()
    retriever = RAGFlowRetriever(["ds1"], client=rag)  # type: ignore[arg-type]
    assert len(asyncio.run(retriever.aretrieve("q"))) == 3
    assert rag.calls[0][0] == "retrieve"


def test_retriever_validates_early() -> None:
    with pytest.raises(RAGFlowConfigError, match="dataset_ids"):
        RAGFlowRetriever([], client=FakeRAG())  # type: ignore[arg-type]
    with pytest.raises(UnsupportedFilterError, match="text_match"):
        RAGFlowRetriever(
            ["ds1"],
            filters=MetadataFilters(
                filters=[MetadataFilter(key="a", value="b", operator="text_match")]
            ),
            client=FakeRAG(),  # type: ignore[arg-type]
        )


def test_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGFLOW_API_KEY", raising=False)
    with pytest.raises(RAGFlowConfigError):
        RAGFlowRetriever(["ds1"])
    monkeypatch.setenv("RAGFLOW_API_KEY", "ragflow-test")
    monkeypatch.setenv("RAGFLOW_BASE_URL", "http://ragflow.example:9380")
    retriever = RAGFlowRetriever(["ds1"], server_version="v0.27")
    assert retriever._clients.sync.base_url == "http://ragflow.example:9380"


def test_async_only_client_refuses_sync_calls() -> None:
    retriever = RAGFlowRetriever(["ds1"], async_client=FakeAsyncRAG())  # type: ignore[arg-type]
    with pytest.raises(RAGFlowConfigError, match="client="):
        retriever.retrieve("q")
    assert len(asyncio.run(retriever.aretrieve("q"))) == 3


# -- chat engine ------------------------------------------------------------------------
def test_chat_engine_session_history_and_sources() -> None:
    rag = FakeRAG()
    engine = RAGFlowChatEngine("chat1", ask_options={"foo": 1}, client=rag)  # type: ignore[arg-type]
    assert engine.chat_history == []
    assert engine.session_id is None
    reply = engine.chat("chunking")
    assert reply.response == "About chunking [ID:0]."
    assert [n.node.node_id for n in reply.source_nodes] == ["c0"]
    assert reply.metadata == {
        "chat_id": "chat1",
        "reasoning": "thought",
        "session_id": "s1",
    }
    assert rag.chat.sessions["s1"].asked == [("chunking", False, {"foo": 1})]
    assert [(m.role, m.content) for m in engine.chat_history] == [
        (MessageRole.ASSISTANT, OPENER["content"]),
        (MessageRole.USER, "chunking"),
        (MessageRole.ASSISTANT, "About chunking [ID:0]."),
    ]
    engine.chat("again")
    assert len(rag.chat.sessions) == 1
    assert len(engine.chat_history) == 5

    engine.reset()
    assert engine.chat_history == []
    assert engine.session_id is None
    engine.chat("fresh")
    assert engine.session_id == "s2"
    assert [m.content for m in engine.chat_history][1:] == ["fresh", "About fresh [ID:0]."]


def test_stream_chat_streams_deltas_and_fills_sources() -> None:
    engine = RAGFlowChatEngine("chat1", client=FakeRAG())  # type: ignore[arg-type]
    streaming = engine.stream_chat("citations")
    assert streaming.source_nodes == []
    assert list(streaming.response_gen) == ["About ", "citations."]
    assert streaming.response == "About citations."
    assert [n.node.node_id for n in streaming.source_nodes] == ["c0"]
    # The server rewrote the text (citation inserted): the history holds its final answer.
    assert engine.chat_history[-1].content == "About citations [ID:0]."


def test_chat_with_explicit_history_is_stateless() -> None:
    rag = FakeRAG()
    engine = RAGFlowChatEngine("chat1", client=rag)  # type: ignore[arg-type]
    history = [
        ChatMessage(role=MessageRole.SYSTEM, content="ignored"),
        ChatMessage(role=MessageRole.ASSISTANT, content="opener, dropped"),
        ChatMessage(role=MessageRole.USER, content="first"),
        ChatMessage(role=MessageRole.ASSISTANT, content="answer"),
    ]
    reply = engine.chat("second", chat_history=history)
    assert reply.response == "Stateless: second [ID:0]"
    assert [n.node.node_id for n in reply.source_nodes] == ["c0", "c1"]
    assert reply.metadata is not None and reply.metadata["session_id"] is None
    assert reply.metadata["usage"]["total_tokens"] == 3
    [(_, (chat_id, messages, stream, _kw))] = rag.calls
    assert (chat_id, stream) == ("chat1", False)
    assert messages == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": "second"},
    ]
    assert engine.chat_history == []
    assert engine.session_id is None

    streaming = engine.stream_chat("third", chat_history=history)
    # The final answer only extends what was streamed: the rest arrives as a last delta.
    assert "".join(streaming.response_gen) == "Stateless: third [ID:0]"
    assert len(streaming.source_nodes) == 2


def test_attached_session_reads_its_history() -> None:
    engine = RAGFlowChatEngine("chat1", session_id="old", client=FakeRAG())  # type: ignore[arg-type]
    assert [m.content for m in engine.chat_history] == [OPENER["content"], "earlier?", "earlier!"]
    engine.chat("next")
    assert engine.session_id == "old"
    assert len(engine.chat_history) == 5


def test_async_chat_engine() -> None:
    arag = FakeAsyncRAG()
    engine = RAGFlowChatEngine("chat1", async_client=arag)  # type: ignore[arg-type]

    async def run() -> None:
        reply = await engine.achat("one")
        assert reply.response == "About one [ID:0]."
        streaming = await engine.astream_chat("two")
        assert [t async for t in streaming.async_response_gen()] == ["About ", "two."]
        assert [n.node.node_id for n in streaming.source_nodes] == ["c0"]
        stateless = await engine.achat("three", chat_history=[])
        assert stateless.response == "Stateless: three [ID:0]"

    asyncio.run(run())
    assert len(arag.chat.sessions) == 1
    assert [m.content for m in engine.chat_history][1:] == [
        "one",
        "About one [ID:0].",
        "two",
        "About two [ID:0].",
    ]


def test_async_chat_engine_falls_back_to_threads() -> None:
    engine = RAGFlowChatEngine("chat1", client=FakeRAG())  # type: ignore[arg-type]

    async def run() -> list[str]:
        await engine.achat("one")
        streaming = await engine.astream_chat("two")
        return [t async for t in streaming.async_response_gen()]

    assert asyncio.run(run()) == ["About ", "two."]
    assert len(engine.chat_history) == 5


# -- query engine -----------------------------------------------------------------------
def test_query_engine() -> None:
    rag = FakeRAG()
    engine = RAGFlowQueryEngine("chat1", completion_options={"temperature": 0}, client=rag)  # type: ignore[arg-type]
    response = engine.query("what?")
    assert isinstance(response, Response)
    assert response.response == "Stateless: what? [ID:0]"
    assert [n.node.node_id for n in response.source_nodes] == ["c0", "c1"]
    assert response.metadata == {
        "chat_id": "chat1",
        "reasoning": "",
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    assert rag.calls[0][1] == (
        "chat1",
        [{"role": "user", "content": "what?"}],
        False,
        {"temperature": 0},
    )


def test_query_engine_streaming() -> None:
    engine = RAGFlowQueryEngine("chat1", streaming=True, client=FakeRAG())  # type: ignore[arg-type]
    response = engine.query("what?")
    assert isinstance(response, StreamingResponse)
    assert list(response.response_gen) == ["Stateless: ", "what?", " [ID:0]"]
    assert len(response.source_nodes) == 2
    assert response.metadata is not None
    assert response.metadata["answer"] == "Stateless: what? [ID:0]"


def test_query_engine_async() -> None:
    engine = RAGFlowQueryEngine("chat1", async_client=FakeAsyncRAG())  # type: ignore[arg-type]
    streaming = RAGFlowQueryEngine("chat1", streaming=True, async_client=FakeAsyncRAG())  # type: ignore[arg-type]

    async def run() -> None:
        response = await engine.aquery(QueryBundle("q"))
        assert isinstance(response, Response)
        assert response.response == "Stateless: q [ID:0]"
        streamed = await streaming.aquery("q")
        assert isinstance(streamed, AsyncStreamingResponse)
        tokens = [t async for t in streamed.async_response_gen()]
        assert tokens == ["Stateless: ", "q", " [ID:0]"]
        assert len(streamed.source_nodes) == 2

    asyncio.run(run())


# -- reader -----------------------------------------------------------------------------
def test_reader_documents_lazily() -> None:
    rag = FakeRAG()
    reader = RAGFlowReader(client=rag)  # type: ignore[arg-type]
    docs = reader.lazy_load_data(dataset_id="ds1")
    first = next(iter(docs))
    assert first.id_ == "d1"
    assert first.text == "one"
    assert first.metadata == {
        "author": "alice",
        "document_id": "d1",
        "document_name": "a.md",
        "dataset_id": "ds1",
        "dataset_name": "samples",
        "chunk_count": 0,
        "token_count": 0,
    }
    assert ("document", "d2") not in rag.calls  # nothing read past the first document
    rest = list(docs)
    assert [d.id_ for d in rest] == ["d2"]  # d3 has no chunks (not parsed): skipped
    assert rest[0].text == "two\n\nthree"


def test_reader_chunks_and_selection() -> None:
    reader = RAGFlowReader(client=FakeRAG())  # type: ignore[arg-type]
    chunks = reader.load_data(dataset_id="ds1", mode="chunk")
    assert [c.id_ for c in chunks] == ["c1", "c2", "c3"]
    assert chunks[0].metadata["author"] == "alice"
    assert chunks[0].metadata["document_name"] == "a.md"
    assert chunks[0].ref_doc_id == "d1"
    picked = reader.load_data("ds1", document_ids=["d2"], mode="chunk")
    assert [c.id_ for c in picked] == ["c2", "c3"]
    with pytest.raises(RAGFlowConfigError, match="mode"):
        reader.load_data("ds1", mode="pages")  # type: ignore[arg-type]


# -- tool spec --------------------------------------------------------------------------
def test_tool_spec_functions_follow_configuration() -> None:
    rag = FakeRAG()
    names = [t.metadata.name for t in RAGFlowToolSpec(client=rag).to_tool_list()]  # type: ignore[arg-type]
    assert names == ["list_datasets", "list_documents"]
    spec = RAGFlowToolSpec(["ds1"], chat_id="chat1", allow_write=True, client=rag)  # type: ignore[arg-type]
    names = [t.metadata.name for t in spec.to_tool_list()]
    assert names == ["search", "ask", "list_datasets", "list_documents", "upload_text"]
    search = spec.to_tool_list()[0]
    assert search.metadata.get_parameters_dict()["properties"]["query"]["description"]


def test_tools_return_text() -> None:
    rag = FakeRAG()
    spec = RAGFlowToolSpec(["ds1"], chat_id="chat1", allow_write=True, client=rag)  # type: ignore[arg-type]
    assert spec.search("q").startswith("[1] d1 (document d1, similarity 1.000)\nchunk 0")
    assert spec.ask("q").startswith("Stateless: q [ID:0]\n\nSources:\n[ID:0] None: chunk 0")
    assert "samples (id ds1): 4 documents, 9 chunks" in spec.list_datasets()
    listing = spec.list_documents("ds1")
    assert "a.md (id d1): unstart, 0 chunks, metadata {'author': 'alice'}" in listing
    assert spec.upload_text("ds1", "notes", "hello") == (
        "Uploaded notes.txt (id new) to dataset ds1; parsing has started."
    )
    assert ("parse", ["new"]) in rag.calls


def test_tool_errors_are_text_for_the_agent() -> None:
    rag = FakeRAG()
    rag.fail = NotFoundError("get dataset failed: no such dataset 'nope'", code=102)
    spec = RAGFlowToolSpec(client=rag)  # type: ignore[arg-type]
    assert spec.list_documents("nope") == (
        "Error: NotFoundError: get dataset failed: no such dataset 'nope'"
    )
    assert asyncio.run(spec.alist_documents("nope")).startswith("Error: NotFoundError")
    assert spec.list_datasets().startswith("Error: NotFoundError")
    with pytest.raises(RAGFlowConfigError, match="allow_write=True"):
        spec.upload_text("ds1", "n", "t")


def test_async_tools() -> None:
    spec = RAGFlowToolSpec(["ds1"], chat_id="chat1", async_client=FakeAsyncRAG())  # type: ignore[arg-type]
    tools = {t.metadata.name: t for t in spec.to_tool_list()}

    async def run() -> tuple[str, str]:
        found = await tools["search"].acall(query="q")
        said = await tools["ask"].acall(question="q")
        return found.content, said.content

    found, said = asyncio.run(run())
    assert found.startswith("[1] d1")
    assert said.startswith("Stateless: q")


def test_agents_with_the_same_title_get_distinct_tool_names() -> None:
    rag = FakeRAG()
    agents = {
        "a" * 32: Agent(id="a" * 32, title="Support bot"),
        "b" * 32: Agent(id="b" * 32, title="Support bot"),
        "c" * 32: Agent(id="c" * 32, title="Search"),  # as the spec's own search tool
    }
    rag.get_agent = agents.__getitem__  # type: ignore[attr-defined]
    spec = RAGFlowToolSpec(["ds1"], agent_ids=list(agents), client=rag)  # type: ignore[arg-type]
    names = [t.metadata.name for t in spec.to_tool_list()]
    assert names == [
        "search",
        "list_datasets",
        "list_documents",
        "support_bot",
        "support_bot_bbbbbbbb",
        "search_cccccccc",
    ]
    assert len(set(names)) == len(names)


class _SyncMemoryRAG:
    """A sync-only client whose memory calls note the thread they ran on."""

    def __init__(self) -> None:
        self.threads: list[tuple[str, int]] = []

    def search_message(self, query: str, memory_ids: list[str], **kw: Any) -> list[Any]:
        self.threads.append(("search", threading.get_ident()))
        return []

    def add_message(self, *args: Any, **kw: Any) -> None:
        self.threads.append(("add", threading.get_ident()))


def test_memory_block_runs_a_sync_client_off_the_event_loop() -> None:
    rag = _SyncMemoryRAG()
    block = RAGFlowMemoryBlock(memory_id="m1", client=rag)  # type: ignore[arg-type]
    turn = [
        ChatMessage(role=MessageRole.USER, content="hello"),
        ChatMessage(role=MessageRole.ASSISTANT, content="hi"),
    ]

    async def run() -> int:
        await block.aput(turn)
        assert await block.aget(turn, session_id="s1") == ""
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert [what for what, _ in rag.threads] == ["add", "search"]
    assert all(thread != loop_thread for _, thread in rag.threads)
