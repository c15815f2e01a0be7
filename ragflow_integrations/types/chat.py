"""Chat assistants, in one shape for every server version.

Servers up to v0.24 speak ``llm``/``prompt``; from v0.25.0 they store raw dialog rows
(``llm_id``, ``llm_setting``, ``prompt_config``, ``icon``). :class:`Chat` offers both: the
draft's ``llm`` and ``prompt`` and the released SDK's ``llm_id``, ``llm_setting`` and
``prompt_config``, each built from the other when the server sent one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from .._checks import checked
from ._base import AsyncModel, RAGFlowModel, SyncModel, as_update
from .configs import LLM, LLMSetting, Prompt, PromptConfig, as_settings

if TYPE_CHECKING:
    from .session import AsyncSession, Session

__all__ = ["LLM", "AsyncChat", "Chat", "ChatFields", "Prompt"]

LLM_SETTINGS = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens")
"""The ``llm`` keys that are ``llm_setting`` keys in the dialog schema."""
PROMPT_CONFIG_KEYS = {
    "prompt": "system",
    "opener": "prologue",
    "variables": "parameters",
    "show_quote": "quote",
    "empty_response": "empty_response",
}
"""``prompt`` keys and the ``prompt_config`` keys they are in the dialog schema."""
PROMPT_TOP_KEYS = {
    "similarity_threshold": "similarity_threshold",
    "top_n": "top_n",
    "rerank_model": "rerank_id",
}
"""``prompt`` keys that are top-level fields in the dialog schema."""


def llm_from_dialog(row: dict[str, Any]) -> dict[str, Any]:
    """The draft ``llm`` dict of a v0.25+ dialog row."""
    settings = dict(row.get("llm_setting") or {})
    llm = {k: settings[k] for k in LLM_SETTINGS if k in settings}
    llm["model_name"] = row.get("llm_id")
    return llm


def prompt_from_dialog(row: dict[str, Any]) -> dict[str, Any]:
    """The draft ``prompt`` dict of a v0.25+ dialog row."""
    config = dict(row.get("prompt_config") or {})
    prompt = {draft: config.get(dialog) for draft, dialog in PROMPT_CONFIG_KEYS.items()}
    prompt.update({draft: row.get(dialog) for draft, dialog in PROMPT_TOP_KEYS.items()})
    weight = row.get("vector_similarity_weight")
    if isinstance(weight, int | float):
        prompt["keywords_similarity_weight"] = round(1 - weight, 6)
    return prompt


def dialog_from_draft(row: dict[str, Any]) -> dict[str, Any]:
    """The dialog fields (``llm_id``, ``llm_setting``, ``prompt_config`` ...) of a chat in
    the ``llm``/``prompt`` schema of v0.13-v0.24.
    """
    llm = dict(row.get("llm") or {})
    prompt = dict(row.get("prompt") or {})
    out: dict[str, Any] = {
        "llm_id": llm.get("model_name"),
        "llm_setting": {k: llm[k] for k in LLM_SETTINGS if llm.get(k) is not None},
        "prompt_config": {
            dialog: prompt[draft]
            for draft, dialog in PROMPT_CONFIG_KEYS.items()
            if prompt.get(draft) is not None
        },
    }
    for draft, dialog in PROMPT_TOP_KEYS.items():
        if prompt.get(draft) is not None:
            out[dialog] = prompt[draft]
    weight = prompt.get("keywords_similarity_weight")
    if isinstance(weight, int | float):
        out["vector_similarity_weight"] = round(1 - weight, 6)
    return out


class ChatFields(RAGFlowModel):
    """The fields of a chat assistant, in both schemas whatever the server's version:
    ``llm``/``prompt`` (v0.13-v0.24) and ``llm_id``/``llm_setting``/``prompt_config``
    (v0.25+ and the released SDK), each built from the other when the server sent one.
    """

    id: str = ""
    name: str = ""
    avatar: str | None = Field(default=None, validation_alias=AliasChoices("avatar", "icon"))
    description: str | None = None
    language: str | None = None
    dataset_ids: list[str] = Field(default_factory=list)
    llm: LLM = Field(default_factory=LLM)
    prompt: Prompt = Field(default_factory=Prompt)
    llm_id: str | None = None
    llm_setting: LLMSetting = Field(default_factory=LLMSetting)
    prompt_config: PromptConfig = Field(default_factory=PromptConfig)
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
        if not any(k in data for k in ("llm_id", "llm_setting", "prompt_config")):
            for key, value in dialog_from_draft(data).items():
                data.setdefault(key, value)
        return data

    @field_validator("llm", "prompt", "llm_setting", "prompt_config", mode="before")
    @classmethod
    def _settings(cls, value: Any) -> Any:
        return as_settings(value)

    @property
    def icon(self) -> str | None:
        """The released SDK's (and v0.25+ servers') name for :attr:`avatar`."""
        return self.avatar

    @icon.setter
    def icon(self, value: str | None) -> None:
        self.avatar = value

    @property
    def knowledgebases(self) -> list[str]:
        """The draft API's name for :attr:`dataset_ids`."""
        return self.dataset_ids

    def get_prologue(self) -> str:
        """The opener the assistant greets with."""
        if self.prompt.opener is not None:
            return self.prompt.opener
        return str(self.prompt_config.prologue or "")


class Chat(ChatFields, SyncModel):
    """A chat assistant, with the draft API's and the released SDK's methods."""

    @checked
    def update(self, update_message: dict[str, Any]) -> None:
        """Update ``name``, ``avatar`` (or ``icon``), ``dataset_ids`` (or ``knowledgebases``),
        and the settings in either schema: ``llm``/``prompt`` (draft keys; unnamed keys keep
        their values) or ``llm_id``/``llm_setting``/``prompt_config`` (sent as given).
        """
        self._bound()._update_chat(self, as_update(update_message))

    def delete(self) -> bool:
        """Delete this chat assistant."""
        self._bound().delete_chats(ids=[self.id])
        return True

    @checked
    def create_session(self, name: str = "New session", user_id: str | None = None) -> Session:
        """Open a new conversation with this assistant."""
        return self._bound()._create_session(self.id, name, user_id)  # type: ignore[no-any-return]

    @checked
    def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str = "",
        name: str = "",
        user_id: str = "",
    ) -> list[Session]:
        """One page of this assistant's sessions, filtered by ``id``, ``name`` or
        ``user_id`` when given (``page_size=0``: as the server reads it).
        """
        return self._bound()._list_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id or None,
            name=name or None,
            user_id=user_id or None,
        )

    def get_session(self, id: str) -> Session:
        """One session by id."""
        return self._bound()._get_session(self.id, id)  # type: ignore[no-any-return]

    @checked
    def delete_sessions(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named sessions; ``[]`` deletes none; all needs ``delete_all=True``."""
        self._bound()._delete_sessions(self.id, ids, delete_all=delete_all)


class AsyncChat(ChatFields, AsyncModel):
    """A chat assistant from :class:`~ragflow_integrations.AsyncRAGFlow`; methods are coroutines."""

    @checked
    async def update(self, update_message: dict[str, Any]) -> None:
        """Update the assistant (see :meth:`Chat.update`)."""
        await self._bound()._update_chat(self, as_update(update_message))

    async def delete(self) -> bool:
        """Delete this chat assistant."""
        await self._bound().delete_chats(ids=[self.id])
        return True

    @checked
    async def create_session(
        self, name: str = "New session", user_id: str | None = None
    ) -> AsyncSession:
        """Open a new conversation with this assistant."""
        return await self._bound()._create_session(self.id, name, user_id)  # type: ignore[no-any-return]

    @checked
    async def list_sessions(
        self,
        page: int = 1,
        page_size: int = 30,
        orderby: str = "create_time",
        desc: bool = True,
        id: str = "",
        name: str = "",
        user_id: str = "",
    ) -> list[AsyncSession]:
        """One page of this assistant's sessions (see :meth:`Chat.list_sessions`)."""
        return await self._bound()._list_sessions(  # type: ignore[no-any-return]
            self.id,
            page=page,
            page_size=page_size,
            orderby=orderby,
            desc=desc,
            id=id or None,
            name=name or None,
            user_id=user_id or None,
        )

    async def get_session(self, id: str) -> AsyncSession:
        """One session by id."""
        return await self._bound()._get_session(self.id, id)  # type: ignore[no-any-return]

    @checked
    async def delete_sessions(self, ids: list[str] | None = None, delete_all: bool = False) -> None:
        """Delete the named sessions (see :meth:`Chat.delete_sessions`)."""
        await self._bound()._delete_sessions(self.id, ids, delete_all=delete_all)
