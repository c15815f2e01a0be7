"""ChatRAGFlow: the langchain-tests integration suite (v0.27), replayed from cassettes.

Replay is strict: run with ``--benchmark-disable`` (as ``make`` does), so that
``test_stream_time`` plays its recorded stream once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_ragflow import ChatRAGFlow
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
SEEDS: dict[str, Seeded] = {}


@pytest.fixture(scope="module", autouse=True)
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        SEEDS["v0.27"] = seeded
        yield seeded


@pytest.mark.vcr
class TestChatRAGFlowStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatRAGFlow]:
        return ChatRAGFlow

    @property
    def chat_model_params(self) -> dict[str, Any]:
        seeded = SEEDS["v0.27"]
        return {"chat_id": seeded.chat_id, **seeded.client_kwargs()}

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def enable_vcr_tests(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        # A per-request LLM override (RAGFlow v0.25.1+). The server refuses a model its tenant
        # lacks (code 101): this is the chat model scripts/real_ragflow sets up, as RAGFlow
        # v0.27 names models (model@instance@provider).
        return "fake-chat@fake@OpenAI-API-Compatible"
