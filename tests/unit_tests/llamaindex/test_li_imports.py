"""The public names of ``llamaindex_ragflow``."""

from __future__ import annotations

import llamaindex_ragflow

EXPECTED_ALL = [
    "METADATA_KEYS",
    "RAGFlowChatEngine",
    "RAGFlowIndex",
    "RAGFlowMemoryBlock",
    "RAGFlowQueryEngine",
    "RAGFlowReader",
    "RAGFlowRetriever",
    "RAGFlowToolSpec",
    "to_filter_expr",
]


def test_all_imports() -> None:
    assert sorted(llamaindex_ragflow.__all__) == sorted(EXPECTED_ALL)
    namespace: dict[str, object] = {}
    exec("from llamaindex_ragflow import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:  # classes and functions of this package, not strangers
        obj = getattr(llamaindex_ragflow, name)
        if name == "METADATA_KEYS":
            assert obj and all(isinstance(key, str) for key in obj)  # type: ignore[attr-defined]
        else:
            assert callable(obj) and obj.__module__.startswith("llamaindex_ragflow."), name
