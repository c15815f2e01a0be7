"""The public names of ``llamaindex_ragflow``."""

from __future__ import annotations

import llamaindex_ragflow

EXPECTED_ALL = [
    "METADATA_KEYS",
    "RAGFlowChatEngine",
    "RAGFlowIndex",
    "RAGFlowQueryEngine",
    "RAGFlowReader",
    "RAGFlowRetriever",
    "RAGFlowToolSpec",
    "to_filter_expr",
]


def test_all_imports() -> None:
    assert sorted(llamaindex_ragflow.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert getattr(llamaindex_ragflow, name) is not None
