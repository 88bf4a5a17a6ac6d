"""Go ``text/template`` for ``--format``: execution, Go's builtins, docker's functions.

Data are JSON values (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``) and formatter objects. A ``dict`` is a Go map: a missing key is
``<no value>``. A ``Struct`` (a ``dict`` too) is a Go struct decoded from JSON: a
missing field is an error, as docker's inspect reports it. An object with a
``template_field(name)`` method (docker's formatter contexts: ``.ID``,
``.Label "k"``) answers fields by methods; ``template_type`` names it in errors.

Parse errors raise ``ParseError``, execution errors ``ExecError``; both carry
Go's wording (``template: :1:2: executing "" at <.Foo>: ...``).
"""

from __future__ import annotations

import json

from berth.cli import template_parse as tp
from berth.cli.template_parse import ParseError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping
    from typing import Any

__all__ = ["MISSING", "ExecError", "ParseError", "Struct", "Template", "go_json", "go_str",
           "parse", "structs"]


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


class ExecError(Exception):
    pass


class _Fail(Exception):
    """An error raised by a function; the executor adds Go's location."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


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


# --- functions ---------------------------------------------------------------------------

class _WrongType(_Fail):
    """An argument of the wrong type: Go reports it at the argument."""

    def __init__(self, message: str, value: Any) -> None:
        super().__init__(message)
        self.value = value


def _want(v: Any, kind: type, name: str) -> Any:
    if kind is int and isinstance(v, float) and v.is_integer():
        return int(v)
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise _WrongType(f"wrong type for value; expected {name}; got {go_type(v)}", v)
    return v


def _s(v: Any) -> str:
    return str(_want(v, str, "string"))


def _length(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, list | tuple | dict):
        return len(v)
    raise _Fail(f"error calling len: len of type {go_type(v)}")


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if item is None or item is MISSING:
            raise _Fail("error calling index: index of untyped nil")
        if isinstance(item, dict):
            if key not in item:
                values = list(item.values())
                item = "" if all(isinstance(x, str) for x in values) else MISSING
            else:
                item = item[key]
        elif isinstance(item, list | tuple | str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise _Fail(f"error calling index: cannot index slice/array with type "
                            f"{go_type(key)}")
            if not 0 <= key < len(item):
                raise _Fail(f"error calling index: index out of range: {key}")
            item = item[key] if not isinstance(item, str) else item.encode()[key]
        else:
            raise _Fail(f"error calling index: can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *bounds: Any) -> Any:
    if not isinstance(item, list | tuple | str):
        raise _Fail(f"error calling slice: can't slice item of type {go_type(item)}")
    idx = [_want(b, int, "int") for b in bounds]
    if any(not 0 <= i <= len(item) for i in idx) or idx != sorted(idx):
        raise _Fail(f"error calling slice: index out of range: {idx}")
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
        raise _Fail("error calling eq: missing argument for comparison")
    ka = _kind(a)
    for b in others:
        kb = _kind(b)
        if ka == "other" or kb == "other":
            raise _Fail("error calling eq: non-comparable type")
        if ka != kb:
            if ka != "nil" and kb != "nil":
                raise _Fail("error calling eq: incompatible types for comparison")
            continue
        if ka == "nil" or a == b:
            return True
    return False


def _order(name: str, op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        ka, kb = _kind(a), _kind(b)
        if ka not in ("number", "string") or kb not in ("number", "string"):
            raise _Fail(f"error calling {name}: invalid type for comparison")
        if ka != kb:
            raise _Fail(f"error calling {name}: incompatible types for comparison")
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
        raise _Fail(f"wrong type for value; expected []string; got {go_type(items)}")
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
        raise _Fail(f"error calling {name}: not supported by berth")
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
_NAMES = frozenset((*FUNCS, "and", "or"))


# --- execution ---------------------------------------------------------------------------

class _State:
    def __init__(self, tree: tp.Tree, funcs: dict[str, Callable[..., Any]],
                 strict: bool) -> None:
        self.tree, self.funcs, self.strict = tree, funcs, strict
        self.vars: list[tuple[str, Any]] = []
        self.node: tp.Node | None = None
        self.out: list[str] = []

    def error(self, message: str) -> ExecError:
        name = self.tree.name
        if self.node is None:
            return ExecError(f'template: {name}: executing "{name}": {message}')
        head = self.tree.text[:self.node.pos]
        line = 1 + head.count("\n")
        col = len(head[head.rfind("\n") + 1:].encode()) if "\n" in head else len(head.encode())
        return ExecError(f'template: {name}:{line}:{col}: executing "{name}" at <{self.node}>: '
                         f"{message}")

    def var(self, name: str) -> Any:
        for key, value in reversed(self.vars):
            if key == name:
                return value
        raise self.error(f"undefined variable: {name}")

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return

    def walk(self, nodes: Iterable[tp.Node], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, tp.Text):
                self.out.append(node.text)
            elif isinstance(node, tp.Action):
                value = self.pipe(node.pipe, dot)
                if not node.pipe.decl:
                    self.out.append(go_str(value))
            elif isinstance(node, tp.Branch):
                self.branch(node, dot)
            elif isinstance(node, tp.Loop):
                raise _Break() if node.kind == "break" else _Continue()

    def branch(self, node: tp.Branch, dot: Any) -> None:
        depth = len(self.vars)
        value = self.pipe(node.pipe, dot)
        try:
            if node.kind == "range":
                self.range(node, value, dot, depth)
            elif truth(value):
                self.walk(node.body, value if node.kind == "with" else dot)
            elif node.else_body is not None:
                self.walk(node.else_body, dot)
        finally:
            del self.vars[depth:]

    def range(self, node: tp.Branch, value: Any, dot: Any, depth: int) -> None:
        pairs: Iterable[tuple[Any, Any]]
        if value is None or value is MISSING:
            pairs = []
        elif isinstance(value, dict):
            pairs = [(k, value[k]) for k in (value if isinstance(value, Struct) else sorted(value))]
        elif isinstance(value, list | tuple):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        else:
            self.node = node.pipe
            raise self.error(f"range can't iterate over {go_str(value)}")
        ran = False
        for key, item in pairs:
            ran = True
            if len(node.pipe.decl) == 2:
                self.vars[depth:] = [(node.pipe.decl[0], key), (node.pipe.decl[1], item)]
            elif node.pipe.decl:
                self.vars[depth:] = [(node.pipe.decl[0], item)]
            try:
                self.walk(node.body, item)
            except _Break:
                break
            except _Continue:
                continue
        if not ran and node.else_body is not None:
            self.walk(node.else_body, dot)

    def pipe(self, pipe: tp.Pipe, dot: Any) -> Any:
        value: Any = MISSING
        final = False
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, value, final)
            final = True
        for name in pipe.decl:
            if pipe.assign:
                self.set_var(name, value)
            else:
                self.vars.append((name, value))
        return value

    def command(self, cmd: tp.Command, dot: Any, final: Any, has_final: bool) -> Any:
        first = cmd.args[0]
        rest = cmd.args[1:]
        extra = [final] if has_final else []
        if isinstance(first, tp.Identifier):
            return self.call(first, cmd, rest, dot, extra)
        if isinstance(first, tp.Field):
            return self.fields(first, dot, first.idents, rest, dot, extra)
        if isinstance(first, tp.Variable):
            base = self.var(first.idents[0])
            if len(first.idents) == 1:
                self.no_args(first, rest, extra)
                return base
            return self.fields(first, base, first.idents[1:], rest, dot, extra)
        if isinstance(first, tp.Chain):
            base = self.arg(first.node, dot)
            return self.fields(first, base, first.fields, rest, dot, extra)
        self.no_args(first, rest, extra)
        return self.arg(first, dot)

    def no_args(self, node: tp.Node, rest: list[tp.Node], extra: list[Any]) -> None:
        if rest or extra:
            self.node = node
            raise self.error(f"can't give argument to non-function {node}")

    def arg(self, node: tp.Node, dot: Any) -> Any:
        if isinstance(node, tp.Dot):
            return dot
        if isinstance(node, tp.Nil):
            return None
        if isinstance(node, tp.Literal):
            return node.value
        if isinstance(node, tp.Pipe):
            depth = len(self.vars)
            try:
                return self.pipe(node, dot)
            finally:
                del self.vars[depth:]
        if isinstance(node, tp.Identifier):
            return self.call(node, tp.Command(node.pos, [node]), [], dot, [])
        return self.command(tp.Command(node.pos, [node]), dot, None, False)

    def fields(self, node: tp.Node, receiver: Any, names: list[str], rest: list[tp.Node],
               dot: Any, extra: list[Any]) -> Any:
        for i, name in enumerate(names):
            last = i == len(names) - 1
            args = [self.arg(a, dot) for a in rest] + extra if last else []
            self.node = node
            receiver = self.field(receiver, name, args, bool(last and (rest or extra)))
        return receiver

    def field(self, receiver: Any, name: str, args: list[Any], has_args: bool) -> Any:
        lookup = getattr(receiver, "template_field", None)
        if lookup is not None:
            method = lookup(name)
            if method is not None:
                try:
                    return method(*args)
                except _Fail as e:
                    raise self.error(str(e)) from None
                except TypeError:
                    raise self.error(f"wrong number of args for {name}: got {len(args)}") \
                        from None
        if isinstance(receiver, dict):
            if has_args:
                raise self.error(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            if isinstance(receiver, Struct) and name in receiver.known:
                return receiver.known[name]()
            if isinstance(receiver, Struct) and receiver.type_name:
                raise self.error(f"can't evaluate field {name} in type {receiver.type_name}")
            if isinstance(receiver, Struct) or self.strict:
                raise self.error(f'map has no entry for key "{name}"')
            return MISSING
        if receiver is None or receiver is MISSING:
            if self.strict:
                raise self.error(f'nil data; no entry for key "{name}"')
            return MISSING
        raise self.error(f"can't evaluate field {name} in type {go_type(receiver)}")

    def call(self, ident: tp.Identifier, cmd: tp.Command, rest: list[tp.Node], dot: Any,
             extra: list[Any]) -> Any:
        name = ident.name
        if name in ("and", "or"):
            values = [*rest, *extra]
            if not values:
                self.node = cmd
                raise self.error(f"wrong number of args for {name}: want at least 1 got 0")
            value: Any = None
            for a in values:
                value = a if not isinstance(a, tp.Node) else self.arg(a, dot)
                if truth(value) != (name == "and"):
                    return value
            return value
        args = [self.arg(a, dot) for a in rest] + extra
        self.node = cmd
        try:
            return self.funcs[name](*args)
        except _WrongType as e:
            at = [node for node, value in zip(rest, args, strict=False) if value is e.value]
            self.node = at[0] if at else ident
            raise self.error(str(e)) from None
        except _Fail as e:
            message = str(e)
            raise self.error(message if message.startswith("error calling") else
                             f"error calling {name}: {message}") from None
        except TypeError:
            raise self.error(f"wrong number of args for {name}: got {len(args)}") from None


class Template:
    """A parsed template; ``execute`` it on data as many times as needed."""

    def __init__(self, text: str, name: str = "",
                 funcs: dict[str, Callable[..., Any]] | None = None) -> None:
        self.funcs = {**FUNCS, **(funcs or {})}
        self.tree = tp.parse(text, set(self.funcs) | {"and", "or"}, name)

    def execute(self, data: Any, strict: bool = False, header: bool = False) -> str:
        """The text; ``strict`` is Go's ``missingkey=error``; ``header`` runs docker's
        header functions (a table's column names pass through unchanged)."""
        funcs = {**self.funcs, **HEADER_FUNCS} if header else self.funcs
        state = _State(self.tree, funcs, strict)
        state.vars.append(("$", data))
        try:
            state.walk(self.tree.root, data)
        except (_Break, _Continue):
            pass
        except RecursionError:
            raise state.error("exceeded maximum template depth") from None
        except ExecError as e:
            e.partial = "".join(state.out)  # type: ignore[attr-defined]
            raise
        return "".join(state.out)


def parse(text: str, name: str = "", funcs: dict[str, Callable[..., Any]] | None = None
          ) -> Template:
    return Template(text, name, funcs)
