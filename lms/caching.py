"""Small in-process caches for what does not change once written (a published lesson, the menu for a set of
roles). Each worker process keeps its own; entries are keyed on the facts that identify a version, so a
cache is never asked to forget, only bounded in size.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_all: list[BoundedCache] = []


class BoundedCache:
    """A least-recently-used map of at most `size` entries, safe to share between threads."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        _all.append(self)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    """Forget every cached entry (the tests do, after emptying the tables and reusing row ids)."""
    for cache in _all:
        cache.clear()


_REQUEST_MEMO = "lms.request_memo"


def per_request(key: Hashable, make: Callable[[], Any]) -> Any:
    """`make()` at most once per request for `key`; outside a request, every call makes it afresh."""
    from flask import has_request_context, request

    if not has_request_context():
        return make()
    memo = request.environ.setdefault(_REQUEST_MEMO, {})
    if key not in memo:
        memo[key] = make()
    return memo[key]


def forget_per_request(key: Hashable) -> None:
    from flask import has_request_context, request

    if has_request_context():
        request.environ.get(_REQUEST_MEMO, {}).pop(key, None)


def remember_per_request(key: Hashable, value: Any) -> None:
    """What this request just wrote, so that its later reads of `key` need no statement."""
    from flask import has_request_context, request

    if has_request_context():
        request.environ.setdefault(_REQUEST_MEMO, {})[key] = value
