"""``berth build``'s output views: docker's plain lines, and the compact terminal view
that keeps the step lines and shows a running step's output on one rewritten line."""

import io
import sys

import pytest

from berth.cli.commands import build

STEP = [{"stream": "Step 2/3 : RUN make\n"}, {"stream": " ---> Running in 0123456789ab\n"},
        {"stream": "compiling a\ncompiling b\n"}, {"stream": "\x1b[91mwarning\n\x1b[0m"}]


def _shown(view: build._View, messages: list[dict[str, str]], failed: bool = False) -> str:
    out = io.StringIO()
    real, sys.stdout = sys.stdout, out
    try:
        for msg in messages:
            view.show(msg)
        if failed:
            view.failed()
        view.done()
    finally:
        sys.stdout = real
    return out.getvalue()


def test_plain_prints_every_line_as_docker_does() -> None:
    assert _shown(build._Plain(False), STEP) == "".join(m["stream"] for m in STEP)
    assert _shown(build._Plain(True), STEP) == ""


def test_the_live_view_rewrites_one_line_for_a_step_s_output() -> None:
    out = _shown(build._Live(), [*STEP, {"stream": " ---> 3a4b5c6d7e8f\n"}])
    assert out.startswith("Step 2/3 : RUN make\n ---> Running in 0123456789ab\n")
    assert "\r\x1b[K" in out and "compiling b" in out
    assert out.endswith(" ---> 3a4b5c6d7e8f\n")
    assert "compiling a\ncompiling b\n" not in out  # not printed whole


def test_the_live_view_prints_a_failed_step_s_output_whole() -> None:
    out = _shown(build._Live(), STEP, failed=True)
    assert out.endswith("compiling a\ncompiling b\n\x1b[91mwarning\n\x1b[0m")


def test_flag_values() -> None:
    assert build._memory("64m") == 64 << 20 and build._memory("") == 0
    assert build._pairs(["A=1", "B="], "--build-arg") == {"A": "1", "B": ""}
    with pytest.raises(ValueError, match="id=NAME,src=PATH"):
        build._secrets(["id=x"])
