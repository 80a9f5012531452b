"""`goldenpath release upload`: the release's wheel reaches the org's package index once, resumably.

pypiserver on loopback, speaking https (tests/platform_index.py, tests/loopback_tls.py),
stands in for the org's index: its simple pages are what generated repositories
resolve from, its upload API is what uv publishes to. The command runs as
release.yml runs it, with the credentials in UV_PUBLISH_TOKEN.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from goldenpath.refs import project_version
from loopback_tls import LoopbackTls, loopback_tls
from platform_index import PlatformIndex, serve_platform_index
from rendering import BIN, REPO_ROOT

TOKEN = "pypi-upload-token-not-for-logs"
VERSION = project_version(REPO_ROOT)
TAG = f"v{VERSION}"
WHEEL = f"goldenpath-{VERSION}-py3-none-any.whl"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What release.yml checks out, as far as building the wheel goes."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO_ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "goldenpath.yml"):
        shutil.copy(REPO_ROOT / name, root / name)
    return root


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LoopbackTls:
    return loopback_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def index(tmp_path: Path, tls: LoopbackTls) -> Iterator[PlatformIndex]:
    with serve_platform_index(tmp_path / "index", "https://pypi.org/simple/", token=TOKEN, tls=tls) as served:
        yield served


def settings_for(tmp_path: Path, index: PlatformIndex, *, publish: bool = True) -> Path:
    text = (REPO_ROOT / "goldenpath.yml").read_text(encoding="utf-8")
    old = "  package_index: https://pypi.org/simple/\n"
    assert old in text
    new = f"  package_index: {index.url}\n" + (f"  publish_url: {index.upload_url}\n" if publish else "")
    settings = tmp_path / "goldenpath.yml"
    settings.write_text(text.replace(old, new), encoding="utf-8")
    return settings


def upload(
    checkout: Path, settings: Path, tls: LoopbackTls, *args: str, token: str | None = TOKEN
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_PUBLISH_", "GOLDENPATH_"))}
    env["SSL_CERT_FILE"] = str(tls.bundle)
    if token is not None:
        env["UV_PUBLISH_TOKEN"] = token
    return subprocess.run(
        [
            BIN / "goldenpath",
            "release",
            "upload",
            "--tag",
            TAG,
            "--root",
            checkout,
            "--settings",
            settings,
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_the_wheel_is_uploaded_once_and_a_rerun_changes_nothing(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    settings = settings_for(tmp_path, index)
    first = upload(checkout, settings, tls, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == [
        {"name": "wheel", "result": "created", "detail": f"{WHEEL} to {index.upload_url}"}
    ]
    assert index.uploads == [WHEEL]
    # What generated repositories resolve: the index's page now lists the wheel, and it is a real wheel.
    trust = ssl.create_default_context(cafile=str(tls.bundle))
    assert WHEEL in httpx.get(f"{index.url}goldenpath/", verify=trust).text
    names = zipfile.ZipFile(index.root / WHEEL).namelist()
    assert "goldenpath/cli.py" in names and any(name.endswith("goldenpath.yml") for name in names)

    again = upload(checkout, settings, tls)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"wheel: unchanged: {WHEEL} is on {index.url}goldenpath/\n"
    assert index.uploads == [WHEEL]
    assert TOKEN not in first.stdout + first.stderr + again.stdout + again.stderr


@pytest.mark.slow
def test_an_outage_fails_resumably_and_the_rerun_uploads(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    settings = settings_for(tmp_path, index)
    index.failing = True
    down = upload(checkout, settings, tls)
    assert down.returncode == 3, down.stderr
    assert f"the upload to {index.upload_url} failed" in down.stderr
    assert "run the same command again" in down.stderr and "Traceback" not in down.stderr
    assert index.uploads == [] and not list(index.root.glob("*.whl"))
    index.failing = False
    up = upload(checkout, settings, tls)
    assert up.returncode == 0, up.stderr
    assert index.uploads == [WHEEL]


def test_a_refused_token_exits_2_without_printing_it(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    wrong = "pypi-wrong-token-not-for-logs"
    refused = upload(checkout, settings_for(tmp_path, index), tls, token=wrong)
    assert refused.returncode == 2, refused.stderr
    assert "UV_PUBLISH_TOKEN" in refused.stderr and "Traceback" not in refused.stderr
    # One line: the server's status, not the HTML error page it sent with it.
    assert "status code 403 Forbidden." in refused.stderr and "<" not in refused.stderr
    assert wrong not in refused.stdout + refused.stderr
    assert index.uploads == []


def test_a_dry_run_needs_no_credentials_and_uploads_nothing(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    dry = upload(checkout, settings_for(tmp_path, index), tls, "--dry-run", token=None)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == f"wheel: would create: goldenpath {VERSION} to {index.upload_url}\n"
    assert index.uploads == []


def test_the_upload_token_goes_to_no_other_host(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    """An org reading from one index and uploading to another: the read carries no upload token."""
    with serve_platform_index(
        tmp_path / "uploads", "https://pypi.org/simple/", token=TOKEN, tls=tls
    ) as other:
        settings = settings_for(tmp_path, index)
        text = settings.read_text(encoding="utf-8")
        own, others = f"publish_url: {index.upload_url}\n", f"publish_url: {other.upload_url}\n"
        settings.write_text(text.replace(own, others), encoding="utf-8")
        dry = upload(checkout, settings, tls, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert index.read_authorizations == [None]
    same = upload(checkout, settings_for(tmp_path, index), tls, "--dry-run")
    assert same.returncode == 0, same.stderr
    assert index.read_authorizations[1] is not None, "the upload host's own index reads with its token"


def test_no_credentials_exits_2_before_anything_is_built(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    missing = upload(checkout, settings_for(tmp_path, index), tls, token=None)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"goldenpath release upload: no credentials to upload to {index.upload_url} — set "
        "UV_PUBLISH_TOKEN (or UV_PUBLISH_USERNAME and UV_PUBLISH_PASSWORD)"
    )
    assert index.uploads == []


def test_without_a_publish_url_there_is_nothing_to_upload(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    skipped = upload(checkout, settings_for(tmp_path, index, publish=False), tls, token=None)
    assert skipped.returncode == 0, skipped.stderr
    assert skipped.stdout == "wheel: unchanged: nothing to upload: python.publish_url is not set\n"


def test_a_tag_that_is_not_the_checkout_s_version_is_refused(
    checkout: Path, tmp_path: Path, index: PlatformIndex, tls: LoopbackTls
) -> None:
    settings = settings_for(tmp_path, index)
    result = subprocess.run(
        [
            BIN / "goldenpath",
            "release",
            "upload",
            "--tag",
            "v99.0.0",
            "--root",
            checkout,
            "--settings",
            settings,
        ],
        env={"PATH": "/usr/bin:/bin", "UV_PUBLISH_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"tag v99.0.0 is not v + the pyproject.toml version ({TAG})" in result.stderr
    assert index.uploads == []
