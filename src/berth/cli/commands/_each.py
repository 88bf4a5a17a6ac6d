"""The shape shared by commands that act on several containers in turn
(``start``, ``stop``, ``kill``, ``wait``): act on each, print what docker prints,
report each failure as ``Error response from daemon: ...`` and exit 1 if any failed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from berth.client.errors import APIError


def for_each(names: Iterable[str], act: Callable[[str], str]) -> int:
    status = 0
    for name in names:
        try:
            line = act(name)
        except APIError as e:
            print(f"Error response from daemon: {e.message}", file=sys.stderr)
            status = 1
            continue
        print(line, flush=True)
    return status
