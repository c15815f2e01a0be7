"""ChatRAGFlow's and RAGFlowChatMessageHistory's arguments for agents and memories (no IO)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from langchain_ragflow import ChatRAGFlow, RAGFlowChatMessageHistory
from ragflow_integrations import InvalidArgumentError


def test_an_agent_or_a_chat_assistant_not_both() -> None:
    assert ChatRAGFlow(agent_id="a1", api_key="k")._identifying_params["agent_id"] == "a1"
    with pytest.raises(ValidationError, match="not both"):
        ChatRAGFlow(agent_id="a1", chat_id="c1", api_key="k")
    with pytest.raises(ValidationError, match="agent_id"):
        ChatRAGFlow(api_key="k")


def test_history_arguments_are_checked_before_any_request() -> None:
    with pytest.raises(InvalidArgumentError, match="memory_id and session_id"):
        RAGFlowChatMessageHistory("", "s", api_key="k")
    with pytest.raises(InvalidArgumentError, match="window"):
        RAGFlowChatMessageHistory("m", "s", window=101, api_key="k")
