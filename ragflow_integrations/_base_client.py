"""What the sync and async clients share: settings, the dialect, and turning replies into models."""

from __future__ import annotations

import copy
import math
import os
import unicodedata
from collections.abc import Iterable
from typing import Any, SupportsIndex, TypeVar
from urllib.parse import urlsplit

from ._dialect import Version, format_version, parse_version
from ._exceptions import (
    InvalidArgumentError,
    NotPicklableError,
    ParseError,
    ParseTimeoutError,
    RAGFlowConfigError,
)
from ._http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    Timeout,
)
from ._operations.system import Detected
from ._transport import log, shown_url
from .types._base import RAGFlowModel, fit
from .types.document import DocumentFields

__all__ = ["BaseClient", "ModelList", "check_api_key", "check_base_url", "ids_of"]

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


def check_api_key(key: object) -> str:
    """The key, if it can go into a header as is; the error never shows it."""
    if not isinstance(key, str) or not key:
        raise RAGFlowConfigError("no RAGFlow API key: pass api_key=... or set RAGFLOW_API_KEY")
    for position, char in enumerate(key, 1):
        if char.isspace():
            what = "whitespace (a stray space or newline?)"
        elif unicodedata.category(char).startswith("C"):
            what = "a control character"
        elif ord(char) > 0xFF:
            what = "a character outside Latin-1"
        else:
            continue
        raise RAGFlowConfigError(
            f"the API key holds {what} at position {position} of {len(key)}; "
            "RAGFlow keys look like 'ragflow-...' (the key is not shown here)"
        )
    return key


def check_base_url(url: str) -> str:
    """The server root, without a trailing slash; a URL that cannot work raises with a hint."""
    shown = shown_url(url) if url.startswith(("http://", "https://")) else repr(url)
    if not url.startswith(("http://", "https://")):
        raise RAGFlowConfigError(f"base_url must start with http:// or https://, got {shown}")
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in url):
        raise RAGFlowConfigError(f"base_url {shown} holds whitespace or a control character")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise RAGFlowConfigError(f"base_url {shown} is not a valid URL") from None
    if not parts.hostname:
        raise RAGFlowConfigError(f"base_url {shown} names no host")
    if parts.query or parts.fragment:
        raise RAGFlowConfigError(f"base_url {shown} must not have a query or fragment")
    root = url.rstrip("/")
    tail = parts.path.rstrip("/")
    for suffix in ("/api", "/v1"):
        if tail.endswith(suffix) and not tail.endswith("/api/v1"):
            raise RAGFlowConfigError(
                f"base_url {shown} ends in {suffix}: pass the server's root, e.g. "
                f"{shown_url(root[: -len(suffix)])} (the client adds /api/v1 itself)"
            )
    return root


class BaseClient:
    """Settings and helpers common to :class:`RAGFlow` and :class:`AsyncRAGFlow`."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        version: str = "v1",
        *,
        server_version: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        stream_idle_timeout: float = DEFAULT_STREAM_IDLE_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("RAGFLOW_API_KEY")
        self._api_key = check_api_key(key)
        url = base_url or os.environ.get("RAGFLOW_BASE_URL") or os.environ.get("RAGFLOW_API_URL")
        self.base_url = check_base_url(url or DEFAULT_BASE_URL)
        if version != "v1":
            raise RAGFlowConfigError(f"only API version 'v1' exists, got {version!r}")
        self._configure(
            Timeout(timeout, connect_timeout, stream_idle_timeout),
            max_retries,
            max_response_size,
            max_event_size,
        )
        pinned = server_version or os.environ.get("RAGFLOW_SERVER_VERSION")
        self._version: Version | None = parse_version(pinned) if pinned else None
        self._pinned = self._version is not None

    def _configure(
        self, timeout: Timeout, max_retries: int, max_response_size: int, max_event_size: int
    ) -> None:
        for name, seconds in vars(timeout).items():
            if not isinstance(seconds, int | float) or not 0 < seconds < math.inf:
                raise RAGFlowConfigError(f"the {name} timeout must be a positive number of seconds")
        if not isinstance(max_retries, int) or max_retries < 0:
            raise RAGFlowConfigError("max_retries must be an int >= 0")
        sizes = {"max_response_size": max_response_size, "max_event_size": max_event_size}
        for name, size in sizes.items():
            if not isinstance(size, int) or size < 1:
                raise RAGFlowConfigError(f"{name} must be a positive number of bytes")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_response_size = max_response_size
        self.max_event_size = max_event_size

    def __repr__(self) -> str:
        version = format_version(self._version) if self._version else "not yet detected"
        return f"{type(self).__name__}(base_url={self.base_url!r}, server_version={version!r})"

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        raise NotPicklableError(
            f"a {type(self).__name__} cannot be pickled: it holds the API key and a "
            "connection pool; build a new client where it is needed"
        )

    def __copy__(self: C) -> C:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self: C, memo: dict[int, Any]) -> C:
        # A client is a handle on a server and a pool: copies of models share it.
        return self

    def with_options(
        self: C,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        stream_idle_timeout: float | None = None,
        max_retries: int | None = None,
        max_response_size: int | None = None,
        max_event_size: int | None = None,
    ) -> C:
        """A copy of this client with other limits, sharing its connection pool.

        ``rag.with_options(timeout=5).retrieve(...)`` sets them for one call.
        """
        clone = copy.copy(self)
        clone._configure(
            Timeout(
                self.timeout.total if timeout is None else timeout,
                self.timeout.connect if connect_timeout is None else connect_timeout,
                self.timeout.stream_idle if stream_idle_timeout is None else stream_idle_timeout,
            ),
            self.max_retries if max_retries is None else max_retries,
            self.max_response_size if max_response_size is None else max_response_size,
            self.max_event_size if max_event_size is None else max_event_size,
        )
        clone._transport = self._transport.with_options(  # type: ignore[attr-defined]
            clone.timeout, clone.max_retries, clone.max_response_size
        )
        return clone

    @property
    def api_key(self) -> str:
        """The API key (never shown in reprs or errors)."""
        return self._api_key

    def _adopt(self, found: Detected) -> Version:
        """Take a detected version; a warning says when it is approximate."""
        if found.below is not None:
            log.warning(
                "RAGFlow at %s is %s or newer, older than %s (the probes cannot tell closer); "
                "speaking %s. Pass server_version=... (or set RAGFLOW_SERVER_VERSION) to "
                "use what newer versions add",
                shown_url(self.base_url),
                format_version(found.version),
                format_version(found.below),
                format_version(found.version),
            )
        if found.note:
            log.warning("RAGFlow at %s: %s", shown_url(self.base_url), found.note)
        self._version = found.version
        return found.version

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


def join_progress(doc: DocumentFields, fresh: list[Any]) -> tuple[float, str]:
    """Take a document's fresh row while waiting for its parsing: ``(progress, message)``.

    Raises :class:`ParseError` when parsing failed or was cancelled.
    """
    if fresh and isinstance(fresh[0], dict):
        doc._refresh(fit(type(doc), {"dataset_id": doc.dataset_id, **fresh[0]}))
    if doc.run == "FAIL" or doc.progress < 0:
        raise ParseError(
            f"parsing {doc.name!r} failed: {doc.progress_msg.strip() or 'no message'}",
            document_id=doc.id,
        )
    if doc.run == "CANCEL":
        raise ParseError(f"parsing {doc.name!r} was cancelled", document_id=doc.id)
    return doc.progress, doc.progress_msg


def join_timed_out(doc: DocumentFields, timeout: float) -> ParseTimeoutError:
    """The error when parsing did not finish in ``timeout`` seconds."""
    return ParseTimeoutError(
        f"parsing {doc.name!r} did not finish within {timeout} s (progress {doc.progress:.0%})",
        document_id=doc.id,
    )


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
