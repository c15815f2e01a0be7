"""Nested settings objects: a dataset's ``parser_config``, a chat's ``llm_setting`` and
``prompt_config`` (v0.25+ dialog schema) or ``llm`` and ``prompt`` (v0.13-v0.24 schema).

Each is a pydantic model read by attribute (``ds.parser_config.raptor.use_raptor``) and,
as it was a dict before, like a dict (``cfg["chunk_token_num"]``, ``cfg.get(...)``).
Servers add keys every release: unknown keys are kept (nested dicts become settings
objects too), and a value that does not fit its declared type is kept as sent, for the
server to judge. A settings object holds exactly the keys it was given: ``model_dump()``
and ``to_dict()`` give them back, and nothing else is ever sent.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

__all__ = [
    "LLM",
    "ConfigModel",
    "GraphRAGConfig",
    "LLMSetting",
    "ParentChildConfig",
    "ParserConfig",
    "Prompt",
    "PromptConfig",
    "RaptorConfig",
]


def _plain(value: Any) -> Any:
    """Settings objects (and lists of them) as plain dicts and lists."""
    if isinstance(value, ConfigModel):
        return value.to_dict()
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


class ConfigModel(BaseModel):
    """A nested settings object: attributes for its keys, read like a dict as well.

    Built from keyword arguments, a mapping (``ParserConfig({"chunk_token_num": 256})``)
    or, as the official SDK builds them, ``ParserConfig(rag, {...})`` (the client is not
    needed and not kept).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def __init__(self, *args: Any, **data: Any) -> None:
        if len(args) > 2:
            raise TypeError(
                f"{type(self).__name__}() takes a mapping, or a client and a mapping, "
                f"not {len(args)} positional arguments"
            )
        if args:
            given = args[-1]
            if given is not None and not isinstance(given, Mapping):
                from .._exceptions import InvalidArgumentError

                raise InvalidArgumentError(
                    f"{type(self).__name__}() takes a mapping, got {type(given).__name__}"
                )
            data = {**dict(given or {}), **data}
        super().__init__(**data)

    @field_validator("*", mode="wrap")
    @classmethod
    def _as_sent_if_unfit(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # The server validates settings, and its rules change between versions: a value
        # of another type is kept as it is (and sent as it is), never refused here.
        try:
            return handler(value)
        except ValidationError:
            return value

    @model_validator(mode="after")
    def _nest_unknown(self) -> ConfigModel:
        extra = self.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                if isinstance(value, Mapping):
                    extra[key] = ConfigModel(**value)
        return self

    @model_serializer(mode="plain")
    def _dump(self) -> dict[str, Any]:
        return {key: _plain(getattr(self, key)) for key in self.keys()}

    # -- read like a dict ------------------------------------------------------------------
    def keys(self) -> KeysView[str]:
        """The keys this object was given (declared ones first), as a dict's keys."""
        names = [n for n in type(self).model_fields if n in self.model_fields_set]
        names.extend(self.__pydantic_extra__ or {})
        return dict.fromkeys(names).keys()

    def values(self) -> ValuesView[Any]:
        """The values, as a dict's values."""
        return {k: getattr(self, k) for k in self.keys()}.values()

    def items(self) -> ItemsView[str, Any]:
        """``(key, value)`` pairs, as a dict's items."""
        return {k: getattr(self, k) for k in self.keys()}.items()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default`` when this object has no such key."""
        return getattr(self, key) if key in self.keys() else default

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.keys())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConfigModel | Mapping):
            return bool(self.to_dict() == _plain(dict(other.items())))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (nested objects as dicts)."""
        return self.model_dump()

    def to_json(self) -> dict[str, Any]:
        """The official SDK's name for :meth:`to_dict`."""
        return self.to_dict()

    def __str__(self) -> str:
        # As the official SDK prints its settings: a dict with sorted keys.
        return str(_sorted(self.to_dict()))


def settings_from(value: Any, cls: type[ConfigModel], what: str) -> dict[str, Any] | None:
    """A settings argument (a settings object, a mapping or ``None``) as a plain dict."""
    if value is None:
        return None
    if isinstance(value, ConfigModel):
        return value.to_dict()
    if isinstance(value, Mapping):
        return _plain(dict(value))  # type: ignore[no-any-return]
    from .._exceptions import InvalidArgumentError

    raise InvalidArgumentError(
        f"{what} must be a dict or a {cls.__name__}, got {type(value).__name__}"
    )


# -- datasets and documents ----------------------------------------------------------------
class RaptorConfig(ConfigModel):
    """RAPTOR summaries (``parser_config.raptor``)."""

    use_raptor: bool | None = None
    prompt: str | None = None
    max_token: int | None = None
    threshold: float | None = None
    clustering_threshold: float | None = None
    max_cluster: int | None = None
    random_seed: int | None = None
    scope: str | None = None


class GraphRAGConfig(ConfigModel):
    """Knowledge-graph extraction (``parser_config.graphrag``)."""

    use_graphrag: bool | None = None
    entity_types: list[str] | None = None
    method: str | None = None
    community: bool | None = None
    resolution: bool | None = None


class ParentChildConfig(ConfigModel):
    """Parent-child chunking (``parser_config.parent_child``, v0.22+)."""

    use_parent_child: bool | None = None
    children_delimiter: str | None = None


class ParserConfig(ConfigModel):
    """How a dataset's (or a document's) files are chunked; keys differ by chunk method
    and server version, and every key the server sends is kept.
    """

    chunk_token_num: int | None = None
    delimiter: str | None = None
    layout_recognize: str | bool | None = None
    html4excel: bool | None = None
    auto_keywords: int | None = None
    auto_questions: int | None = None
    tag_kb_ids: list[str] | None = None
    topn_tags: int | None = None
    filename_embd_weight: float | None = None
    task_page_size: int | None = None
    pages: list[list[int]] | None = None
    raptor: RaptorConfig | None = None
    graphrag: GraphRAGConfig | None = None
    parent_child: ParentChildConfig | None = None


# -- chat assistants: the v0.25+ dialog schema ----------------------------------------------
class LLMSetting(ConfigModel):
    """A chat's generation settings (``chat.llm_setting``; the model is ``chat.llm_id``)."""

    temperature: float | None = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    max_tokens: int | None = None


class PromptConfig(ConfigModel):
    """A chat's prompt settings (``chat.prompt_config``)."""

    system: str | None = None
    prologue: str | None = None
    parameters: list[dict[str, Any]] | None = None
    empty_response: str | None = None
    quote: bool | None = None
    keyword: bool | None = None
    refine_multiturn: bool | None = None
    reasoning: bool | None = None
    use_kg: bool | None = None
    tts: bool | None = None


# -- chat assistants: the v0.13-v0.24 schema ------------------------------------------------
class LLM(ConfigModel):
    """A chat's LLM settings in the ``llm`` schema (``chat.llm``)."""

    model_name: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_token")
    )


class Prompt(ConfigModel):
    """A chat's prompt settings in the ``prompt`` schema (``chat.prompt``)."""

    similarity_threshold: float | None = None
    keywords_similarity_weight: float | None = None
    top_n: int | None = None
    variables: list[dict[str, Any]] | None = None
    rerank_model: str | None = None
    empty_response: str | None = None
    opener: str | None = None
    show_quote: bool | None = None
    prompt: str | None = None


def as_settings(value: Any) -> Any:
    """A field ``before`` validator body: ``None`` (or a JSON string) as a settings mapping."""
    if value is None:
        return {}
    if isinstance(value, str):
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
