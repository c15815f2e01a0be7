"""How users combine the classes (v0.27, replayed): an LCEL RAG chain, a retriever tool in
an agent loop, ChatRAGFlow in RunnableWithMessageHistory, astream_events over the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langchain_core.runnables.history import RunnableWithMessageHistory
from langchain_core.tools import BaseTool, create_retriever_tool

from langchain_ragflow import ChatRAGFlow, RAGFlowRetriever, RAGFlowToolkit
from ragflow_integrations._http import Request
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
# RunnableWithMessageHistory and InMemoryChatMessageHistory are deprecated in langchain-core
# 1.x (LangGraph persistence replaces them) but still widely used; ChatRAGFlow supports them.
HISTORY_DEPRECATED = pytest.mark.filterwarnings(
    "ignore::langchain_core._api.deprecation.LangChainDeprecationWarning"
)
QUESTION = "How does hybrid retrieval score chunks?"


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


def retriever(seeded: Seeded, **kwargs: Any) -> RAGFlowRetriever:
    # 0.1: the real server's recordings use small fake embeddings, whose scores stay low
    options = {"similarity_threshold": 0.1, **kwargs}
    return RAGFlowRetriever(dataset_ids=[seeded.dataset_id], **seeded.client_kwargs(), **options)


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(f"[{d.metadata['document_name']}] {d.page_content}" for d in docs)


@pytest.mark.vcr
def test_lcel_rag_chain(seeded: Seeded) -> None:
    seen: list[Any] = []

    def spy(prompt: Any) -> Any:
        seen.append(prompt)
        return prompt

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from this context:\n{context}"), ("human", "{question}")]
    )
    llm = GenericFakeChatModel(messages=iter(["Both scores are mixed by a weight."]))
    chain = (
        {"context": retriever(seeded, k=2) | format_docs, "question": RunnablePassthrough()}
        | prompt
        | RunnableLambda(spy)
        | llm
        | StrOutputParser()
    )
    assert chain.invoke(QUESTION) == "Both scores are mixed by a weight."
    system, human = seen[0].to_messages()
    assert human.content == QUESTION
    assert "[hybrid_retrieval.md] # Hybrid retrieval" in system.content


class FakeToolCallingModel(BaseChatModel):
    """Calls the first bound tool with the user's question, then answers from its result."""

    tool_names: list[str] = []  # noqa: RUF012

    @property
    def _llm_type(self) -> str:
        return "fake-tool-calling"

    def bind_tools(  # type: ignore[override]
        self, tools: Sequence[BaseTool], **kwargs: Any
    ) -> Runnable[Any, BaseMessage]:
        return self.model_copy(update={"tool_names": [t.name for t in tools]})

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        last = messages[-1]
        if isinstance(last, ToolMessage):
            first_line = str(last.content).split("\n")[2]  # "[1] <document> (chunk ...)"
            message = AIMessage(f"According to {first_line.split(' ')[1]}: it mixes two scores.")
        else:
            call = {"name": self.tool_names[0], "args": {"query": last.content}, "id": "call_1"}
            message = AIMessage("", tool_calls=[call])
        return ChatResult(generations=[ChatGeneration(message=message)])


def run_agent(model: Runnable[Any, BaseMessage], tools: list[BaseTool], question: str) -> list[Any]:
    by_name = {t.name: t for t in tools}
    messages: list[Any] = [HumanMessage(question)]
    for _ in range(3):
        reply = model.invoke(messages)
        messages.append(reply)
        if not getattr(reply, "tool_calls", None):
            return messages
        for call in reply.tool_calls:  # type: ignore[attr-defined]
            messages.append(by_name[call["name"]].invoke({**call, "type": "tool_call"}))
    raise AssertionError("the agent did not finish")


def retriever_tool(seeded: Seeded) -> BaseTool:
    return create_retriever_tool(
        retriever(seeded, k=2),
        "ragflow_search",
        "Search the RAGFlow notes.",
        document_separator="\n\n",
        response_format="content_and_artifact",
    )


def toolkit_tool(seeded: Seeded) -> BaseTool:
    return RAGFlowToolkit(  # 0.1: see retriever()
        dataset_ids=[seeded.dataset_id], k=2, similarity_threshold=0.1, **seeded.client_kwargs()
    ).get_tools()[0]


@pytest.mark.vcr
@pytest.mark.parametrize("make_tool", [retriever_tool, toolkit_tool], ids=["core_tool", "toolkit"])
def test_retriever_tool_in_an_agent_loop(
    seeded: Seeded, make_tool: Callable[[Seeded], BaseTool]
) -> None:
    tool = make_tool(seeded)
    model = FakeToolCallingModel().bind_tools([tool])
    messages = run_agent(model, [tool], QUESTION)
    _human, call, result, answer = messages
    assert call.tool_calls[0]["args"] == {"query": QUESTION}
    assert isinstance(result, ToolMessage)
    assert result.tool_call_id == "call_1"
    assert result.artifact  # the Documents, for the application
    assert {d.metadata["dataset_id"] for d in result.artifact} == {seeded.dataset_id}
    if make_tool is toolkit_tool:
        assert "hybrid_retrieval.md" in answer.content


@HISTORY_DEPRECATED
@pytest.mark.vcr
def test_chat_model_in_runnable_with_message_history(
    seeded: Seeded, sent_requests: list[Request]
) -> None:
    histories: dict[str, InMemoryChatMessageHistory] = {}

    def history(session_id: str) -> InMemoryChatMessageHistory:
        return histories.setdefault(session_id, InMemoryChatMessageHistory())

    llm = ChatRAGFlow(chat_id=seeded.chat_id, **seeded.client_kwargs())
    chat = RunnableWithMessageHistory(llm, history)
    config: Any = {"configurable": {"session_id": "conversation-1"}}
    first = chat.invoke(QUESTION, config=config)
    second = chat.invoke("And how is a document chunked?", config=config)
    assert first.response_metadata["references"]
    assert "session_id" not in second.response_metadata  # stateless: LangChain keeps history
    sent = sent_requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == first.content
    assert len(histories["conversation-1"].messages) == 4


@HISTORY_DEPRECATED
@pytest.mark.vcr
def test_message_history_alongside_a_server_session(
    seeded: Seeded, sent_requests: list[Request]
) -> None:
    llm = ChatRAGFlow(chat_id=seeded.chat_id, **seeded.client_kwargs())
    server_session = llm.create_session("with history")
    store = InMemoryChatMessageHistory()
    chat = RunnableWithMessageHistory(llm, lambda _: store)
    config: Any = {"configurable": {"session_id": "local", "ragflow_session_id": server_session}}
    chat.invoke(QUESTION, config=config)
    reply = chat.invoke("And how is a document chunked?", config=config)
    assert reply.response_metadata["session_id"] == server_session
    assert sent_requests[-1].json["question"] == "And how is a document chunked?"
    assert sent_requests[-1].json["session_id"] == server_session


@pytest.mark.vcr
async def test_astream_events_over_the_chat_model(seeded: Seeded) -> None:
    llm = ChatRAGFlow(chat_id=seeded.chat_id, **seeded.client_kwargs())
    deltas: list[str] = []
    end: Any = None
    async for event in llm.astream_events(QUESTION, version="v2"):
        if event["event"] == "on_chat_model_stream":
            deltas.append(event["data"]["chunk"].content)
        elif event["event"] == "on_chat_model_end":
            end = event["data"]["output"]
    # in pieces (RAGFlow v0.27 sends deltas of 16 tokens or more, so a short answer in few)
    assert len([d for d in deltas if d]) > 1
    assert end is not None
    assert end.content == "".join(deltas)
    assert end.response_metadata["references"]
    assert end.usage_metadata["total_tokens"] > 0
