"""Docker's shell-word processing: quotes, escapes and ``$VAR`` expansion.

The rules are BuildKit's shell lexer (``frontend/dockerfile/shell/lex.go``), which
mimics sh without running one: ``$VAR`` and ``${VAR}``; ``${VAR:-word}``,
``${VAR-word}`` (default), ``${VAR:+word}``, ``${VAR+word}`` (alternative),
``${VAR:?msg}``, ``${VAR?msg}`` (required), ``${VAR#pat}``, ``${VAR##pat}``,
``${VAR%pat}``, ``${VAR%%pat}`` (trim), ``${VAR/pat/repl}``, ``${VAR//pat/repl}``;
single quotes keep everything literal; double quotes keep all but ``$`` and the escape
character, which there escapes only ``"``, ``$`` and itself; outside quotes the escape
character (``\\`` or the ``# escape=`` one) takes the next character literally. Names
are case-sensitive; positional and special parameters (``$1``, ``$@``, ``$$`` ...) are
never set.

Where the build engine expands (docker's table; everything else is left as written):

==============  ============================================================
instruction     expanded with the stage's ARG and ENV values
==============  ============================================================
FROM            the image and ``--platform``, with the meta ARGs (before FROM)
ADD, COPY       every source and the destination (``expand`` each of
                ``words()``), ``--chown``, ``--chmod``, ``--checksum``,
                ``--from``; a heredoc whose ``expand`` is true through
                ``expand_heredoc``
ENV, LABEL      each key and value of ``parse_key_values`` (``expand``)
ARG             each name and default value (``expand``)
EXPOSE          ``expand_words`` of the text (ports split after expansion)
STOPSIGNAL,     the whole text (``expand``)
USER, WORKDIR
VOLUME          each of ``words()`` (or each JSON string)
RUN             only the ``--mount`` options; the command goes to the shell as
                written (its heredocs too)
CMD,            never: the shell does it when the container runs
ENTRYPOINT,
SHELL,
HEALTHCHECK,
ONBUILD,
MAINTAINER
==============  ============================================================
"""

from __future__ import annotations

from collections.abc import Mapping

from berth.builder.keyvalues import parse_key_values
from berth.builder.pattern import compile_pattern, replace, trim_prefix, trim_suffix
from berth.builder.words import go_quote, is_space
from berth.errors import InvalidArgument

__all__ = ["Lexer", "expand", "expand_heredoc", "expand_words", "parse_key_values"]

_SPECIAL_PARAMS = frozenset("@*#?-$!0")
# Go's growing stacks let docker nest ${a:-${b:-...}} without end; Python's recursion
# limit would turn a deep hostile one into a RecursionError, so it is refused first
MAX_NESTING = 100


class _Words:
    """Collects the words of ``expand_words``: unquoted whitespace splits them."""

    __slots__ = ("buf", "in_word", "words")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if not is_space(ch):
            self.add_raw(ch)
        elif self.in_word and self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def finish(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
        return self.words


class Lexer:
    """One pass over a word. The ``raw_*`` and ``skip_*`` switches are the ones docker's
    parser uses to find heredoc delimiters (quotes and escapes kept, unset variables
    left as written); ``skip_quotes`` is how heredoc bodies are expanded."""

    def __init__(self, env: Mapping[str, str], escape: str = "\\", *, raw_quotes: bool = False,
                 raw_escapes: bool = False, skip_unset: bool = False,
                 skip_quotes: bool = False) -> None:
        self.env = env
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.skip_quotes = skip_quotes
        self.text = ""
        self.pos = 0
        self.depth = 0

    def process(self, word: str) -> tuple[str, list[str]]:
        """The word expanded, and its words split; InvalidArgument when malformed."""
        self.text, self.pos, self.depth = word, 0, 0
        try:
            return self._until("", self.raw_escapes)
        except ValueError as e:
            raise InvalidArgument(f"failed to process {go_quote(word)}: {e}") from None

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _next(self) -> str:
        ch = self._peek()
        self.pos += 1 if ch else 0
        return ch

    def _until(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        if self.depth >= MAX_NESTING:
            raise ValueError(f"syntax error: substitutions nested more than {MAX_NESTING} deep")
        saved, self.raw_escapes = self.raw_escapes, raw_escapes
        self.depth += 1
        try:
            return self._scan(stop)
        finally:
            self.raw_escapes = saved
            self.depth -= 1

    def _scan(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        while (ch := self._peek()) != "":
            if stop and ch == stop:
                self.pos += 1
                return "".join(result), words.finish()
            if ch == "$":
                value = self._dollar()
                result.append(value)
                words.add_string(value)
            elif ch == "<":
                value = self._possible_heredoc()
                result.append(value)
                words.add_raw(value)
            elif ch in "'\"" and not self.skip_quotes:
                value = self._single_quote() if ch == "'" else self._double_quote()
                result.append(value)
                words.add_raw(value)
            else:
                self.pos += 1
                if ch == self.escape:
                    if self.raw_escapes:
                        words.add_raw(ch)
                        result.append(ch)
                    ch = self._next()
                    if ch == "":
                        break
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise ValueError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.finish()

    def _single_quote(self) -> str:
        start = self.pos + 1
        end = self.text.find("'", start)
        if end < 0:
            raise ValueError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        body = self.text[start:end]
        return f"'{body}'" if self.raw_quotes else body

    def _double_quote(self) -> str:
        self.pos += 1
        out = ['"'] if self.raw_quotes else []
        while True:
            ch = self._peek()
            if ch == "":
                raise ValueError(
                    "unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.pos += 1
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            self.pos += 1
            if ch == self.escape:
                if self.raw_escapes:
                    out.append(ch)
                following = self._peek()
                if following == "":
                    continue
                if following in ('"', "$", self.escape):
                    ch = self._next()
            out.append(ch)

    def _possible_heredoc(self) -> str:
        self.pos += 1
        if self._peek() != "<":
            return "<"
        self.pos += 1
        start = self.pos
        while self._peek() in ("\t", "\r", " ") and self._peek():
            self.pos += 1
        return "<<" + self.text[start:self.pos]

    def _name(self) -> str:
        start = self.pos
        ch = self._peek()
        if ch.isdecimal():
            while self._peek().isdecimal() and self._peek():
                self.pos += 1
            return self.text[start:self.pos]
        if ch in _SPECIAL_PARAMS and ch:
            self.pos += 1
            return ch
        while (ch := self._peek()) and (ch.isalpha() or ch.isdecimal() or ch == "_"):
            self.pos += 1
        return self.text[start:self.pos]

    def _get(self, name: str) -> str | None:
        return self.env.get(name)

    def _dollar(self) -> str:
        self.pos += 1
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            value = self._get(name)
            if value is None:
                return "$" + name if self.skip_unset else ""
            return value
        self.pos += 1
        ch = self._peek()
        if ch == "":
            raise ValueError("syntax error: missing '}'")
        if ch in "{}:":
            raise ValueError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        if ch == "":
            raise ValueError("syntax error: missing '}'")
        if ch == "}":
            value = self._get(name)
            if value is None:
                return "${" + name + "}" if self.skip_unset else ""
            return value
        if ch == "/":
            return self._replace(name)
        modifier = ch
        null_is_unset = ch == ":"
        if null_is_unset:
            ch = self._next()
            modifier += ch
        if ch not in "+-?#%" or ch == "":
            self._word_to_brace(raw_escapes=False)
            raise ValueError(f"unsupported modifier ({modifier}) in substitution")
        if null_is_unset and ch in "#%":
            raise ValueError(f"unsupported modifier ({modifier}) in substitution")
        word = self._word_to_brace(raw_escapes=ch in "#%")
        value = self._get(name)
        if value is None and self.skip_unset:
            return "${" + name + modifier + word + "}"
        unset = value is None or (null_is_unset and value == "")
        if ch == "-":
            return word if unset or value is None else value
        if ch == "+":
            return "" if unset else word
        if ch == "?":
            if value is None or unset:
                default = "is not allowed to be unset" if value is None else \
                    "is not allowed to be empty"
                raise ValueError(f"{name}: {word or default}")
            return value
        greedy = word.startswith(ch)
        pattern = compile_pattern(word[1:] if greedy else word)
        value = value or ""
        return trim_suffix(pattern, value, greedy) if ch == "%" else \
            trim_prefix(pattern, value, greedy)

    def _word_to_brace(self, *, raw_escapes: bool) -> str:
        try:
            return self._until("}", raw_escapes)[0]
        except ValueError:
            if self._peek() == "":
                raise ValueError("syntax error: missing '}'") from None
            raise

    def _replace(self, name: str) -> str:
        replace_all = self._peek() == "/"
        if replace_all:
            self.pos += 1
        try:
            pattern_text = self._until("/", True)[0]
        except ValueError:
            if self._peek() == "":
                raise ValueError("syntax error: missing '/' in ${}") from None
            raise
        replacement = self._word_to_brace(raw_escapes=True)
        value = self._get(name)
        if value is None and self.skip_unset:
            return "${" + name + "/" + pattern_text + "/" + replacement + "}"
        return replace(compile_pattern(pattern_text), value or "", replacement, replace_all)


def expand(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """One word processed as docker's ProcessWord: quotes removed, variables expanded."""
    return Lexer(env, escape).process(word)[0]


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Text processed as docker's ProcessWords: expanded, then split into words on
    whitespace outside quotes (an expanded value's spaces split it too)."""
    return Lexer(env, escape).process(text)[1]


def expand_heredoc(content: str, env: Mapping[str, str]) -> str:
    """A COPY/ADD heredoc body, expanded as docker does: quotes are literal text and the
    escape is always the backslash."""
    return Lexer(env, "\\", skip_quotes=True).process(content)[0]
