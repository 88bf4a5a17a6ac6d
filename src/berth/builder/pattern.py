"""The shell patterns of ``${VAR#pat}``, ``${VAR%pat}`` and ``${VAR/pat/repl}``.

``*`` is any string, ``?`` any one character, ``\\`` makes the next ``*``, ``?`` or
``\\`` literal (and is dropped before ``}`` and ``/``); there are no brackets, as in
docker's lexer. Docker compiles these to Go regular expressions, which run in linear
time; Python's backtracking ``re`` would not (``*a*a*a*b`` on a long value never
ends), so a pattern is matched here by simulating its automaton: every step is
O(len(pattern)) whatever the text.
"""

from __future__ import annotations

from dataclasses import dataclass

_LITERAL, _ANY, _STAR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern: (kind, character) tokens."""

    tokens: tuple[tuple[int, str], ...]

    def reversed(self) -> Pattern:
        return Pattern(self.tokens[::-1])


def compile_pattern(text: str) -> Pattern:
    """The tokens of ``text``; ValueError for an escape docker refuses."""
    tokens: list[tuple[int, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == "\\":
            following = text[i] if i < len(text) else ""
            if following in ("}", "/") and following:
                continue
            i += 1
            if following not in ("*", "?", "\\") or not following:
                raise ValueError(f"invalid pattern ({text}) in substitution: "
                                 f"invalid escape '\\{following}'")
            tokens.append((_LITERAL, following))
        elif ch == "*":
            if not tokens or tokens[-1][0] != _STAR:
                tokens.append((_STAR, ch))
        elif ch == "?":
            tokens.append((_ANY, ch))
        else:
            tokens.append((_LITERAL, ch))
    return Pattern(tuple(tokens))


def _closure(tokens: tuple[tuple[int, str], ...], states: dict[int, int]) -> dict[int, int]:
    """Add the states a ``*`` lets the automaton skip to, each keeping its earliest start."""
    for k in sorted(states):
        if k < len(tokens) and tokens[k][0] == _STAR:
            start = states[k]
            if states.get(k + 1, start + 1) > start:
                states[k + 1] = start
    return states


def _step(tokens: tuple[tuple[int, str], ...], states: dict[int, int], ch: str) -> dict[int, int]:
    moved: dict[int, int] = {}
    for k, start in states.items():
        if k == len(tokens):
            continue
        kind, want = tokens[k]
        target = k if kind == _STAR else k + 1
        if (kind != _LITERAL or want == ch) and moved.get(target, start + 1) > start:
            moved[target] = start
    return _closure(tokens, moved)


def _prefix_ends(pattern: Pattern, text: str) -> list[int]:
    """The lengths of the prefixes of ``text`` the whole pattern matches, ascending."""
    tokens, accept = pattern.tokens, len(pattern.tokens)
    states = _closure(tokens, {0: 0})
    ends = [0] if accept in states else []
    for i, ch in enumerate(text):
        states = _step(tokens, states, ch)
        if not states:
            break
        if accept in states:
            ends.append(i + 1)
    return ends


def trim_prefix(pattern: Pattern, value: str, greedy: bool) -> str:
    """``${VAR#pat}`` (shortest match removed) and ``${VAR##pat}`` (longest)."""
    ends = _prefix_ends(pattern, value)
    if not ends:
        return value
    return value[(ends[-1] if greedy else ends[0]):]


def trim_suffix(pattern: Pattern, value: str, greedy: bool) -> str:
    """``${VAR%pat}`` and ``${VAR%%pat}``: the prefix rule on the reversed text."""
    return trim_prefix(pattern.reversed(), value[::-1], greedy)[::-1]


def _search(pattern: Pattern, text: str, pos: int) -> tuple[int, int] | None:
    """The leftmost, then longest, match at or after ``pos``."""
    tokens, accept = pattern.tokens, len(pattern.tokens)
    states: dict[int, int] = {}
    best: tuple[int, int] | None = None
    for i in range(pos, len(text) + 1):
        if best is None and 0 not in states:
            states[0] = i
            states = _closure(tokens, states)
        if accept in states:
            start = states[accept]
            if best is None or start <= best[0]:
                best = (start, i)
        if best is not None:
            states = {k: s for k, s in states.items() if s <= best[0]}
        if i == len(text) or (best is not None and not states):
            break
        states = _step(tokens, states, text[i])
    return best


def replace(pattern: Pattern, value: str, replacement: str, replace_all: bool) -> str:
    """``${VAR/pat/repl}`` (the first match) and ``${VAR//pat/repl}`` (every match;
    an empty match right after a match is skipped, as Go's ReplaceAllString does)."""
    out: list[str] = []
    pos, last_end = 0, -1
    while pos <= len(value):
        found = _search(pattern, value, pos)
        if found is None:
            break
        start, end = found
        if start == end == last_end:
            if start >= len(value):
                break
            out.append(value[pos:start + 1])
            pos = start + 1
            continue
        out.append(value[pos:start])
        out.append(replacement)
        pos, last_end = end, end
        if not replace_all:
            break
        if start == end:
            if end >= len(value):
                break
            out.append(value[end])
            pos = end + 1
    out.append(value[pos:])
    return "".join(out)
