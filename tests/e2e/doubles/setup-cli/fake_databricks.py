"""TEST DOUBLE: a fake `databricks` CLI for the goldenpath e2e tests. Never shipped.

Installed by tests/e2e/doubles/setup-cli (the stand-in for databricks/setup-cli)
and run with the test suite's own interpreter ($GOLDENPATH_E2E_PYTHON), which
has PyYAML and check-jsonschema. It records every call and does what the real
CLI does before it would contact a workspace - and fails where that would
fail - but deploys nothing:

- `bundle validate`: databricks.yml plus its `include:` files and resources/*.yml
  against the bundle JSON schema ($GOLDENPATH_E2E_BUNDLE_SCHEMA), their
  `variables` and `targets` merged into databricks.yml's as the CLI merges them, the target
  exists, credentials for the auth type are in the environment and DATABRICKS_HOST
  matches the target's host, every `--var` and `${var.*}` is declared, required
  variables have a value;
- `bundle deploy`: the same, then each artifact's `build` command, then every
  `whl:` library must match a built file; then it writes each job resource to
  the workspace at DATABRICKS_HOST (the fake workspace, tests/fakes/databricks/)
  through databricks-sdk with the SDK's auth environment, as the real CLI would:
  variables resolved, the target's run_as applied, the wheel library pointing
  at its uploaded copy. The real CLI
  remembers each resource's id in its deployment state; this double finds it
  by name, creating or updating it. Each `model_serving_endpoints` resource is
  written first (the jobs may name it): created when the workspace has no
  endpoint of that name, else its tags and AI Gateway updated. What it serves
  is left to the job's rollout task, as in a generated serving bundle. Jobs
  that name another job (`${resources.jobs.<key>.id}`) are written after it,
  with its id. Then each `quality_monitors` resource (created, or updated
  when the table has one; the workspace refuses a monitor on a table that
  does not exist, and so does this deploy) and each `alerts` resource (a SQL
  alert, found by display name, created or updated).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.errors.base import DatabricksError

BUNDLE_FILES = ("databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml")
VAR_REFERENCE = re.compile(r"\$\{var\.([A-Za-z0-9_-]+)")
REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.-]+)\}")
JOB_REFERENCE = re.compile(r"\$\{resources\.jobs\.([A-Za-z0-9_-]+)\.id\}")
# What the monitors API takes on update (the rest is fixed at creation).
MONITOR_UPDATABLE = (
    "output_schema_name",
    "baseline_table_name",
    "custom_metrics",
    "data_classification_config",
    "inference_log",
    "notifications",
    "schedule",
    "slicing_exprs",
    "snapshot",
    "time_series",
)
NOT_SENT = ("permissions", "lifecycle")  # bundle-only keys of a resource
AUTH_VALUES = (
    "DATABRICKS_HOST",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_AUTH_TYPE",
    "ARM_CLIENT_ID",
    "ARM_TENANT_ID",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
)
AUTH_HASHED = (
    "DATABRICKS_CLIENT_SECRET",
    "DATABRICKS_TOKEN",
    "ARM_CLIENT_SECRET",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
)


class BundleError(Exception):
    """What the real CLI would print after `Error: `."""


def record(argv: list[str]) -> None:
    """One JSON line per call; secrets only as sha256 so a test can compare them."""
    auth: dict[str, str | None] = {name: os.environ.get(name) for name in AUTH_VALUES}
    for name in AUTH_HASHED:
        value = os.environ.get(name)
        auth[name] = None if value is None else "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    line = {"argv": argv, "cwd": str(Path.cwd()), "auth": auth}
    with Path(os.environ["GOLDENPATH_E2E_DATABRICKS_LOG"]).open("a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")


def parse_args(args: list[str]) -> tuple[str | None, dict[str, str]]:
    """`-t/--target` and repeated `--var name=value` (as `--flag value` or `--flag=value`)."""
    target = os.environ.get("DATABRICKS_BUNDLE_TARGET")
    variables: dict[str, str] = {}
    index = 0
    while index < len(args):
        flag, has_inline, inline = args[index].partition("=")
        if flag in ("-t", "--target", "--var"):
            if has_inline:
                value = inline
            elif index + 1 < len(args):
                index += 1
                value = args[index]
            else:
                raise BundleError(f"flag needs an argument: {flag}")
            if flag == "--var":
                name, sep, var_value = value.partition("=")
                if not sep:
                    raise BundleError(f"unexpected flag value for --var: {value!r}, expected name=value")
                variables[name] = var_value
            else:
                target = value
        index += 1
    return target, variables


def merged(base: Any, extra: Any) -> Any:
    """Mappings merged key by key at any depth (a target's variables from several files); else `extra`."""
    if isinstance(base, dict) and isinstance(extra, dict):
        return {**base, **{key: merged(base.get(key), value) for key, value in extra.items()}}
    return extra


def values_of(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under `key` in a parsed YAML document, at any depth."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from values_of(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from values_of(item, key)


def check_auth(bundle_host: str | None) -> None:
    """Databricks unified auth as the CLI resolves it from the environment, minus the network."""
    env_host = os.environ.get("DATABRICKS_HOST")
    if env_host and bundle_host and env_host.rstrip("/") != bundle_host.rstrip("/"):
        raise BundleError(
            f"DATABRICKS_HOST {env_host} does not match the bundle's workspace host {bundle_host}"
        )
    if not (env_host or bundle_host):
        raise BundleError("cannot resolve bundle auth configuration: no host")
    needs = {
        "oauth-m2m": ("DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"),
        "azure-client-secret": ("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID"),
        "github-oidc": (
            "DATABRICKS_CLIENT_ID",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ),
        "pat": ("DATABRICKS_TOKEN",),
    }
    auth_type = os.environ.get("DATABRICKS_AUTH_TYPE") or next(
        (name for name, variables in needs.items() if all(os.environ.get(v) for v in variables)), None
    )
    if auth_type not in needs:
        raise BundleError(f"default auth: cannot configure default credentials (auth type {auth_type!r})")
    missing = [name for name in needs[auth_type] if not os.environ.get(name)]
    if missing:
        raise BundleError(f"{auth_type} auth: missing {', '.join(missing)}")


class Bundle:
    """The bundle rooted at the current directory, as the CLI loads it."""

    def __init__(self, root: Path) -> None:
        main = next((root / name for name in BUNDLE_FILES if (root / name).is_file()), None)
        if main is None:
            raise BundleError(f"unable to locate bundle root: databricks.yml not found in {root}")
        self.root = root
        self.config: dict[str, Any] = yaml.safe_load(main.read_text(encoding="utf-8")) or {}
        self.files = [main]
        for pattern in [*(self.config.get("include") or []), "resources/*.yml", "resources/*.yaml"]:
            for path in sorted(root.glob(pattern)):
                if path.is_file() and path not in self.files:
                    self.files.append(path)
        for path in self.files[1:]:  # the CLI merges variables and targets of included files too
            included = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for key in ("variables", "targets"):
                if included.get(key):
                    self.config[key] = merged(self.config.get(key) or {}, included[key])

    def validate(self, args: list[str]) -> str:
        """Schema, target and variables; returns the target."""
        checked = subprocess.run(
            [
                sys.executable,
                "-m",
                "check_jsonschema",
                "--schemafile",
                os.environ["GOLDENPATH_E2E_BUNDLE_SCHEMA"],
            ]
            + [str(path) for path in self.files],
            capture_output=True,
            text=True,
            check=False,
        )
        print(checked.stdout + checked.stderr, end="")
        if checked.returncode != 0:
            raise BundleError("bundle configuration does not match the Databricks bundle schema")

        target, given = parse_args(args)
        targets: dict[str, Any] = self.config.get("targets") or {}
        if target is None:
            target = next((name for name, body in targets.items() if (body or {}).get("default")), None)
        if target is None:
            raise BundleError("please specify target")
        if target not in targets:
            raise BundleError(f"{target}: no such target. Available targets: {', '.join(targets)}")

        check_auth(((targets[target] or {}).get("workspace") or {}).get("host"))

        declared: dict[str, Any] = self.config.get("variables") or {}
        for name in given:
            if name not in declared:
                raise BundleError(f'variable "{name}" has not been defined')
        texts = (path.read_text(encoding="utf-8") for path in self.files)
        undefined = sorted({name for text in texts for name in VAR_REFERENCE.findall(text)} - declared.keys())
        if undefined:
            raise BundleError(f"reference does not exist: ${{var.{undefined[0]}}}")
        overrides = (targets[target] or {}).get("variables") or {}
        for name, body in declared.items():
            has_value = isinstance(body, dict) and ("default" in body or "lookup" in body)
            if not (has_value or name in overrides or name in given or f"BUNDLE_VAR_{name}" in os.environ):
                raise BundleError(
                    f'no value assigned to required variable {name}. Assignment can be done using "--var"'
                )
        print(f"Name: {(self.config.get('bundle') or {}).get('name')}\nTarget: {target}")
        return target

    def deploy(self, target: str, given: dict[str, str]) -> None:
        """Write each endpoint, each job, each monitor and each alert, resolved as the real CLI deploys them."""
        client = WorkspaceClient()
        me = client.current_user.me().user_name or ""
        body = (self.config.get("targets") or {}).get(target) or {}
        values = {"bundle.name": str((self.config.get("bundle") or {}).get("name")), "bundle.target": target}
        values["workspace.current_user.userName"] = me
        overrides = body.get("variables") or {}
        for name, spec in (self.config.get("variables") or {}).items():
            default = spec.get("default") if isinstance(spec, dict) else None
            values[f"var.{name}"] = str(given.get(name, overrides.get(name, default)))
        root = f"/Workspace/Users/{me}/.bundle/{values['bundle.name']}/{target}"
        values["workspace.root_path"] = root
        resources = self.resources()
        for _, endpoint in (resources.get("model_serving_endpoints") or {}).values():
            deploy_endpoint(client, resolve(endpoint, values))
        job_ids: dict[str, int] = {}
        jobs = resources.get("jobs") or {}
        # A job naming another job's id is written once that one has an id.
        for key in sorted(jobs, key=lambda key: bool(JOB_REFERENCE.search(str(jobs[key][1])))):
            path, job = jobs[key]
            settings = resolve_job_ids(resolve(job, values), job_ids)
            if body.get("run_as"):
                settings["run_as"] = body["run_as"]
            for task in settings.get("tasks") or []:
                for library in task.get("libraries") or []:
                    if "whl" in library:
                        built = sorted(path.parent.glob(library["whl"]))
                        library["whl"] = f"{root}/artifacts/.internal/{built[-1].name}"
            job_ids[key] = deploy_job(client, settings)
        for _, monitor in (resources.get("quality_monitors") or {}).values():
            deploy_monitor(client, resolve(monitor, values))
        for _, alert in (resources.get("alerts") or {}).values():
            deploy_alert(client, resolve(alert, values))

    def resources(self) -> dict[str, dict[str, tuple[Path, Any]]]:
        """`resources:` of every bundle file by kind and key, each with the file declaring it."""
        merged: dict[str, dict[str, tuple[Path, Any]]] = {}
        for path in self.files:
            declared = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("resources") or {}
            for kind, found in declared.items():
                merged.setdefault(kind, {}).update({key: (path, body) for key, body in (found or {}).items()})
        return merged

    def build(self) -> None:
        """Run each artifact's build command, then check every `whl:` library matches a file."""
        for name, artifact in (self.config.get("artifacts") or {}).items():
            command = (artifact or {}).get("build")
            if command:
                print(f"Building {name}...", flush=True)
                cwd = self.root / (artifact.get("path") or ".")
                if subprocess.run(command, shell=True, cwd=cwd, check=False).returncode != 0:  # noqa: S602
                    raise BundleError(f"build failed {name}: {command}")
        for path in self.files:
            for pattern in values_of(yaml.safe_load(path.read_text(encoding="utf-8")), "whl"):
                if not list(path.parent.glob(str(pattern))):
                    raise BundleError(f"{path.relative_to(self.root)}: no files match pattern: {pattern}")


def resolve_job_ids(node: Any, job_ids: dict[str, int]) -> Any:
    """`${resources.jobs.<key>.id}` replaced by the id that job was deployed with."""
    if isinstance(node, dict):
        return {key: resolve_job_ids(value, job_ids) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_job_ids(item, job_ids) for item in node]
    if isinstance(node, str):
        for key in JOB_REFERENCE.findall(node):
            if key not in job_ids:
                raise BundleError(f"reference does not exist: ${{resources.jobs.{key}.id}}")
        return JOB_REFERENCE.sub(lambda match: str(job_ids[match[1]]), node)
    return node


def deploy_job(client: WorkspaceClient, settings: dict[str, Any]) -> int:
    existing = [j.job_id for j in client.jobs.list(name=settings["name"]) if j.job_id]
    if existing:
        client.api_client.do(
            "POST", "/api/2.2/jobs/reset", body={"job_id": existing[0], "new_settings": settings}
        )
        print(f"Updated job {settings['name']} ({existing[0]})")
        return existing[0]
    created = client.api_client.do("POST", "/api/2.2/jobs/create", body=settings)
    assert isinstance(created, dict)
    print(f"Created job {settings['name']} ({created['job_id']})")
    return int(created["job_id"])


def deploy_monitor(client: WorkspaceClient, monitor: dict[str, Any]) -> None:
    """Create the table's monitor, or update the one it has; fail as the CLI does when the API refuses."""
    table = monitor["table_name"]
    spec = {key: value for key, value in monitor.items() if key not in (*NOT_SENT, "table_name")}
    path = f"/api/2.1/unity-catalog/tables/{table}/monitor"
    try:
        try:
            client.api_client.do("GET", path)
        except NotFound:
            client.api_client.do("POST", path, body=spec)
            print(f"Created quality monitor on {table}")
            return
        update = {key: value for key, value in spec.items() if key in MONITOR_UPDATABLE}
        client.api_client.do("PUT", path, body=update)
        print(f"Updated quality monitor on {table}")
    except DatabricksError as error:
        raise BundleError(f"cannot deploy quality monitor on {table}: {error}") from None


def deploy_alert(client: WorkspaceClient, alert: dict[str, Any]) -> None:
    """Create the SQL alert, or update the one of that display name."""
    spec = {key: value for key, value in alert.items() if key not in NOT_SENT}
    name = spec["display_name"]
    listed = client.api_client.do("GET", "/api/2.0/alerts")
    assert isinstance(listed, dict)
    existing = [found["id"] for found in listed.get("alerts") or [] if found.get("display_name") == name]
    try:
        if existing:
            mask = ",".join(key for key in spec if key != "parent_path")
            client.api_client.do(
                "PATCH", f"/api/2.0/alerts/{existing[0]}", query={"update_mask": mask}, body=spec
            )
            print(f"Updated alert {name} ({existing[0]})")
            return
        created = client.api_client.do("POST", "/api/2.0/alerts", body=spec)
    except DatabricksError as error:
        raise BundleError(f"cannot deploy alert {name}: {error}") from None
    assert isinstance(created, dict)
    print(f"Created alert {name} ({created['id']})")


def deploy_endpoint(client: WorkspaceClient, endpoint: dict[str, Any]) -> None:
    """Create the endpoint, or bring an existing one's tags and AI Gateway in line with the bundle."""
    name = endpoint["name"]
    spec = {key: value for key, value in endpoint.items() if key != "permissions"}
    try:
        current = client.api_client.do("GET", f"/api/2.0/serving-endpoints/{name}")
    except NotFound:
        client.api_client.do("POST", "/api/2.0/serving-endpoints", body=spec)
        print(f"Created serving endpoint {name}")
        return
    assert isinstance(current, dict)
    wanted = {tag["key"] for tag in spec.get("tags") or []}
    stale = [tag["key"] for tag in current.get("tags") or [] if tag["key"] not in wanted]
    body = {"add_tags": spec.get("tags") or [], "delete_tags": stale}
    client.api_client.do("PATCH", f"/api/2.0/serving-endpoints/{name}/tags", body=body)
    if spec.get("ai_gateway"):
        client.api_client.do("PUT", f"/api/2.0/serving-endpoints/{name}/ai-gateway", body=spec["ai_gateway"])
    print(f"Updated serving endpoint {name}")


def resolve(node: Any, values: dict[str, str]) -> Any:
    """`${...}` references replaced at any depth; unknown ones (e.g. `{{job.id}}`) stay."""
    if isinstance(node, dict):
        return {key: resolve(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    if isinstance(node, str):
        return REFERENCE.sub(lambda match: values.get(match[1], match[0]), node)
    return node


def main(argv: list[str]) -> int:
    record(argv)
    try:
        if argv in (["--version"], ["version"]):
            print("Databricks CLI v0.0.0 (goldenpath e2e test double)")
        elif argv[:2] == ["bundle", "validate"]:
            Bundle(Path.cwd()).validate(argv[2:])
            print("Validation OK!")
        elif argv[:2] == ["bundle", "deploy"]:
            bundle = Bundle(Path.cwd())
            target = bundle.validate(argv[2:])
            bundle.build()
            bundle.deploy(target, parse_args(argv[2:])[1])
            print(
                "Deployment complete! (fake databricks CLI: jobs, endpoints, monitors and alerts "
                "written to the fake workspace)"
            )
        else:
            print(
                f"fake databricks CLI (goldenpath e2e test double): recorded `{' '.join(argv)}`, nothing simulated"
            )
    except BundleError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
