"""What the sync and async clients share: settings, the dialect, and turning replies into models."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from typing import Any, TypeVar

from ._dialect import Dialect, Version, format_version, parse_version
from ._exceptions import InvalidArgumentError, RAGFlowConfigError
from ._http import Timeout
from .types._base import RAGFlowModel, fit

__all__ = ["BaseClient", "ModelList", "ids_of"]

M = TypeVar("M", bound=RAGFlowModel)
C = TypeVar("C", bound="BaseClient")

DEFAULT_BASE_URL = "http://localhost:9380"
DEFAULT_MAX_RETRIES = 2


class ModelList(list[M]):
    """A list of models that, holding exactly one, also answers for it.

    The draft API's examples call methods on the result of a filtered list
    (``rag.list_datasets(name="kb_1").update({...})``); this keeps them working.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if len(self) == 1:
            return getattr(self[0], name)
        raise AttributeError(
            f"a list of {len(self)} results has no attribute {name!r}; index it first"
        )


def ids_of(items: Iterable[Any] | None, what: str) -> list[str] | None:
    """Ids from a list of models or strings (``None`` stays ``None``)."""
    if items is None:
        return None
    if isinstance(items, str | RAGFlowModel):
        items = [items]
    out: list[str] = []
    for item in items:
        value = item if isinstance(item, str) else getattr(item, "id", None)
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(f"{what} must be ids or objects with an id, got {item!r}")
        out.append(value)
    return out


class BaseClient:
    """Settings and helpers common to :class:`RAGFlow` and :class:`AsyncRAGFlow`."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        version: str = "v1",
        *,
        server_version: str | None = None,
        timeout: float = 600.0,
        connect_timeout: float = 5.0,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("RAGFLOW_API_KEY")
        if not key:
            raise RAGFlowConfigError("no RAGFlow API key: pass api_key=... or set RAGFLOW_API_KEY")
        url = base_url or os.environ.get("RAGFLOW_BASE_URL") or os.environ.get("RAGFLOW_API_URL")
        url = url or DEFAULT_BASE_URL
        if not url.startswith(("http://", "https://")):
            raise RAGFlowConfigError(f"base_url must start with http:// or https://, got {url!r}")
        if version != "v1":
            raise RAGFlowConfigError(f"only API version 'v1' exists, got {version!r}")
        if max_retries < 0:
            raise RAGFlowConfigError("max_retries must be >= 0")
        self._api_key = key
        self.base_url = url.rstrip("/")
        self.timeout = Timeout(read=timeout, connect=connect_timeout)
        self.max_retries = max_retries
        pinned = server_version or os.environ.get("RAGFLOW_SERVER_VERSION")
        self._version: Version | None = parse_version(pinned) if pinned else None
        self._pinned = self._version is not None

    def __repr__(self) -> str:
        version = format_version(self._version) if self._version else "not yet detected"
        return f"{type(self).__name__}(base_url={self.base_url!r}, server_version={version!r})"

    def with_options(
        self: C,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
    ) -> C:
        """A copy of this client with other timeouts or retries, sharing its connection pool.

        ``rag.with_options(timeout=5).retrieve(...)`` sets them for one call.
        """
        clone = copy.copy(self)
        clone.timeout = Timeout(
            read=self.timeout.read if timeout is None else timeout,
            connect=self.timeout.connect if connect_timeout is None else connect_timeout,
        )
        clone.max_retries = self.max_retries if max_retries is None else max_retries
        clone._transport = self._transport.with_options(clone.timeout, clone.max_retries)  # type: ignore[attr-defined]
        return clone

    @property
    def api_key(self) -> str:
        """The API key (never shown in reprs or errors)."""
        return self._api_key

    def _wrap(self, cls: type[M], data: Any, **defaults: Any) -> M:
        if isinstance(data, dict):
            for key, value in defaults.items():
                if not data.get(key):
                    data = {**data, key: value}
        model = fit(cls, data)
        model._bind(self)
        return model

    def _wrap_all(self, cls: type[M], items: Iterable[Any], **defaults: Any) -> ModelList[M]:
        return ModelList(self._wrap(cls, item, **defaults) for item in items)

    @staticmethod
    def _dialect_of(version: Version) -> Dialect:
        return Dialect(version)


def dataset_fields(
    name: str,
    avatar: str | None,
    description: str | None,
    language: str | None,
    permission: str,
    chunk_method: str,
    parse_method: str | None,
    parser_config: Any,
    embedding_model: str | None,
    auto_metadata_config: dict[str, Any] | None,
) -> dict[str, Any]:
    """The fields of a new dataset from the draft's and the SDK's argument names."""
    return {
        "name": name,
        "avatar": avatar or None,
        "description": description or None,
        "language": language,
        "permission": permission,
        # "naive" is every version's default: sent only when the caller chose another.
        "chunk_method": parse_method or (None if chunk_method == "naive" else chunk_method),
        "parser_config": parser_config,
        "embedding_model": embedding_model,
        "auto_metadata_config": auto_metadata_config,
    }


def chat_fields(
    name: str,
    avatar: str | None,
    knowledgebases: Any,
    llm: Any,
    prompt: Any,
    dialog: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The fields of a new chat assistant from the draft's names (``avatar``,
    ``knowledgebases``, ``llm``, ``prompt``) and the SDK's (``icon``, ``dataset_ids``,
    ``llm_id``, ``llm_setting``, ``prompt_config``); ``llm`` given as a string is the
    SDK's positional ``llm_id``.
    """
    if isinstance(llm, str):
        dialog = {"llm_id": llm, **{k: v for k, v in dialog.items() if v is not None}}
        llm = None
    ids = dialog.pop("dataset_ids", None)
    ids = ids_of(ids if ids is not None else knowledgebases, "knowledgebases")
    icon = dialog.pop("icon", None)
    return {
        "name": name,
        "avatar": icon or avatar or None,
        "dataset_ids": ids or [],
        "llm": llm,
        "prompt": prompt,
        **dialog,
        **extra,
    }


def page_number(value: int | str | None, default: int, what: str) -> int:
    """A page or page size as the server reads one: ``None`` is the default, digits a number."""
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise InvalidArgumentError(f"{what} must be a number, got {value!r}") from None
    return value


def window(offset: int, limit: int) -> tuple[int, int | None]:
    """The draft's record window (``limit=-1``: all) as ``(start, count)``."""
    if offset < 0:
        raise InvalidArgumentError(f"offset must be >= 0, got {offset}")
    if limit == 0 or limit < -1:
        raise InvalidArgumentError(f"limit must be -1 (all) or >= 1, got {limit}")
    return offset, None if limit == -1 else limit


def upload_files(document_list: Iterable[Any]) -> list[tuple[str, bytes]]:
    """``[{"display_name"|"name": str, "blob": bytes}]`` -> ``[(name, bytes)]``."""
    files: list[tuple[str, bytes]] = []
    for item in document_list:
        if not isinstance(item, dict):
            raise InvalidArgumentError(f"each document must be a dict, got {type(item).__name__}")
        name = item.get("display_name", item.get("name"))
        blob = item.get("blob")
        if isinstance(blob, str):
            blob = blob.encode("utf-8")
        if not isinstance(name, str):
            raise InvalidArgumentError(f"document {item!r} needs a 'display_name'")
        if not isinstance(blob, bytes | bytearray):
            raise InvalidArgumentError(f"document {name!r} needs a 'blob' of bytes")
        files.append((os.path.basename(name), bytes(blob)))
    return files
