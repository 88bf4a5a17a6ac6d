"""Helpers and fixtures of the network tests: a berthd with a default bridge of the test's own
(a unique device name and a 10.x subnet nobody else uses), and a check that what
the test made on the host (links, iptables rules) is gone when it ends."""

import itertools
import secrets
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
Daemon = Any  # tests/conftest.py's Daemon: that module is reached through pytest (below)


def root_conftest(request: pytest.FixtureRequest) -> ModuleType:
    """tests/conftest.py as pytest loaded it ("conftest" names several modules here)."""
    module: ModuleType = request.config.pluginmanager.get_plugin(str(ROOT_CONFTEST))
    return module


def links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    return {line.split(":")[1].strip().split("@")[0] for line in out.stdout.splitlines()}


def iptables_rules() -> set[str]:
    out = subprocess.run(["iptables-save"], capture_output=True, text=True, check=False)
    return {line for line in out.stdout.splitlines() if line.startswith("-A")}


@pytest.fixture
def host_left_alone() -> Iterator[Callable[[], set[str]]]:
    """Yields ``made()``: the links that came since the test began (other helpers'
    links come and go on this host too, so only names the test chose are asserted)."""
    before_links, before_rules = links(), iptables_rules()
    yield lambda: links() - before_links
    # Only rules of the tests' own bridges (bt*, 10.231.0.0/16): other engines on this
    # host (berth0 of a berthd run by hand) come and go meanwhile.
    left = {r for r in iptables_rules() - before_rules if " bt" in r or " 10.231." in r}
    assert not left, f"iptables rules left behind: {left}"


_SUBNETS = itertools.count(secrets.randbelow(250))


def unique_bridge() -> tuple[str, str]:
    """A device name and a /24 of 10.231.0.0/16 (a new one each call of the session)."""
    return f"bt{secrets.token_hex(4)}", f"10.231.{next(_SUBNETS) % 250 + 1}.1/24"


@pytest.fixture
def bridged_daemon(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   busybox_tar: Path,
                   host_left_alone: Callable[[], set[str]]) -> Iterator[tuple[Daemon, str, str]]:
    """(berthd, its default bridge's device, its --bip)."""
    name, bip = unique_bridge()
    with ExitStack() as stack:
        d = stack.enter_context(root_conftest(request).daemon_with_busybox(
            tmp_path_factory.mktemp("net"), busybox_tar, ("--bridge", name, "--bip", bip)))
        yield d, name, bip
    assert name not in links(), f"the default bridge {name} outlived its berthd"
