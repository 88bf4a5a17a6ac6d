"""``--format`` for the list commands: docker's ``cli/command/formatter`` machinery.

A format is ``table`` (the command's default columns), ``json`` (one JSON object
per line), ``table TEMPLATE`` (a header row of column names, then aligned rows)
or a bare Go template; ``\\t`` and ``\\n`` typed in it become a tab and a newline,
as docker's CLI turns them. Rows are aligned by ``tabwrite``, Go's tabwriter with
docker's settings. Only imported when a command is given ``--format``.
"""

from __future__ import annotations

import unicodedata

from berth.cli.template import ExecError, ParseError, Template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

TABLE = "table"
JSON = "json"
JSON_TEMPLATE = "{{json .}}"


class FormatError(Exception):
    """A format that docker refuses: the message docker prints, and its exit status."""

    def __init__(self, message: str, status: int = 1, partial: str = "") -> None:
        super().__init__(message)
        self.message, self.status, self.partial = message, status, partial


def template_text(fmt: str) -> str:
    """docker's ``Format.templateString``: drop ``table``, expand ``json``, trim spaces,
    turn a typed ``\\t`` and ``\\n`` into a tab and a newline."""
    if fmt == JSON:
        return JSON_TEMPLATE
    if fmt.startswith(TABLE):
        fmt = fmt[len(TABLE):]
    return fmt.strip(" ").replace("\\t", "\t").replace("\\n", "\n")


def is_table(fmt: str) -> bool:
    return fmt.startswith(TABLE)


def _width(text: str) -> int:
    """Columns on a terminal (go-runewidth): East Asian wide characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else
               0 if unicodedata.combining(c) else 1 for c in text)


def tabwrite(text: str, minwidth: int = 10, padding: int = 3) -> str:
    """Go's ``text/tabwriter`` (as docker's table formatter sets it: tabwidth 1, padding
    with spaces, no flags): tab-terminated cells of contiguous lines form a column,
    padded to its widest cell plus ``padding``, and at least ``minwidth``."""
    lines = text.split("\n")
    cells = [line.split("\t") for line in lines]
    widths: list[list[int]] = [[0] * (len(row) - 1) for row in cells]

    def block(first: int, last: int, column: int) -> None:
        """Size column ``column`` of lines [first, last), then the columns right of it."""
        i = first
        while i < last:
            if column >= len(cells[i]) - 1:
                i += 1
                continue
            start = i
            width = minwidth
            while i < last and column < len(cells[i]) - 1:
                width = max(width, _width(cells[i][column]) + padding)
                i += 1
            for j in range(start, i):
                widths[j][column] = width
            block(start, i, column + 1)

    block(0, len(cells), 0)
    out = []
    for row, row_widths in zip(cells, widths, strict=True):
        parts = [cell + " " * (row_widths[k] - _width(cell)) for k, cell in enumerate(row[:-1])]
        out.append("".join(parts) + row[-1])
    return "\n".join(out)


def parse(fmt: str, name: str = "",
          funcs: Mapping[str, Callable[..., Any]] | None = None) -> Template:
    try:
        return Template(fmt, name, dict(funcs or {}))
    except ParseError as e:
        raise FormatError(f"template parsing error: {e}") from None


def write(fmt: str, contexts: Iterable[Any], header: Any) -> str:
    """docker's ``Context.Write``: every context through the template, each on its
    line; for a ``table`` format, the header row first and the columns aligned.
    Nothing is written when one context fails."""
    tmpl = parse(template_text(fmt))
    rows = []
    for ctx in contexts:
        try:
            rows.append(tmpl.execute(ctx) + "\n")
        except ExecError as e:
            raise FormatError(f"template parsing error: {e}") from None
    if not is_table(fmt):
        return "".join(rows)
    try:
        head = tmpl.execute(header, header=True)
    except ExecError as e:
        head = getattr(e, "partial", "")
    return tabwrite(head + "\n" + "".join(rows))


class Header(dict[str, str]):
    """docker's ``SubHeaderContext``: the column name of each field, and ``.Label "k"``
    naming a label's column after its last dotted part."""

    def template_field(self, name: str) -> Callable[..., Any] | None:
        return self.label if name == "Label" else None

    @staticmethod
    def label(name: str) -> str:
        return name.rsplit(".", 1)[-1].replace("-", " ").replace("_", " ")


class Context:
    """A row for a template: docker's formatter ``...Context`` with its methods as fields."""

    template_type = ""
    FIELDS: tuple[str, ...] = ()
    JSON_FIELDS: tuple[str, ...] = ()

    def template_field(self, name: str) -> Callable[..., Any] | None:
        return getattr(self, name) if name in self.FIELDS else None

    def template_json(self) -> dict[str, Any]:
        """docker's ``formatter.MarshalJSON``: every method without arguments, by name."""
        return {name: getattr(self, name)() for name in sorted(self.JSON_FIELDS)}
