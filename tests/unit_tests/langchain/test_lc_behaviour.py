"""Behaviour of each class against a fake client (offline)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.structured_query import Comparator, Comparison

from langchain_ragflow import (
    ChatRAGFlow,
    RAGFlowLoader,
    RAGFlowRetriever,
    RAGFlowSearchTool,
    RAGFlowToolkit,
)
from ragflow_integrations import (
    Agent,
    AsyncRAGFlow,
    InvalidArgumentError,
    RAGFlowConfigError,
    UnsupportedFeatureError,
)
from ragflow_integrations.filters import Condition
from tests.unit_tests.langchain.fakes_lc import ANSWER, FakeRAG

# -- retriever -------------------------------------------------------------------------


def test_retriever_maps_chunks_in_server_order() -> None:
    rag = FakeRAG()
    docs = RAGFlowRetriever(client=rag, dataset_ids=["ds-1"], k=3).invoke("q")
    assert [d.id for d in docs] == ["c0", "c1", "c2"]
    assert docs[0].page_content == "Passage 0."
    assert docs[0].metadata == {
        "document_id": "d0",
        "document_name": "doc0.md",
        "dataset_id": "ds-1",
        "similarity": 1.0,
        "vector_similarity": 0.5,
        "term_similarity": 0.25,
    }
    ((_, sent),) = rag.calls
    assert sent["question"] == "q"
    assert sent["page_size"] == 3
    assert sent["dataset_ids"] == ["ds-1"]
    assert sent["filter"] is None


def test_retriever_options_are_overridable_per_call() -> None:
    rag = FakeRAG()
    retriever = RAGFlowRetriever(
        client=rag, dataset_ids=["ds-1"], k=4, similarity_threshold=0.3, filter={"author": "x"}
    )
    comparison = Comparison(comparator=Comparator.EQ, attribute="author", value="bob")
    retriever.invoke(
        "q",
        k=1,
        dataset_ids=["ds-2"],
        document_ids=["d9"],
        top_k=50,
        similarity_threshold=0.0,
        vector_similarity_weight=0.7,
        rerank_id="rr",
        keyword=True,
        highlight=True,
        cross_languages=["German"],
        use_kg=True,
        toc_enhance=True,
        filter=comparison,
    )
    ((_, sent),) = rag.calls
    assert sent == {
        "question": "q",
        "page_size": 1,
        "dataset_ids": ["ds-2"],
        "document_ids": ["d9"],
        "top_k": 50,
        "similarity_threshold": 0.0,
        "vector_similarity_weight": 0.7,
        "rerank_id": "rr",
        "keyword": True,
        "highlight": True,
        "cross_languages": ["German"],
        "use_kg": True,
        "toc_enhance": True,
        "filter": Condition("author", "eq", "bob"),
        "document_metadata": True,
    }
    assert retriever.k == 4  # the instance is unchanged
    assert retriever.filter == {"author": "x"}


def test_retriever_refuses_unknown_options() -> None:
    retriever = RAGFlowRetriever(client=FakeRAG(), dataset_ids=["ds-1"])
    with pytest.raises(TypeError, match="unexpected retrieval option"):
        retriever.invoke("q", kk=3)


def test_clients_are_lazy() -> None:
    retriever = RAGFlowRetriever(dataset_ids=["ds-1"])  # no key: fine until used
    assert "_rag" not in retriever.__dict__
    llm = ChatRAGFlow(chat_id="c", api_key="secret-key")
    assert "secret-key" not in repr(llm)
    assert llm._rag is llm._rag


# -- chat model ------------------------------------------------------------------------


def chat(rag: FakeRAG, **kwargs: Any) -> ChatRAGFlow:
    return ChatRAGFlow(chat_id="chat-1", client=rag, **kwargs)


def test_stateless_sends_the_whole_history() -> None:
    rag = FakeRAG()
    history = [
        SystemMessage("Be brief."),
        HumanMessage("Hi"),
        AIMessage("Hello"),
        HumanMessage("How?"),
    ]
    reply = chat(rag).invoke(history)
    ((_, sent),) = rag.calls
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "How?"},
    ]
    assert sent["chat_id"] == "chat-1"
    assert sent["model"] is None
    assert reply.content == ANSWER
    assert reply.additional_kwargs == {"reasoning_content": "Thinking."}
    assert reply.usage_metadata == {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
    meta = reply.response_metadata
    assert meta["model_provider"] == "ragflow"
    assert meta["model_name"] == "ragflow"
    assert meta["finish_reason"] == "stop"
    assert meta["chat_id"] == "chat-1"
    assert "session_id" not in meta
    assert [r["id"] for r in meta["references"]] == ["c0", "c1"]
    assert meta["references"][0]["content"] == "Passage 0."
    assert meta["references"][0]["document_name"] == "doc0.md"
    blocks = reply.content_blocks
    assert [b["type"] for b in blocks] == ["reasoning", "text"]
    text_block: Any = blocks[1]
    annotations = text_block["annotations"]
    assert [ANSWER[a["start_index"] : a["end_index"]] for a in annotations] == [
        "Alpha beta",
        "Gamma",
    ]


def test_model_and_generation_options_are_forwarded() -> None:
    rag = FakeRAG()
    llm = chat(rag, model="gpt-x", temperature=0.1, max_tokens=50)
    reply = llm.invoke("q", temperature=0.5, top_p=0.9)
    ((_, sent),) = rag.calls
    assert sent["model"] == "gpt-x"
    assert (sent["temperature"], sent["max_tokens"], sent["top_p"]) == (0.5, 50, 0.9)
    assert reply.response_metadata["model_name"] == "gpt-x"
    llm.invoke("q", model="other")
    assert rag.calls[-1][1]["model"] == "other"
    assert llm._get_ls_params(model="other")["ls_model_name"] == "other"


def test_unknown_arguments_raise() -> None:
    with pytest.raises(TypeError, match="sesion_id"):
        chat(FakeRAG()).invoke("q", sesion_id="x")


def test_session_mode_by_kwarg_and_by_config() -> None:
    rag = FakeRAG()
    llm = chat(rag)
    history = [HumanMessage("Hi"), AIMessage("Hello"), HumanMessage("And chunking?")]
    reply = llm.invoke(history, session_id="s-1")
    assert rag.calls == [
        ("ask", {"session_id": "s-1", "question": "And chunking?", "stream": False})
    ]
    assert reply.response_metadata["session_id"] == "s-1"
    assert reply.response_metadata["message_id"] == "msg-1"
    assert reply.usage_metadata is None
    reply = llm.invoke("Next?", config={"configurable": {"ragflow_session_id": "s-2"}})
    assert rag.calls[-1][1]["session_id"] == "s-2"
    # RunnableWithMessageHistory's own key is not a RAGFlow session
    llm.invoke("Q", config={"configurable": {"session_id": "history-key"}})
    assert rag.names()[-1] == "openai"
    assert llm.chat_id == "chat-1"  # nothing stored on the model


def test_session_mode_needs_a_user_message_last() -> None:
    with pytest.raises(InvalidArgumentError, match="last message must be from the user"):
        chat(FakeRAG()).invoke([HumanMessage("q"), AIMessage("a")], session_id="s")


def test_without_history_endpoint_a_single_question_uses_a_new_session() -> None:
    rag = FakeRAG(missing="openai_compat")
    reply = chat(rag).invoke([SystemMessage("sys"), AIMessage("Hi!"), HumanMessage("Q?")])
    assert rag.names() == ["openai", "get_chat", "create_session", "ask"]
    assert rag.calls[-1][1]["question"] == "Q?"
    assert reply.response_metadata["session_id"] == "new-session"


def test_without_history_endpoint_a_history_raises() -> None:
    rag = FakeRAG(missing="openai_compat")
    with pytest.raises(UnsupportedFeatureError, match="cannot send a message history"):
        chat(rag).invoke([HumanMessage("a"), AIMessage("b"), HumanMessage("c")])
    assert rag.names() == ["openai"]


def test_other_missing_features_are_not_hidden() -> None:
    rag = FakeRAG(missing="openai_generation_config")
    with pytest.raises(UnsupportedFeatureError):
        chat(rag, temperature=0.2).invoke("q")
    assert rag.names() == ["openai"]


def test_stop_is_applied_to_the_answer() -> None:
    reply = chat(FakeRAG()).invoke("q", stop=["Gamma"])
    assert reply.content == "Alpha beta [ID:0]. "
    assert len(reply.response_metadata["citations"]) == 1


def collect(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    return full


def test_stream_yields_deltas_then_a_last_chunk_with_references() -> None:
    rag = FakeRAG()
    chunks = list(chat(rag).stream("q"))
    assert [c.content for c in chunks] == ["", "Alpha beta. ", "Gamma.", ""]
    assert chunks[0].additional_kwargs == {"reasoning_content": "Thinking."}
    assert [c.chunk_position for c in chunks] == [None, None, None, "last"]
    assert all(c.usage_metadata is None for c in chunks[:-1])
    last = chunks[-1]
    assert last.usage_metadata == {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
    assert [r["id"] for r in last.response_metadata["references"]] == ["c0", "c1"]
    full = collect(chunks)
    assert full.content == "Alpha beta. Gamma."
    text: list[Any] = [b for b in full.content_blocks if b["type"] == "text"]
    assert len(text) == 1
    spans = [(a["start_index"], a["end_index"]) for a in text[0]["annotations"]]
    assert [str(full.content)[s:e] for s, e in spans] == ["Alpha beta", "Gamma"]
    assert full.response_metadata["model_name"] == "ragflow"
    assert rag.calls[0][1]["stream"] is True


def test_stream_in_v1_output_has_one_text_block_with_citations() -> None:
    chunks = list(chat(FakeRAG(), output_version="v1").stream("q"))
    full = collect(chunks)
    assert [b["type"] for b in full.content] == ["reasoning", "text"]  # type: ignore[index]
    text = full.content[1]
    assert text["text"] == "Alpha beta. Gamma."  # type: ignore[index]
    assert len(text["annotations"]) == 2  # type: ignore[index]


def test_stream_in_session_mode_skips_rewrites() -> None:
    rag = FakeRAG()
    chunks = list(chat(rag).stream("q", session_id="s-1"))
    assert [c.content for c in chunks] == ["Alpha beta", ". Gamma.", ""]
    assert chunks[-1].response_metadata["session_id"] == "s-1"
    assert len(chunks[-1].response_metadata["citations"]) == 2


def test_stream_with_stop_holds_back_and_cuts() -> None:
    chunks = list(chat(FakeRAG()).stream("q", stop=["Gam"]))
    assert "".join(str(c.content) for c in chunks) == "Alpha beta. "
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


def test_streaming_flag_makes_invoke_stream() -> None:
    rag = FakeRAG()
    reply = chat(rag, streaming=True).invoke("q")
    assert rag.calls[0][1]["stream"] is True
    assert reply.content == "Alpha beta. Gamma."


def test_chat_by_name_is_looked_up_once() -> None:
    rag = FakeRAG()
    llm = ChatRAGFlow(chat_name="guide", client=rag)
    llm.invoke("q")
    llm.invoke("q")
    assert rag.names() == ["get_chat", "openai", "openai"]
    assert rag.calls[1][1]["chat_id"] == "chat-by-name"


def test_chat_needs_an_assistant() -> None:
    with pytest.raises(ValueError, match="chat_id"):
        ChatRAGFlow()


def test_create_session() -> None:
    rag = FakeRAG()
    assert chat(rag).create_session("mine") == "new-session"
    assert rag.calls[-1] == ("create_session", {"chat_id": "chat-1", "name": "mine"})


# -- loader ----------------------------------------------------------------------------


def test_loader_document_mode_joins_chunks_and_skips_unparsed() -> None:
    rag = FakeRAG()
    docs = RAGFlowLoader("ds-1", client=rag).load()
    assert [d.id for d in docs] == ["d0", "d1"]
    assert docs[0].page_content == "Intro.\n\nBody."
    assert docs[0].metadata == {
        "author": "alice",  # the document's own metadata, at the top level
        "source": "d0.md",
        "document_id": "d0",
        "document_name": "d0.md",
        "dataset_id": "ds-1",
        "dataset_name": "name-ds-1",
        "chunk_count": 2,
        "token_count": 0,
    }


def test_loader_chunk_mode_and_laziness() -> None:
    rag = FakeRAG()
    loader = RAGFlowLoader("ds-1", mode="chunk", page_size=7, client=rag)
    first = next(loader.lazy_load())
    assert first.id == "d0-0"
    assert first.metadata["document_id"] == "d0"
    assert first.metadata["author"] == "alice"
    assert [n for n in rag.names() if n == "document_page"] == ["document_page"]  # one read
    assert rag.calls[-1] == ("chunks", {"document_id": "d0", "page_size": 7})
    assert [d.id for d in loader.load()] == ["d0-0", "d0-1", "d1-0"]


def test_loader_given_documents() -> None:
    rag = FakeRAG()
    docs = RAGFlowLoader("ds-1", document_ids=["d1"], client=rag).load()
    assert [d.id for d in docs] == ["d1"]
    assert ("list_documents", {"id": "d1"}) in [
        (n, {k: v for k, v in kw.items() if k == "id"}) for n, kw in rag.calls
    ]


def test_loader_validates_arguments() -> None:
    with pytest.raises(RAGFlowConfigError, match="mode"):
        RAGFlowLoader("ds", mode="pages")  # type: ignore[arg-type]


# -- tools -----------------------------------------------------------------------------


def test_search_tool_returns_text_and_documents() -> None:
    tool = RAGFlowSearchTool(client=FakeRAG(), dataset_ids=["ds-1"], k=2)
    call = ToolCall(name="ragflow_search", args={"query": "q"}, id="1", type="tool_call")
    message = tool.invoke(call)
    assert "Found 2 passages" in message.content
    assert "[1] doc0.md (chunk c0)\nPassage 0." in message.content
    assert [d.id for d in message.artifact] == ["c0", "c1"]


def test_tool_errors_from_ragflow_come_back_as_text() -> None:
    tool = RAGFlowSearchTool(client=FakeRAG(fail=True), dataset_ids=["ds-1"])
    call = ToolCall(name="ragflow_search", args={"query": "q"}, id="1", type="tool_call")
    message = tool.invoke(call)
    assert message.status == "error"
    assert "the server said no" in message.content


def test_other_tool_errors_raise() -> None:
    retriever = RAGFlowRetriever(client=FakeRAG(), dataset_ids=["ds-1"], filter={"a": "b"})
    tool = RAGFlowSearchTool(retriever=retriever)
    object.__setattr__(retriever, "k", "not a number")  # a programming error, not RAGFlow's
    with pytest.raises(TypeError):
        tool.invoke({"query": "q"})


def test_toolkit_tools_and_descriptions() -> None:
    rag = FakeRAG()
    toolkit = RAGFlowToolkit(client=rag, dataset_ids=["ds-1", "ds-2"], chat_id="chat-1")
    tools = toolkit.get_tools()
    assert [t.name for t in tools] == [
        "ragflow_search",
        "ragflow_ask",
        "ragflow_list_datasets",
        "ragflow_list_documents",
    ]
    assert "- name-ds-1: About ds-1." in tools[0].description
    assert "- name-ds-2: About ds-2." in tools[0].description
    assert "guide" in tools[1].description
    toolkit.get_tools()
    assert rag.names().count("get_dataset") == 2  # read once
    writing = RAGFlowToolkit(client=rag, dataset_ids=["ds-1"], allow_write=True).get_tools()
    assert [t.name for t in writing][-2:] == ["ragflow_upload_text", "ragflow_parse_documents"]


def test_toolkit_agents_with_the_same_title_get_distinct_tool_names() -> None:
    rag = FakeRAG()
    agents = {
        "a" * 32: Agent(id="a" * 32, title="Support bot"),
        "b" * 32: Agent(id="b" * 32, title="Support bot"),
        "c" * 32: Agent(id="c" * 32, title="RAGFlow search"),  # as the search tool
    }
    rag.get_agent = agents.__getitem__  # type: ignore[method-assign,assignment]
    tools = RAGFlowToolkit(client=rag, dataset_ids=["ds-1"], agent_ids=list(agents)).get_tools()
    assert [t.name for t in tools] == [
        "ragflow_search",
        "support_bot",
        "support_bot_bbbbbbbb",
        "ragflow_search_cccccccc",
        "ragflow_list_datasets",
        "ragflow_list_documents",
    ]


def test_tools_stay_inside_their_datasets() -> None:
    rag = FakeRAG()
    tools = {
        t.name: t
        for t in RAGFlowToolkit(client=rag, dataset_ids=["ds-1"], allow_write=True).get_tools()
    }
    out = tools["ragflow_upload_text"].invoke({"dataset_id": "ds-9", "name": "a.md", "text": "x"})
    assert "not available" in out
    out = tools["ragflow_upload_text"].invoke({"name": "a.md", "text": "# A"})
    assert out == "Uploaded a.md as document new-doc; parsing started."
    assert rag.calls[-1] == ("parse", {"dataset_id": "ds-1", "ids": ["new-doc"]})
    out = tools["ragflow_list_documents"].invoke({})
    assert "- d0.md (id d0): parse done, 2 chunks, metadata {'author': 'alice'}" in out
    out = tools["ragflow_list_datasets"].invoke({})
    assert "- name-ds-1 (id ds-1): About ds-1." in out


def test_ask_tool_lists_sources() -> None:
    tools = RAGFlowToolkit(client=FakeRAG(), dataset_ids=["ds-1"], chat_id="chat-1").get_tools()
    ask = next(t for t in tools if t.name == "ragflow_ask")
    call = ToolCall(name="ragflow_ask", args={"question": "q"}, id="1", type="tool_call")
    message = ask.invoke(call)
    assert message.content == f"{ANSWER}\n\nSources:\n[ID:0] doc0.md\n[ID:1] doc1.md"
    assert [d.metadata["reference_index"] for d in message.artifact] == [0, 1]


def test_async_client_is_built_once_for_every_event_loop() -> None:
    """One AsyncRAGFlow serves each asyncio.run(): the core keeps a pool per loop
    (tests/local_server/test_version_detection.py runs requests across loops)."""
    llm = ChatRAGFlow(chat_id="c", api_key="k", base_url="http://ragflow.test")
    kept: list[object] = []

    async def clients() -> None:
        kept.append(llm._arag())

    asyncio.run(clients())
    asyncio.run(clients())
    assert kept[0] is kept[1]
    assert kept[0].api_key == "k"  # type: ignore[attr-defined]


# -- native async through the real core, over httpx.MockTransport ------------------------


def _sse(*events: object) -> bytes:
    return b"".join(b"data:" + json.dumps(e).encode() + b"\n\n" for e in events) + (
        b"data:[DONE]\n\n"
    )


def _handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/api/v1/retrieval":
        body = json.loads(request.content)
        assert body["page_size"] == 2
        chunks = [
            {
                "id": f"c{i}",
                "content": f"text {i}",
                "document_id": "d",
                "dataset_id": "ds",
                "document_keyword": "a.md",
                "similarity": 0.9 - i / 10,
            }
            for i in range(2)
        ]
        return httpx.Response(200, json={"code": 0, "data": {"chunks": chunks, "total": 2}})
    if path == "/api/v1/openai/chat-1/chat/completions":
        body = json.loads(request.content)
        assert body["messages"][-1] == {"role": "user", "content": "q"}
        assert body["stream"] is True

        def delta(text: str | None, **extra: object) -> dict[str, object]:
            return {"choices": [{"index": 0, "delta": {"content": text, **extra}}]}

        last = delta(
            None,
            reference=[{"id": "c0", "content": "text 0", "document_id": "d"}],
            final_content="One two [ID:0].",
        )
        last["choices"][0]["finish_reason"] = "stop"  # type: ignore[index]
        last["usage"] = {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}
        stream = _sse(delta("One "), delta("two."), last)
        return httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"})
    return httpx.Response(404, json={"code": 404, "message": f"no route {path}"})


def _async_client() -> AsyncRAGFlow:
    transport = httpx.AsyncClient(transport=httpx.MockTransport(_handler))
    return AsyncRAGFlow(
        api_key="k", base_url="http://ragflow.test", server_version="v0.27", http_client=transport
    )


async def test_async_retriever_uses_the_async_client() -> None:
    retriever = RAGFlowRetriever(async_client=_async_client(), dataset_ids=["ds"], k=2)
    docs = await retriever.ainvoke("q")
    assert [d.id for d in docs] == ["c0", "c1"]
    assert docs[0].metadata["document_name"] == "a.md"


async def test_async_stream_through_the_core() -> None:
    llm = ChatRAGFlow(chat_id="chat-1", async_client=_async_client())
    chunks = [c async for c in llm.astream("q")]
    assert [c.content for c in chunks] == ["One ", "two.", ""]
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert last.usage_metadata == {"input_tokens": 1, "output_tokens": 3, "total_tokens": 4}
    assert last.response_metadata["references"][0]["id"] == "c0"
    (cite,) = last.response_metadata["citations"]
    assert (cite["start_index"], cite["end_index"]) == (0, 7)


def test_one_instance_serves_concurrent_sessions() -> None:
    from concurrent.futures import ThreadPoolExecutor

    llm = chat(FakeRAG())
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: llm.invoke("q", session_id=f"s{i}"), range(16)))
    assert [r.response_metadata["session_id"] for r in replies] == [f"s{i}" for i in range(16)]


def test_async_twin_of_a_given_client_shares_its_settings() -> None:
    from ragflow_integrations import RAGFlow

    given = RAGFlow(api_key="given-key", base_url="http://given.test", timeout=7, max_retries=1)
    retriever = RAGFlowRetriever(client=given, server_version="v0.20")

    async def twin() -> AsyncRAGFlow:
        return retriever._arag()

    client = asyncio.run(twin())
    assert (client.api_key, client.base_url, client.max_retries) == (
        "given-key",
        "http://given.test",
        1,
    )
    assert client.timeout.total == 7
    assert retriever._rag is given
