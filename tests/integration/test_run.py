"""Running a container through the supervisor: output, exit codes, errors, logs."""

import json

import pytest
from conftest import Supervisor

from berth.errors import CommandNotFound, CommandNotInvokable


def test_output_and_exit_zero(supervisor: Supervisor) -> None:
    r = supervisor.run(["echo", "hello"])
    assert (r.exit_code, r.stdout, r.stderr) == (0, b"hello\n", b"")


def test_exit_code_and_stderr(supervisor: Supervisor) -> None:
    r = supervisor.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.exit_code, r.stdout, r.stderr) == (3, b"out\n", b"err\n")
