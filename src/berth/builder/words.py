"""Docker's line-level word splitting: before any expansion, quotes kept.

``split_words`` is how ENV, LABEL and ARG are cut into words; ``split_flags`` takes the
``--flag=value`` words off the front of an instruction's arguments.
"""

from __future__ import annotations

import json
import re

WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_SPACE = frozenset("\t\n\v\f\r \x85\xa0")


def is_space(ch: str) -> bool:
    """Go's unicode.IsSpace, which docker's word splitting uses."""
    return ch in _SPACE if ord(ch) < 256 else ch.isspace()


def split_words(text: str, escape: str = "\\") -> list[str]:
    """Whitespace-separated words, quotes and escapes kept in them (docker's parseWords)."""
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
    """Go's strings.TrimSpace (Latin-1 spaces; others are Python's)."""
    return text.strip("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                      "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def split_flags(text: str, escape: str = "\\") -> tuple[list[str], str]:
    """The leading ``--flag[=value]`` words (quotes and escapes resolved) and the rest.

    A word ``--`` ends the flags, as in docker's extractBuilderFlags.
    """
    flags: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and is_space(text[i]):
            i += 1
        if i >= n:
            return flags, ""
        if not text.startswith("--", i):
            return flags, text[i:]
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
