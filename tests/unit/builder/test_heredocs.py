"""Heredocs as docker reads them.

The corpus is BuildKit's ``frontend/dockerfile/parser/parser_heredoc_test.go``
(moby/buildkit, Apache-2.0) rewritten as Python data, checked at the lexer level as
theirs is (their file holds lines no instruction check would pass, like ``INVALID``).
"""

import pytest

from berth.builder.ast import Heredoc
from berth.builder.heredocs import copy_sources, run_script, summary
from berth.builder.lexer import heredoc_word, heredocs_in, lex
from berth.builder.parser import parse
from berth.errors import InvalidArgument

CORPUS = """
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
\tfoo
\tbar
INDENT

RUN <<-UNINDENT
\tbaz
\tquux
UNINDENT

RUN <<-UNINDENT2
\tbaz
\tquux
\tUNINDENT2

RUN <<-EXPAND
\texpand $NAME
EXPAND

RUN <<-'NOEXPAND'
\tdon't expand $NAME
NOEXPAND

RUN <<COPY
echo hello world
echo foo bar
COPY

RUN <<COMMENT
# internal comment
echo hello world
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<EOF /quotes
"foo"
'bar'
EOF

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

COPY <<file.txt /dest
hello world
file.txt

RUN <<eo'f'
echo foo
eof

RUN <<eo\\'f
echo foo
eo'f

RUN <<'e'o\\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF
EOF

RUN <<  EOF  > foo
EOF
\t"""


def h(name: str, content: str = "", expand: bool = True, chomp: bool = False) -> Heredoc:
    return Heredoc(name, content, expand, chomp)


EXPECTED: list[list[Heredoc]] = [
    [],  # ENV
    [],  # RUN ls
    [],  # USER <<INVALID
    [],  # INVALID
    [h("EMPTY")],
    [h("EMPTY2")],  # 3<<EMPTY2: the file descriptor is not kept
    [],  # RUN "<<NOHEREDOC"
    [h("INDENT", "\tfoo\n\tbar\n")],
    [h("UNINDENT", "\tbaz\n\tquux\n", chomp=True)],
    [h("UNINDENT2", "\tbaz\n\tquux\n", chomp=True)],
    [h("EXPAND", "\texpand $NAME\n", chomp=True)],
    [h("NOEXPAND", "\tdon't expand $NAME\n", expand=False, chomp=True)],
    [h("COPY", "echo hello world\necho foo bar\n")],
    [h("COMMENT", "# internal comment\necho hello world\necho foo bar # trailing comment\n")],
    [h("MOUNT", "echo hello\n")],
    [h("FILE1", "content 1\n"), h("FILE2", "content 2\n")],
    [h("EOF", "\"foo\"\n'bar'\n")],
    [h("X", "Y\n"), h("Y", "X\n")],
    [h("COMPLEX", "print('hello world')\n")],
    [h("file.txt", "hello world\n")],
    [h("eof", "echo foo\n", expand=False)],
    [h("eo'f", "echo foo\n")],
    [h("eo'f", "echo foo\n", expand=False)],
    [h("one two", "echo bar\n", expand=False)],
    [h("$EOF")],
    [h("EOF")],
    [h("EOF")],
]


def test_buildkit_heredoc_corpus() -> None:
    lines = lex(CORPUS).lines
    assert [list(line.heredocs) for line in lines[1:]] == EXPECTED


def test_exec_form_has_no_heredoc() -> None:
    df = parse('FROM alpine\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n')
    assert all(i.heredocs == () for i in df.stages[0].instructions)


def test_chomp() -> None:
    assert h("x", "\thello\n\t\tworld\n", chomp=True).text() == "hello\nworld\n"
    assert h("x", "\thello\n").text() == "\thello\n"


@pytest.mark.parametrize("word", ["<<EOF", "<<'EOF'", '<<"EOF"', "<<-EOF", "<<-'EOF'",
                                  '<<-"EOF"', '<<EO"F"', "<< EOF", "<<- EOF"])
def test_heredoc_words(word: str) -> None:
    heredoc = heredoc_word(word)
    assert heredoc is not None and heredoc.name == "EOF"


@pytest.mark.parametrize("word", ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"])
def test_not_heredoc_words(word: str) -> None:
    assert heredoc_word(word) is None


@pytest.mark.parametrize("word", ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"'])
def test_broken_heredoc_words(word: str) -> None:
    with pytest.raises(InvalidArgument):
        heredoc_word(word)


@pytest.mark.parametrize(("line", "names"), [
    ("RUN <<EOF", ["EOF"]), ("RUN <<EOF foo", ["EOF"]), ("RUN <<EOF foo <<EOF2", ["EOF", "EOF2"]),
    ("RUN <<EOF <<EOF2 foo", ["EOF", "EOF2"]), ("RUN <<EOF foo <<EOF2 bar", ["EOF", "EOF2"]),
    ("RUN foo <<EOF", ["EOF"]), ("RUN <<'EOF'", ["EOF"]), ("RUN echo '<<EOF'", []),
    ("RUN echo \\<<EOF", []), ("RUN <<-EOF", ["EOF"]), ("RUN <<- EOF", []),
    ("RUN << -EOF", ["-EOF"]), ("RUN 4<<EOF", ["EOF"]), ("RUN '<<EOF'", []),
    ('RUN "<<EOF"', []),
])
def test_heredocs_in_a_line(line: str, names: list[str]) -> None:
    """BuildKit's TestHeredocsFromLine cases. Its ``RUN <<- EOF`` expects EOF but the
    test checks names only when some are found: docker's lexer splits ``<<-`` from
    ``EOF`` there, so that line opens no heredoc, as here."""
    assert [heredoc.name for heredoc in heredocs_in(line)] == names


def test_onbuild_heredoc_and_lines() -> None:
    df = parse("FROM a\nONBUILD COPY <<EOF /x\nhi\nEOF\nRUN true\n")
    onbuild, run = df.stages[0].instructions
    assert onbuild.heredocs == (h("EOF", "hi\n"),) and (onbuild.line, onbuild.end_line) == (2, 4)
    assert run.line == 5


def test_heredoc_terminator_with_crlf() -> None:
    df = parse("FROM a\r\nRUN <<EOF\r\necho hi\r\nEOF\r\n")
    assert df.stages[0].instructions[0].heredocs == (h("EOF", "echo hi\r\n"),)


def test_copy_sources_pair_words_with_bodies() -> None:
    df = parse("FROM a\nCOPY --chmod=644 <<-one two <<'three' /dest/\n\tbody 1\n\tone\n"
               "body $3\nthree\n")
    sources, dest = copy_sources(df.stages[0].instructions[0])
    assert dest == "/dest/"
    one, two, three = sources
    assert isinstance(one, Heredoc) and (one.name, one.text(), one.expand) == ("one", "body 1\n",
                                                                              True)
    assert two == "two"
    assert isinstance(three, Heredoc) and (three.content, three.expand) == ("body $3\n", False)
    json_copy = parse('FROM a\nCOPY ["<<x", "/d"]\n').stages[0].instructions[0]
    assert copy_sources(json_copy) == (("<<x",), "/d")


@pytest.mark.parametrize(("text", "command", "program"), [
    ("RUN <<EOF\necho hi\nEOF\n", "echo hi\n", None),
    ("RUN <<-EOF\n\techo hi\n\tEOF\n", "echo hi\n", None),
    ("RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n", "/dev/pipes/EOF",
     "#!/usr/bin/env python3\nprint(1)\n"),
    ("RUN python3 <<EOF\nprint(1)\nEOF\n", "python3 <<EOF\nprint(1)\nEOF", None),
    ("RUN <<A cat - <<B\n1\nA\n2\nB\n", "<<A cat - <<B\n1\nA\n2\nB", None),
    ("RUN echo plain", "echo plain", None),
])
def test_run_scripts(text: str, command: str, program: str | None) -> None:
    script = run_script(parse("FROM a\n" + text).stages[0].instructions[0])
    assert (script.command, script.program) == (command, program)
    if program is not None:
        assert script.path == command


def test_summary() -> None:
    assert summary(h("x", "\n  echo one\r\necho two\n")) == "echo one..."
    assert summary(h("x", "echo one\n")) == "echo one"
