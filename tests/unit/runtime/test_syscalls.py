"""The raw system call numbers are chosen by machine from one table; an unknown machine
is refused by name before anything starts."""

import os
import signal

import pytest

from berth.errors import FailedPrecondition
from berth.runtime.linux import sys as lx


def test_numbers_by_machine() -> None:
    assert lx.syscalls_for("x86_64") == lx.Syscalls(rt_sigaction=13, bpf=321)
    assert lx.syscalls_for("aarch64") == lx.Syscalls(rt_sigaction=134, bpf=280)


def test_an_unknown_machine_is_refused_by_name() -> None:
    with pytest.raises(FailedPrecondition) as info:
        lx.syscalls_for("riscv64")
    assert info.value.message == ("unsupported machine 'riscv64': berth knows the system call "
                                  "numbers of x86_64, aarch64 only")
    with pytest.raises(FailedPrecondition, match="unsupported machine 's390x'"):
        lx.check_machine("s390x")


def test_this_machine_is_known_and_its_numbers_work() -> None:
    lx.check_machine()
    assert lx.syscalls_for(os.uname().machine) in lx.SYSCALLS.values()
    # rt_sigaction by its number: SIG_DFL for a signal this process ignores.
    old = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    try:
        lx.default_signal(signal.SIGUSR2)
        with open("/proc/self/status") as f:
            ignored = next(int(line.split()[1], 16) for line in f if line.startswith("SigIgn"))
        assert not ignored & (1 << (signal.SIGUSR2 - 1))
    finally:
        signal.signal(signal.SIGUSR2, old)
