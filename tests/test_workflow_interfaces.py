"""The interfaces of the central workflows and actions: the names generated repos' callers depend on.

Inputs, their defaults, job and step order, triggers and permissions, read
from the files themselves; static security checks are in test_workflows_static.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from goldenpath.project import AUTH_MODES
from goldenpath.settings import load_settings
from rendering import REPO_ROOT
from workflow_lint import load_yaml, triggers

SELF = load_settings(REPO_ROOT / "goldenpath.yml").central_slug


def _call(name: str) -> dict[str, Any]:
    on = triggers(load_yaml(REPO_ROOT / ".github" / "workflows" / name))
    assert set(on) == {"workflow_call"}, f"{name} must only be triggered by workflow_call"
    call = on["workflow_call"]
    assert isinstance(call, dict)
    return call


def _defaults(call: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.get("default") for name, spec in (call.get("inputs") or {}).items()}


def test_reusable_test_interface() -> None:
    call = _call("reusable-test.yml")
    # Opt-in steps default to off: repos made before they existed have no mypy or mkdocs.yml.
    assert _defaults(call) == {
        "python-version": "3.11",
        "coverage-threshold": 80,
        "type-check": False,
        "docs": False,
    }
    assert call["inputs"]["coverage-threshold"]["type"] == "number"
    assert "secrets" not in call
    jobs = load_yaml(REPO_ROOT / ".github/workflows/reusable-test.yml")["jobs"]
    job = jobs["test"]
    assert job["permissions"] == {"contents": "read"}
    runs = [step.get("run", "") for step in job["steps"]]
    assert "poetry install --no-interaction" in runs
    assert "poetry run ruff check ." in runs
    assert "poetry run ruff format --check ." in runs
    assert any(
        r.startswith("poetry run pytest --cov --cov-fail-under=") and "--cov-report=xml" in r for r in runs
    )
    upload = job["steps"][-1]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["name"] == "coverage-report"
    assert upload["with"]["path"] == "coverage.xml"
    uses = [step.get("uses", "") for step in job["steps"]]
    assert f"{SELF}/actions/check-naming@" in " ".join(uses)
    mypy = next(step for step in job["steps"] if step.get("run") == "poetry run mypy")
    assert mypy["if"] == "${{ inputs.type-check }}"
    docs = jobs["docs"]
    assert docs["if"] == "${{ inputs.docs }}"
    assert docs["permissions"] == {"contents": "read"}
    docs_runs = [step.get("run", "") for step in docs["steps"]]
    assert "poetry install --only docs --no-root --no-interaction" in docs_runs
    assert any(r.startswith("poetry run mkdocs build --strict") for r in docs_runs)


def test_reusable_build_interface() -> None:
    call = _call("reusable-build.yml")
    assert _defaults(call) == {"python-version": "3.11", "artifact-name": "dist"}
    assert set(call["outputs"]) == {"package-version", "wheel-name"}
    job = load_yaml(REPO_ROOT / ".github/workflows/reusable-build.yml")["jobs"]["build"]
    assert job["permissions"] == {"contents": "read"}
    assert set(job["outputs"]) == {"package-version", "wheel-name"}
    assert "poetry build --format wheel" in [step.get("run") for step in job["steps"]]


DEPLOY_INPUTS = {
    "environment": None,
    "target": None,
    "databricks-host": None,
    "python-version": "3.11",
    "smoke-run": False,
    "smoke-timeout": "30m",
}


@pytest.mark.parametrize(
    ("name", "secrets", "permissions", "auth_mode"),
    [
        (
            "reusable-deploy.yml",
            {
                "DATABRICKS_CLIENT_ID": False,
                "DATABRICKS_CLIENT_SECRET": False,
                "ARM_CLIENT_ID": False,
                "ARM_CLIENT_SECRET": False,
                "ARM_TENANT_ID": False,
            },
            {"contents": "read"},
            "service-principal-secrets",
        ),
        (
            "reusable-deploy-oidc.yml",
            {"DATABRICKS_CLIENT_ID": True},
            {"contents": "read", "id-token": "write"},
            "oidc",
        ),
    ],
)
def test_deploy_interfaces(
    name: str, secrets: dict[str, bool], permissions: dict[str, str], auth_mode: str
) -> None:
    """Two thin files: GitHub refuses a call when the called job asks for more than the caller grants."""
    call = _call(name)
    assert _defaults(call) == DEPLOY_INPUTS
    assert all(call["inputs"][key]["required"] for key in ("environment", "target", "databricks-host"))
    assert {key: spec["required"] for key, spec in call["secrets"].items()} == secrets
    workflow = load_yaml(REPO_ROOT / ".github" / "workflows" / name)
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == permissions
    assert job["environment"] == "${{ inputs.environment }}"
    deploy = job["steps"][-1]
    assert deploy["uses"].startswith(f"{SELF}/actions/bundle-deploy@")
    assert deploy["with"] == {
        "auth-mode": auth_mode,
        "target": "${{ inputs.target }}",
        "host": "${{ inputs.databricks-host }}",
        "smoke-run": "${{ inputs.smoke-run }}",
        "smoke-timeout": "${{ inputs.smoke-timeout }}",
    }
    outputs = {name: spec["value"] for name, spec in call["outputs"].items()}
    assert outputs["job-id"] == "${{ jobs.deploy.outputs.job-id }}"
    assert job["outputs"]["job-id"] == "${{ steps.deploy.outputs.job-id }}"
    assert job["outputs"]["run-url"] == "${{ steps.deploy.outputs.run-url }}"
    assert set(deploy["env"]) == set(secrets), "every declared secret reaches the action, nothing more"
    assert "env" not in job, "the action derives the Databricks auth type from auth-mode, in one place"


def test_bundle_deploy_runs_validate_preflight_deploy_verify_then_smoke() -> None:
    action = load_yaml(REPO_ROOT / "actions/bundle-deploy/action.yml")
    assert set(action["inputs"]) == {"auth-mode", "target", "host", "smoke-run", "smoke-timeout"}
    assert action["inputs"]["smoke-run"]["default"] == "false"
    assert {"job-id", "run-url"} <= set(action["outputs"])
    steps = action["runs"]["steps"]
    setup_cli = [s for s in steps if str(s.get("uses", "")).startswith("databricks/setup-cli@")]
    assert len(setup_cli) == 1
    scripts = [s.get("run", "") for s in steps]
    validate = next(i for i, r in enumerate(scripts) if 'databricks bundle validate -t "$TARGET"' in r)
    deploy = next(i for i, r in enumerate(scripts) if 'databricks bundle deploy -t "$TARGET"' in r)
    preflight = next(i for i, r in enumerate(scripts) if "databricks preflight" in r)
    verify = next(i for i, r in enumerate(scripts) if "databricks verify" in r)
    smoke = next(i for i, r in enumerate(scripts) if "databricks smoke" in r)
    assert validate < preflight < deploy < verify < smoke
    assert steps[smoke]["if"] == "inputs.smoke-run == 'true'"
    assert '--git-sha "$GITHUB_SHA"' in scripts[verify] and '--version "$PACKAGE_VERSION"' in scripts[verify]
    install = next(i for i, s in enumerate(steps) if "/actions/install-goldenpath@" in str(s.get("uses", "")))
    assert install < preflight
    assert '--var "git_sha=${GITHUB_SHA}"' in scripts[deploy]
    assert '--var "package_version=${PACKAGE_VERSION}"' in scripts[deploy]
    assert "GITHUB_STEP_SUMMARY" in scripts[-1]


def _release_steps(job: dict[str, Any]) -> list[str]:
    """Each step by its id, else its first `run:` line, else its `uses:` action."""
    return [
        step.get("id") or step.get("run", "").split("\n")[0] or step["uses"].split("@")[0]
        for step in job["steps"]
    ]


def test_release_checks_everything_before_the_token_and_the_move() -> None:
    workflow = load_yaml(REPO_ROOT / ".github/workflows/release.yml")
    assert triggers(workflow) == {"push": {"tags": ["v*.*.*"]}, "workflow_dispatch": None}
    job = workflow["jobs"]["release"]
    assert job["if"] == "github.event_name == 'push'"
    assert job["permissions"] == {"contents": "read"}
    assert job["environment"] == "release"
    assert _release_steps(job) == [
        "actions/checkout",
        "actions/setup-python",
        "install-goldenpath",
        'goldenpath release verify --tag "$TAG"',
        "python -m pip install --disable-pip-version-check --quiet --require-hashes --no-deps \\",
        "app-token",
        'goldenpath release publish --tag "$TAG"',
    ]
    steps = job["steps"]
    assert steps[5]["with"]["permission-contents"] == "write"
    assert steps[5]["with"]["permission-workflows"] == "write"
    for step in (steps[3], steps[4], steps[6]):
        assert step["env"]["TAG"] == "${{ github.ref_name }}"
    assert steps[6]["env"]["GITHUB_TOKEN"] == "${{ steps.app-token.outputs.token }}"
    # The wheel goes up before the token is minted and vN moves, with uv.lock's uv and the
    # upload credentials in uv's own environment variables, never on a command line.
    upload = steps[4]
    assert upload["run"].splitlines()[1:] == [
        "  -r actions/install-goldenpath/uv.txt",
        'goldenpath release upload --tag "$TAG"',
    ]
    assert upload["env"]["UV_PUBLISH_TOKEN"] == "${{ secrets.PACKAGE_INDEX_TOKEN }}"


def test_release_rollback_runs_on_the_dispatched_tag() -> None:
    job = load_yaml(REPO_ROOT / ".github/workflows/release.yml")["jobs"]["rollback"]
    assert job["if"] == "github.event_name == 'workflow_dispatch'"
    assert job["permissions"] == {"contents": "read"}
    assert job["environment"] == "release", "the same protected environment as a release"
    assert _release_steps(job)[-2:] == ["app-token", 'goldenpath release rollback --to "$TO"']
    assert job["steps"][-1]["env"] == {
        "TO": "${{ github.ref_name }}",
        "GITHUB_TOKEN": "${{ steps.app-token.outputs.token }}",
    }


def test_release_never_names_a_git_host_or_puts_a_token_in_a_command() -> None:
    """The push goes to $GITHUB_SERVER_URL/$GITHUB_REPOSITORY (GHES too), the token as a header."""
    text = (REPO_ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8")
    assert "github.com" not in text
    assert "git push" not in text and "x-access-token" not in text
    for job in load_yaml(REPO_ROOT / ".github/workflows/release.yml")["jobs"].values():
        for step in job["steps"]:
            assert "token" not in step.get("run", "").lower(), step["run"]


def test_ci_runs_the_same_command_as_ci() -> None:
    job = load_yaml(REPO_ROOT / ".github/workflows/ci.yml")["jobs"]["test"]
    assert job["steps"][-1]["run"] == "bash .ci/run"


def test_create_repo_is_a_thin_caller_with_typed_inputs_only_through_env() -> None:
    workflow = load_yaml(REPO_ROOT / ".github/workflows/create-repo.yml")
    inputs = triggers(workflow)["workflow_dispatch"]["inputs"]
    assert list(inputs) == [
        "repo_name",
        "description",
        "team",
        "cost_center",
        "project_kind",
        "python_version",
        "auth_mode",
        "include_example",
        "dry_run",
    ]
    assert all(spec.get("description") and spec.get("type") for spec in inputs.values())
    settings = load_settings(REPO_ROOT / "goldenpath.yml")
    assert inputs["python_version"]["options"] == list(settings.python_supported), "follow python.runtimes"
    assert inputs["project_kind"]["options"] == list(settings.project_kinds), "follow project_kinds"
    assert inputs["project_kind"]["default"] == settings.project_kinds[0]
    assert inputs["python_version"]["default"] == settings.python_default
    assert inputs["auth_mode"]["options"] == list(AUTH_MODES)
    assert (inputs["dry_run"]["type"], inputs["dry_run"]["default"]) == ("boolean", False)
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "create-repo"
    assert job["permissions"] == {"contents": "read"}
    token = next(step for step in job["steps"] if step.get("id") == "app-token")
    release = load_yaml(REPO_ROOT / ".github/workflows/release.yml")["jobs"]["release"]["steps"]
    assert token["uses"] == next(step["uses"] for step in release if step.get("id") == "app-token")
    assert {k: v for k, v in token["with"].items() if k.startswith("permission-")} == {
        "permission-administration": "write",
        "permission-contents": "write",
        "permission-workflows": "write",
        "permission-members": "read",
        "permission-organization-secrets": "write",
    }
    create = job["steps"][-1]
    assert create["env"]["REQUESTER"] == "${{ github.triggering_actor }}"
    assert {f"${{{{ inputs.{name} }}}}" for name in inputs} <= set(create["env"].values())
    assert "goldenpath create-repo" in create["run"]
    assert '-- "$REPO_NAME"' in create["run"], "the name can never be read as an option"


def test_template_update_mints_the_narrowest_app_token_and_runs_goldenpath() -> None:
    """The app token may push workflow changes and open the PR; the job's own token stays read-only."""
    call = _call("reusable-template-update.yml")
    assert {key: spec.get("required", False) for key, spec in call["inputs"].items()} == {
        "app-id": True,
        "central-repository": True,
        "python-version": False,
    }
    assert {key: spec["required"] for key, spec in call["secrets"].items()} == {
        "GOLDENPATH_APP_PRIVATE_KEY": True
    }
    (job,) = load_yaml(REPO_ROOT / ".github/workflows/reusable-template-update.yml")["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    steps = job["steps"]
    install = next(
        s for s in steps if str(s.get("uses", "")).startswith(f"{SELF}/actions/install-goldenpath@")
    )
    token = next(s for s in steps if str(s.get("uses", "")).startswith("actions/create-github-app-token@"))
    assert {k: v for k, v in token["with"].items() if k.startswith("permission-")} == {
        "permission-contents": "write",
        "permission-pull-requests": "write",
        "permission-workflows": "write",
    }
    update = steps[-1]
    assert steps.index(install) < steps.index(token) < steps.index(update)
    assert update["env"]["GITHUB_TOKEN"] == "${{ steps.app-token.outputs.token }}"
    assert update["run"] == '"$GOLDENPATH" update --open-pr'
