"""Argument types checked when a public method is called, as the official SDK checks them.

``@checked`` compares each argument with the method's annotation (with beartype, the
checker the official SDK uses), so a wrong type is refused before anything is sent, with
the SDK's wording: ``... parameter 'page': value '3' violates type hint <class 'int'>, as
str '3' not instance of int.`` The error is an :class:`InvalidArgumentError`.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
from collections.abc import Callable
from typing import Any, TypeVar, Union, cast, get_args, get_origin

from beartype import BeartypeConf
from beartype.door import die_if_unbearable, is_bearable

from ._exceptions import InvalidArgumentError

__all__ = ["checked"]

F = TypeVar("F", bound=Callable[..., Any])

# int where float is asked (PEP 484's numeric tower), as Python's own typing means it.
_CONF = BeartypeConf(is_pep484_tower=True, is_color=False)
_PREFIX = re.compile(r"^\S+\(\)\s*")


def _names() -> dict[str, Any]:
    """Names the annotations of public methods use that their modules import only for typing."""
    from . import types
    from .types import chat, chunk, dataset, document, session

    names: dict[str, Any] = {"Any": Any}
    for module in (types, chat, chunk, dataset, document, session):
        names.update({k: v for k, v in vars(module).items() if isinstance(v, type)})
    return names


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    """The parameters' annotations as objects; one that cannot be resolved is not checked."""
    hints: dict[str, Any] = {}
    local = _names()
    for name, param in inspect.signature(func).parameters.items():
        hint = param.annotation
        variadic = param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
        if hint is inspect.Parameter.empty or variadic:
            continue
        if isinstance(hint, str):
            try:
                hint = eval(hint, func.__globals__, local)
            except Exception:  # a name imported for typing only: leave it unchecked
                continue
        if hint is not Any:
            hints[name] = hint
    return hints


def _violation(value: Any, hint: Any) -> str:
    """beartype's explanation: ``value 0 violates type hint <class 'str'>, as int 0 not ...``."""
    try:
        die_if_unbearable(value, hint, conf=_CONF)
    except Exception as exc:  # beartype's violation, whichever class its version raises
        return _PREFIX.sub("", str(exc))
    return f"value {value!r} violates type hint {hint}"  # pragma: no cover (bearable)


def _explain(value: Any, hint: Any) -> str:
    """Why ``value`` does not fit ``hint``; for an optional hint and a value that is not
    ``None``, the reason against the hint without ``None`` (``str 'abc' not instance of
    list`` rather than ``not NoneType or list``), as the SDK's non-optional hints say it.
    """
    full = _violation(value, hint)
    if value is None or get_origin(hint) not in (Union, types.UnionType):
        return full
    rest = [arg for arg in get_args(hint) if arg is not type(None)]
    if len(rest) == len(get_args(hint)):
        return full
    narrowed = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
    head = full.split(", as ", 1)[0]
    return f"{head}, as {_violation(value, narrowed).split(', as ', 1)[-1]}"


def checked(func: F) -> F:
    """Check the arguments of ``func`` against its annotations at each call."""
    signature = inspect.signature(func)
    hints: dict[str, Any] | None = None

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Raise for an argument of the wrong type (a call that does not fit the
        signature is left to Python, whose TypeError says why).
        """
        nonlocal hints
        if hints is None:
            hints = _hints(func)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return
        for name, value in bound.arguments.items():
            hint = hints.get(name)
            if hint is None or is_bearable(value, hint, conf=_CONF):
                continue
            reason = _explain(value, hint)
            raise InvalidArgumentError(f"{func.__qualname__}() parameter {name!r}: {reason}")

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)  # a call that does not fit raises Python's own TypeError
            return await func(*args, **kwargs)

        return cast(F, async_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(args, kwargs)  # a call that does not fit raises Python's own TypeError
        return func(*args, **kwargs)

    return cast(F, wrapper)
