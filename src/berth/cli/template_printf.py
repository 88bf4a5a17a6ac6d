"""``fmt.Sprintf`` for the template ``printf`` function: Go's verbs over JSON values."""

from __future__ import annotations

import json
import re

from berth.cli.template_values import go_float, go_str, go_type

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d*|\*))?([a-zA-Z%])")


def _bad(verb: str, value: Any) -> str:
    return f"%!{verb}({go_type(value)}={go_str(value)})"


def _one(verb: str, flags: str, prec: int | None, value: Any) -> str:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if verb == "v":
        return go_str(value)
    if verb == "s":
        text = go_str(value) if not isinstance(value, int | float) or \
            isinstance(value, bool) else _bad(verb, value)
        return text[:prec] if prec is not None else text
    if verb == "q":
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if is_int:
            return "'" + chr(value) + "'"
        return _bad(verb, value)
    if verb == "t":
        return go_str(value) if isinstance(value, bool) else _bad(verb, value)
    if verb in "dboxXc":
        if verb in "xX" and isinstance(value, str):
            text = value.encode().hex()
            return text.upper() if verb == "X" else text
        if not is_int:
            return _bad(verb, value)
        if verb == "c":
            return chr(value)
        spec = {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb]
        return format(value, ("+" if "+" in flags else "") + spec)
    if verb in "eEfFgG":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _bad(verb, value)
        if verb in "gG" and prec is None:
            return go_float(float(value))
        p = 6 if prec is None else prec
        text = format(float(value), ("+" if "+" in flags else "") + f".{p}{verb}")
        return re.sub(r"e([+-])(\d)$", r"e\g<1>0\2", text)
    return f"%!{verb}({go_type(value)}={go_str(value)})"


def sprintf(fmt: str, args: Sequence[Any]) -> str:
    out: list[str] = []
    pos = 0
    used = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width_text, prec_text, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        width = 0
        if width_text == "*":
            width = int(args[used]) if used < len(args) else 0
            used += 1
        elif width_text:
            width = int(width_text)
        prec: int | None = None
        if prec_text == "*":
            prec = int(args[used]) if used < len(args) else 0
            used += 1
        elif prec_text is not None:
            prec = int(prec_text or 0)
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        text = _one(verb, flags, prec, args[used])
        used += 1
        if len(text) < width:
            if "-" in flags:
                text = text.ljust(width)
            elif "0" in flags and verb in "dfeEgGxXbo":
                sign = text[0] if text[:1] in "+-" else ""
                text = sign + text[len(sign):].rjust(width - len(sign), "0")
            else:
                text = text.rjust(width)
        out.append(text)
    out.append(fmt[pos:])
    if used < len(args):
        extra = ", ".join(f"{go_type(a)}={go_str(a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
