"""The functions of ``--format`` templates: Go's builtins and docker's own
(``templates.basicFunctions``), and the header functions of docker's tables."""

from __future__ import annotations

from berth.cli.template_values import MISSING, go_json, go_str, go_type, truth

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class FuncError(Exception):
    """An error raised by a function; the executor adds Go's location."""


class WrongType(FuncError):
    """An argument of the wrong type: Go reports it at the argument."""

    def __init__(self, message: str, value: Any) -> None:
        super().__init__(message)
        self.value = value


def _want(v: Any, kind: type, name: str) -> Any:
    if kind is int and isinstance(v, float) and v.is_integer():
        return int(v)
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise WrongType(f"wrong type for value; expected {name}; got {go_type(v)}", v)
    return v


def _s(v: Any) -> str:
    return str(_want(v, str, "string"))


def _length(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, list | tuple | dict):
        return len(v)
    raise FuncError(f"error calling len: len of type {go_type(v)}")


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if item is None or item is MISSING:
            raise FuncError("error calling index: index of untyped nil")
        if isinstance(item, dict):
            if key not in item:
                values = list(item.values())
                item = "" if all(isinstance(x, str) for x in values) else MISSING
            else:
                item = item[key]
        elif isinstance(item, list | tuple | str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise FuncError(f"error calling index: cannot index slice/array with type "
                            f"{go_type(key)}")
            if not 0 <= key < len(item):
                raise FuncError(f"error calling index: index out of range: {key}")
            item = item[key] if not isinstance(item, str) else item.encode()[key]
        else:
            raise FuncError(f"error calling index: can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *bounds: Any) -> Any:
    if not isinstance(item, list | tuple | str):
        raise FuncError(f"error calling slice: can't slice item of type {go_type(item)}")
    idx = [_want(b, int, "int") for b in bounds]
    if any(not 0 <= i <= len(item) for i in idx) or idx != sorted(idx):
        raise FuncError(f"error calling slice: index out of range: {idx}")
    return item[idx[0] if idx else 0:idx[1] if len(idx) > 1 else len(item)]


def _kind(v: Any) -> str:
    if v is None or v is MISSING:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    return "other"


def _eq(a: Any, *others: Any) -> bool:
    if not others:
        raise FuncError("error calling eq: missing argument for comparison")
    ka = _kind(a)
    for b in others:
        kb = _kind(b)
        if ka == "other" or kb == "other":
            raise FuncError("error calling eq: non-comparable type")
        if ka != kb:
            if ka != "nil" and kb != "nil":
                raise FuncError("error calling eq: incompatible types for comparison")
            continue
        if ka == "nil" or a == b:
            return True
    return False


def _order(name: str, op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        ka, kb = _kind(a), _kind(b)
        if ka not in ("number", "string") or kb not in ("number", "string"):
            raise FuncError(f"error calling {name}: invalid type for comparison")
        if ka != kb:
            raise FuncError(f"error calling {name}: incompatible types for comparison")
        return op(a, b)
    return compare


def _sprint(*args: Any) -> str:
    out = []
    for i, a in enumerate(args):
        if i and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_str(a))
    return "".join(out)


def _join(items: Any, sep: Any) -> str:
    if items is None or items is MISSING:
        return ""
    if isinstance(items, dict):
        return _s(sep).join(sorted(go_str(v) for v in items.values()))
    if not isinstance(items, list | tuple):
        raise FuncError(f"wrong type for value; expected []string; got {go_type(items)}")
    return _s(sep).join(go_str(x) for x in items)


def _title(text: Any) -> str:
    """``strings.Title``: a letter after a non-letter, non-digit, non-``_`` goes upper."""
    out, prev = [], " "
    for c in _s(text):
        out.append(c.upper() if not (prev.isalnum() or prev == "_") else c)
        prev = c
    return "".join(out)


def _truncate(text: Any, length: Any) -> str:
    s, n = _s(text), _want(length, int, "int")
    return s if len(s) < n else s[:n]


def _pad(text: Any, prefix: Any, suffix: Any) -> str:
    s = _s(text)
    return s if not s else " " * _want(prefix, int, "int") + s + " " * _want(suffix, int, "int")


def _printf(fmt: Any, *args: Any) -> str:
    from berth.cli.template_printf import sprintf

    return sprintf(_s(fmt), args)


def _not_supported(name: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        raise FuncError(f"error calling {name}: not supported by berth")
    return fail


FUNCS: dict[str, Callable[..., Any]] = {
    "eq": _eq, "ne": lambda a, b: not _eq(a, b),
    "lt": _order("lt", lambda a, b: a < b), "le": _order("le", lambda a, b: a <= b),
    "gt": _order("gt", lambda a, b: a > b), "ge": _order("ge", lambda a, b: a >= b),
    "not": lambda v: not truth(v), "len": _length, "index": _index, "slice": _slice,
    "print": _sprint, "println": lambda *a: " ".join(go_str(x) for x in a) + "\n",
    "printf": _printf, "html": _not_supported("html"), "js": _not_supported("js"),
    "urlquery": _not_supported("urlquery"), "call": _not_supported("call"),
    # docker's (templates.basicFunctions)
    "json": go_json, "split": lambda s, sep: _s(s).split(_s(sep)) if _s(sep) else list(_s(s)),
    "join": _join, "title": _title, "lower": lambda s: _s(s).lower(),
    "upper": lambda s: _s(s).upper(), "pad": _pad, "truncate": _truncate,
}
HEADER_FUNCS: dict[str, Callable[..., Any]] = {
    **FUNCS, **{name: (lambda v, *rest: v) for name in
                ("json", "split", "join", "title", "lower", "upper", "truncate")}}
"""docker's ``templates.HeaderFunctions``: a table's header keeps the column names."""
