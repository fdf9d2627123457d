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
        _hook_validator(hook_name)(value, "answer")


@functools.cache
def _hook_validator(hook_name: str):
    """The hook's answer check, built once per process from its declared shape: interpreting the
    annotation on every answer (``typing.get_origin`` and friends at every level) was most of the
    time of storing 100,000 projects' flags and reviews after the rules changed."""
    return _validator(answer_shape(hook_name))


def _typed_dict_fields(shape) -> dict[str, tuple[Any, bool]]:
    """``{key: (type, required)}`` of a TypedDict, from its annotations (NotRequired kept)."""
    fields = {}
    for key, hint in typing.get_type_hints(shape, include_extras=True).items():
        required = typing.get_origin(hint) is not NotRequired
        fields[key] = (hint if required else typing.get_args(hint)[0], required)
    return fields


def _describe(value) -> str:
    if not isinstance(value, (str, int, float, Decimal, list, tuple, dict, type(None))):
        return type(value).__name__  # e.g. a lazy translation, which cannot be read outside a request
    return f"{type(value).__name__} {value!r}"[:80]


# A check is ``check(value, where)``: it returns, or raises BadReturnValue saying where the value is
# wrong. ``where`` is the path to the value: a string, or (parent path, suffix) joined only when a
# message needs it (formatting the path of every item of every answer cost as much as the checks).

def _where(where) -> str:
    if isinstance(where, str):
        return where
    parent, suffix = where
    return _where(parent) + suffix


def _validator(shape):  # noqa: C901 - one branch per kind of type
    """The check of values of ``shape`` (a hookspec's annotation or part of one)."""
    origin, args = typing.get_origin(shape), typing.get_args(shape)
    if shape is Any:
        return lambda value, where: None
    if shape is None or shape is type(None):
        def check_none(value, where):
            if value is not None:
                raise BadReturnValue(f"{_where(where)}: expected nothing (None), got {_describe(value)}")
        return check_none
    if origin is typing.Annotated:
        inner = _validator(args[0])
        rules = [rule for rule in shape.__metadata__ if isinstance(rule, hookspecs.Rule)]

        def check_annotated(value, where):
            inner(value, where)
            for rule in rules:
                if not rule.test(value):
                    raise BadReturnValue(f"{_where(where)} {rule.message}, got {_describe(value)}")
        return check_annotated
    if origin in (Union, types.UnionType):
        takes_none = type(None) in args
        options = [_validator(a) for a in args if a is not type(None)]  # "or expected None" helps nobody

        def check_union(value, where):
            if value is None and takes_none:
                return
            errors = []
            for option in options:
                try:
                    option(value, where)
                    return
                except BadReturnValue as exc:
                    errors.append(str(exc))
            raise BadReturnValue(" or ".join(dict.fromkeys(errors)))
        return check_union
    if origin is Literal:
        allowed = ", ".join(map(repr, args))

        def check_literal(value, where):
            if value not in args or isinstance(value, bool):
                raise BadReturnValue(f"{_where(where)} must be one of {allowed}, got {_describe(value)}")
        return check_literal
    if typing.is_typeddict(shape):
        fields = [(key, _validator(hint), required, f"[{key!r}]")
                  for key, (hint, required) in _typed_dict_fields(shape).items()]

        def check_typed_dict(value, where):
            if not isinstance(value, dict):
                raise BadReturnValue(f"{_where(where)}: expected a dict, got {_describe(value)}")
            for key, field_check, required, suffix in fields:
                if key in value:
                    field_check(value[key], (where, suffix))
                elif required:
                    raise BadReturnValue(f"{_where(where)} lacks {key!r}")
        return check_typed_dict
    if origin is list:
        item_check = _validator(args[0])

        def check_list(value, where):
            if not isinstance(value, (list, tuple)):
                raise BadReturnValue(f"{_where(where)}: expected a list, got {_describe(value)}")
            for index, item in enumerate(value):
                item_check(item, (where, f"[{index}]"))
        return check_list
    if origin is tuple:
        item_checks = [_validator(a) for a in args]

        def check_tuple(value, where):
            if not isinstance(value, (list, tuple)) or len(value) != len(item_checks):
                raise BadReturnValue(f"{_where(where)}: expected a pair, got {_describe(value)}")
            for index, (item_check, item) in enumerate(zip(item_checks, value)):
                item_check(item, (where, f"[{index}]"))
        return check_tuple
    if origin is dict:
        key_check, item_check = _validator(args[0]), _validator(args[1])

        def check_dict(value, where):
            if not isinstance(value, dict):
                raise BadReturnValue(f"{_where(where)}: expected a dict, got {_describe(value)}")
            for key, item in value.items():
                key_check(key, (where, " key"))
                item_check(item, (where, f"[{key!r}]"))
        return check_dict
    if origin is collections.abc.Callable:
        def check_callable(value, where):
            if not callable(value):
                raise BadReturnValue(f"{_where(where)}: expected a function, got {_describe(value)}")
        return check_callable
    if isinstance(shape, type):
        def check_type(value, where):
            if not isinstance(value, shape):
                raise BadReturnValue(f"{_where(where)}: expected {shape.__name__}, got {_describe(value)}")
        return check_type
    raise TypeError(f"the hookspec uses a type the checker does not know: {shape!r}")
