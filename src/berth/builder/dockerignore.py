"""``.dockerignore``: which paths of a build context the build does not see.

Docker's rules (``moby/patternmatcher`` and its ``ignorefile``): a line starting with
``#`` is a comment; each other line is trimmed, cleaned like Go's ``filepath.Clean``
(``./a``, ``a/``, ``a//b/../c`` normalised) and loses a leading ``/``; ``!`` makes it an
exception. Patterns are Go ``filepath.Match`` globs (``*`` and ``?`` never cross a
``/``, ``[a-z]`` classes, ``\\`` escapes) plus ``**``, any number of directories. A
path is excluded when the last pattern matching it, or matching one of its parent
directories, is not an exception.

Matching runs a small automaton over the path instead of a backtracking regex, so a
hostile pattern (``*a*a*a*a*b``) costs time linear in the path.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from berth.errors import InvalidArgument

MAX_IGNORE_FILE = 16 << 20  # far beyond any real one; a context cannot make us read a device

# token kinds
_LIT, _ANY, _STAR, _CLASS, _DIRS, _ALL = range(6)
Token = tuple[int, str, tuple[tuple[str, str], ...], bool]  # kind, char, class ranges, negated


def go_clean(path: str) -> str:
    """Go's filepath.Clean for slash paths."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def _class(pattern: str, i: int) -> tuple[Token, int]:
    """A ``[...]`` class starting after the ``[`` at ``i``; ValueError when malformed."""
    negated = i < len(pattern) and pattern[i] == "^"
    i += negated
    ranges: list[tuple[str, str]] = []
    while True:
        if i >= len(pattern):
            raise ValueError("syntax error in pattern")
        if pattern[i] == "]" and ranges:
            return (_CLASS, "", tuple(ranges), negated), i + 1
        low, i = _class_char(pattern, i)
        high = low
        if i < len(pattern) and pattern[i] == "-":
            high, i = _class_char(pattern, i + 1)
            if high < low:
                raise ValueError("syntax error in pattern")
        ranges.append((low, high))


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    if i >= len(pattern) or pattern[i] in "-]":
        raise ValueError("syntax error in pattern")
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            raise ValueError("syntax error in pattern")
    return pattern[i], i + 1


def compile_glob(pattern: str) -> tuple[Token, ...]:
    """The tokens of a cleaned pattern; ValueError for what filepath.Match refuses."""
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*" and i < n and pattern[i] == "*":
            i += 1
            if i < n and pattern[i] == "/":
                i += 1
            elif i == 2 and i < n and not any(c in pattern[i:] for c in "*?[\\"):
                # docker's quirk: a leading ``**`` before plain text is a suffix test
                # (``**foo`` matches ``xfoo``), not ``(.*/)?foo``
                tokens.append((_ALL, "", (), False))
                continue
            tokens.append((_ALL if i >= n else _DIRS, "", (), False))
        elif ch == "*":
            tokens.append((_STAR, "", (), False))
        elif ch == "?":
            tokens.append((_ANY, "", (), False))
        elif ch == "[":
            token, i = _class(pattern, i)
            tokens.append(token)
        elif ch == "\\":
            if i >= n:
                raise ValueError("syntax error in pattern")
            tokens.append((_LIT, pattern[i], (), False))
            i += 1
        else:
            tokens.append((_LIT, ch, (), False))
    return tuple(tokens)


def _accepts(token: Token, ch: str) -> bool:
    kind, want, ranges, negated = token
    if kind == _LIT:
        return ch == want
    if kind == _CLASS:
        # docker hands classes to Go's regexp, where they match "/" too
        return any(lo <= ch <= hi for lo, hi in ranges) != negated
    return ch != "/"  # ``?``


def _closure(tokens: tuple[Token, ...], states: set[int]) -> set[int]:
    """Add the states reachable without a character. ``*``, ``**`` skip themselves; a
    ``**/`` (``(.*/)?``) also enters its loop state, numbered ``len(tokens) + 1 + k``."""
    todo = list(states)
    while todo:
        k = todo.pop()
        if k >= len(tokens) or tokens[k][0] not in (_STAR, _DIRS, _ALL):
            continue
        reached = [k + 1, len(tokens) + 1 + k] if tokens[k][0] == _DIRS else [k + 1]
        for state in reached:
            if state not in states:
                states.add(state)
                todo.append(state)
    return states


def glob_match(tokens: tuple[Token, ...], path: str) -> bool:
    """Whether the whole ``path`` matches the pattern."""
    n = len(tokens)
    states = _closure(tokens, {0})
    for ch in path:
        moved: set[int] = set()
        for k in states:
            if k > n:  # inside a ``**/``: any characters, leaving after a "/"
                moved.add(k)
                if ch == "/":
                    moved.add(k - n)
            elif k < n:
                kind = tokens[k][0]
                if kind == _ALL or (kind == _STAR and ch != "/"):
                    moved.add(k)
                elif kind not in (_STAR, _DIRS, _ALL) and _accepts(tokens[k], ch):
                    moved.add(k + 1)
        states = _closure(tokens, moved)
        if not states:
            return False
    return n in states


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern line: its cleaned text, tokens and whether it is an exception."""

    pattern: str
    tokens: tuple[Token, ...]
    exception: bool

    def matches(self, path: str) -> bool:
        """The pattern matches ``path`` or one of its parent directories."""
        if glob_match(self.tokens, path):
            return True
        cut = path.find("/")
        while cut >= 0:
            if glob_match(self.tokens, path[:cut]):
                return True
            cut = path.find("/", cut + 1)
        return False


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """The rules of one ignore file, in order (the last matching one decides)."""

    rules: tuple[Rule, ...] = ()

    @classmethod
    def from_text(cls, text: str, source: str = ".dockerignore") -> IgnoreRules:
        """Rules read as docker reads them; InvalidArgument for a malformed pattern."""
        rules = []
        for line in text.removeprefix("\ufeff").split("\n"):
            if line.startswith("#"):
                continue
            pattern = line.strip()
            if not pattern:
                continue
            exception = pattern.startswith("!")
            if exception:
                pattern = pattern[1:].strip()
            if pattern:
                pattern = go_clean(pattern)
                if len(pattern) > 1 and pattern.startswith("/"):
                    pattern = pattern[1:]
            if exception and not pattern:
                raise InvalidArgument(f'{source}: illegal exclusion pattern: "!"')
            try:
                tokens = compile_glob(pattern)
            except ValueError as e:
                raise InvalidArgument(f"{source}: {e}: {pattern}") from None
            rules.append(Rule(pattern, tokens, exception))
        return cls(tuple(rules))

    @property
    def has_exceptions(self) -> bool:
        return any(rule.exception for rule in self.rules)

    def matches(self, path: str) -> bool:
        """Whether the context path (slash-separated, relative) is excluded."""
        path = go_clean(path.lstrip("/"))
        if path == ".":
            return False  # docker never lets a pattern exclude the context itself
        excluded = False
        for rule in self.rules:
            if rule.exception == excluded and rule.matches(path):
                excluded = not rule.exception
        return excluded

    def may_reinclude_under(self, directory: str) -> bool:
        """Whether an exception could re-include something below ``directory``: when
        False, a walker can skip an excluded directory without looking inside."""
        parts = go_clean(directory.lstrip("/")).split("/")
        return any(rule.exception and _could_match_below(rule.pattern, parts)
                   for rule in self.rules)

    def can_skip_dir(self, directory: str) -> bool:
        """An excluded directory none of whose contents can be re-included."""
        return self.matches(directory) and not self.may_reinclude_under(directory)


def _could_match_below(pattern: str, parts: list[str]) -> bool:
    """Whether ``pattern`` could match a path below the directory ``parts`` (erring
    towards yes: a ``**`` before the directory's depth always could)."""
    pieces = pattern.split("/")
    for depth, part in enumerate(parts):
        if depth >= len(pieces):
            return False
        piece = pieces[depth]
        if "**" in piece:
            return True
        try:
            if not glob_match(compile_glob(piece), part):
                return False
        except ValueError:
            return True
    return len(pieces) > len(parts)


def _read_regular(path: str) -> str | None:
    """A regular file's text, None when absent; never follows a final symlink."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise InvalidArgument(f"cannot read {os.path.basename(path)}: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidArgument(f"{os.path.basename(path)} is not a regular file")
        if info.st_size > MAX_IGNORE_FILE:
            raise InvalidArgument(f"{os.path.basename(path)} is too large")
        data = f.read(MAX_IGNORE_FILE + 1)
    return data.decode("utf-8", "replace")


def _inside(root: str, path: str) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.dirname(path))
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def read_dockerignore(context_dir: str, dockerfile_path: str | None = None) -> IgnoreRules:
    """The rules for a build: ``<Dockerfile>.dockerignore`` beside the Dockerfile wins
    (BuildKit's rule), else ``.dockerignore`` in the context root, else none.

    ``dockerfile_path`` is absolute or relative to the context. A candidate inside the
    context whose directory resolves outside it (a symlink in a hostile context) is
    not read.
    """
    candidates = []
    if dockerfile_path:
        full = os.path.join(context_dir, dockerfile_path)
        candidates.append(full + ".dockerignore")
    candidates.append(os.path.join(context_dir, ".dockerignore"))
    for candidate in candidates:
        within = os.path.abspath(candidate).startswith(os.path.abspath(context_dir) + "/")
        if within and not _inside(context_dir, candidate):
            continue
        text = _read_regular(candidate)
        if text is not None:
            return IgnoreRules.from_text(text, os.path.basename(candidate))
    return IgnoreRules()
