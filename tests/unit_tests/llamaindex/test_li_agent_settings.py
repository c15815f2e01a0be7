"""The LlamaIndex classes' arguments for agents and memories (no IO)."""

from __future__ import annotations

import pytest
from llama_index.core.memory.memory import BaseMemoryBlock

from llamaindex_ragflow import RAGFlowChatEngine, RAGFlowMemoryBlock, RAGFlowQueryEngine
from ragflow_integrations import RAGFlowConfigError


@pytest.mark.parametrize("cls", [RAGFlowChatEngine, RAGFlowQueryEngine])
def test_a_chat_assistant_or_an_agent(cls: type) -> None:
    assert cls(agent_id="a1", api_key="k").agent_id == "a1"
    with pytest.raises(RAGFlowConfigError, match="chat_id or an agent_id"):
        cls("c1", agent_id="a1", api_key="k")
    with pytest.raises(RAGFlowConfigError, match="chat_id or an agent_id"):
        cls(api_key="k")


def test_memory_block_is_a_memory_block() -> None:
    block = RAGFlowMemoryBlock(memory_id="m1", api_key="k")
    assert isinstance(block, BaseMemoryBlock) and block.name == "RAGFlowMemory"
    assert block.agent_id == "llamaindex" and block.session_id is None
