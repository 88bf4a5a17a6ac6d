"""Go ``text/template`` syntax: the parser, from ``template_lex``'s tokens to a tree.

The grammar and the error wording follow Go's ``text/template/parse``: actions
between ``{{`` and ``}}``, ``{{-``/``-}}`` trimming the whitespace beside them,
comments, pipelines of commands joined by ``|``, variables declared with ``:=``
(and set with ``=``), and ``if``/``else if``/``range``/``with``/``break``/
``continue``/``end``. ``define``, ``template`` and ``block`` are not supported
(docker's formats do not use them). The evaluator is ``berth.cli.template``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from berth.cli.template_lex import Item, ParseError, lex

__all__ = ["ParseError", "Tree", "parse"]


# --- nodes -------------------------------------------------------------------------------
# Plain classes: ``dataclasses`` would cost 60 ms of import on every formatted command.

class Node:
    __slots__ = ("pos",)

    def __init__(self, pos: int) -> None:
        self.pos = pos


class Text(Node):
    __slots__ = ("text",)

    def __init__(self, pos: int, text: str) -> None:
        self.pos, self.text = pos, text

    def __str__(self) -> str:
        return repr(self.text)


class Field(Node):
    __slots__ = ("idents",)

    def __init__(self, pos: int, idents: list[str]) -> None:
        self.pos, self.idents = pos, idents

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


class Variable(Node):
    """``$x.A.B``: the name (``$x``) first, then fields."""

    __slots__ = ("idents",)

    def __init__(self, pos: int, idents: list[str]) -> None:
        self.pos, self.idents = pos, idents

    def __str__(self) -> str:
        return ".".join(self.idents)


class Dot(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "."


class Nil(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "nil"


class Literal(Node):
    __slots__ = ("text", "value")

    def __init__(self, pos: int, value: object, text: str) -> None:
        self.pos, self.value, self.text = pos, value, text

    def __str__(self) -> str:
        return self.text


class Identifier(Node):
    __slots__ = ("name",)

    def __init__(self, pos: int, name: str) -> None:
        self.pos, self.name = pos, name

    def __str__(self) -> str:
        return self.name


class Chain(Node):
    """``(pipeline).Field``."""

    __slots__ = ("fields", "node")

    def __init__(self, pos: int, node: Node, fields: list[str]) -> None:
        self.pos, self.node, self.fields = pos, node, fields

    def __str__(self) -> str:
        inner = f"({self.node})" if isinstance(self.node, Pipe) else str(self.node)
        return inner + "".join("." + f for f in self.fields)


class Command(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int, args: list[Node]) -> None:
        self.pos, self.args = pos, args

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, Pipe) else str(a) for a in self.args)


class Pipe(Node):
    __slots__ = ("assign", "cmds", "decl")

    def __init__(self, pos: int, decl: list[str], cmds: list[Command],
                 assign: bool = False) -> None:
        self.pos, self.decl, self.cmds, self.assign = pos, decl, cmds, assign

    def __str__(self) -> str:
        text = " | ".join(str(c) for c in self.cmds)
        if self.decl:
            text = ", ".join(self.decl) + (" = " if self.assign else " := ") + text
        return text


class Action(Node):
    __slots__ = ("pipe",)

    def __init__(self, pos: int, pipe: Pipe) -> None:
        self.pos, self.pipe = pos, pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


class Branch(Node):
    """``if``, ``range`` or ``with``."""

    __slots__ = ("body", "else_body", "kind", "pipe")

    def __init__(self, pos: int, kind: str, pipe: Pipe, body: list[Node],
                 else_body: list[Node] | None = None) -> None:
        self.pos, self.kind, self.pipe, self.body, self.else_body = \
            pos, kind, pipe, body, else_body

    def __str__(self) -> str:
        return "{{" + self.kind + " " + str(self.pipe) + "}}"


class Loop(Node):
    """``break`` or ``continue``."""

    __slots__ = ("kind",)

    def __init__(self, pos: int, kind: str) -> None:
        self.pos, self.kind = pos, kind

    def __str__(self) -> str:
        return "{{" + self.kind + "}}"


class Tree:
    __slots__ = ("name", "root", "text")

    def __init__(self, name: str, text: str, root: list[Node]) -> None:
        self.name, self.text, self.root = name, text, root


# --- parser ------------------------------------------------------------------------------

class _Parser:
    def __init__(self, name: str, text: str, funcs: Collection[str]) -> None:
        self.name, self.text, self.funcs = name, text, funcs
        self.items = lex(name, text)
        self.i = 0
        self.vars = ["$"]
        self.loops = 0

    def peek(self) -> Item:
        return self.items[self.i]

    def next(self) -> Item:
        item = self.items[self.i]
        self.i += 1
        return item

    def error(self, item: Item, message: str) -> ParseError:
        return ParseError(f"template: {self.name}:{item.line}: {message}")

    def unexpected(self, item: Item, context: str) -> ParseError:
        if item.kind == "eof":
            return self.error(item, "unexpected EOF")
        return self.error(item, f"unexpected {_describe(item)} in {context}")

    def parse(self) -> Tree:
        body, _ = self.list_until(())
        return Tree(self.name, self.text, body)

    def list_until(self, ends: tuple[str, ...]) -> tuple[list[Node], str]:
        """Nodes up to one of ``ends`` (``end``/``else``); returns the one found."""
        nodes: list[Node] = []
        while True:
            item = self.next()
            if item.kind == "eof":
                if ends:
                    raise self.error(item, "unexpected EOF")
                return nodes, ""
            if item.kind == "text":
                nodes.append(Text(item.pos, item.val))
                continue
            key = self.peek()
            if key.kind == "keyword" and key.val in ("end", "else"):
                if key.val not in ends:
                    raise self.error(key, f"unexpected {{{{{key.val}}}}}")
                self.next()
                return nodes, key.val
            nodes.append(self.action(item))

    def action(self, left: Item) -> Node:
        item = self.peek()
        if item.kind == "keyword":
            if item.val in ("if", "range", "with"):
                self.next()
                return self.branch(item)
            if item.val in ("break", "continue"):
                self.next()
                if not self.loops:
                    raise self.error(item, f"{{{{{item.val}}}}} outside {{{{range}}}}")
                self.expect("right", item.val)
                return Loop(item.pos, item.val)
            if item.val in ("define", "template", "block"):
                raise self.error(item, f"{{{{{item.val}}}}} is not supported")
        return Action(left.pos, self.pipeline("command", "right"))

    def expect(self, kind: str, context: str) -> Item:
        item = self.next()
        if item.kind != kind:
            raise self.unexpected(item, context)
        return item

    def branch(self, key: Item) -> Branch:
        kind = key.val
        depth = len(self.vars)
        pipe = self.pipeline(kind, "right")
        inner = len(self.vars)
        if kind == "range":
            self.loops += 1
        body, end = self.list_until(("end", "else"))
        if kind == "range":
            self.loops -= 1
        del self.vars[inner:]
        else_body: list[Node] | None = None
        if end == "else":
            nxt = self.peek()
            if nxt.kind == "keyword" and nxt.val in ("if", "with") and kind != "range":
                # {{else if x}} is {{else}}{{if x}}...{{end}}{{end}}: the inner one
                # takes the shared {{end}}
                self.next()
                else_body = [self.branch(nxt)]
                del self.vars[depth:]
                return Branch(key.pos, kind, pipe, body, else_body)
            self.expect("right", "else")
            else_body, end = self.list_until(("end",))
        self.expect("right", "end")
        del self.vars[depth:]
        return Branch(key.pos, kind, pipe, body, else_body)

    def pipeline(self, context: str, end: str) -> Pipe:
        start = self.peek()
        decl: list[str] = []
        assign = False
        if start.kind == "variable":
            save = self.i
            names = [self.next()]
            while self.peek().kind == "comma" and context == "range" and len(names) < 2:
                self.next()
                names.append(self.expect("variable", "range"))
            op = self.peek()
            if op.kind in ("declare", "assign") and (len(names) == 1 or context == "range"):
                self.next()
                assign = op.kind == "assign"
                decl = [n.val for n in names]
                for n in names:
                    if assign and n.val not in self.vars:
                        raise self.error(n, f'undefined variable "{n.val}"')
                    self.vars.append(n.val)
            elif len(names) > 1:
                raise self.error(op, "range can only initialize variables")
            else:
                self.i = save
        cmds: list[Command] = []
        while True:
            item = self.peek()
            if item.kind == end:
                self.next()
                break
            if item.kind == "eof" or (item.kind in ("right", "rparen") and item.kind != end):
                raise self.unexpected(item, context if item.kind != "eof" else "")
            cmds.append(self.command(context))
            sep = self.peek()
            if sep.kind == "pipe":
                self.next()
                if self.peek().kind in (end, "eof"):
                    raise self.error(sep, "missing command after |")
        if not cmds:
            raise self.error(start, f"missing value for {context}")
        for i, cmd in enumerate(cmds[1:], 2):
            if isinstance(cmd.args[0], Literal | Nil | Dot):
                raise self.error(start, f"non executable command in pipeline stage {i}")
        return Pipe(start.pos, decl, cmds, assign)

    def command(self, context: str) -> Command:
        first = self.peek()
        args: list[Node] = []
        while self.peek().kind not in ("pipe", "right", "rparen", "eof"):
            args.append(self.operand(context))
        if not args:
            raise self.error(first, "empty command")
        return Command(first.pos, args)

    def operand(self, context: str) -> Node:
        node = self.term(context)
        if self.peek().kind == "field" and self.peek().pos == self.items[self.i - 1].end:
            fields: list[str] = []
            chain_pos = self.peek().pos
            while self.peek().kind == "field" and self.peek().pos == self.items[self.i - 1].end:
                fields.append(self.next().val[1:])
            if isinstance(node, Field):
                return Field(chain_pos, node.idents + fields)
            if isinstance(node, Variable):
                return Variable(chain_pos, node.idents + fields)
            if isinstance(node, Literal | Nil | Dot):
                raise self.error(self.items[self.i - 1], f"unexpected . after term {node}")
            return Chain(chain_pos, node, fields)
        return node

    def term(self, context: str) -> Node:
        item = self.next()
        kind = item.kind
        if kind == "ident":
            if item.val not in self.funcs:
                raise self.error(item, f'function "{item.val}" not defined')
            return Identifier(item.pos, item.val)
        if kind == "dot":
            return Dot(item.pos)
        if kind == "keyword" and item.val == "nil":
            return Nil(item.pos)
        if kind == "variable":
            if item.val not in self.vars:
                raise self.error(item, f'undefined variable "{item.val}"')
            return Variable(item.pos, [item.val])
        if kind == "field":
            return Field(item.pos, [item.val[1:]])
        if kind == "bool":
            return Literal(item.pos, item.val == "true", item.val)
        if kind == "number":
            return Literal(item.pos, self.number(item), item.val)
        if kind == "char":
            return Literal(item.pos, ord(item.val), self.text[item.pos:item.end])
        if kind == "string":
            return Literal(item.pos, item.val, self.text[item.pos:item.end])
        if kind == "lparen":
            return self.pipeline("parenthesized pipeline", "rparen")
        raise self.unexpected(item, "operand" if context != "range" else context)

    def number(self, item: Item) -> int | float:
        text = item.val.replace("_", "")
        try:
            if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", text):
                return int(text, 16)
            if re.fullmatch(r"[+-]?0[oO][0-7]+", text):
                return int(text.replace("o", "").replace("O", ""), 8)
            if re.fullmatch(r"[+-]?0[bB][01]+", text):
                return int(text, 2)
            if re.fullmatch(r"[+-]?[0-9]+", text):
                return int(text)
            return float(text)
        except ValueError:
            raise self.error(item, f'illegal number syntax: "{item.val}"') from None


def _describe(item: Item) -> str:
    names = {"right": "}}", "rparen": ")", "lparen": "(", "pipe": "|", "comma": ",",
             "declare": ":=", "assign": "="}
    if item.kind in names:
        return f'"{names[item.kind]}"'
    if item.kind == "keyword":
        return f"<{item.val}>"
    return f"<{item.val}>" if item.kind in ("field", "variable", "dot", "ident") else item.val


def parse(text: str, funcs: Collection[str], name: str = "") -> Tree:
    """Parse ``text``; ``funcs`` are the names of the functions it may call."""
    return _Parser(name, text, funcs).parse()
