"""Agents (RAGFlow's canvas workflows) and their sessions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, ClassVar, Literal, overload

from pydantic import AliasChoices, Field, model_validator

from .._exceptions import UnsupportedFeatureError
from ._base import AsyncModel, RAGFlowModel, SyncModel
from .session import AsyncSession, Message, Session

__all__ = [
    "Agent",
    "AgentDsl",
    "AgentFields",
    "AgentSession",
    "AgentSessionFields",
    "AsyncAgent",
    "AsyncAgentSession",
    "unique_tool_name",
]


def _begin_only() -> dict[str, Any]:
    return {
        "begin": {
            "obj": {"component_name": "Begin", "params": {}},
            "downstream": [],
            "upstream": [],
        }
    }


def _begin_node() -> dict[str, Any]:
    return {
        "edges": [],
        "nodes": [
            {
                "id": "begin",
                "type": "beginNode",
                "data": {"label": "Begin", "name": "begin"},
                "position": {"x": 50, "y": 200},
                "sourcePosition": "left",
                "targetPosition": "right",
            }
        ],
    }


class AgentDsl(RAGFlowModel):
    """A canvas DSL, by default one with only its Begin component (the official SDK's
    ``Agent.Dsl``): ``create_agent(title, Agent.Dsl(rag, {}).to_json())``."""

    answer: list[Any] = Field(default_factory=list)
    components: dict[str, Any] = Field(default_factory=_begin_only)
    graph: dict[str, Any] = Field(default_factory=_begin_node)
    history: list[Any] = Field(default_factory=list)
    messages: list[Any] = Field(default_factory=list)
    path: list[Any] = Field(default_factory=list)
    reference: list[Any] = Field(default_factory=list)


class AgentFields(RAGFlowModel):
    """The fields of an agent."""

    Dsl: ClassVar[type[AgentDsl]] = AgentDsl

    id: str = ""
    title: str = ""
    avatar: str | None = None
    description: str | None = None
    dsl: dict[str, Any] | None = None
    canvas_type: str | None = None
    canvas_category: str | None = None
    user_id: str | None = None
    permission: str | None = None
    create_time: int | float | None = None
    update_time: int | float | None = None

    @model_validator(mode="before")
    @classmethod
    def _dsl_object(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("dsl"), str):
            import json

            try:
                data = {**data, "dsl": json.loads(data["dsl"])}
            except ValueError:
                data = {**data, "dsl": None}
        return data

    @property
    def tool_name(self) -> str:
        """The title as a tool name for LLM frameworks: lower-case letters, digits, ``_``
        and ``-``, at most 64 (``ragflow_agent_<id>`` for a title with none of them)."""
        slug = re.sub(r"[^a-z0-9_-]+", "_", self.title.lower()).strip("_-")[:64]
        return slug or f"ragflow_agent_{self.id[:8]}"

    @property
    def prologue(self) -> str:
        """The opening statement of the agent's Begin component ("" when it has none)."""
        components = (self.dsl or {}).get("components") or {}
        for component in components.values():
            obj = component.get("obj") if isinstance(component, dict) else None
            if isinstance(obj, dict) and str(obj.get("component_name")).lower() == "begin":
                return str((obj.get("params") or {}).get("prologue") or "")
        return ""


def unique_tool_name(agent: AgentFields, taken: set[str]) -> str:
    """The agent's :attr:`~AgentFields.tool_name`, unique among ``taken`` (the tool names
    given so far, which it joins): a name already taken becomes ``<name[:55]>_<id[:8]>``
    (then ``_2``, ``_3`` ... should that be taken too), still at most 64 characters.
    LLM frameworks need distinct tool names, and two agents may share a title.
    """
    name = agent.tool_name
    if name in taken:
        base = name = f"{name[:55]}_{agent.id[:8]}"
        n = 2
        while name in taken:
            suffix = f"_{n}"
            name = base[: 64 - len(suffix)] + suffix
            n += 1
    taken.add(name)
    return name


class Agent(AgentFields, SyncModel):
    """An agent of :class:`~ragflow_integrations.RAGFlow`."""

    def create_session(self, name: str | None = None, **inputs: Any) -> AgentSession:
        """Open a session. ``inputs`` fill the Begin component's declared inputs (on
        v0.20-v0.24 and older servers; from v0.25.1 pass them to :meth:`AgentSession.ask`).
        """
        return self._bound()._create_agent_session(self.id, name, inputs)  # type: ignore[no-any-return]

    def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        user_id: str | None = None,
    ) -> list[AgentSession]:
        """One page of this agent's sessions."""
        return self._bound()._list_agent_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id,
            user_id=user_id,
        )

    def get_session(self, id: str) -> AgentSession:
        """One session by id."""
        return self._bound()._get_agent_session(self.id, id)  # type: ignore[no-any-return]

    def delete_sessions(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named sessions; ``[]`` deletes none; all needs ``delete_all=True``."""
        self._bound()._delete_agent_sessions(self.id, ids, delete_all=delete_all)

    def update(self, update_message: dict[str, Any]) -> None:
        """Change ``title``, ``description``, ``dsl`` or ``canvas_type``."""
        self._bound()._update_agent_model(self, dict(update_message))

    def delete(self) -> bool:
        """Delete this agent."""
        self._bound().delete_agent(self.id)
        return True


class AsyncAgent(AgentFields, AsyncModel):
    """An agent of :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    async def create_session(self, name: str | None = None, **inputs: Any) -> AsyncAgentSession:
        """Open a session (see :meth:`Agent.create_session`)."""
        return await self._bound()._create_agent_session(self.id, name, inputs)  # type: ignore[no-any-return]

    async def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        user_id: str | None = None,
    ) -> list[AsyncAgentSession]:
        """One page of this agent's sessions."""
        return await self._bound()._list_agent_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id,
            user_id=user_id,
        )

    async def get_session(self, id: str) -> AsyncAgentSession:
        """One session by id."""
        return await self._bound()._get_agent_session(self.id, id)  # type: ignore[no-any-return]

    async def delete_sessions(
        self, ids: list[str] | None = None, *, delete_all: bool = False
    ) -> None:
        """Delete the named sessions (see :meth:`Agent.delete_sessions`)."""
        await self._bound()._delete_agent_sessions(self.id, ids, delete_all=delete_all)

    async def update(self, update_message: dict[str, Any]) -> None:
        """Change ``title``, ``description``, ``dsl`` or ``canvas_type``."""
        await self._bound()._update_agent_model(self, dict(update_message))

    async def delete(self) -> bool:
        """Delete this agent."""
        await self._bound().delete_agent(self.id)
        return True


class AgentSessionFields(RAGFlowModel):
    """The fields of an agent session."""

    id: str = ""
    agent_id: str = Field(default="", validation_alias=AliasChoices("agent_id", "dialog_id"))
    name: str | None = None
    user_id: str | None = None
    messages: list[dict[str, Any]] = Field(
        default_factory=list, validation_alias=AliasChoices("messages", "message")
    )
    create_time: int | float | None = None
    update_time: int | float | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("messages", "message"):
                if key in data and data[key] is None:
                    data = {**data, key: []}
        return data

    @property
    def opening(self) -> str:
        """The agent's opening statement, kept apart from answers ("" when none)."""
        for m in self.messages:
            if m.get("role") == "assistant":
                return str(m.get("content") or "")
            if m.get("role") == "user":
                break
        return ""


class AgentSession(AgentSessionFields, Session):
    """A conversation with an agent (a :class:`Session`, as in the official SDK)."""

    chat_id: str = Field(default="", exclude=True, repr=False)

    @overload
    def ask(self, question: str = "", stream: Literal[False] = False, **kwargs: Any) -> Message: ...

    @overload
    def ask(
        self, question: str = "", *, stream: Literal[True], **kwargs: Any
    ) -> Iterator[Message]: ...

    @overload
    def ask(self, question: str, stream: Literal[True], **kwargs: Any) -> Iterator[Message]: ...

    def ask(
        self,
        question: str = "",
        stream: bool = False,
        inputs: dict[str, Any] | None = None,
        release: bool | None = None,
        return_trace: bool | None = None,
        **kwargs: Any,
    ) -> Message | Iterator[Message]:
        """Ask the agent; the answer as a :class:`Message` (``stream=True``: an iterator of
        messages as it grows). ``inputs`` fill the Begin component's inputs (v0.20+);
        ``release`` and ``return_trace`` are sent where the server reads them; other
        keyword arguments go into the body as they are (``files``, ``user_id``...).
        """
        options = _options(inputs, release, return_trace, kwargs)
        client = self._bound()
        if stream:
            return client._ask_agent_stream(self, question, options)  # type: ignore[no-any-return]
        return client._ask_agent(self, question, options)  # type: ignore[no-any-return]

    def update(self, update_message: dict[str, Any]) -> None:
        """RAGFlow cannot rename an agent session: raises :class:`UnsupportedFeatureError`."""
        raise _no_rename()

    def delete(self) -> bool:
        """Delete this session."""
        self._bound()._delete_agent_sessions(self.agent_id, [self.id])
        return True


class AsyncAgentSession(AgentSessionFields, AsyncSession):
    """A session from :class:`~ragflow_integrations.AsyncRAGFlow` (an :class:`AsyncSession`)."""

    chat_id: str = Field(default="", exclude=True, repr=False)

    @overload
    def ask(
        self, question: str = "", stream: Literal[False] = False, **kwargs: Any
    ) -> Coroutine[Any, Any, Message]: ...

    @overload
    def ask(
        self, question: str = "", *, stream: Literal[True], **kwargs: Any
    ) -> AsyncIterator[Message]: ...

    @overload
    def ask(
        self, question: str, stream: Literal[True], **kwargs: Any
    ) -> AsyncIterator[Message]: ...

    def ask(
        self,
        question: str = "",
        stream: bool = False,
        inputs: dict[str, Any] | None = None,
        release: bool | None = None,
        return_trace: bool | None = None,
        **kwargs: Any,
    ) -> Coroutine[Any, Any, Message] | AsyncIterator[Message]:
        """Ask: ``await session.ask(q)``, or ``async for m in session.ask(q, stream=True)``
        (see :meth:`AgentSession.ask`)."""
        options = _options(inputs, release, return_trace, kwargs)
        client = self._bound()
        if stream:
            return client._ask_agent_stream(self, question, options)  # type: ignore[no-any-return]
        return client._ask_agent(self, question, options)  # type: ignore[no-any-return]

    async def update(self, update_message: dict[str, Any]) -> None:
        """RAGFlow cannot rename an agent session: raises :class:`UnsupportedFeatureError`."""
        raise _no_rename()

    async def delete(self) -> bool:
        """Delete this session."""
        await self._bound()._delete_agent_sessions(self.agent_id, [self.id])
        return True


def _no_rename() -> UnsupportedFeatureError:
    return UnsupportedFeatureError(
        "RAGFlow has no route to rename an agent session (no version has one)",
        feature="agent_session_update",
    )


def _options(
    inputs: dict[str, Any] | None,
    release: bool | None,
    return_trace: bool | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    options = dict(extra)
    for key, value in (("inputs", inputs), ("release", release), ("return_trace", return_trace)):
        if value is not None:
            options[key] = value
    return options
