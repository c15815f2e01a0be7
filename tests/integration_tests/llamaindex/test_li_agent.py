"""An agent (a fake function-calling LLM) using RAGFlowToolSpec's tools (v0.27)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.memory import ChatMemoryBuffer

from llamaindex_ragflow import RAGFlowToolSpec
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem

# llama-index's workflow inspects the agent's pydantic attributes when it starts.
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")


def _memory() -> ChatMemoryBuffer:
    """An in-process memory: the default one opens an aiosqlite thread that outlives the loop."""
    return ChatMemoryBuffer.from_defaults()


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        yield seeded


def scripted_llm(calls: list[tuple[str, dict[str, Any]]]) -> MockFunctionCallingLLM:
    """A function-calling LLM that makes the given tool calls, one per turn, then answers
    with the last tool result it saw.
    """

    def respond(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        done = sum(1 for m in messages if m.role == MessageRole.TOOL)
        if done < len(calls):
            name, arguments = calls[done]
            block = ToolCallBlock(
                tool_call_id=f"call-{done}", tool_name=name, tool_kwargs=arguments
            )
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[block])
        last = [m for m in messages if m.role == MessageRole.TOOL][-1]
        return ChatMessage(role=MessageRole.ASSISTANT, content=f"From RAGFlow: {last.content}")

    return MockFunctionCallingLLM(response_generator=respond, is_chat_model=True)


@pytest.mark.vcr
async def test_agent_searches_then_answers(seeded: Seeded) -> None:
    spec = RAGFlowToolSpec(
        [seeded.dataset_id],
        chat_id=seeded.chat_id,
        # 0.1: the real server's recordings use small fake embeddings, whose scores stay low
        retriever_options={"similarity_threshold": 0.1},
        **seeded.client_kwargs(),
    )
    llm = scripted_llm([("search", {"query": "How does hybrid retrieval score chunks?"})])
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=llm, streaming=False)
    result = await agent.run(user_msg="How does RAGFlow score chunks?", memory=_memory())
    [call] = result.tool_calls
    assert call.tool_name == "search"
    assert "hybrid_retrieval.md" in call.tool_output.content
    assert str(result.response.content).startswith("From RAGFlow: [1] hybrid_retrieval.md")


@pytest.mark.vcr
async def test_agent_asks_lists_and_reads_errors(seeded: Seeded) -> None:
    spec = RAGFlowToolSpec(chat_id=seeded.chat_id, **seeded.client_kwargs())
    llm = scripted_llm(
        [
            ("list_datasets", {}),
            ("list_documents", {"dataset_id": "no-such-dataset"}),
            ("list_documents", {"dataset_id": seeded.dataset_id}),
            ("ask", {"question": "What is RAGFlow?"}),
        ]
    )
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=llm, streaming=False)
    result = await agent.run(
        user_msg="What is RAGFlow, and what documents explain it?", memory=_memory()
    )
    outputs = {c.tool_name + str(i): c.tool_output.content for i, c in enumerate(result.tool_calls)}
    assert seeded.dataset_id in outputs["list_datasets0"]
    assert outputs["list_documents1"].startswith("Error: ")  # readable, not raised
    assert "no-such-dataset" in outputs["list_documents1"]
    assert "citations.md" in outputs["list_documents2"]
    assert "ragflow_overview.md" in outputs["ask3"]
    assert "Sources:" in str(result.response.content)
