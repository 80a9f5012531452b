"""Rendering: copier/cookiecutter parity, validation at both doors, settings-driven output."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from goldenpath.databricks.bundle import SERVING_INPUT_FILE
from rendering import (
    EXAMPLE_ANSWERS,
    REPO_ROOT,
    Rendered,
    cookiecutter_render,
    copier_copy,
    copy_template,
    git,
    render,
)

# GitHub expressions and Databricks dynamic value references are meant to stay.
ALLOWED_BRACES = re.compile(r"\$\{\{.*?\}\}|\{\{\s*(job|task|tasks|run)\.[a-z_.]+\s*\}\}")
JINJA_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_copier_and_cookiecutter_agree_except_the_answers_source(rendered_matrix: list[Rendered]) -> None:
    for answers, by_copier, by_cookiecutter in (
        (r.answers, r.by_copier, r.by_cookiecutter) for r in rendered_matrix
    ):
        copier_tree, cookie_tree = tree(by_copier), tree(by_cookiecutter)
        assert copier_tree.keys() == cookie_tree.keys(), answers
        differing = [path for path in copier_tree if copier_tree[path] != cookie_tree[path]]
        assert differing == [".copier-answers.yml"], answers
        copier_answers = yaml.safe_load(copier_tree[".copier-answers.yml"])
        cookie_answers = yaml.safe_load(cookie_tree[".copier-answers.yml"])
        strip = {"_commit", "_src_path"}
        assert {k: v for k, v in copier_answers.items() if k not in strip} == answers
        assert {k: v for k, v in cookie_answers.items() if k not in strip} == answers
        assert cookie_answers["_src_path"] == "https://github.com/acme-retail/goldenpath.git"


def test_no_jinja_left_behind(rendered_matrix: list[Rendered]) -> None:
    for by_copier in (r.by_copier for r in rendered_matrix):
        for path, content in tree(by_copier).items():
            text = ALLOWED_BRACES.sub("", content.decode())
            assert not JINJA_LEFTOVER.search(text), f"{path}: {JINJA_LEFTOVER.search(text)}"
            assert "{{" not in path and "{%" not in path


# The only files whose name renders empty for a batch repo (both engines skip such files).
SERVING_ONLY = {
    SERVING_INPUT_FILE,  # the smoke step's request: the template's file bears the name it reads
    "resources/serving.yml",
    "resources/ab.yml",
    "src/rtl_forecasting_demand_weekly/serving.py",
    "src/rtl_forecasting_demand_weekly/inference.py",
    "src/rtl_forecasting_demand_weekly/assignment.py",
    "src/rtl_forecasting_demand_weekly/router.py",
    "src/rtl_forecasting_demand_weekly/readout.py",
    "tests/test_serving.py",
    "tests/test_inference.py",
    "tests/test_ab.py",
    "docs/ab-testing.md",
}
# The files only the example pipeline has: a repo without a model has no predictions to monitor.
EXAMPLE_ONLY = {
    "resources/monitoring.yml",
    "src/rtl_forecasting_demand_weekly/predictions.py",
    "src/rtl_forecasting_demand_weekly/monitoring.py",
    "tests/test_predictions.py",
    "tests/test_monitoring.py",
}
CONDITIONS = {
    "{% if cookiecutter.project_kind == 'serving' %}": len(SERVING_ONLY),
    "{% if cookiecutter.include_example %}": len(EXAMPLE_ONLY),
}


def test_only_the_kind_and_the_example_change_the_file_set(rendered_matrix: list[Rendered]) -> None:
    """Other answers change content only; serving and the example add their own files."""
    shapes: dict[tuple[str, bool], set[frozenset[str]]] = {}
    for r in rendered_matrix:
        if r.answers["repo_name"] == EXAMPLE_ANSWERS["repo_name"]:
            key = (r.answers["project_kind"], r.answers["include_example"])
            shapes.setdefault(key, set()).add(frozenset(tree(r.by_copier)))
    [bare], [batch], [serving] = shapes["batch", False], shapes["batch", True], shapes["serving", True]
    assert serving - batch == SERVING_ONLY
    assert batch - bare == EXAMPLE_ONLY
    assert bare <= batch <= serving


def test_optional_files_are_named_by_one_condition() -> None:
    """Kind- or example-only files are the template files whose name carries that one condition."""
    conditional = [
        p.relative_to(REPO_ROOT / "template" / "{{cookiecutter.repo_name}}").as_posix()
        for p in (REPO_ROOT / "template" / "{{cookiecutter.repo_name}}").rglob("*")
        if "{% if" in p.name
    ]
    assert len(conditional) == sum(CONDITIONS.values())
    for condition, count in CONDITIONS.items():
        named = [path for path in conditional if condition in path]
        assert len(named) == count, condition
        assert all(path.count("{% if") == 1 for path in named)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (
            {"repo_name": "rtll-forecasting-demand"},
            ["unit 'rtll' is not one of ecm, rtl, sup; did you mean 'rtl'?"],
        ),
        ({"repo_name": "RTL_Forecasting--Demand"}, ["charset:", "did you mean 'rtl-forecasting-demand'?"]),
        ({"repo_name": "rtl-forecasting-$(id)"}, ["charset:", "'$', '(', ')'"]),
        ({"repo_name": ""}, ["for example 'rtl-forecasting-demand-weekly'"]),
        ({"team": "ds-ecm"}, ["team 'ds-ecm' may only create repositories of unit ecm, not 'rtl'"]),
        ({"cost_center": "marketing"}, ["cost_center 'marketing' must match ^CC-[0-9]{4}$"]),
        ({"description": "x" * 201}, ["description is 201 characters, the limit is 200"]),
        ({"description": "Costs ${var.catalog}"}, ["Databricks bundle would substitute"]),
        # Copier checks its choices before our validator; both messages name the options.
        ({"python_version": "2.7"}, ["'2.7'", "3.11", "3.12"]),
        ({"auth_mode": "password"}, ["'password'", "service-principal-secrets", "oidc"]),
        ({"project_kind": "online"}, ["'online'", "batch", "serving"]),
        (
            {"project_kind": "serving", "include_example": False},
            ["include_example must be true for project_kind 'serving'"],
        ),
    ],
)
def test_both_engines_refuse_bad_answers_and_write_nothing(
    tmp_path: Path, bad: dict[str, str], expected: list[str]
) -> None:
    answers = {**EXAMPLE_ANSWERS, **bad}
    with ThreadPoolExecutor(2) as engines:  # two processes that share nothing: run them side by side
        copier_run = engines.submit(copier_copy, tmp_path / "copier-out", answers, check=False)
        cookiecutter_run = engines.submit(cookiecutter_render, tmp_path / "cookie-out", answers, check=False)
        by_copier, by_cookiecutter = copier_run.result(), cookiecutter_run.result()
    assert by_copier.returncode != 0
    assert by_cookiecutter.returncode != 0
    for fragment in expected:
        assert fragment in by_copier.stderr
        assert fragment in by_cookiecutter.stderr
    assert not (tmp_path / "copier-out").exists()
    assert list((tmp_path / "cookie-out").glob("*")) == []


def test_settings_drive_every_org_specific_value(tmp_path: Path) -> None:
    template = copy_template(tmp_path)
    settings_file = template / "goldenpath.yml"
    text = settings_file.read_text()
    text = text.replace("org: acme-retail", "org: globex-foods").replace(
        "  rtl: Retail stores", "  whs: Wholesale"
    )
    text = text.replace("ds-rtl:\n    units: [rtl]", "ds-whs:\n    units: [whs]")
    text = text.replace("adb-2222222222222222.12.azuredatabricks.net", "globex-acc.cloud.databricks.com")
    text = text.replace("DATABRICKS_ACC_CLIENT_SECRET", "GLOBEX_ACC_SP_SECRET")
    text = text.replace("central.repo: goldenpath", "central.repo: paved-road").replace(
        "repo: goldenpath", "repo: paved-road"
    )
    settings_file.write_text(text)
    git(template, "commit", "-qam", "fork settings")
    dst = render(tmp_path / "out", {"repo_name": "whs-forecasting-demand-weekly", "team": "ds-whs"}, template)
    content = "\n".join(path + "\n" + data.decode() for path, data in tree(dst).items())
    assert "acme-retail" not in content
    assert "ds-rtl" not in content
    assert "globex-foods" in content
    assert "whs_forecasting_demand_weekly" in content
    assert "dev_whs" in content
    assert "adb-2222222222222222" not in content
    assert "host: https://globex-acc.cloud.databricks.com" in (dst / "databricks.yml").read_text()
    deploy = (dst / ".github" / "workflows" / "deploy.yml").read_text()
    assert "${{ secrets.GLOBEX_ACC_SP_SECRET }}" in deploy
    assert "uses: globex-foods/paved-road/.github/workflows/reusable-deploy.yml@v1" in deploy
    assert "repo: https://github.com/globex-foods/paved-road" in (dst / ".pre-commit-config.yaml").read_text()


def test_the_settings_choose_the_kinds_offered_and_the_default(tmp_path: Path) -> None:
    """A platform team that lists only `serving` gets it by default and batch refused, in both engines."""
    template = copy_template(tmp_path)
    settings_file = template / "goldenpath.yml"
    settings_file.write_text(
        settings_file.read_text().replace("project_kinds: [batch, serving]", "project_kinds: [serving]")
    )
    git(template, "commit", "-qam", "offer serving only")
    answers = {k: v for k, v in EXAMPLE_ANSWERS.items() if k != "project_kind"}
    by_copier = tmp_path / "copier-out"
    copier_copy(by_copier, answers, template)
    cookiecutter_render(tmp_path / "cookie-out", answers, template)
    by_cookiecutter = tmp_path / "cookie-out" / EXAMPLE_ANSWERS["repo_name"]
    for made in (by_copier, by_cookiecutter):
        assert yaml.safe_load((made / ".copier-answers.yml").read_text())["project_kind"] == "serving"
        assert (made / "resources" / "serving.yml").is_file()
    refused = {**answers, "project_kind": "batch"}
    for result in (
        copier_copy(tmp_path / "refused-copier", refused, template, check=False),
        cookiecutter_render(tmp_path / "refused-cookie", refused, template, check=False),
    ):
        assert result.returncode != 0
        assert "'batch'" in result.stderr
        assert "serving" in result.stderr
    assert not (tmp_path / "refused-copier").exists()


def test_org_values_live_only_in_the_settings_file() -> None:
    """No shipped file names the org, a unit, host, secret, principal or node type, but goldenpath.yml.

    The central workflows and actions must name `<org>/<repo>` in their `uses:`
    lines (GitHub resolves them literally); `goldenpath pin-refs` writes those
    from the settings and test_refs proves they agree, so only those lines and
    the zizmor policy that pin-refs writes are exempt.
    """
    settings = yaml.safe_load((REPO_ROOT / "goldenpath.yml").read_text())
    org = settings["github"]["org"]
    needles = [org, "azuredatabricks.net", settings["compute"]["node_type_id"]]
    needles += [name for env in settings["secrets"].values() for name in env.values()]
    needles += [
        env["service_principal"] for env in settings["environments"].values() if "service_principal" in env
    ]
    shipped = [
        REPO_ROOT / "copier.yml",
        *(REPO_ROOT / "src").rglob("*.py"),
        *(REPO_ROOT / "hooks").rglob("*.py"),
        *(REPO_ROOT / "actions").rglob("*.yml"),
        *(REPO_ROOT / ".github").rglob("*.yml"),
    ]
    shipped += [p for p in (REPO_ROOT / "template").rglob("*") if p.is_file()]
    pinned_by_pin_refs = re.compile(
        rf"^\s*(-\s+)?uses:\s+{re.escape(org)}/|^\s+\"{re.escape(org)}/[^\"]+/\*\": ref-pin$"
    )
    for path in shipped:
        lines = [line for line in path.read_text().splitlines() if not pinned_by_pin_refs.search(line)]
        text = "\n".join(lines)
        for needle in needles:
            assert needle not in text, f"{path.relative_to(REPO_ROOT)} hard-codes {needle!r}"
        for unit in settings["units"]:
            assert not re.search(rf"\b{unit}\b", text), (
                f"{path.relative_to(REPO_ROOT)} hard-codes unit {unit!r}"
            )
