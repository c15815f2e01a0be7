"""RAGFlow tools and toolkit against the sample data (v0.27): the standard integration suite
for each read tool, and the toolkit's descriptions. Replayed from cassettes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests

from langchain_ragflow import (
    RAGFlowAskTool,
    RAGFlowListDatasetsTool,
    RAGFlowListDocumentsTool,
    RAGFlowSearchTool,
    RAGFlowToolkit,
)
from tests.support import Seeded, seeded_environment

NAME = Path(__file__).stem
SEEDS: dict[str, Seeded] = {}


@pytest.fixture(scope="module", autouse=True)
def seeded() -> Iterator[Seeded]:
    with seeded_environment("v0.27", NAME) as seeded:
        SEEDS["v0.27"] = seeded
        yield seeded


class _Standard(ToolsIntegrationTests):
    tool_class: type[BaseTool]

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        seeded = SEEDS["v0.27"]
        return {"dataset_ids": [seeded.dataset_id], **seeded.client_kwargs(), **self.extra()}

    def extra(self) -> dict[str, Any]:
        return {}


@pytest.mark.vcr
class TestSearchTool(_Standard):
    tool_class = RAGFlowSearchTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"query": "How does RAGFlow cite sources?"}


@pytest.mark.vcr
class TestAskTool(_Standard):
    tool_class = RAGFlowAskTool

    def extra(self) -> dict[str, Any]:
        return {"chat_id": SEEDS["v0.27"].chat_id}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"question": "How does RAGFlow cite sources?"}


@pytest.mark.vcr
class TestListDatasetsTool(_Standard):
    tool_class = RAGFlowListDatasetsTool


@pytest.mark.vcr
class TestListDocumentsTool(_Standard):
    tool_class = RAGFlowListDocumentsTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"keywords": "chunking"}


def toolkit(seeded: Seeded, **kwargs: Any) -> RAGFlowToolkit:
    # 0.1: the real server's recordings use small fake embeddings, whose scores stay low
    options = {"similarity_threshold": 0.1, **kwargs}
    return RAGFlowToolkit(dataset_ids=[seeded.dataset_id], **seeded.client_kwargs(), **options)


def call(name: str, **args: Any) -> ToolCall:
    return ToolCall(name=name, args=args, id=f"call_{name}", type="tool_call")


@pytest.mark.vcr
def test_toolkit_describes_the_datasets(seeded: Seeded) -> None:
    tools = {t.name: t for t in toolkit(seeded, chat_id=seeded.chat_id).get_tools()}
    assert list(tools) == [
        "ragflow_search",
        "ragflow_ask",
        "ragflow_list_datasets",
        "ragflow_list_documents",
    ]
    description = tools["ragflow_search"].description
    assert f"samples_{NAME}: Short notes about RAGFlow" in description
    assert f"guide_{NAME}" in tools["ragflow_ask"].description
    result = tools["ragflow_search"].invoke(
        call("ragflow_search", query="How does RAGFlow cite sources?")
    )
    assert isinstance(result, ToolMessage)
    assert result.artifact
    for doc in result.artifact:
        assert doc.metadata["dataset_id"] == seeded.dataset_id
        assert f"{doc.metadata['document_name']} (chunk {doc.id})" in result.content
    listing = tools["ragflow_list_documents"].invoke({"keywords": "citations"})
    assert "citations.md" in listing and "'author': 'carol'" in listing


@pytest.mark.vcr
def test_server_errors_reach_the_agent_as_text(seeded: Seeded) -> None:
    tools = {t.name: t for t in toolkit(seeded, allow_write=True).get_tools()}
    assert "ragflow_upload_text" in tools
    result = tools["ragflow_parse_documents"].invoke(
        call("ragflow_parse_documents", document_ids=["no-such-document"])
    )
    assert result.status == "error"
    assert result.content.startswith("RAGFlow error:")
    outside = tools["ragflow_list_documents"].invoke({"dataset_id": "another"})
    assert "not available" in outside


@pytest.mark.vcr
async def test_tools_run_natively_async(seeded: Seeded, no_sync_io: Callable[[], None]) -> None:
    tools = {t.name: t for t in toolkit(seeded, chat_id=seeded.chat_id).get_tools()}
    no_sync_io()
    result = await tools["ragflow_ask"].ainvoke(
        call("ragflow_ask", question="How does RAGFlow cite sources?")
    )
    assert "Sources:" in result.content
    assert result.artifact
    datasets = await tools["ragflow_list_datasets"].ainvoke({})
    assert seeded.dataset_id in datasets
