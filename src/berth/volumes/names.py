"""Volume names as dockerd's local driver checks them, and anonymous volumes' names."""

import re
import secrets

from berth.errors import InvalidArgument

_VALID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


def check_name(name: str) -> None:
    """dockerd's words (prefixed ``create NAME:`` by the caller, as dockerd does)."""
    if len(name) == 1:
        raise InvalidArgument(f"create {name}: volume name is too short, names should be at "
                              "least two alphanumeric characters")
    if not _VALID.fullmatch(name):
        raise InvalidArgument(
            f'create {name}: "{name}" includes invalid characters for a local volume name, '
            'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
            "directory, use absolute path")


def anonymous_name() -> str:
    """A fresh random name, as dockerd gives a volume created without one."""
    return secrets.token_hex(32)
