"""The parsed Dockerfile: plain frozen values the build engine walks.

Nothing here is expanded: words keep their quotes and ``$VAR``s exactly as written,
because *where* docker expands (and with which ARG/ENV values) is the engine's
decision, made step by step (see ``berth.builder.expand``). The parser has already
applied every check docker makes before a build starts, so an ``Instruction`` here
is one docker would accept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Heredoc:
    """One here-document attached to RUN, COPY, ADD (or an ONBUILD of those).

    ``content`` is exactly the lines between the instruction and the terminator,
    newlines included and leading tabs kept; ``text()`` is what the file holds.
    ``expand`` is False when any part of the delimiter word was quoted
    (``<<"EOF"``, ``<<'EOF'``), as in the shell: then ``$VAR`` stays literal.
    """

    name: str
    content: str
    expand: bool
    chomp: bool  # ``<<-``: leading tabs are stripped from every line (and the terminator)

    def text(self) -> str:
        """The content as the file or script gets it (tabs stripped for ``<<-``)."""
        return _LEADING_TABS.sub("", self.content) if self.chomp else self.content


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction, continuation lines joined.

    ``args`` by keyword:

    - exec/JSON form (``json_form``): the JSON list's strings;
    - ENV, LABEL, ARG: ``(raw text after the flags,)``; ``parse_key_values`` splits it;
    - HEALTHCHECK: ``(TYPE, *command)``: ``("NONE",)``, ``("CMD", "curl -f x")`` in shell
      form, ``("CMD", "curl", "-f", "x")`` with ``json_form`` for the exec form;
    - ONBUILD: ``(the trigger's text,)``, e.g. ``("RUN echo hi",)``; its heredocs, if any,
      are in ``heredocs``;
    - every other shell form: ``(text after the flags,)``, an empty tuple when there is
      none. ``words()`` gives docker's whitespace split that ADD, COPY, VOLUME, EXPOSE
      and FROM use.

    ``flags`` keep docker's order, one pair per occurrence (``--mount`` repeats); a
    boolean flag's value is normalised to ``"true"``/``"false"`` (``--link`` alone is
    ``("link", "true")``). ``original`` is the text docker prints in ``Step N/M : ...``.
    """

    keyword: str
    args: tuple[str, ...]
    json_form: bool
    flags: tuple[tuple[str, str], ...]
    heredocs: tuple[Heredoc, ...]
    line: int
    original: str
    end_line: int = 0  # the last line of the instruction (its heredocs included)

    def words(self) -> tuple[str, ...]:
        """The arguments split the way docker's list-taking instructions split them."""
        if self.json_form or not self.args:
            return self.args
        return tuple(w for w in _WHITESPACE.split(self.args[0]) if w)

    def flag(self, name: str) -> str | None:
        """The last value given for flag ``name``, None when it is absent."""
        found = None
        for key, value in self.flags:
            if key == name:
                found = value
        return found

    def flag_values(self, name: str) -> tuple[str, ...]:
        """Every value given for a repeatable flag (``--mount``, ``--exclude``), in order."""
        return tuple(value for key, value in self.flags if key == name)


@dataclass(frozen=True, slots=True)
class Stage:
    """A ``FROM`` and the instructions up to the next one.

    ``base`` is the image word as written (it may hold ``$ARG``s from the meta args);
    ``name`` is the ``AS`` name lower-cased, as docker compares stage names.
    """

    base: str
    name: str | None
    platform: str | None
    instructions: tuple[Instruction, ...]
    line: int
    index: int
    original: str = ""  # the FROM line as docker prints it


def _empty_directives() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """A whole Dockerfile: parser directives, the ARGs before the first FROM, stages.

    ``directives`` maps the lower-cased names of the directives found at the top
    (``syntax``, ``escape``, ``check``) to their values; ``notes`` are warnings to show
    the user (a ``# check=`` directive berth ignores, empty continuation lines).
    """

    stages: tuple[Stage, ...]
    meta_args: tuple[Instruction, ...] = ()
    directives: Mapping[str, str] = field(default_factory=_empty_directives)
    filename: str = "Dockerfile"
    escape: str = "\\"
    notes: tuple[str, ...] = ()

    def stage(self, name_or_index: str) -> Stage | None:
        """The stage a ``--from``/``--target`` names: a stage name (any case) or index."""
        lowered = name_or_index.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name == lowered:
                return stage
        digits = name_or_index.isascii() and name_or_index.isdigit()
        if digits and int(name_or_index) < len(self.stages):
            return self.stages[int(name_or_index)]
        return None
