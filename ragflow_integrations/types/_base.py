"""The base of every model: tolerant of new server fields, bound to the client that made it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

__all__ = ["RAGFlowModel", "first_of", "fit", "none_to"]

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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])[:80] or 'value'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        problems = f"{type(exc).__name__}: {str(exc)[:200]}"
    raise APIResponseValidationError(
        f"the server sent a {cls.__name__} that does not fit: {problems}", body=data
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
