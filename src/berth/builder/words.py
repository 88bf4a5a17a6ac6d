"""Docker's line-level word splitting: before any expansion, quotes kept.

``split_words`` is how ENV, LABEL and ARG are cut into words; ``split_flags`` takes the
``--flag=value`` words off the front of an instruction's arguments.
"""

from __future__ import annotations

import json
import re

WHITESPACE = re.compile(r"[\t\v\f\r ]+")
# Go's unicode.IsSpace: the Unicode White_Space characters (Python's isspace adds others)
GO_SPACES = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE = frozenset(GO_SPACES)
_SPACE_RUN = re.compile(f"[{GO_SPACES}]+")
_PLAIN_FLAG = re.compile(f"[^{GO_SPACES}'\"]+(?=[{GO_SPACES}]|\\Z)")


def is_space(ch: str) -> bool:
    """Go's unicode.IsSpace, which docker's word splitting uses."""
    return ch in _SPACE


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Whitespace-separated words, quotes and escapes kept in them (docker's parseWords)."""
    if "'" not in text and '"' not in text and escape not in text:
        return [word for word in _SPACE_RUN.split(text) if word]
    words: list[str] = []
    buf: list[str] = []
    quote = ""
    blank_ok = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if not quote and is_space(ch):
            if blank_ok or buf:
                words.append("".join(buf))
            buf.clear()
            blank_ok = False
            continue
        if ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote, blank_ok = ch, True
        elif ch == escape and quote != "'":
            if i == n:  # an escape at the very end is dropped
                continue
            buf.append(ch)  # kept with the character it escapes, for the expansion later
            ch = text[i]
            i += 1
        buf.append(ch)
    if blank_ok or buf:
        words.append("".join(buf))
    return words


def go_strip(text: str) -> str:
    """Go's strings.TrimSpace."""
    return text.strip(GO_SPACES)


def split_flags(text: str, escape: str = "\\") -> tuple[list[str], str]:
    """The leading ``--flag[=value]`` words (quotes and escapes resolved) and the rest.

    A word ``--`` ends the flags, as in docker's extractBuilderFlags.
    """
    flags: list[str] = []
    if not text.lstrip(GO_SPACES).startswith("--"):
        return flags, text.lstrip(GO_SPACES)
    i, n = 0, len(text)
    while True:
        while i < n and is_space(text[i]):
            i += 1
        if i >= n:
            return flags, ""
        if not text.startswith("--", i):
            return flags, text[i:]
        plain = _PLAIN_FLAG.match(text, i)
        if plain and escape not in plain.group():
            word, i, blank_ok = plain.group(), plain.end(), False
        else:
            word, i, blank_ok = _flag_word(text, i, escape)
        if word == "--":
            return flags, text[i:]
        if blank_ok or word:
            flags.append(word)


def _flag_word(text: str, i: int, escape: str) -> tuple[str, int, bool]:
    """One flag word from ``i``: its text, the index after it, whether it was quoted."""
    buf: list[str] = []
    quote = ""
    blank_ok = False
    n = len(text)
    while i < n:
        ch = text[i]
        i += 1
        if not quote and is_space(ch):
            return "".join(buf), i - 1, blank_ok
        if ch == quote:
            quote = ""
            continue
        if not quote and ch in "'\"":
            quote, blank_ok = ch, True
            continue
        if ch == escape:
            if i == n:
                quote = ""
                continue
            ch = text[i]
            i += 1
        buf.append(ch)
    return "".join(buf), n, blank_ok


def go_quote(text: str) -> str:
    """A string quoted for a message, as Go's %q would (JSON's escapes are close)."""
    return json.dumps(text, ensure_ascii=False)
