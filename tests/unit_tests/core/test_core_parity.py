"""``AsyncRAGFlow`` and its models offer every operation of ``RAGFlow`` and its models."""

from __future__ import annotations

import inspect

import pytest

from ragflow_integrations import (
    Agent,
    AgentSession,
    AsyncAgent,
    AsyncAgentSession,
    AsyncChat,
    AsyncChunk,
    AsyncDataSet,
    AsyncDocument,
    AsyncRAGFlow,
    AsyncSession,
    Chat,
    Chunk,
    DataSet,
    Document,
    RAGFlow,
    Session,
)
from ragflow_integrations.types.memory import AsyncMemory, Memory

TWINS = [
    (RAGFlow, AsyncRAGFlow),
    (DataSet, AsyncDataSet),
    (Document, AsyncDocument),
    (Chunk, AsyncChunk),
    (Chat, AsyncChat),
    (Session, AsyncSession),
    (Agent, AsyncAgent),
    (AgentSession, AsyncAgentSession),
    (Memory, AsyncMemory),
]
RENAMED = {"close": "aclose"}  # httpx's naming for the async twin
# Parameters only the async twin has: it runs requests concurrently, and bounds them.
ASYNC_ONLY = {"max_concurrency"}


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and not hasattr(_pydantic_base(cls), name)
    }


def _pydantic_base(cls: type) -> type:
    from pydantic import BaseModel

    return BaseModel if issubclass(cls, BaseModel) else object


@pytest.mark.parametrize(("sync", "async_"), TWINS, ids=[s.__name__ for s, _ in TWINS])
def test_every_operation_has_an_async_twin(sync: type, async_: type) -> None:
    ours, theirs = public_methods(sync), public_methods(async_)
    missing = {n for n in ours if RENAMED.get(n, n) not in theirs}
    assert not missing, f"{async_.__name__} lacks {sorted(missing)}"
    extra = {n for n in theirs if n not in ours and n not in RENAMED.values()}
    assert not extra, f"{async_.__name__} has {sorted(extra)} that {sync.__name__} lacks"
    for name, signature in ours.items():
        twin = theirs[RENAMED.get(name, name)]
        own = [p for p in twin.parameters if p not in ASYNC_ONLY]
        assert own == list(signature.parameters), name
