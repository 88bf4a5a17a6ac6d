"""What the parser refuses: docker's message, prefixed with the file and the line."""

import pytest

from berth.builder.parser import parse, parse_instruction
from berth.errors import InvalidArgument

CASES = [
    ("FROM a\nRUNN x\n", 2, "unknown instruction: RUNN (did you mean RUN?)"),
    ("FROM a\nfrobnicate x\n", 2, "unknown instruction: frobnicate"),
    ("FROM a\ncopyy a b\n", 2, "unknown instruction: copyy (did you mean copy?)"),
    ("", 1, "file with no instructions"),
    ("# only\n# comments\n", 2, "file with no instructions"),
    ("RUN x\n", 1, "no build stage in current context"),
    ("ARG a\nENV b=c\nFROM x\n", 2, "no build stage in current context"),
    ("FROM\n", 1, "FROM requires either one or three arguments"),
    ("FROM a b\n", 1, "FROM requires either one or three arguments"),
    ("FROM a AS 1x\n", 1, 'invalid name for build stage: "1x", name can\'t start with a number '
                          "or contain symbols"),
    ("FROM a AS x\nFROM b AS X\n", 2, "duplicate stage name 'x', stage names should be unique"),
    ("FROM --foo=1 a\n", 1, "unknown flag: --foo"),
    ("FROM --platfrom=x a\n", 1, "unknown flag: --platfrom (did you mean platform?)"),
    ("FROM a\nENV\n", 2, "ENV requires at least one argument"),
    ("FROM a\nENV x\n", 2, "ENV must have two arguments"),
    ("FROM a\nENV a=b c\n", 2, "Syntax error - can't find = in \"c\". Must be of the form: "
                               "name=value"),
    ("FROM a\nENV =x\n", 2, "ENV names can not be blank"),
    ("FROM a\nLABEL x\n", 2, "LABEL must have two arguments"),
    ("FROM a\nARG\n", 2, "ARG requires at least one argument"),
    ("FROM a\nARG =x\n", 2, "ARG names can not be blank"),
    ("FROM a\nMAINTAINER\n", 2, "MAINTAINER requires exactly one argument"),
    ("FROM a\nUSER\n", 2, "USER requires exactly one argument"),
    ("FROM a\nWORKDIR\n", 2, "WORKDIR requires exactly one argument"),
    ("FROM a\nSTOPSIGNAL\n", 2, "STOPSIGNAL requires exactly one argument"),
    ("FROM a\nEXPOSE\n", 2, "EXPOSE requires at least one argument"),
    ("FROM a\nVOLUME\n", 2, "VOLUME requires at least one argument"),
    ("FROM a\nVOLUME []\n", 2, "VOLUME requires at least one argument"),
    ('FROM a\nVOLUME ["/a", " "]\n', 2, "VOLUME specified can not be an empty string"),
    ("FROM a\nCOPY a\n", 2, "COPY requires at least two arguments, but only one was provided. "
                            "Destination could not be determined"),
    ("FROM a\nADD a\n", 2, "ADD requires at least two arguments, but only one was provided. "
                           "Destination could not be determined"),
    ("FROM a\nCOPY a <<EOF\nx\nEOF\n", 2, "COPY cannot accept a heredoc as a destination"),
    ("FROM a\nCOPY --from a b\n", 2, "missing a value on flag: --from"),
    ("FROM a\nCOPY --link= a b\n", 2, "missing a value on flag: --link"),
    ("FROM a\nCOPY --link=maybe a b\n", 2, "expecting boolean value for flag --link, not: maybe"),
    ("FROM a\nCOPY --from=a --from=b a b\n", 2, "duplicate flag specified: --from"),
    ("FROM a\nADD --from=x a b\n", 2, "unknown flag: --from"),
    ("FROM a\nRUN --mount\n", 2, "missing a value on flag: --mount"),
    ("FROM a\nWORKDIR --x=1 /a\n", 2, "unknown flag: --x"),
    ('FROM a\nRUN ["a", 1]\n', 2, "when using JSON array syntax, arrays must be comprised of "
                                  "strings only"),
    ("FROM a\nSHELL sh -c\n", 2, "SHELL requires the arguments to be in JSON form"),
    ("FROM a\nSHELL []\n", 2, "SHELL requires at least one argument"),
    ("FROM a\nHEALTHCHECK\n", 2, "HEALTHCHECK requires at least one argument"),
    ("FROM a\nHEALTHCHECK NONE x\n", 2, "HEALTHCHECK NONE takes no arguments"),
    ("FROM a\nHEALTHCHECK CMD\n", 2, "Missing command after HEALTHCHECK CMD"),
    ("FROM a\nHEALTHCHECK CMD []\n", 2, "Missing command after HEALTHCHECK CMD"),
    ("FROM a\nHEALTHCHECK RUN x\n", 2, 'Unknown type "RUN" in HEALTHCHECK (try CMD)'),
    ("FROM a\nHEALTHCHECK --interval=1 CMD x\n", 2, 'time: missing unit in duration "1"'),
    ("FROM a\nHEALTHCHECK --timeout=abc CMD x\n", 2, 'time: invalid duration "abc"'),
    ("FROM a\nHEALTHCHECK --interval=1ns CMD x\n", 2,
     'Interval "interval" cannot be less than 1ms'),
    ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", 2, "--retries cannot be negative (-1)"),
    ("FROM a\nHEALTHCHECK --retries=x CMD x\n", 2,
     'strconv.ParseInt: parsing "x": invalid syntax'),
    ("FROM a\nHEALTHCHECK --start-period CMD x\n", 2, "missing a value on flag: --start-period"),
    ("FROM a\nONBUILD\n", 2, "ONBUILD requires at least one argument"),
    ("FROM a\nONBUILD ONBUILD RUN x\n", 2, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
    ("FROM a\nONBUILD FROM x\n", 2, "FROM isn't allowed as an ONBUILD trigger"),
    ("FROM a\nonbuild maintainer x\n", 2, "MAINTAINER isn't allowed as an ONBUILD trigger"),
    ('FROM a\nONBUILD RUN ["a", {}]\n', 2, "when using JSON array syntax, arrays must be "
                                           "comprised of strings only"),
    ("FROM a\nONBUILD ENV x\n", 2, "ENV must have two arguments"),
    ("FROM a\nRUN <<EOF\nnever ends\n", 2, "unterminated heredoc"),
    ("FROM a\nRUN <<A <<B\nx\nA\n", 2, "unterminated heredoc"),
    ("# escape=x\nFROM a\n", 1, "invalid escape token 'x' does not match ` or \\"),
    ("# escape=`\n# escape=`\nFROM a\n", 2, "only one escape parser directive can be used"),
    ("# SYNTAX=a\n# syntax=b\nFROM a\n", 2, "only one syntax parser directive can be used"),
    ("FROM a\nRUN " + "x" * 70000 + "\n", 2, "dockerfile line greater than max allowed size of "
                                             "65535"),
    ("FROM a\nRUN a \\\n\\\nEOF_x\nFROBNICATE\n", 5, "unknown instruction: FROBNICATE"),
]


@pytest.mark.parametrize(("text", "line", "message"), CASES)
def test_refused_with_dockers_message(text: str, line: int, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse(text, "Dockerfile")
    assert caught.value.message == f"Dockerfile:{line}: {message}"


def test_filename_named() -> None:
    with pytest.raises(InvalidArgument, match=r"^build\.Dockerfile:1: unknown instruction: X$"):
        parse("X y\n", "build.Dockerfile")


def test_parse_instruction_has_no_location() -> None:
    with pytest.raises(InvalidArgument, match=r"^unknown instruction: ZZZZZZ$"):
        parse_instruction("ZZZZZZ x")
    assert parse_instruction("run echo", line=7).line == 7


def test_ignored_flags_as_in_docker() -> None:
    """Docker never reads the flags of STOPSIGNAL, ARG or HEALTHCHECK NONE."""
    df = parse("FROM a\nSTOPSIGNAL --x=1 TERM\nARG --y z\nHEALTHCHECK --interval=x NONE\n")
    assert [i.flags for i in df.stages[0].instructions] == [(), (), ()]


@pytest.mark.parametrize(("text", "message"), [
    # BuildKit's instructions/parse_test.go cases
    ("MAINTAINER", "MAINTAINER requires exactly one argument"),
    ("WORKDIR", "WORKDIR requires exactly one argument"),
    ("USER", "USER requires exactly one argument"),
    ("STOPSIGNAL", "STOPSIGNAL requires exactly one argument"),
    ("ENV", "ENV requires at least one argument"),
    ("LABEL", "LABEL requires at least one argument"),
    ("ONBUILD", "ONBUILD requires at least one argument"),
    ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
    ("EXPOSE", "EXPOSE requires at least one argument"),
    ("VOLUME", "VOLUME requires at least one argument"),
    ("ADD arg1", "ADD requires at least two arguments, but only one was provided. "
                 "Destination could not be determined"),
    ("MAINTAINER --boo joe@example.com", "unknown flag: --boo"),
    ("ONBUILD FROM scratch", "FROM isn't allowed as an ONBUILD trigger"),
    ("foo bar", "unknown instruction: foo (did you mean from?)"),
    ("COPY /foo <<EOF", "COPY cannot accept a heredoc as a destination"),
])
def test_buildkit_instruction_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_instruction(text)
    assert caught.value.message == message


def test_copy_with_blank_first_line_lacks_a_destination() -> None:
    with pytest.raises(InvalidArgument, match=r"^Dockerfile:2: COPY requires at least two"):
        parse("FROM a\nCOPY\t\n\t\tquux \\\n      bar\n")
