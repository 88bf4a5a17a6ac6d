"""What the heredocs of RUN, COPY and ADD become, by docker's rules (BuildKit's
``dockerfile2llb``): pure decisions, no I/O, for the build engine to carry out.

- COPY/ADD: each source word that opens a heredoc (``<<EOF``) is that heredoc's body,
  a file named after the delimiter; the other words are context paths. The body is
  expanded (``expand.expand_heredoc``) only when the delimiter was unquoted.
- RUN with one heredoc whose word is the whole command (``RUN <<EOF``): the body is
  the command, given to the shell; a body starting with ``#!`` is instead written to
  ``/dev/pipes/<name>`` (mode 0755, a read-only mount) and that path run, so its own
  interpreter runs it.
- RUN otherwise (``RUN python3 <<EOF``, several heredocs): the text and each body and
  delimiter are joined back into one script for the shell, which reads them itself.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from berth.builder.ast import Heredoc, Instruction
from berth.builder.lexer import heredoc_word
from berth.builder.words import go_strip
from berth.errors import InvalidArgument

PIPES_DIR = "/dev/pipes/"


def _word_heredoc(word: str) -> Heredoc | None:
    try:
        return heredoc_word(word)
    except InvalidArgument:
        return None


def copy_sources(instruction: Instruction) -> tuple[tuple[str | Heredoc, ...], str]:
    """The sources of a COPY/ADD (context paths as written, or heredocs with their
    bodies) and its destination as written."""
    words = instruction.words()
    if len(words) < 2:
        raise InvalidArgument(f"{instruction.keyword} requires at least two arguments")
    bodies = {heredoc.name: heredoc for heredoc in instruction.heredocs}
    sources: list[str | Heredoc] = []
    for word in words[:-1]:
        opened = None if instruction.json_form else _word_heredoc(word)
        if opened is None:
            sources.append(word)
            continue
        body = bodies.get(opened.name)
        sources.append(Heredoc(opened.name, body.content if body else "", opened.expand,
                               opened.chomp))
    return tuple(sources), words[-1]


@dataclass(frozen=True, slots=True)
class RunScript:
    """The shell-form command a RUN with heredocs runs, and the program docker writes
    for a ``#!`` heredoc: ``program`` (the bytes' text) at ``path``, mode 0755, on a
    read-only mount of ``/dev/pipes``; then ``command`` is that path."""

    command: str
    program: str | None = None
    path: str = ""


def run_script(instruction: Instruction) -> RunScript:
    """What a shell-form RUN executes once its heredocs are resolved."""
    if not instruction.heredocs or instruction.json_form:
        return RunScript(instruction.args[0] if instruction.args else "")
    text = instruction.args[0] if instruction.args else ""
    if _word_heredoc(text) is not None:
        first = instruction.heredocs[0]
        data = first.text()
        if data.startswith("#!"):
            path = posixpath.join(PIPES_DIR, first.name)
            return RunScript(path, data, path)
        return RunScript(data)
    full = text
    for heredoc in instruction.heredocs:
        full += "\n" + heredoc.content + heredoc.name
    return RunScript(full)


def summary(heredoc: Heredoc) -> str:
    """Docker's short form of a heredoc for the step's name: its first line, ``...``
    when there are more."""
    lines = go_strip(heredoc.content).replace("\r\n", "\n").split("\n")
    return lines[0] + ("..." if len(lines) > 1 else "")
