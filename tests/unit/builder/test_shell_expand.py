"""Docker's shell-word expansion (berth.builder.expand).

The tables are BuildKit's ``frontend/dockerfile/shell/envVarTest`` and ``wordsTest``
(moby/buildkit, Apache-2.0), rewritten as Python data; ``None`` marks a case docker
refuses. The environment is theirs: PWD=/home SHELL=bash KOREAN=한국어 NULL=.
"""

import pytest

from berth.builder.expand import expand, expand_heredoc, expand_words
from berth.builder.parser import parse
from berth.errors import InvalidArgument

ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}

ERR = None
WORD_CASES = [
    ("hello", "hello"), ("he'll'o", "hello"), ("he'llo", ERR), ("he\\'llo", "he'llo"),
    ("he\\\\'llo", ERR), ("abc\\tdef", "abctdef"), ('"abc\\tdef"', "abc\\tdef"),
    ('"abc\\\\tdef"', "abc\\tdef"), ("'abc\\tdef'", "abc\\tdef"), ("hello\\", "hello"),
    ("hello\\\\", "hello\\"), ('"hello', ERR), ('"hello\\"', ERR), ('"hel\'lo"', "hel'lo"),
    ("'hello", ERR), ("'hello\\'", "hello\\"), ("'hello\\there'", "hello\\there"),
    ("'hello\\\\there'", "hello\\\\there"), ("\"''\"", "''"), ("$.", "$."), ("he$1x", "hex"),
    ("he$.x", "he$.x"), ("he$pwd.", "he."), ("he$PWD", "he/home"), ("he\\$PWD", "he$PWD"),
    ("he\\\\$PWD", "he\\/home"), ('"he\\$PWD"', "he$PWD"), ('"he\\\\$PWD"', "he\\/home"),
    ("\\${}", "${}"), ("\\${}aaa", "${}aaa"), ("he\\${}", "he${}"), ("he\\${}xx", "he${}xx"),
    ("${}", ERR), ("${}aaa", ERR), ("he${}", ERR), ("he${}xx", ERR), ("he${hi}", "he"),
    ("he${hi}xx", "hexx"), ("he${PWD}", "he/home"), ("he${.}", ERR),
    ("he${XXX:-000}xx", "he000xx"), ("he${PWD:-000}xx", "he/homexx"),
    ("he${XXX:-$PWD}xx", "he/homexx"), ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
    ("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"), ("he${XXX:YYY}", ERR), ("he${XXX?}", ERR),
    ("he${XXX:?}", ERR), ("he${PWD?}", "he/home"), ("he${PWD:?}", "he/home"),
    ("he${NULL?}", "he"), ("he${NULL:?}", ERR), ("he${XXX:+${PWD}}xx", "hexx"),
    ("he${PWD:+${XXX}}xx", "hexx"), ("he${PWD:+${SHELL}}xx", "hebashxx"),
    ("he${XXX:+000}xx", "hexx"), ("he${PWD:+000}xx", "he000xx"), ("'he${XX}'", "he${XX}"),
    ('"he${PWD}"', "he/home"), ("\"he'$PWD'\"", "he'/home'"), ('"$PWD"', "/home"),
    ("'$PWD'", "$PWD"), ("'\\$PWD'", "\\$PWD"), ("'\"hello\"'", '"hello"'),
    ("'he\\$PWD'", "he\\$PWD"), ("he${PWD", ERR), ("he${PWD:=000}xx", ERR),
    ("he${PWD:+${PWD}:}xx", "he/home:xx"), ("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
    ("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"), ("안녕하세요", "안녕하세요"),
    ("안'녕'하세요", "안녕하세요"), ("안'녕하세요", ERR), ("안녕\\'하세요", "안녕'하세요"),
    ("안녕\\t하세요", "안녕t하세요"), ('"안녕\\t하세요"', "안녕\\t하세요"), ("안녕$1x", "안녕x"),
    ("안녕${PWD:+${SHELL}}xx", "안녕bashxx"), ("$KOREAN", "한국어"), ("안녕$KOREAN", "안녕한국어"),
    ("${{aaa}", ERR), ("${aaa}}", "}"), ("${aaa", ERR), ("${{aaa:-bbb}", ERR),
    ("${aaa:-bbb}}", "bbb}"), ("${aaa:-bbb", ERR), ("${aaa:-bbb}", "bbb"),
    ("${aaa:-${bbb:-ccc}}", "ccc"), ("${aaa:-bbb ${foo}", ERR), ("${aaa:-bbb {foo}", "bbb {foo"),
    ("${:}", ERR), ("${:-bbb}", ERR), ("${:+bbb}", ERR),
    # positional parameters are never set
    ("$1", ""), ("${1}", ""), ("${1:+bbb}", ""), ("${1:-bbb}", "bbb"), ("$999aaa", "aaa"),
    ("${999:-bbb}aaa", "bbbaaa"), ("$001aaa", "aaa"), ("${001:+bbb}aaa", "aaa"),
    # nor are special parameters
    ("$@", ""), ("$@@@", "@@"), ("$@aaa", "aaa"), ("${@:-bbb}aaa", "bbbaaa"), ("$*", ""),
    ("${#}", ""), ("${?:-bbb}", "bbb"), ("$-", ""), ("$$", ""), ("${!:+bbb}", ""), ("$0", ""),
    ("${0:-bbb}", "bbb"),
]


@pytest.mark.parametrize(("word", "expected"), WORD_CASES)
def test_moby_env_var_table(word: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidArgument, match="failed to process"):
            expand(word, ENV)
    else:
        assert expand(word, ENV) == expected


WORDS_CASES = [
    ({}, "hello", ["hello"]),
    ({}, "hello${hi}bye", ["hellobye"]),
    ({"hi": "hi"}, "hello${hi}bye", ["hellohibye"]),
    ({"space": "abc  def"}, "hello${space}bye", ["helloabc", "defbye"]),
    ({"space": "abc  def"}, 'hello"${space}"bye', ["helloabc  defbye"]),
    ({"space": "abc  def"}, 'hello "${space}"bye', ["hello", "abc  defbye"]),
    ({"leading": "  ab c"}, "hello${leading}def", ["hello", "ab", "cdef"]),
    ({"leading": "  ab c"}, 'hello"${leading}" def', ["hello  ab c", "def"]),
    ({"leading": "  ab c"}, 'hello"${leading}"', ["hello  ab c"]),
    ({"leading": "  ab c"}, "hello${leading}", ["hello", "ab", "c"]),
    ({"trailing": "ab c   "}, "hello${trailing}", ["helloab", "c"]),
    ({"trailing": "ab c   "}, "hello${trailing}d", ["helloab", "c", "d"]),
    ({"trailing": "ab c   "}, 'hello"${trailing}"d', ["helloab c   d"]),
    ({"trailing": "ab c   "}, 'hel"lo${trailing}"', ["helloab c   "]),
    ({}, 'hello" there  "', ["hello there  "]),
    ({}, "hello there     ", ["hello", "there"]),
    ({}, "hello\\ there", ["hello there"]),
    ({}, 'hello\\" there', ['hello"', "there"]),
    ({}, 'hello"\\\\there"', ["hello\\there"]),
    ({}, 'hello"\\there"', ["hello\\there"]),
    ({}, "hello'\\\\there'", ["hello\\\\there"]),
    ({}, "hello'\\there'", ["hello\\there"]),
    ({}, "hello'$there'", ["hello$there"]),
]


@pytest.mark.parametrize(("env", "text", "expected"), WORDS_CASES)
def test_moby_words_table(env: dict[str, str], text: str, expected: list[str]) -> None:
    assert expand_words(text, env) == expected


def test_unterminated_quote_in_words() -> None:
    with pytest.raises(InvalidArgument, match="matching double-quote"):
        expand_words('hello" there', {})


@pytest.mark.parametrize(("word", "expected"), [
    # ${VAR?msg}, ${VAR:?msg} with BuildKit's messages
    ("${VAR:?message here$ARG}", "plain"),
    ("${VAR?message here$ARG}", "plain"),
])
def test_required_set(word: str, expected: str) -> None:
    assert expand(word, {"VAR": "plain", "ARG": "x"}) == expected


@pytest.mark.parametrize(("word", "env", "message"), [
    ("${VAR:?message here$ARG}", {"VAR": "", "ARG": "x"}, "VAR: message herex"),
    ("${VAR:?message here$ARG}", {"ARG": "x"}, "VAR: message herex"),
    ("${VAR?message here$ARG}", {"ARG": "x"}, "VAR: message herex"),
    ("${VAR?}", {}, "VAR: is not allowed to be unset"),
    ("${VAR:?}", {"VAR": ""}, "VAR: is not allowed to be empty"),
    ("${VAR:#x}", {"VAR": "x"}, r"unsupported modifier \(:#\) in substitution"),
    ("${VAR/x}", {"VAR": "x"}, r"syntax error: missing '/' in \$\{\}"),
    ("${VAR#\\x}", {"VAR": "x"}, r"invalid escape '\\x'"),
])
def test_required_and_malformed(word: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        expand(word, env)


def test_empty_but_set_passes_without_colon() -> None:
    assert expand("${VAR?message}", {"VAR": ""}) == ""


@pytest.mark.parametrize(("word", "expected"), [
    # BuildKit's lex_test.go trim and replace cases (value "abc.def.ghi" etc.)
    ("${v#*.}", "def.ghi"), ("${v##*.}", "ghi"), ("${v%.*}", "abc.def"), ("${v%%.*}", "abc"),
    ("${v#abc}", ".def.ghi"), ("${v#x*}", "abc.def.ghi"), ("${v%ghi}", "abc.def."),
    ("${v#???}", ".def.ghi"), ("${v##*}", ""), ("${v#*}", "abc.def.ghi"),
    ("${v/./-}", "abc-def.ghi"), ("${v//./-}", "abc-def-ghi"), ("${v/d*/X}", "abc.X"),
    ("${v//?/x}", "xxxxxxxxxxx"), ("${v/zz/x}", "abc.def.ghi"), ("${v//\\?/_}", "abc.def.ghi"),
    ("${u#x}", ""), ("${u/x/y}", ""),
])
def test_trim_and_replace(word: str, expected: str) -> None:
    assert expand(word, {"v": "abc.def.ghi"}) == expected


def test_patterns_run_in_linear_time() -> None:
    """A pattern a backtracking regex would take forever on (Go's RE2 does not)."""
    value = "a" * 3000
    assert expand("${v#" + "*a" * 40 + "b}", {"v": value}) == value
    assert expand("${v//" + "*a" * 40 + "b/x}", {"v": value}) == value


def test_backtick_escape() -> None:
    assert expand("a`$PWD`\"", ENV, escape="`") == 'a$PWD"'
    assert expand('"a`"b"', ENV, escape="`") == 'a"b'
    assert expand("a\\b", ENV, escape="`") == "a\\b"


def test_heredoc_expansion_keeps_quotes() -> None:
    assert expand_heredoc("say '$PWD' \"$SHELL\"\n", ENV) == "say '/home' \"bash\"\n"
    assert expand_heredoc("cost \\$5 ${NOPE:-x}\n", ENV) == "cost $5 x\n"


def test_deep_nesting_refused_not_crashed() -> None:
    word = "${a:-" * 5000 + "x" + "}" * 5000
    with pytest.raises(InvalidArgument, match="nested more than 100 deep"):
        expand(word, {})
    assert expand("${a:-" * 50 + "x" + "}" * 50, {}) == "x"


def test_deep_nesting_in_a_dockerfile_is_no_heredoc_crash() -> None:
    """A line docker's lexer cannot read opens no heredoc (so EOF is an instruction)."""
    with pytest.raises(InvalidArgument, match=r"^Dockerfile:3: unknown instruction: EOF"):
        parse("FROM a\nRUN <<EOF " + "${a:-" * 5000 + "\nEOF\n")
