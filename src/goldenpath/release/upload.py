"""Upload the release's wheel to the org's package index (`python.publish_url`).

Generated repositories pin the `goldenpath` CLI as a dev dependency resolved from
`python.package_index` (ADR 0012), so a release must put its wheel there before
`vN` moves. One read-decide-write step: the index's page for goldenpath is read
first, and a version already there is left alone, so a rerun uploads nothing and
a run cut short by an outage resumes. uv builds and uploads; the credentials
reach it through its own environment (`UV_PUBLISH_TOKEN`, or
`UV_PUBLISH_USERNAME` and `UV_PUBLISH_PASSWORD`), never through argv, and
certificates are checked against the system's trust store (so `SSL_CERT_FILE`
works for an internal CA).
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from goldenpath.errors import CredentialError, Outage, Refused, UsageError
from goldenpath.github.reconcile import UNCHANGED, Step, Steps, creating
from goldenpath.refs import project_version, tag_problems
from goldenpath.settings import Settings
from goldenpath.timeouts import request_timeout

PROJECT = "goldenpath"
STEP = "wheel"
CREDENTIALS = "UV_PUBLISH_TOKEN (or UV_PUBLISH_USERNAME and UV_PUBLISH_PASSWORD)"


def upload(
    root: Path,
    settings: Settings,
    tag: str,
    steps: Steps,
    *,
    dry_run: bool,
    environ: Mapping[str, str] | None = None,
) -> Step:
    """Put the wheel of `tag` on the index unless it is there; with no `python.publish_url`, nothing to do."""
    environ = os.environ if environ is None else environ
    publish_url = settings.publish_url
    if publish_url is None:
        return steps.run(
            STEP, lambda: Step(STEP, UNCHANGED, "nothing to upload: python.publish_url is not set")
        )
    problems = tag_problems(root, tag)
    if problems:
        raise Refused("; ".join(problems), "upload the wheel of the tag the checkout is at")
    version = Version(project_version(root))
    credentials = publish_credentials(environ)
    if credentials is None and not dry_run:
        raise CredentialError(f"no credentials to upload to {publish_url}", f"set {CREDENTIALS}")

    def apply() -> Step:
        page = project_page(settings.package_index)
        # The upload credentials go only to the upload API's own host, never to another index.
        same_host = urlsplit(page).netloc == urlsplit(publish_url).netloc
        listed = index_files(page, credentials if same_host else None)
        present = [name for name in listed if wheel_version(name) == version]
        if present:
            return Step(STEP, UNCHANGED, f"{present[0]} is on {page}")
        if dry_run:
            return Step(STEP, creating(dry_run), f"goldenpath {version} to {publish_url}")
        wheel = _publish(root, publish_url, settings.package_index, environ)
        return Step(STEP, creating(dry_run), f"{wheel} to {publish_url}")

    return steps.run(STEP, apply)


def publish_credentials(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The upload credentials as uv reads them: a token (user `__token__`) or a user and password."""
    if token := environ.get("UV_PUBLISH_TOKEN"):
        return "__token__", token
    user, password = environ.get("UV_PUBLISH_USERNAME"), environ.get("UV_PUBLISH_PASSWORD")
    return (user, password) if user and password else None


def project_page(package_index: str) -> str:
    """goldenpath's page of a PEP 503 simple index."""
    return package_index.rstrip("/") + f"/{PROJECT}/"


def wheel_version(filename: str) -> Version | None:
    """The version of a goldenpath wheel's file name; None for anything else (sdists, other projects)."""
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return version if name == PROJECT else None


class _Links(HTMLParser):
    """The file names a simple-index page links to."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.names.append(unquote(urlsplit(href).path.rsplit("/", 1)[-1]))


def index_files(page: str, credentials: tuple[str, str] | None) -> list[str]:
    """The files the index lists for goldenpath; none when it does not know the project (404)."""
    try:
        with httpx.Client(
            verify=ssl.create_default_context(),
            timeout=request_timeout(),
            follow_redirects=True,
            auth=credentials,
            headers={"Accept": "text/html"},
        ) as client:
            response = client.get(page)
    except httpx.HTTPError as exc:
        raise Outage(f"cannot read the package index {page}: {exc}") from exc
    if response.status_code == httpx.codes.NOT_FOUND:
        return []
    if response.status_code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        raise CredentialError(
            f"the package index refused to list {page} (HTTP {response.status_code})",
            f"set {CREDENTIALS} to credentials that may read and upload to it",
        )
    if response.is_server_error:
        raise Outage(f"the package index answered HTTP {response.status_code} for {page}")
    if not response.is_success:
        raise Refused(
            f"the package index answered HTTP {response.status_code} for {page}",
            "check python.package_index in goldenpath.yml: it must be a PEP 503 simple index",
        )
    links = _Links()
    links.feed(response.text)
    return links.names


def _uv() -> str:
    """uv beside this Python (release.yml installs it there from actions/install-goldenpath/uv.txt), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        raise UsageError(
            "uv is not installed; it builds and uploads the wheel",
            "pip install --require-hashes -r actions/install-goldenpath/uv.txt",
        )
    return found


def _publish(root: Path, publish_url: str, package_index: str, environ: Mapping[str, str]) -> str:
    """Build the wheel of the checkout and upload it; the file name uploaded."""
    uv = _uv()
    env = _uv_credentials(environ)
    # goldenpath's bound and one retry, so a host that never answers fails the upload within about
    # two bounds (uv's own default is three retries); uv's variables, where set, win.
    bound = str(max(1, round(request_timeout())))
    for variable in ("UV_HTTP_TIMEOUT", "UV_UPLOAD_HTTP_TIMEOUT"):
        env.setdefault(variable, bound)
    env.setdefault("UV_HTTP_RETRIES", "1")
    # The build backend comes from the org's index too, as everything else does (runners may reach no other).
    env.setdefault("UV_DEFAULT_INDEX", package_index)
    with tempfile.TemporaryDirectory(prefix="goldenpath-wheel-") as out:
        built = _uv_run(
            [uv, "build", "--wheel", "--python", sys.executable, "--out-dir", out, str(root)], env
        )
        if built.returncode != 0:
            raise Outage(f"uv could not build the wheel: {_cause(built.stderr)}")
        (wheel,) = Path(out).glob("*.whl")
        published = _uv_run(
            [uv, "publish", "--publish-url", publish_url, "--check-url", package_index, str(wheel)], env
        )
        if published.returncode != 0:
            raise _publish_failure(publish_url, published.stderr)
        return wheel.name


def _uv_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with one kind of credential for uv: a workflow passes empty ones it lacks,
    and uv refuses a token beside a user name."""
    env = {k: v for k, v in environ.items() if not k.startswith("UV_PUBLISH_") or v}
    if env.get("UV_PUBLISH_TOKEN"):
        env.pop("UV_PUBLISH_USERNAME", None)
        env.pop("UV_PUBLISH_PASSWORD", None)
    return env


def _uv_run(argv: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=dict(env), capture_output=True, text=True, check=False)


def _publish_failure(publish_url: str, stderr: str) -> Outage | CredentialError | Refused:
    """uv's failure in the error model: refused credentials exit 2, other 4xx 1, the rest resumes (3)."""
    what = f"the upload to {publish_url} failed: {_cause(stderr)}"
    status = re.search(r"status code (\d{3})", stderr)
    code = status.group(1) if status else ""
    if code in ("401", "403"):
        return CredentialError(what, f"set {CREDENTIALS} to credentials that may upload to it")
    if code.startswith("4"):
        return Refused(what, "check python.publish_url in goldenpath.yml: it must be the index's upload API")
    return Outage(what)


def _cause(text: str) -> str:
    """uv's reason on one line: its last `cause:` onwards (uv wraps it to the terminal), with what
    the server said unless it is an HTML page; else uv's last line."""
    start = text.rfind("cause:")
    if start < 0:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else "no output"
    cause = " ".join(text[start + len("cause:") :].split())
    status, says, server = cause.partition(" Server says: ")
    if says and "<" not in server:
        return f"{status} Server says: {server[:200]}"
    return status
