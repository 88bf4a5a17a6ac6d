"""A Dockerfile's text to ``berth.builder.ast`` values, refusing what docker refuses.

``parse`` is the whole front end: the lexer (``lexer.py``) makes logical lines, each
becomes an ``Instruction`` checked by ``instructions.py``, and the instructions are
grouped into stages. Every refusal is a ``DockerfileError`` (an ``InvalidArgument``)
whose message names the file and the instruction's first line, with docker's words:
``Dockerfile:7: unknown instruction: RUNN (did you mean RUN?)``.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from berth.builder.ast import Dockerfile, Heredoc, Instruction, Stage
from berth.builder.instructions import (
    CHECKS,
    KEYWORDS,
    check_healthcheck,
    node_args,
    parse_flags,
    stage_name,
    suggest,
)
from berth.builder.keyvalues import parse_key_values
from berth.builder.lexer import DockerfileError, LogicalLine, json_list, lex, split_command
from berth.builder.words import go_strip, is_space, split_words
from berth.errors import InvalidArgument

__all__ = ["DockerfileError", "onbuild_expression", "parse", "parse_instruction",
           "parse_onbuild_trigger", "parse_trigger"]

_JSON_KEYWORDS = frozenset({"ADD", "COPY", "VOLUME", "CMD", "ENTRYPOINT", "RUN", "SHELL"})
_ONBUILD_PREFIX = re.compile(r"\A\s*ONBUILD\s*", re.IGNORECASE)


def parse(text: str, filename: str = "Dockerfile") -> Dockerfile:
    """The Dockerfile ``text`` parsed and checked; DockerfileError at the first fault."""
    lexed = lex(text, filename)
    if not lexed.lines:
        last = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        raise DockerfileError(filename, last, "file with no instructions")
    meta_args: list[Instruction] = []
    stages: list[tuple[Instruction, str | None, list[Instruction]]] = []
    names: set[str] = set()
    for logical in lexed.lines:
        instruction = _build(logical, lexed.escape, filename)
        if instruction.keyword == "FROM":
            name = stage_name(list(instruction.words()))
            if name is not None and name in names:
                raise DockerfileError(filename, instruction.line, f"duplicate stage name "
                                      f"'{name}', stage names should be unique")
            if name is not None:
                names.add(name)
            stages.append((instruction, name, []))
        elif stages:
            stages[-1][2].append(instruction)
        elif instruction.keyword == "ARG":
            meta_args.append(instruction)
        else:
            raise DockerfileError(filename, instruction.line, "no build stage in current context")
    return Dockerfile(
        stages=tuple(_stage(i, frm, name, body) for i, (frm, name, body) in enumerate(stages)),
        meta_args=tuple(meta_args),
        directives=MappingProxyType(dict(lexed.directives)),
        filename=filename,
        escape=lexed.escape,
        notes=tuple(lexed.notes),
    )


def _stage(index: int, frm: Instruction, name: str | None, body: list[Instruction]) -> Stage:
    return Stage(base=frm.words()[0], name=name, platform=frm.flag("platform"),
                 instructions=tuple(body), line=frm.line, index=index, original=frm.original)


def _build(logical: LogicalLine, escape: str, filename: str) -> Instruction:
    try:
        return parse_instruction(logical.text, escape, logical.heredocs, logical.line,
                                 logical.end_line)
    except InvalidArgument as e:
        raise DockerfileError(filename, logical.line, e.message) from None


def parse_instruction(text: str, escape: str = "\\", heredocs: tuple[Heredoc, ...] = (),
                      line: int = 1, end_line: int = 0) -> Instruction:
    """One logical line (continuations already joined) as a checked Instruction;
    InvalidArgument with docker's message (no file or line) when docker refuses it."""
    written, raw_flags, rest = split_command(text, escape)
    keyword = written.upper()
    json_form, listed = False, None
    if keyword in _JSON_KEYWORDS:
        listed = _json_args(rest)
        json_form = listed is not None
    if keyword == "HEALTHCHECK":
        args, json_form = _health_args(rest)
        flags = check_healthcheck(args, json_form, raw_flags)
    elif keyword == "SHELL":
        args = tuple(listed) if listed is not None else ((rest,) if rest else ())
        flags = _check_shell(args, json_form, raw_flags)
    else:
        check = CHECKS.get(keyword)
        if check is None:
            raise InvalidArgument(f"unknown instruction: {written}"
                                  + suggest(written, KEYWORDS, False))
        flags = check(node_args(keyword, rest, listed, escape), raw_flags, escape)
        if keyword == "ONBUILD":
            _check_trigger_line(rest, escape)
        args = tuple(listed) if listed is not None else ((rest,) if rest else ())
    return Instruction(keyword=keyword, args=args, json_form=json_form, flags=flags,
                       heredocs=heredocs, line=line, original=go_strip(text),
                       end_line=end_line or line)


def _check_trigger_line(text: str, escape: str) -> None:
    """What docker's line parser refuses in an ONBUILD's trigger at parse time (the
    trigger's own checks run when an image built FROM this one fires it)."""
    written, _, rest = split_command(text, escape)
    keyword = written.upper()
    if keyword in _JSON_KEYWORDS:
        _json_args(rest)
    elif keyword == "HEALTHCHECK":
        _health_args(rest)
    elif keyword in ("ENV", "LABEL") and split_words(rest, escape):
        parse_key_values(rest, keyword, escape)


def _json_args(rest: str) -> list[str] | None:
    try:
        return json_list(rest)
    except ValueError as e:
        raise InvalidArgument(str(e)) from None


def _health_args(rest: str) -> tuple[tuple[str, ...], bool]:
    """HEALTHCHECK's type word, then its command as JSON or one shell string."""
    sep = 0
    while sep < len(rest) and not is_space(rest[sep]):
        sep += 1
    if sep == 0:
        return (), False
    kind = rest[:sep].upper()
    start = sep
    while start < len(rest) and is_space(rest[start]):
        start += 1
    command = rest[start:]
    listed = _json_args(command)
    if listed is not None:
        return (kind, *listed), True
    return ((kind, command) if command else (kind,)), False


def _check_shell(args: tuple[str, ...], json_form: bool, raw_flags: list[str]
                 ) -> tuple[tuple[str, str], ...]:
    flags = parse_flags("SHELL", raw_flags)
    if not args:
        raise InvalidArgument("SHELL requires at least one argument")
    if not json_form:
        raise InvalidArgument("SHELL requires the arguments to be in JSON form")
    return flags


def parse_onbuild_trigger(instruction: Instruction, escape: str = "\\") -> Instruction:
    """The instruction an ONBUILD holds, parsed and checked (its heredocs kept)."""
    return parse_instruction(instruction.args[0], escape, instruction.heredocs,
                             instruction.line, instruction.end_line)


def parse_trigger(expression: str) -> Instruction:
    """An ONBUILD trigger read back from an image's ``OnBuild`` list (heredoc bodies
    included, as ``onbuild_expression`` stores them), checked as docker checks it when a
    build FROM that image fires it. InvalidArgument without a location: the trigger
    comes from the image, not the Dockerfile."""
    try:
        lexed = lex(expression, "ONBUILD")
    except DockerfileError as e:
        raise InvalidArgument(e.reason) from None
    if len(lexed.lines) != 1:
        raise InvalidArgument("onbuild trigger should be a single expression")
    (logical,) = lexed.lines
    instruction = parse_instruction(logical.text, lexed.escape, logical.heredocs)
    if instruction.keyword == "ONBUILD":
        raise InvalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if instruction.keyword in ("FROM", "MAINTAINER"):
        raise InvalidArgument(f"{instruction.keyword} isn't allowed as an ONBUILD trigger")
    return instruction


def onbuild_expression(instruction: Instruction) -> str:
    """The trigger text docker stores in the image's ``OnBuild`` list: the instruction
    without ``ONBUILD``, each heredoc's body and terminator appended on new lines."""
    parts = [_ONBUILD_PREFIX.sub("", instruction.original)]
    for heredoc in instruction.heredocs:
        parts.append("\n" + heredoc.content + heredoc.name)
    return "".join(parts)
