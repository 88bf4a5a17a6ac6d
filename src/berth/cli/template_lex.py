"""Go ``text/template`` syntax, the lexer: text and the tokens of ``{{ }}`` actions.

Like Go's ``text/template/parse`` lexer: ``{{-``/``-}}`` trim the whitespace beside
them, comments vanish, strings, raw strings, characters, numbers, fields,
variables and keywords become ``Item``s. Errors are Go's (``unclosed action``).
"""

from __future__ import annotations

import re

TRIM = " \t\r\n"
KEYWORDS = frozenset(("block", "break", "continue", "define", "else", "end", "if", "range",
                      "nil", "template", "with"))
_NUMBER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F_]+|0[oObB][0-7_]+|(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)"
                     r"(?:[eE][+-]?[0-9_]+)?)i?")
_IDENT = re.compile(r"[A-Za-z_0-9]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class ParseError(Exception):
    """A template that is not valid Go template syntax (message as Go words it)."""


class Item:
    """A token: ``kind`` is text, left, right, field, variable, dot, ident, keyword, bool,
    number, string, char, pipe, lparen, rparen, declare, assign, comma, trim or eof."""

    __slots__ = ("end", "kind", "line", "pos", "val")

    def __init__(self, kind: str, val: str, pos: int, end: int, line: int) -> None:
        self.kind, self.val, self.pos, self.end, self.line = kind, val, pos, end, line


class _Lexer:
    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text
        self.items: list[Item] = []

    def error(self, pos: int, message: str) -> ParseError:
        line = 1 + self.text.count("\n", 0, pos)
        return ParseError(f"template: {self.name}:{line}: {message}")

    def emit(self, kind: str, start: int, end: int, val: str | None = None) -> None:
        line = 1 + self.text.count("\n", 0, start)
        self.items.append(Item(kind, self.text[start:end] if val is None else val, start, end,
                               line))

    def run(self) -> list[Item]:
        text, pos = self.text, 0
        while True:
            left = text.find("{{", pos)
            if left < 0:
                if pos < len(text):
                    self.emit("text", pos, len(text))
                break
            trim_left = text.startswith(("{{- ", "{{-\t", "{{-\n", "{{-\r"), left)
            chunk = text[pos:left]
            if trim_left:
                chunk = chunk.rstrip(TRIM)
            if chunk:
                self.emit("text", pos, left, chunk)
            pos = self.action(left + (3 if trim_left else 2), left)
            if self.items and self.items[-1].kind == "trim":
                self.items.pop()
                while pos < len(text) and text[pos] in TRIM:
                    pos += 1
        self.emit("eof", len(text), len(text), "")
        return self.items

    def _right(self, pos: int) -> tuple[int, bool] | None:
        """The end of ``}}`` or `` -}}`` at ``pos`` (and whether it trims), else None."""
        text = self.text
        if text.startswith("}}", pos):
            return pos + 2, False
        if pos + 3 < len(text) + 1 and text[pos] in TRIM and text.startswith("-}}", pos + 1):
            return pos + 4, True
        return None

    def action(self, pos: int, left: int) -> int:
        text = self.text
        while pos < len(text) and text[pos] in TRIM and self._right(pos) is None:
            pos += 1
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise self.error(pos, "unclosed comment")
            pos = end + 2
            while pos < len(text) and text[pos] in TRIM and self._right(pos) is None:
                pos += 1
            closing = self._right(pos)
            if closing is None:
                raise self.error(pos, "comment ends before closing delimiter")
            if closing[1]:
                self.items.append(Item("trim", "", pos, pos, 0))
            return closing[0]
        self.emit("left", left, left + 2)
        parens = 0
        while True:
            if pos >= len(text):
                raise self.error(pos, "unclosed action")
            closing = self._right(pos)
            if closing is not None:
                if parens:
                    raise self.error(pos, "unclosed left paren")
                self.emit("right", pos, closing[0])
                if closing[1]:
                    self.items.append(Item("trim", "", pos, pos, 0))
                return closing[0]
            c = text[pos]
            if c in TRIM:
                pos += 1
            elif c == "|":
                self.emit("pipe", pos, pos + 1)
                pos += 1
            elif c == ",":
                self.emit("comma", pos, pos + 1)
                pos += 1
            elif c == "(":
                parens += 1
                self.emit("lparen", pos, pos + 1)
                pos += 1
            elif c == ")":
                parens -= 1
                if parens < 0:
                    raise self.error(pos, "unexpected right paren")
                self.emit("rparen", pos, pos + 1)
                pos += 1
            elif text.startswith(":=", pos):
                self.emit("declare", pos, pos + 2)
                pos += 2
            elif c == "=":
                self.emit("assign", pos, pos + 1)
                pos += 1
            elif c == '"':
                pos = self.quoted(pos)
            elif c == "`":
                end = text.find("`", pos + 1)
                if end < 0:
                    raise self.error(pos, "unterminated raw quoted string")
                self.emit("string", pos, end + 1, text[pos + 1:end])
                pos = end + 1
            elif c == "'":
                pos = self.char(pos)
            elif c == "$":
                end = _IDENT.match(text, pos + 1).end()  # type: ignore[union-attr]
                self.emit("variable", pos, end)
                pos = end
            elif c == "." and not (pos + 1 < len(text) and text[pos + 1].isdigit()):
                end = _IDENT.match(text, pos + 1).end()  # type: ignore[union-attr]
                self.emit("field" if end > pos + 1 else "dot", pos, end)
                pos = end
            elif c.isdigit() or (c in "+-." and pos + 1 < len(text)
                                 and (text[pos + 1].isdigit() or text[pos + 1] == ".")):
                m = _NUMBER.match(text, pos)
                end = m.end() if m else pos + 1
                if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    raise self.error(pos, f'bad number syntax: "{text[pos:end + 1]}"')
                self.emit("number", pos, end)
                pos = end
            elif c.isalpha() or c == "_":
                end = _IDENT.match(text, pos).end()  # type: ignore[union-attr]
                word = text[pos:end]
                kind = ("bool" if word in ("true", "false") else
                        "keyword" if word in KEYWORDS else "ident")
                self.emit(kind, pos, end)
                pos = end
            else:
                raise self.error(pos, f"bad character U+{ord(c):04X} '{c}'")

    def quoted(self, pos: int) -> int:
        text, out, i = self.text, [], pos + 1
        while True:
            if i >= len(text) or text[i] == "\n":
                raise self.error(pos, "unterminated quoted string")
            c = text[i]
            if c == '"':
                break
            if c == "\\" and i + 1 < len(text):
                i, ch = self._escape(i)
                out.append(ch)
                continue
            out.append(c)
            i += 1
        self.emit("string", pos, i + 1, "".join(out))
        return i + 1

    def _escape(self, i: int) -> tuple[int, str]:
        text = self.text
        e = text[i + 1]
        if e in _ESCAPES:
            return i + 2, _ESCAPES[e]
        size = {"x": 2, "u": 4, "U": 8}.get(e)
        if size and re.fullmatch(r"[0-9a-fA-F]+", text[i + 2:i + 2 + size]):
            return i + 2 + size, chr(int(text[i + 2:i + 2 + size], 16))
        raise self.error(i, "unterminated quoted string")

    def char(self, pos: int) -> int:
        text = self.text
        if pos + 1 < len(text) and text[pos + 1] == "\\":
            end, ch = self._escape(pos + 1)
        else:
            end, ch = pos + 2, text[pos + 1:pos + 2]
        if end >= len(text) or text[end] != "'" or not ch:
            raise self.error(pos, "unterminated character constant")
        self.emit("char", pos, end + 1, ch)
        return end + 1


def lex(name: str, text: str) -> list[Item]:
    return _Lexer(name, text).run()
