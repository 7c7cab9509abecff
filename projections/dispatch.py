"""Typed dispatch of domain events to the handlers of a read model.

A read model registers one handler per event class on a
``functools.singledispatchmethod`` whose fallback (registered for ``object``)
is what happens to every other event. Handlers name the event classes in
their annotations, so a renamed class fails the type check, not a query.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any


def handles(handlers: singledispatchmethod[Any], event: object) -> bool:
    """Whether ``handlers`` has a handler of its own for the event's class,
    rather than its fallback."""
    return handlers.dispatcher.dispatch(type(event)) is not handlers.func


def call(handlers: singledispatchmethod[Any], owner: object, event: object, *args: Any) -> Any:
    """``owner._on(event, *args)``, without the bound method that functools
    makes on every access before Python 3.12 (a cost paid per event in a
    rebuild)."""
    return handlers.dispatcher.dispatch(type(event))(owner, event, *args)
