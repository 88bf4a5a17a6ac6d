"""Fixtures: a temp dir, and real ``berth registry serve`` processes on random
loopback ports, stopped after the test."""

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from registry_helpers import Registry, start_registry


@pytest.fixture
def tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="berth-registry-") as d:
        yield Path(d)


@pytest.fixture
def registry_factory(tmp: Path) -> Iterator[Callable[..., Registry]]:
    started: list[Registry] = []

    def start(*extra: str, root: Path | None = None, scheme: str = "http") -> Registry:
        r = start_registry(root or tmp / "registry", *extra, scheme=scheme)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def registry(registry_factory: Callable[..., Registry]) -> Registry:
    return registry_factory()
