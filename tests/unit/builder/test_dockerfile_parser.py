"""The Dockerfile parser: each instruction form parsed as docker parses it.

Cases follow BuildKit's ``frontend/dockerfile/parser/testfiles`` and the Dockerfile
reference (``shared/ref/dockerfile-reference.md``); expected values are docker's.
"""

import pytest

from berth.builder.ast import Heredoc, Instruction
from berth.builder.parser import (
    onbuild_expression,
    parse,
    parse_onbuild_trigger,
    parse_trigger,
)
from berth.errors import InvalidArgument


def only(text: str) -> Instruction:
    """The single instruction after a ``FROM scratch``."""
    df = parse("FROM scratch\n" + text)
    (instruction,) = df.stages[0].instructions
    return instruction


def test_stages_meta_args_and_names() -> None:
    df = parse("ARG TAG=1\nARG OTHER\nFROM busybox:$TAG AS Build\nRUN true\n"
               "FROM --platform=linux/arm64 build\nCOPY --from=build /a /b\n")
    assert [a.args for a in df.meta_args] == [("TAG=1",), ("OTHER",)]
    first, second = df.stages
    assert (first.base, first.name, first.index, first.line) == ("busybox:$TAG", "build", 0, 3)
    assert (second.base, second.name, second.platform) == ("build", None, "linux/arm64")
    assert second.instructions[0].flags == (("from", "build"),)
    assert df.stage("BUILD") is first and df.stage("1") is second and df.stage("2") is None
    assert first.original == "FROM busybox:$TAG AS Build"


def test_shell_and_exec_forms() -> None:
    assert only("RUN echo hi   there").args == ("echo hi   there",)
    run = only('RUN ["echo", "hi"]')
    assert (run.args, run.json_form) == (("echo", "hi"), True)
    # invalid JSON falls back to the shell form, as docker does
    for text in ("CMD [\"a\", 'b']", 'CMD ["unterminated]', "CMD [a]", 'CMD ["a"] x'):
        cmd = only(text)
        assert (cmd.args, cmd.json_form) == ((text[4:],), False)
    assert only("ENTRYPOINT []").args == ()
    assert only("CMD").args == ()


def test_continuations_comments_and_empty_lines() -> None:
    df = parse("FROM scratch\nRUN echo a \\\n# a comment inside\n\n   \\\n  && echo b\n")
    run = df.stages[0].instructions[0]
    # the line of blanks and an escape adds its blanks, as docker joins it
    assert run.args == ("echo a      && echo b",)
    assert (run.line, run.end_line) == (2, 6)
    assert df.notes == ("Empty continuation line found in: RUN echo a      && echo b",)


def test_backtick_escape_directive() -> None:
    df = parse("# escape=`\nFROM scratch\nRUN dir c:\\ `\n  && echo x\nCOPY a\\ b c\n")
    assert df.escape == "`" and df.directives["escape"] == "`"
    run, copy = df.stages[0].instructions
    assert run.args == ("dir c:\\   && echo x",)
    assert copy.words() == ("a\\", "b", "c")


def test_directives_only_at_the_top() -> None:
    df = parse("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM scratch\n")
    assert dict(df.directives) == {"syntax": "docker/dockerfile:1", "check": "skip=all",
                                   "escape": "`"}
    assert any("check" in note for note in df.notes)
    late = parse("# a comment\n# escape=`\nFROM scratch\nRUN a \\\n b\n")
    assert late.escape == "\\" and dict(late.directives) == {}
    assert late.stages[0].instructions[0].args == ("a  b",)


def test_heredocs() -> None:
    df = parse("FROM scratch\nRUN <<EOF\necho $HOME\nEOF\n"
               "RUN <<-'EOT' cat <<\"OTHER\"\n\techo hi\n\tEOT\nx\nOTHER\n"
               "COPY <<one <<two /dest/\n1\none\n2\ntwo\n")
    run, run2, copy = df.stages[0].instructions
    assert run.heredocs == (Heredoc("EOF", "echo $HOME\n", True, False),)
    assert run2.heredocs == (Heredoc("EOT", "\techo hi\n", False, True),
                             Heredoc("OTHER", "x\n", False, False))
    assert run2.heredocs[0].text() == "echo hi\n"
    assert [h.name for h in copy.heredocs] == ["one", "two"]
    assert copy.words() == ("<<one", "<<two", "/dest/")
    assert (copy.line, copy.end_line) == (10, 14)


def test_exec_form_takes_no_heredoc() -> None:
    with pytest.raises(InvalidArgument, match=r"^Dockerfile:3: unknown instruction: EOF"):
        parse('FROM scratch\nRUN ["cat", "<<EOF"]\nEOF\n')


def test_flags_normalised() -> None:
    copy = only("COPY --link --chmod=755 --chown=1:1 --from=x --exclude=a --exclude=b s d")
    assert copy.flags == (("link", "true"), ("chmod", "755"), ("chown", "1:1"), ("from", "x"),
                          ("exclude", "a"), ("exclude", "b"))
    assert copy.flag_values("exclude") == ("a", "b") and copy.flag("link") == "true"
    run = only("RUN --mount=type=cache,target=/x --mount=type=tmpfs,target=/t "
               "--network=none echo")
    assert run.flag_values("mount") == ("type=cache,target=/x", "type=tmpfs,target=/t")
    assert run.args == ("echo",)
    add = only("ADD --keep-git-dir=false --checksum=sha256:ab https://x/y /z")
    assert add.flags == (("keep-git-dir", "false"), ("checksum", "sha256:ab"))
    assert only('COPY --chown="a b" s d').flags == (("chown", "a b"),)
    assert only('COPY "--chown=a" s d').words() == ('"--chown=a"', "s", "d")
    assert only("COPY -- --weird d").args == ("--weird d",)


def test_env_label_arg_raw_text() -> None:
    assert only('ENV a=1 b="two words"').args == ('a=1 b="two words"',)
    assert only("LABEL version=1.0").args == ("version=1.0",)
    assert only("ARG x=1").args == ("x=1",)


def test_healthcheck_forms() -> None:
    assert only("HEALTHCHECK NONE").args == ("NONE",)
    hc = only("HEALTHCHECK --interval=5s --retries=3 cmd curl -f http://x/")
    assert (hc.args, hc.json_form) == (("CMD", "curl -f http://x/"), False)
    hc = only('HEALTHCHECK CMD ["curl", "-f"]')
    assert (hc.args, hc.json_form) == (("CMD", "curl", "-f"), True)


def test_onbuild() -> None:
    df = parse("FROM scratch\nONBUILD RUN <<EOF\necho hi\nEOF\nONBUILD ADD . /app\n")
    run, add = df.stages[0].instructions
    assert run.args == ("RUN <<EOF",) and run.heredocs[0].content == "echo hi\n"
    assert onbuild_expression(run) == "RUN <<EOF\necho hi\nEOF"
    trigger = parse_onbuild_trigger(add)
    assert (trigger.keyword, trigger.words()) == ("ADD", (".", "/app"))


def test_every_keyword_parses() -> None:
    df = parse("""FROM busybox
MAINTAINER someone <a@b>
RUN echo
CMD ["sh"]
LABEL a=b
EXPOSE 80/tcp 443
ENV PATH=/x:$PATH
ADD a b
COPY c d
ENTRYPOINT ["/e"]
VOLUME ["/v", "/w"]
USER 1000:1000
WORKDIR /w
ARG X
ONBUILD RUN echo
STOPSIGNAL SIGTERM
HEALTHCHECK NONE
SHELL ["/bin/sh", "-c"]
""")
    keywords = [i.keyword for i in df.stages[0].instructions]
    assert keywords == ["MAINTAINER", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
                        "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD",
                        "STOPSIGNAL", "HEALTHCHECK", "SHELL"]
    volume = df.stages[0].instructions[9]
    assert (volume.args, volume.json_form) == (("/v", "/w"), True)


def test_keywords_are_case_insensitive_and_original_kept() -> None:
    run = only("  run   echo   hi  ")
    assert (run.keyword, run.original, run.args) == ("RUN", "run   echo   hi", ("echo   hi",))


def test_triggers_read_back_from_an_image() -> None:
    df = parse("FROM a\nONBUILD COPY <<EOF /x\nhi\nEOF\nONBUILD RUN echo $HOME\n")
    expressions = [onbuild_expression(i) for i in df.stages[0].instructions]
    assert expressions == ["COPY <<EOF /x\nhi\nEOF", "RUN echo $HOME"]
    copy = parse_trigger(expressions[0])
    assert (copy.keyword, copy.words(), copy.heredocs) == (
        "COPY", ("<<EOF", "/x"), (Heredoc("EOF", "hi\n", True, False),))
    assert parse_trigger(expressions[1]).args == ("echo $HOME",)


@pytest.mark.parametrize(("expression", "message"), [
    ("RUN a\nRUN b", "onbuild trigger should be a single expression"),
    ("", "onbuild trigger should be a single expression"),
    ("FROM x", "FROM isn't allowed as an ONBUILD trigger"),
    ("ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
    ("NOPE", "unknown instruction: NOPE (did you mean COPY?)"),
    ("RUN <<EOF", "unterminated heredoc"),
])
def test_bad_triggers(expression: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_trigger(expression)
    assert caught.value.message == message
