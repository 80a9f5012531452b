"""What Backstage reads from a generated repo: catalog-info.yaml (catalog) and mkdocs.yml (TechDocs).

catalog-info.yaml is validated against Backstage's own published entity schema
(vendored in tests/schemas/backstage/, see its README) and must say exactly what
`Project.catalog_entity` derives; the docs site builds with `mkdocs build --strict`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldenpath.project import build_project
from goldenpath.settings import load_settings
from rendering import REPO_ROOT, Rendered

SETTINGS = load_settings()
BIN = Path(sys.executable).parent
COMPONENT_SCHEMA = REPO_ROOT / "tests" / "schemas" / "backstage" / "component.schema.json"
# Rules Backstage checks in code rather than in the schema (catalog-model's validators,
# described in its "Descriptor Format" docs): names and tags.
ENTITY_NAME = re.compile(r"^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$")
TAG = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")


def schema_errors(*files: Path) -> str:
    """check-jsonschema's report, empty when every file is a valid Backstage Component."""
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(COMPONENT_SCHEMA), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if result.returncode == 0 else result.stdout + result.stderr


def _catalog(repo: Path) -> dict[str, Any]:
    data = yaml.safe_load((repo / "catalog-info.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_catalog_info_is_a_valid_backstage_component(rendered_matrix: list[Rendered]) -> None:
    files = [r.by_copier / "catalog-info.yaml" for r in rendered_matrix]
    assert not schema_errors(*files)


def test_catalog_info_says_what_the_project_derives(rendered_matrix: list[Rendered]) -> None:
    for rendered in rendered_matrix:
        answers = rendered.answers
        project = build_project(answers, SETTINGS, REPO_ROOT)
        entity = _catalog(rendered.by_copier)
        assert entity == project.catalog_entity, rendered.label
        unit, domain, usecase = answers["repo_name"].split("-", 2)
        assert entity["spec"]["owner"] == f"group:{answers['team']}"
        assert entity["spec"]["system"] == unit
        assert entity["metadata"]["tags"] == [unit, domain, usecase]
        assert entity["metadata"]["description"] == answers["description"]
        assert entity["metadata"]["annotations"] == {
            "github.com/project-slug": f"{SETTINGS.org}/{answers['repo_name']}",
            "backstage.io/techdocs-ref": "dir:.",
        }
        name = entity["metadata"]["name"]
        assert ENTITY_NAME.match(name) and len(name) <= 63, name
        for tag in entity["metadata"]["tags"]:
            assert TAG.match(tag) and len(tag) <= 63, tag


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "lifecycle"), ""),
        (("spec", "owner"), None),
        (("kind", None), "Service"),
        (("metadata", "name"), None),
    ],
)
def test_the_vendored_schema_refuses_a_broken_entity(
    rendered_matrix: list[Rendered], tmp_path: Path, path: tuple[str, str | None], value: Any
) -> None:
    """The schema really applies: Component, Entity and EntityMeta rules all reach the file."""
    entity = _catalog(rendered_matrix[0].by_copier)
    section, key = path
    if key is None:
        entity[section] = value
    elif value is None:
        del entity[section][key]
    else:
        entity[section][key] = value
    broken = tmp_path / "catalog-info.yaml"
    broken.write_text(yaml.safe_dump(entity), encoding="utf-8")
    assert schema_errors(broken)


@pytest.mark.parametrize("example", [True, False], ids=["example", "bare"])
def test_the_docs_site_builds_strictly(
    rendered_matrix: list[Rendered], tmp_path: Path, example: bool
) -> None:
    rendered = next(r for r in rendered_matrix if r.answers["include_example"] is example)
    for repo in (rendered.by_copier, rendered.by_cookiecutter):
        site = tmp_path / repo.parent.name
        result = subprocess.run(
            [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        index = (site / "index.html").read_text(encoding="utf-8")
        assert rendered.answers["repo_name"] in index
        assert "material" in index  # the mkdocs-material theme, as TechDocs renders it


def test_the_docs_group_is_optional_and_holds_mkdocs_material(rendered_matrix: list[Rendered]) -> None:
    """`poetry install` stays lean; only the docs job (`poetry install --only docs`) pulls mkdocs."""
    for rendered in rendered_matrix:
        pyproject = tomllib.loads((rendered.by_copier / "pyproject.toml").read_text(encoding="utf-8"))
        docs = pyproject["tool"]["poetry"]["group"]["docs"]
        assert docs["optional"] is True
        assert "mkdocs-material" in docs["dependencies"]
