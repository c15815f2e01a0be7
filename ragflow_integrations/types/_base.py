"""The base of every model: tolerant of new server fields, bound to the client that made it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

__all__ = [
    "AsyncModel",
    "RAGFlowModel",
    "SyncModel",
    "as_update",
    "first_of",
    "fit",
    "none_to",
]

M = TypeVar("M", bound=BaseModel)


def fit(cls: type[M], data: Any) -> M:
    """Validate a server object; a shape that does not fit is an ``APIResponseValidationError``.

    Whatever a validator raises on hostile values (not only pydantic's ``ValidationError``)
    is reported the same way.
    """
    from .._exceptions import APIResponseValidationError

    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        problems = f"{type(exc).__name__}: {str(exc)[:200]}"
    raise APIResponseValidationError(
        f"the server sent a {cls.__name__} that does not fit: {problems}", body=data
    )


def _problems(exc: ValidationError) -> str:
    """The first few problems pydantic found, each with a short location."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])[:80] or 'value'}: {e['msg']}"
        for e in exc.errors()[:5]
    )


class RAGFlowModel(BaseModel):
    """A server object. Unknown fields are kept as extra attributes."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=False)

    _client: Any = PrivateAttr(default=None)
    _saved: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle without the client (it holds the API key): an unpickled model is unbound."""
        state = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private and private.get("_client") is not None:
            state = {**state, "__pydantic_private__": {**private, "_client": None}}
        return state

    def __init__(self, *args: Any, **data: Any) -> None:
        """``Model(**fields)``, or as the official SDK builds its objects,
        ``Model(rag, {...})``: the object is then bound to the client ``rag``.
        """
        if not args:
            super().__init__(**data)
            return
        if len(args) != 2 or not isinstance(args[1], Mapping):
            raise TypeError(
                f"{type(self).__name__}() takes fields as keywords, or a client and a dict "
                "of fields"
            )
        client, given = args
        try:
            super().__init__(**{**given, **data})
        except ValidationError as exc:
            from .._exceptions import InvalidArgumentError

            raise InvalidArgumentError(f"{type(self).__name__}: {_problems(exc)}") from None
        self._bind(client)

    @property
    def rag(self) -> Any:
        """The client this object is bound to (the official SDK's name)."""
        return self._bound()

    def to_json(self) -> dict[str, Any]:
        """The object's fields as a dict (the official SDK's name for ``model_dump()``)."""
        return self.model_dump()

    def _bind(self, client: Any) -> None:
        """Attach the client that methods of this object use, and remember the saved state."""
        self._client = client
        self._saved = self.model_dump()

    def _bound(self) -> Any:
        if self._client is None:
            from .._exceptions import RAGFlowConfigError

            raise RAGFlowConfigError(
                f"this {type(self).__name__} is not attached to a client; "
                "get it from RAGFlow or AsyncRAGFlow to call its methods (a model built "
                "by hand, or unpickled, has none)"
            )
        return self._client

    def _changes(self, fields: tuple[str, ...]) -> dict[str, Any]:
        """The listed fields whose value differs from the state the server last sent."""
        current = self.model_dump()
        return {f: current.get(f) for f in fields if current.get(f) != self._saved.get(f)}

    def _refresh(self, other: RAGFlowModel) -> None:
        """Take every field of ``other`` (the server's newer copy of this object)."""
        for name in type(self).model_fields:
            setattr(self, name, getattr(other, name))
        if other.model_extra:
            for key, value in other.model_extra.items():
                setattr(self, key, value)
        self._saved = self.model_dump()

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.model_dump(exclude_none=True)})"


def as_update(value: Any) -> dict[str, Any]:
    """The argument of an ``update()``: a dict, copied (the SDK's check and message)."""
    if not isinstance(value, Mapping):
        from .._exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"`update_message` must be a dict, got {type(value).__name__}")
    return dict(value)


def first_of(value: Any) -> Any:
    """v0.13 sends some ids as one-element lists; take the element."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def none_to(default: Any) -> Any:
    """A ``before`` validator body: replace ``None`` with a default."""

    def convert(value: Any) -> Any:
        return default if value is None else value

    return convert


class SyncModel(RAGFlowModel):
    """A model of :class:`~ragflow_integrations.RAGFlow`, with the official SDK's raw calls.

    ``obj.get/post/put/patch/rm(path, ...)`` send one request through the client (see
    :meth:`RAGFlow.get`). SDK code replaces them on an object to watch or fake what it
    sends; this object's methods then send every request through the replacement.
    """

    def _bound(self) -> Any:
        client = super()._bound()
        from .._raw import replaced_verbs

        return client._via(self) if replaced_verbs(self) else client

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """``GET {api}{path}``; the answer as a :class:`~ragflow_integrations.RawResponse`."""
        return super()._bound().get(path, params)

    def post(self, path: str, json: Any = None, stream: bool = False, files: Any = None) -> Any:
        """``POST {api}{path}`` with a JSON body (or ``files``); the raw answer."""
        return super()._bound().post(path, json, stream=stream, files=files)

    def put(self, path: str, json: Any = None) -> Any:
        """``PUT {api}{path}``; the raw answer."""
        return super()._bound().put(path, json)

    def patch(self, path: str, json: Any = None) -> Any:
        """``PATCH {api}{path}``; the raw answer."""
        return super()._bound().patch(path, json)

    def rm(self, path: str, json: Any = None) -> Any:
        """``DELETE {api}{path}``; the raw answer."""
        return super()._bound().delete(path, json)


class AsyncModel(RAGFlowModel):
    """A model of :class:`~ragflow_integrations.AsyncRAGFlow`: the raw calls are coroutines."""

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """``GET {api}{path}``; the answer as an :class:`~ragflow_integrations.AsyncRawResponse`."""
        return await self._bound().get(path, params)

    async def post(
        self, path: str, json: Any = None, stream: bool = False, files: Any = None
    ) -> Any:
        """``POST {api}{path}``; the raw answer."""
        return await self._bound().post(path, json, stream=stream, files=files)

    async def put(self, path: str, json: Any = None) -> Any:
        """``PUT {api}{path}``; the raw answer."""
        return await self._bound().put(path, json)

    async def patch(self, path: str, json: Any = None) -> Any:
        """``PATCH {api}{path}``; the raw answer."""
        return await self._bound().patch(path, json)

    async def rm(self, path: str, json: Any = None) -> Any:
        """``DELETE {api}{path}``; the raw answer."""
        return await self._bound().delete(path, json)
