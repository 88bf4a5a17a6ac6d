"""Values in ``--format`` templates, and how Go prints them (``fmt.Sprint``, ``json``).

Data are JSON values (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``) and formatter objects. A ``dict`` is a Go map: a missing key is
``<no value>`` (``MISSING``). A ``Struct`` (a ``dict`` too) is a Go struct decoded
from JSON: a missing field is an error. ``NilList``/``NilMap`` are Go's nil slice
and map: printed ``[]``/``map[]``, ``null`` in JSON.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping
    from typing import Any


class _Missing:
    """Go's invalid ``reflect.Value``: what a missing map key evaluates to."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Any = _Missing()


class Struct(dict):
    """A JSON object that stands for a Go struct: a missing field is an error, unless
    ``structs`` knows it (a nil pointer, slice or map in docker's type)."""

    type_name = ""
    known: Mapping[str, Callable[[], Any]] = {}


class NilList(list):
    """A nil Go slice: printed ``[]``, ``null`` in JSON."""


class NilMap(dict):
    """A nil Go map: printed ``map[]``, ``null`` in JSON."""


# --- values as Go prints them ------------------------------------------------------------

def go_type(v: Any) -> str:
    if v is None or v is MISSING:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, Struct):
        return v.type_name or "map[string]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list | tuple):
        return "[]interface {}" if not all(isinstance(x, str) for x in v) or not v \
            else "[]string"
    return str(getattr(v, "template_type", type(v).__name__))


def go_float(f: float) -> str:
    """``fmt.Sprint`` of a float64 (``strconv`` 'g', shortest): ``%e`` past 1e+06."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    sign = "-" if str(f).startswith("-") else ""
    if f == 0:
        return sign + "0"
    mantissa, _, e = repr(abs(f)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    dp = len(whole) + (int(e) if e else 0)
    stripped = digits.lstrip("0")
    dp -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    exp = dp - 1
    if exp < -4 or exp >= 6:
        rest = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{rest}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


def go_str(v: Any) -> str:
    """``fmt.Sprint(v)``."""
    if v is MISSING:
        return "<no value>"
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Struct):
        return "{" + " ".join(go_str(x) for x in v.values()) + "}"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_str(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list | tuple):
        return "[" + " ".join(go_str(x) for x in v) + "]"
    if hasattr(v, "template_json"):
        return "&{" + " ".join(go_str(x) for x in v.template_json().values()) + "}"
    return str(v)


def _plain(v: Any) -> Any:
    if v is MISSING or isinstance(v, NilList | NilMap):
        return None
    if isinstance(v, Struct):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, dict):
        return {k: _plain(v[k]) for k in sorted(v)}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "template_json"):
        return _plain(dict(v.template_json()))
    return v


def go_json(v: Any) -> str:
    """docker's ``json`` function: Go's encoder, HTML left alone, maps by sorted key,
    structs in field order."""
    text = json.dumps(_plain(v), ensure_ascii=False, separators=(",", ":"))
    if hasattr(v, "template_json"):  # json.Marshal of a formatter context escapes HTML
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def truth(v: Any) -> bool:
    if v is MISSING or v is None:
        return False
    if isinstance(v, bool | int | float | str | list | tuple | dict):
        return bool(v)
    return True


def structs(value: Any, maps: Collection[str] = (), lists: Collection[str] = (),
            pointers: Collection[str] = (), records: Collection[str] = ()) -> Any:
    """JSON as decoded -> objects that look like Go structs become ``Struct``s.

    An object is a struct when it has fields, all named like Go's exported fields
    (a capital first letter), and its key is not one of ``maps`` (``Labels``...).
    A ``null`` or missing field named in ``maps`` or ``lists`` is Go's nil map or
    slice; a missing one named in ``pointers`` is a nil pointer. An object named in
    ``records`` is a struct even when it is empty."""
    known: dict[str, Callable[[], Any]] = {k: _nil for k in pointers}
    known.update({k: Struct for k in records})
    known.update({k: NilList for k in lists})
    known.update({k: NilMap for k in maps})
    return _structs(value, "", known)


def _structs(value: Any, name: str, known: dict[str, Callable[[], Any]]) -> Any:
    if isinstance(value, dict):
        items = {k: _structs(v, k, known) for k, v in value.items()}
        for k, v in items.items():
            if v is None and known.get(k) in (NilMap, NilList):
                items[k] = known[k]()
        if (not value and known.get(name) is Struct) or (
                value and known.get(name) is not NilMap
                and all(k[:1].isupper() for k in value)):
            struct = Struct(items)
            struct.known = known
            return struct
        return items
    if isinstance(value, list):
        return [_structs(v, name, known) for v in value]
    return value


def _nil() -> None:
    return None
