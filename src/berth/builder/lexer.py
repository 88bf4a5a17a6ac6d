"""A Dockerfile's text cut into logical lines, as docker's parser reads it.

The rules, all docker's (BuildKit's ``frontend/dockerfile/parser``):

- parser directives (``# syntax=``, ``# escape=``, ``# check=``) count only at the top:
  the first line that is not one (an instruction, a blank line, any other comment)
  ends them; a directive given twice is refused;
- a line whose last non-blank character is the escape character (``\\``, or the
  backtick after ``# escape=```) continues on the next line; the escape itself and
  the newline are dropped, leading blanks of the next line kept;
- inside a continuation, comment lines are skipped and empty lines skipped too (with
  a warning docker prints: "Empty continuation line found in: ...");
- comments are lines starting with ``#`` (after blanks); a ``#`` elsewhere is text;
- RUN, COPY and ADD in shell form (and ONBUILD of those) whose text holds ``<<WORD``
  read here-documents from the lines after the instruction, each up to a line that is
  exactly its delimiter (after leading tabs for ``<<-``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from berth.builder.ast import Heredoc
from berth.builder.expand import Lexer
from berth.builder.words import GO_SPACES, WHITESPACE, go_strip, split_flags
from berth.errors import InvalidArgument

MAX_LINE = 65535  # bufio.Scanner's limit: docker refuses a longer line
# docker's ``(.+?)\s*$`` done as a greedy match and an rstrip: a lazy group before
# ``\s*$`` is quadratic in Python's engine on a line of blanks
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+)\Z", re.DOTALL)
_GO_RE_SPACE = "\t\n\f\r "
_HEREDOC_WORD = re.compile(r"\A([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z", re.DOTALL)
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_NO_ENV: dict[str, str] = {}


class DockerfileError(InvalidArgument):
    """A Dockerfile refused at ``line``; the message is docker's, the text prefixed with
    the file and line (``Dockerfile:7: unknown instruction: RUNN``)."""

    def __init__(self, filename: str, line: int, reason: str) -> None:
        super().__init__(f"{filename}:{line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One instruction's text, continuation lines joined, and its heredocs."""

    text: str
    line: int
    end_line: int
    heredocs: tuple[Heredoc, ...] = ()


@dataclass(slots=True)
class Lexed:
    """What the lexer found: the logical lines and the file's settings."""

    lines: list[LogicalLine] = field(default_factory=list)
    directives: dict[str, str] = field(default_factory=dict)
    escape: str = "\\"
    notes: list[str] = field(default_factory=list)


def physical_lines(text: str) -> list[str]:
    """The lines with their endings kept; only ``\\n`` ends a line, as in Go."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines


def _trim_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _lstrip(line: str) -> str:
    return line.lstrip(GO_SPACES)


def is_comment(line: str) -> bool:
    return _lstrip(line).startswith("#")


class _Directives:
    """Docker's directive scanner: it looks at each line until one is not a directive."""

    def __init__(self, lexed: Lexed) -> None:
        self.lexed = lexed
        self.done = False

    def check(self, line: str) -> bool:
        """Whether ``line`` is a directive (and apply it)."""
        if self.done:
            return False
        if not line.startswith("#"):
            self.done = True
            return False
        m = _DIRECTIVE.match(_lstrip(line[1:]))
        name = m.group(1).lower() if m else ""
        if m is None or name not in _KNOWN_DIRECTIVES:
            self.done = True
            return False
        if name in self.lexed.directives:
            raise ValueError(f"only one {name} parser directive can be used")
        value = m.group(2).rstrip(_GO_RE_SPACE)
        self.lexed.directives[name] = value
        if name == "escape":
            if value not in ("`", "\\"):
                raise ValueError(f"invalid escape token '{value}' does not match ` or \\")
            self.lexed.escape = value
        elif name == "check":
            self.lexed.notes.append("the # check= parser directive is ignored: berth runs no "
                                    "build checks")
        return True


def _continuation_regex(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*\Z|\A{e}[ \t]*\Z", re.DOTALL)


_CONTINUATION = {escape: _continuation_regex(escape) for escape in ("\\", "`")}


def _trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """The line without its continuation escape, and whether the instruction ends here."""
    if not line.rstrip(" \t").endswith(escape):
        return line, True
    m = _CONTINUATION[escape].search(line)
    if m is None:
        return line, True
    return line[:m.start()] + (m.group(1) or ""), False


def lex(text: str, filename: str = "Dockerfile") -> Lexed:
    """The logical lines of a Dockerfile; DockerfileError names the line of a fault."""
    lexed = Lexed()
    directives = _Directives(lexed)
    lines = physical_lines(text)
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE // 4 and len(line.encode("utf-8", "surrogatepass")) > MAX_LINE:
            raise DockerfileError(filename, number, "dockerfile line greater than max allowed "
                                  f"size of {MAX_LINE}")
    it = iter(enumerate(lines, 1))
    for number, raw in it:
        line = _lstrip(_trim_newline(raw))
        try:
            directives.check(line)
        except ValueError as e:
            raise DockerfileError(filename, number, str(e)) from None
        if is_comment(line):
            line = ""
        line, done = _trim_continuation(line, lexed.escape)
        if done and not line:
            continue
        parts, end, empty_continuation = [line], number, False
        while not done:
            step = next(it, None)
            if step is None:
                break
            end, raw = step
            if is_comment(raw):
                continue
            if not _lstrip(_trim_newline(raw)):
                empty_continuation = True
                continue
            piece, done = _trim_continuation(_trim_newline(raw), lexed.escape)
            parts.append(piece)
        joined = "".join(parts)
        if empty_continuation:
            lexed.notes.append(f"Empty continuation line found in: {joined}")
        heredocs: tuple[Heredoc, ...] = ()
        if "<<" in joined and _takes_heredocs(joined, lexed.escape):
            try:
                headers = heredocs_in(joined)
            except InvalidArgument as e:
                raise DockerfileError(filename, number, e.message) from None
            if headers:
                heredocs, end = _read_heredocs(headers, it, end, filename, number)
        lexed.lines.append(LogicalLine(joined, number, end, heredocs))
    return lexed


def _read_heredocs(headers: list[Heredoc], it: Iterator[tuple[int, str]], end: int,
                   filename: str, start: int) -> tuple[tuple[Heredoc, ...], int]:
    found: list[Heredoc] = []
    for header in headers:
        content: list[str] = []
        while True:
            step = next(it, None)
            if step is None:
                raise DockerfileError(filename, start, "unterminated heredoc")
            end, raw = step
            candidate = _trim_newline(raw)
            if header.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == header.name:
                break
            content.append(raw)
        found.append(Heredoc(header.name, "".join(content), header.expand, header.chomp))
    return tuple(found), end


def split_command(text: str, escape: str) -> tuple[str, list[str], str]:
    """An instruction's keyword as written, its raw flag words, and the rest (trimmed)."""
    parts = WHITESPACE.split(go_strip(text), maxsplit=1)
    if len(parts) < 2:
        return parts[0], [], ""
    flags, rest = split_flags(parts[1], escape)
    return parts[0], flags, go_strip(rest)


def _takes_heredocs(text: str, escape: str) -> bool:
    keyword, _, rest = split_command(text, escape)
    if keyword.upper() == "ONBUILD":
        keyword, _, rest = split_command(rest, escape)
    return keyword.upper() in _HEREDOC_KEYWORDS and json_list(rest) is None


def json_list(text: str) -> list[str] | None:
    """The strings of a JSON array (docker's exec form), None when ``text`` is not one.

    ValueError when it is a JSON array of something other than strings, which docker
    refuses instead of falling back to the shell form.
    """
    text = text.lstrip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise ValueError("when using JSON array syntax, arrays must be comprised of strings only")
    return [_valid_unicode(item) for item in value]


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _valid_unicode(text: str) -> str:
    """A lone surrogate from a ``\\ud800`` escape becomes U+FFFD, as Go decodes it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text)
    return text


def heredoc_word(word: str) -> Heredoc | None:
    """The heredoc a word like ``<<EOF``, ``<<-"EOF"`` or ``2<<EOF`` opens (empty
    content), None for any other word. Docker's rule: the delimiter must be one word,
    and any quote in it turns expansion of the body off."""
    if "<<" not in word:
        return None
    m = _HEREDOC_WORD.match(word)
    if m is None or not m.group(3):
        return None
    rest = m.group(3)
    words = Lexer(_NO_ENV, "\\", skip_unset=True).process(rest)[1]
    if len(words) != 1:
        return None
    raw = Lexer(_NO_ENV, "\\", skip_unset=True, raw_quotes=True).process(rest)[1]
    if len(raw) != 1:
        raise InvalidArgument(f"internal lexing of heredoc produced inconsistent results: {rest}")
    quotes = words[0].count("'") + words[0].count('"')
    raw_quotes = raw[0].count("'") + raw[0].count('"')
    return Heredoc(words[0], "", quotes == raw_quotes, m.group(2) == "-")


def heredocs_in(text: str) -> list[Heredoc]:
    """The heredocs an instruction's text opens, in order."""
    lexer = Lexer(_NO_ENV, "\\", raw_quotes=True, raw_escapes=True, skip_unset=True)
    try:
        words = lexer.process(text)[1]
    except InvalidArgument:
        return []
    found = []
    for word in words:
        heredoc = heredoc_word(word)
        if heredoc is not None:
            found.append(heredoc)
    return found
