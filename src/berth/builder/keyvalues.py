"""ENV, LABEL and ARG arguments split into names and values, as docker's parser does.

The words keep their quotes and escapes: ``k2="v 2"`` gives the value ``"v 2"``,
which ``berth.builder.expand.expand`` later turns into ``v 2`` (docker expands each
key and value as one word). ``ENV k v w`` (no ``=`` in the first word) is the legacy
form: one key, the rest of the line its value.
"""

from __future__ import annotations

from berth.builder.words import WHITESPACE, go_quote, split_words
from berth.errors import InvalidArgument


def parse_key_values(text: str, keyword: str = "ENV",
                     escape: str = "\\") -> list[tuple[str, str | None]]:
    """The ordered ``(name, raw value)`` pairs of an ENV, LABEL or ARG instruction.

    ENV and LABEL always have a value; an ARG without ``=`` has None (declared, no
    default). Raises InvalidArgument with docker's message for a malformed one.
    """
    keyword = keyword.upper()
    words = split_words(text, escape)
    if not words:
        raise InvalidArgument(f"{keyword} requires at least one argument")
    pairs: list[tuple[str, str | None]] = []
    if keyword == "ARG":
        for word in words:
            name, eq, value = word.partition("=")
            if eq and not name:
                raise InvalidArgument("ARG names can not be blank")
            pairs.append((name, value if eq else None))
        return pairs
    if "=" not in words[0]:
        parts = WHITESPACE.split(text, maxsplit=1)
        if len(parts) < 2:
            raise InvalidArgument(f"{keyword} must have two arguments")
        pairs.append((parts[0], parts[1]))
    else:
        for word in words:
            if "=" not in word:
                raise InvalidArgument(f"Syntax error - can't find = in {go_quote(word)}. "
                                      "Must be of the form: name=value")
            name, _, value = word.partition("=")
            pairs.append((name, value))
    if any(not name for name, _ in pairs):
        raise InvalidArgument(f"{keyword} names can not be blank")
    return pairs
