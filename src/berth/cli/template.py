"""Go ``text/template`` for ``--format``: the executor.

``template_parse`` makes the tree (Go's syntax and parse errors), ``template_values``
holds the values and how Go prints them, ``template_funcs`` the functions (Go's
builtins, docker's own). An object with a ``template_field(name)`` method (docker's
formatter contexts: ``.ID``, ``.Label "k"``) answers fields by methods;
``template_type`` names it in errors.

Parse errors raise ``ParseError``, execution errors ``ExecError``; both carry
Go's wording (``template: :1:2: executing "" at <.Foo>: ...``).
"""

from __future__ import annotations

from berth.cli import template_parse as tp
from berth.cli.template_funcs import FUNCS, HEADER_FUNCS, FuncError, WrongType
from berth.cli.template_parse import ParseError
from berth.cli.template_values import (
    MISSING,
    NilList,
    NilMap,
    Struct,
    go_float,
    go_json,
    go_str,
    go_type,
    structs,
    truth,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

__all__ = ["MISSING", "ExecError", "NilList", "NilMap", "ParseError", "Struct", "Template",
           "go_float", "go_json", "go_str", "go_type", "parse", "structs"]


class ExecError(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


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
                except FuncError as e:
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
        except WrongType as e:
            at = [node for node, value in zip(rest, args, strict=False) if value is e.value]
            self.node = at[0] if at else ident
            raise self.error(str(e)) from None
        except FuncError as e:
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
