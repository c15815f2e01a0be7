"""Chat assistants, in one shape for every server version.

Servers up to v0.24 speak ``llm``/``prompt``; from v0.25.0 they store raw dialog rows
(``llm_id``, ``llm_setting``, ``prompt_config``, ``icon``). :class:`Chat` always offers the
draft's ``llm`` and ``prompt`` (built from the dialog fields when needed), and keeps the
raw fields as extra attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from ._base import RAGFlowModel

if TYPE_CHECKING:
    from .session import AsyncSession, Session

__all__ = ["LLM", "AsyncChat", "Chat", "ChatFields", "Prompt"]


class LLM(BaseModel):
    """The draft API's LLM settings of a chat assistant."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    model_name: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_token")
    )


class Prompt(BaseModel):
    """The draft API's prompt settings of a chat assistant."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    similarity_threshold: float | None = None
    keywords_similarity_weight: float | None = None
    top_n: int | None = None
    variables: list[dict[str, Any]] | None = None
    rerank_model: str | None = None
    empty_response: str | None = None
    opener: str | None = None
    show_quote: bool | None = None
    prompt: str | None = None


_LLM_SETTINGS = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens")


def llm_from_dialog(row: dict[str, Any]) -> dict[str, Any]:
    """The draft ``llm`` dict of a v0.25+ dialog row."""
    settings = dict(row.get("llm_setting") or {})
    llm = {k: settings[k] for k in _LLM_SETTINGS if k in settings}
    llm["model_name"] = row.get("llm_id")
    return llm


def prompt_from_dialog(row: dict[str, Any]) -> dict[str, Any]:
    """The draft ``prompt`` dict of a v0.25+ dialog row."""
    config = dict(row.get("prompt_config") or {})
    prompt: dict[str, Any] = {
        "prompt": config.get("system"),
        "opener": config.get("prologue"),
        "variables": config.get("parameters"),
        "show_quote": config.get("quote"),
        "empty_response": config.get("empty_response"),
        "similarity_threshold": row.get("similarity_threshold"),
        "top_n": row.get("top_n"),
        "rerank_model": row.get("rerank_id"),
    }
    weight = row.get("vector_similarity_weight")
    if isinstance(weight, int | float):
        prompt["keywords_similarity_weight"] = round(1 - weight, 6)
    return prompt


class ChatFields(RAGFlowModel):
    """The fields of a chat assistant."""

    id: str = ""
    name: str = ""
    avatar: str | None = Field(default=None, validation_alias=AliasChoices("avatar", "icon"))
    description: str | None = None
    language: str | None = None
    dataset_ids: list[str] = Field(default_factory=list)
    llm: LLM = Field(default_factory=LLM)
    prompt: Prompt = Field(default_factory=Prompt)
    status: str | None = None
    tenant_id: str | None = None
    create_time: int | float | None = None
    update_time: int | float | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("dataset_ids"):
            if isinstance(data.get("datasets"), list):  # list replies up to v0.24
                data["dataset_ids"] = [
                    d["id"] for d in data["datasets"] if isinstance(d, dict) and "id" in d
                ]
            elif isinstance(data.get("kb_ids"), list):
                data["dataset_ids"] = data["kb_ids"]
        if data.get("dataset_ids") is None:
            data["dataset_ids"] = []
        if data.get("llm") is None and ("llm_id" in data or "llm_setting" in data):
            data["llm"] = llm_from_dialog(data)
        if data.get("prompt") is None and "prompt_config" in data:
            data["prompt"] = prompt_from_dialog(data)
        return data

    @property
    def knowledgebases(self) -> list[str]:
        """The draft API's name for :attr:`dataset_ids`."""
        return self.dataset_ids

    def get_prologue(self) -> str:
        """The opener the assistant greets with."""
        if self.prompt.opener is not None:
            return self.prompt.opener
        config = (self.model_extra or {}).get("prompt_config") or {}
        return str(config.get("prologue") or "")


class Chat(ChatFields):
    """A chat assistant, with the draft API's and the released SDK's methods."""

    def update(self, update_message: dict[str, Any]) -> None:
        """Update ``name``, ``avatar``, ``dataset_ids`` (or ``knowledgebases``), ``llm`` and
        ``prompt`` (dicts with the draft's keys; unnamed keys keep their values).
        """
        self._bound()._update_chat(self, dict(update_message))

    def delete(self) -> bool:
        """Delete this chat assistant."""
        self._bound().delete_chats(ids=[self.id])
        return True

    def create_session(self, name: str = "New session", user_id: str | None = None) -> Session:
        """Open a new conversation with this assistant."""
        return self._bound()._create_session(self.id, name, user_id)  # type: ignore[no-any-return]

    def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
    ) -> list[Session]:
        """One page of this assistant's sessions."""
        return self._bound()._list_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id,
            name=name,
            user_id=user_id,
        )

    def get_session(self, id: str) -> Session:
        """One session by id."""
        return self._bound()._get_session(self.id, id)  # type: ignore[no-any-return]

    def delete_sessions(self, ids: list[str] | None = None, *, delete_all: bool = False) -> None:
        """Delete the named sessions; ``[]`` deletes none; all needs ``delete_all=True``."""
        self._bound()._delete_sessions(self.id, ids, delete_all=delete_all)


class AsyncChat(ChatFields):
    """A chat assistant from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    async def update(self, update_message: dict[str, Any]) -> None:
        """Update the assistant (see :meth:`Chat.update`)."""
        await self._bound()._update_chat(self, dict(update_message))

    async def delete(self) -> bool:
        """Delete this chat assistant."""
        await self._bound().delete_chats(ids=[self.id])
        return True

    async def create_session(
        self, name: str = "New session", user_id: str | None = None
    ) -> AsyncSession:
        """Open a new conversation with this assistant."""
        return await self._bound()._create_session(self.id, name, user_id)  # type: ignore[no-any-return]

    async def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
    ) -> list[AsyncSession]:
        """One page of this assistant's sessions."""
        return await self._bound()._list_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id,
            name=name,
            user_id=user_id,
        )

    async def get_session(self, id: str) -> AsyncSession:
        """One session by id."""
        return await self._bound()._get_session(self.id, id)  # type: ignore[no-any-return]

    async def delete_sessions(
        self, ids: list[str] | None = None, *, delete_all: bool = False
    ) -> None:
        """Delete the named sessions (see :meth:`Chat.delete_sessions`)."""
        await self._bound()._delete_sessions(self.id, ids, delete_all=delete_all)
