"""Hostile Dockerfiles, words and ignore files: the front end refuses with an
InvalidArgument naming the line, never another exception, never a hang.

The examples are drawn without a database, so every run draws the same ones.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berth.builder.dockerignore import IgnoreRules
from berth.builder.expand import expand, expand_words
from berth.builder.lexer import DockerfileError
from berth.builder.parser import parse
from berth.errors import InvalidArgument

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

SEED = """# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM ${BASE} AS build
RUN --mount=type=cache,target=/c echo "a b" \\
  # comment
  && echo 'c'
COPY --from=build --chown=1:1 <<EOF /x
hello $X
EOF
RUN <<-"EOT" sh
\techo hi
\tEOT
CMD ["sh", "-c", "x"]
ENV a=1 b="two words" c=three\\ words
LABEL k=v
HEALTHCHECK --interval=5s --retries=3 CMD curl -f x || exit 1
ONBUILD RUN echo hi
VOLUME ["/v"]
EXPOSE 80/tcp
FROM scratch
COPY --from=0 /a /b
"""
TOKENS = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "ONBUILD", "HEALTHCHECK",
          "SHELL", "CMD", "NONE", "AS", "--from=", "--mount=", "--", "<<", "<<-", "EOF", "\\",
          "`", "\n", " ", "\t", "\"", "'", "[", "]", "{", "}", "$", "${", ":-", "=", "#",
          "# escape=`\n", "\r\n", "\ufeff", "\x00", "é"]
LINE_MESSAGE = re.compile(r"^Dockerfile:\d+: .+", re.DOTALL)


def check_parse(text: str) -> None:
    try:
        parse(text)
    except DockerfileError as e:
        assert LINE_MESSAGE.match(e.message), e.message
        assert 1 <= e.line <= max(1, text.count("\n") + 1)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check_parse(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=60))
def test_token_soup(tokens: list[str]) -> None:
    check_parse("".join(tokens))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SEED)), st.integers(0, 8),
                          st.sampled_from(TOKENS) | st.text(max_size=3)), max_size=8))
def test_mutated_dockerfile(edits: list[tuple[int, int, str]]) -> None:
    text = SEED
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut:]
    check_parse(text)


WORD = st.lists(st.sampled_from(["$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "*", "\\",
                                 "'", '"', "`", "a", "B", "1", " ", "@", "<<"])
                | st.text(max_size=2), max_size=40).map("".join)


@FUZZ
@given(WORD, st.dictionaries(st.sampled_from(["a", "B", "1", "_"]), st.text(max_size=20)),
       st.sampled_from(["\\", "`"]))
def test_expand_refuses_cleanly(word: str, env: dict[str, str], escape: str) -> None:
    for fn in (expand, expand_words):
        try:
            fn(word, env, escape)
        except InvalidArgument as e:
            assert e.message.startswith("failed to process ")


IGNORE = st.lists(st.sampled_from(["*", "**", "?", "[", "]", "^", "-", "\\", "!", "/", "#", ".",
                                   "..", "a", "b", "\n", " "]) | st.text(max_size=3),
                  max_size=30).map("".join)
PATH = st.lists(st.sampled_from(["a", "b", "/", ".", "*", "[", "é"]), max_size=20).map("".join)


@FUZZ
@given(IGNORE, PATH)
def test_dockerignore_refuses_cleanly(text: str, path: str) -> None:
    try:
        rules = IgnoreRules.from_text(text)
    except InvalidArgument as e:
        assert e.message.startswith(".dockerignore: ")
        return
    assert rules.matches(path) in (True, False)
    assert rules.may_reinclude_under(path) in (True, False)
