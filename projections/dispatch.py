"""Typed dispatch of domain events to the handlers of a read model.

A read model registers one handler per event class on a
``functools.singledispatchmethod`` whose fallback (registered for ``object``)
is what happens to every other event. Handlers name the event classes in
their annotations, so a renamed class fails the type check, not a query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any

# The handler found for each (handlers, event class): read models are defined
# once, so this stays as small as the event classes times the read models.
_found: dict[tuple[int, type], Callable[..., Any]] = {}


def _handler(handlers: singledispatchmethod[Any], cls: type) -> Callable[..., Any]:
    """``handlers.dispatcher.dispatch(cls)``, through a plain dict: a rebuild
    asks it several times per event."""
    key = (id(handlers), cls)
    found = _found.get(key)
    if found is None:
        found = _found[key] = handlers.dispatcher.dispatch(cls)
    return found


def handles(handlers: singledispatchmethod[Any], event: object) -> bool:
    """Whether ``handlers`` has a handler of its own for the event's class,
    rather than its fallback."""
    return _handler(handlers, type(event)) is not handlers.func


def call(handlers: singledispatchmethod[Any], owner: object, event: object, *args: Any) -> Any:
    """``owner._on(event, *args)``, without the bound method that functools
    makes on every access before Python 3.12 (a cost paid per event in a
    rebuild)."""
    return _handler(handlers, type(event))(owner, event, *args)
