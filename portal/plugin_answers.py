"""Checking a plugin's answer against the shape its hookspec declares.

Each hook in ``portal.hookspecs`` annotates its return value with the shape of a
valid answer (TypedDicts, Literals, ``Annotated`` rules). ``check_answer`` reads
that annotation, so a hook's validator is its specification: one place, and a
new hook is checked as soon as it is typed. Plugin answers are untrusted input.
"""
from __future__ import annotations

import collections.abc
import functools
import types
import typing
from decimal import Decimal
from typing import Any, Literal, NotRequired, Union

from portal import hookspecs


class BadReturnValue(ValueError):
    """A hook implementation answered with a value of the wrong shape."""


@functools.cache
def answer_shape(hook_name: str):
    """The declared shape of a hook's answer (its return annotation, resolved)."""
    spec = getattr(hookspecs, hook_name)
    hints = typing.get_type_hints(spec, include_extras=True)
    if "return" not in hints:
        raise TypeError(f"hookspec {hook_name} declares no return type")
    return hints["return"]


def check_answer(hook_name: str, value) -> None:
    """Raise BadReturnValue when ``value`` is not a valid answer of the hook (None always is)."""
    if value is not None:
        _check(answer_shape(hook_name), value, "answer")


@functools.cache
def _typed_dict_fields(shape) -> dict[str, tuple[Any, bool]]:
    """``{key: (type, required)}`` of a TypedDict, from its annotations (NotRequired kept). Read once
    per TypedDict: resolving the annotations on every answer took half of a page's fixed cost."""
    fields = {}
    for key, hint in typing.get_type_hints(shape, include_extras=True).items():
        required = typing.get_origin(hint) is not NotRequired
        fields[key] = (hint if required else typing.get_args(hint)[0], required)
    return fields


def _describe(value) -> str:
    if not isinstance(value, (str, int, float, Decimal, list, tuple, dict, type(None))):
        return type(value).__name__  # e.g. a lazy translation, which cannot be read outside a request
    return f"{type(value).__name__} {value!r}"[:80]


def _check(shape, value, where: str) -> None:  # noqa: C901 - one branch per kind of type
    origin, args = typing.get_origin(shape), typing.get_args(shape)
    if shape is Any:
        return
    if shape is None or shape is type(None):
        if value is not None:
            raise BadReturnValue(f"{where}: expected nothing (None), got {_describe(value)}")
        return
    if origin is typing.Annotated:
        _check(args[0], value, where)
        for rule in shape.__metadata__:
            if isinstance(rule, hookspecs.Rule) and not rule.test(value):
                raise BadReturnValue(f"{where} {rule.message}, got {_describe(value)}")
        return
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return
        errors = []
        for option in (a for a in args if a is not type(None)):  # "or expected None" helps nobody
            try:
                _check(option, value, where)
                return
            except BadReturnValue as exc:
                errors.append(str(exc))
        raise BadReturnValue(" or ".join(dict.fromkeys(errors)))
    if origin is Literal:
        if value not in args or isinstance(value, bool):
            raise BadReturnValue(f"{where} must be one of {', '.join(map(repr, args))}, got {_describe(value)}")
        return
    if typing.is_typeddict(shape):
        if not isinstance(value, dict):
            raise BadReturnValue(f"{where}: expected a dict, got {_describe(value)}")
        for key, (hint, required) in _typed_dict_fields(shape).items():
            if key in value:
                _check(hint, value[key], f"{where}[{key!r}]")
            elif required:
                raise BadReturnValue(f"{where} lacks {key!r}")
        return
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise BadReturnValue(f"{where}: expected a list, got {_describe(value)}")
        for index, item in enumerate(value):
            _check(args[0], item, f"{where}[{index}]")
        return
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise BadReturnValue(f"{where}: expected a pair, got {_describe(value)}")
        for index, (hint, item) in enumerate(zip(args, value)):
            _check(hint, item, f"{where}[{index}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise BadReturnValue(f"{where}: expected a dict, got {_describe(value)}")
        for key, item in value.items():
            _check(args[0], key, f"{where} key")
            _check(args[1], item, f"{where}[{key!r}]")
        return
    if origin is collections.abc.Callable:
        if not callable(value):
            raise BadReturnValue(f"{where}: expected a function, got {_describe(value)}")
        return
    if isinstance(shape, type):
        if not isinstance(value, shape):
            raise BadReturnValue(f"{where}: expected {shape.__name__}, got {_describe(value)}")
        return
    raise TypeError(f"{where}: the hookspec uses a type the checker does not know: {shape!r}")
