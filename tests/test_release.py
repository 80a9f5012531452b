"""`goldenpath release`: checks before anything moves, `vN` and the GitHub Release, rollback.

A local bare repository is the remote (`GITHUB_SERVER_URL=file://...`) and the
shared fake GitHub API holds the Releases; the commands run in-process through
the CLI entry point, so the exit codes are the ones release.yml sees.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from githubkit.exception import RequestFailed

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.releases import releases
from fakes.github.repos import add_repo, git_dir
from goldenpath.cli import main
from goldenpath.github.client import GitHubEnv, api_client
from goldenpath.refs import RefsError, ReleaseTag, expected_ref, project_version, tag_problems
from goldenpath.release.publish import verify
from goldenpath.settings import load_settings
from release_tree import CentralCheckout, notes_for
from rendering import REPO_ROOT, git

SETTINGS = load_settings(REPO_ROOT / "goldenpath.yml")
ORG, REPO = SETTINGS.central_slug.split("/")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    with start_fake_github(git_root=tmp_path / "git") as server:
        add_repo(server, ORG, REPO)
        yield server


@pytest.fixture
def central(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> CentralCheckout:
    """The files a release reads, committed and pushed; the environment release.yml gives the job."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "uv.lock", "goldenpath.yml", "CHANGELOG.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    for name in (".github", "actions"):
        shutil.copytree(REPO_ROOT / name, source / name)
    assert fake.git_root is not None
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_SERVER_URL", f"file://{fake.git_root}")
    monkeypatch.setenv("GITHUB_REPOSITORY", f"{ORG}/{REPO}")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return CentralCheckout.create(source, tmp_path / "work", git_dir(fake, ORG, REPO))


def run(capsys: pytest.CaptureFixture[str], central: CentralCheckout, *args: str) -> tuple[int, str, str]:
    code = main(["release", *args, "--root", str(central.path)])
    out, err = capsys.readouterr()
    return code, out, err


def only_release(fake: FakeGitHub) -> dict[str, object]:
    (release,) = releases(fake, ORG, REPO)
    return release


# -- tags and versions -------------------------------------------------------------


def test_release_tags_follow_semver_order() -> None:
    names = [
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.2.0",
        "v1.10.0",
        "v2.0.0",
    ]
    tags = [ReleaseTag.parse(name) for name in names]
    assert sorted(reversed(tags), key=ReleaseTag.precedence) == tags
    assert [tag.name for tag in tags] == names
    assert ReleaseTag.parse("v1.3.0-rc.1").major_tag == "v1"
    assert ReleaseTag.parse("v1.3.0-rc.1").is_prerelease
    assert not ReleaseTag.parse("v1.3.0").is_prerelease


@pytest.mark.parametrize("bad", ["1.2.0", "v1.2", "v1", "v01.2.0", "v1.2.0+build.5", "v1.2.0-", "main"])
def test_anything_else_is_not_a_release_tag(bad: str) -> None:
    with pytest.raises(RefsError, match=r"expected vMAJOR\.MINOR\.PATCH"):
        ReleaseTag.parse(bad)


def test_tag_problems_name_the_expected_tag(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.3.0-rc.1"\n')
    assert tag_problems(tmp_path, "v1.3.0-rc.1") == []
    assert tag_problems(tmp_path, "v1.3.0") == [
        "tag v1.3.0 is not v + the pyproject.toml version (v1.3.0-rc.1)"
    ]
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.3.0rc1"\n')
    (problem,) = tag_problems(tmp_path, "v1.3.0rc1")
    assert "'1.3.0rc1' has no release tag form" in problem and "1.3.0-rc.1" in problem


def test_the_shipped_tree_may_be_released_as_its_version() -> None:
    assert verify(REPO_ROOT, SETTINGS, expected_ref(project_version(REPO_ROOT))) == []


# -- publish -----------------------------------------------------------------------


def test_a_good_tag_moves_the_major_tag_and_publishes_its_notes(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    commit = central.release("1.1.0")
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 0, err
    assert central.remote_tags()["v1"] == commit
    release = only_release(fake)
    assert release["tag_name"] == release["name"] == "v1.1.0"
    assert release["body"] == notes_for("1.1.0")
    assert release["prerelease"] is False and release["draft"] is False
    assert release["make_latest"] == "true"
    assert f"v1: created: v1 -> v1.1.0 ({commit})" in out  # the first release of line v1
    assert "release: created" in out
    summary = Path(central.path.parent / "summary.md").read_text(encoding="utf-8")
    assert "### Release v1.1.0" in summary and "v1: created" in summary


def test_rerunning_a_release_changes_nothing(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    central.release("1.1.0")
    assert run(capsys, central, "publish", "--tag", "v1.1.0")[0] == 0
    tags, writes = central.remote_tags(), len(fake.writes())
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0", "--json")
    assert code == 0, err
    assert central.remote_tags() == tags
    assert len(fake.writes()) == writes
    assert [step["result"] for step in json.loads(out)] == ["unchanged", "unchanged"]


def test_a_dry_run_says_what_would_change_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    central.release("1.1.0")
    tags = central.remote_tags()
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0", "--dry-run")
    assert code == 0, err
    assert "v1: would create" in out and "release: would create: v1.1.0" in out
    assert central.remote_tags() == tags and fake.writes() == []


@pytest.mark.parametrize(
    ("version", "options", "tag", "message"),
    [
        ("1.1.0", {}, "v1.1.1", "tag v1.1.1 is not v + the pyproject.toml version (v1.1.0)"),
        ("1.1.0", {"pin": False}, "v1.1.0", "must be pinned to v1.1.0"),
        ("1.1.0", {"notes": None}, "v1.1.0", "CHANGELOG.md has no section for 1.1.0"),
        ("1.1.0", {"notes": "### Added\n\n### Fixed"}, "v1.1.0", "the section for 1.1.0 is empty"),
        (
            "1.1.0",
            {"relock": False},
            "v1.1.0",
            "uv.lock records goldenpath 1.0.1, but pyproject.toml's version is 1.1.0: run scripts/lock",
        ),
    ],
    ids=[
        "tag-not-the-version",
        "unpinned-self-reference",
        "no-changelog-section",
        "empty-changelog-section",
        "stale-lock",
    ],
)
def test_a_bad_release_is_refused_before_anything_moves(
    capsys: pytest.CaptureFixture[str],
    central: CentralCheckout,
    fake: FakeGitHub,
    version: str,
    options: dict[str, object],
    tag: str,
    message: str,
) -> None:
    previous = central.release("1.0.1")
    assert run(capsys, central, "publish", "--tag", "v1.0.1")[0] == 0
    writes = len(fake.writes())
    central.release(version, tag=tag, **options)  # type: ignore[arg-type]
    for action in ("verify", "publish"):
        code, _, err = run(capsys, central, action, "--tag", tag)
        assert code == 1, err
        assert message in err and "nothing was changed" in err
    assert central.remote_tags()["v1"] == previous
    assert len(fake.writes()) == writes
    assert [r["tag_name"] for r in releases(fake, ORG, REPO)] == ["v1.0.1"]


def test_a_checkout_that_is_not_the_pushed_tag_is_refused(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    central.release("1.1.0")
    git(central.path, "commit", "-q", "--allow-empty", "-m", "after the tag")
    code, _, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 1
    assert "release from a checkout of the pushed tag" in err
    assert "v1" not in central.remote_tags() and fake.writes() == []


def test_a_pre_release_is_published_as_one_and_never_moves_the_major_tag(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    released = central.release("1.1.0")
    assert run(capsys, central, "publish", "--tag", "v1.1.0")[0] == 0
    central.release("1.2.0-rc.1")
    code, out, err = run(capsys, central, "publish", "--tag", "v1.2.0-rc.1")
    assert code == 0, err
    assert central.remote_tags()["v1"] == released
    candidate = releases(fake, ORG, REPO)[0]
    assert candidate["tag_name"] == "v1.2.0-rc.1"
    assert candidate["prerelease"] is True and candidate["make_latest"] == "false"
    assert candidate["body"] == notes_for("1.2.0-rc.1")
    assert "v1: unchanged: v1.2.0-rc.1 is a pre-release; v1 does not move" in out


def test_a_backport_keeps_the_major_tag_on_the_newest_release(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    central.release("1.1.0")
    newest = central.release("1.2.0")
    assert run(capsys, central, "publish", "--tag", "v1.2.0")[0] == 0
    central.branch_from("release-1.1", "v1.1.0")
    central.release("1.1.1")
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.1")
    assert code == 0, err
    assert central.remote_tags()["v1"] == newest
    assert "v1: unchanged: v1 stays at v1.2.0, which is newer than v1.1.1" in out
    assert releases(fake, ORG, REPO)[0]["make_latest"] == "false"


def test_an_edited_release_is_brought_back_to_the_changelog(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    central.release("1.1.0")
    assert run(capsys, central, "publish", "--tag", "v1.1.0")[0] == 0
    only_release(fake)["body"] = "edited by hand"
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 0, err
    assert "release: updated: v1.1.0: body" in out
    assert only_release(fake)["body"] == notes_for("1.1.0")


def test_an_outage_stops_part_way_and_a_rerun_resumes(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub
) -> None:
    commit = central.release("1.1.0")
    fake.fail_writes_from = 1
    code, _, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 3, err
    assert "run the same command again" in err
    assert central.remote_tags()["v1"] == commit and releases(fake, ORG, REPO) == []
    fake.fail_writes_from = None
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 0, err
    assert "v1: unchanged" in out and "release: created" in out
    assert only_release(fake)["body"] == notes_for("1.1.0")


def test_the_token_goes_to_git_as_a_header_and_is_never_printed(
    capsys: pytest.CaptureFixture[str],
    central: CentralCheckout,
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An http(s) server, as on github.com or GHES: git asks the fake, which logs the header and refuses."""
    central.release("1.1.0")
    token = "ghs_secret-that-must-not-leak"
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_SERVER_URL", fake.url)
    code, out, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 2, err  # the server refused the token: running again cannot help
    # git went to $GITHUB_SERVER_URL/$GITHUB_REPOSITORY.git, with the token in the header only.
    (ask,) = [call for call in fake.calls if call.path == f"/{ORG}/{REPO}.git/info/refs"]
    assert ask.authorization == "basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert token not in ask.path and token not in str(ask.query)
    assert "git ls-remote failed" in err
    assert token not in out + err
    assert token not in (central.path.parent / "summary.md").read_text(encoding="utf-8")


def test_publish_without_a_repository_is_a_configuration_error(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, monkeypatch: pytest.MonkeyPatch
) -> None:
    central.release("1.1.0")
    monkeypatch.delenv("GITHUB_REPOSITORY")
    code, _, err = run(capsys, central, "publish", "--tag", "v1.1.0")
    assert code == 2
    assert "GITHUB_REPOSITORY is '' — set it to <owner>/<repo>" in err


def test_notes_prints_the_section_a_release_publishes(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout
) -> None:
    central.prepare("1.1.0")
    code, out, _ = run(capsys, central, "notes", "--tag", "v1.1.0")
    assert (code, out) == (0, notes_for("1.1.0") + "\n")
    code, _, err = run(capsys, central, "notes", "--tag", "v1.9.0")
    assert code == 1 and "no section for 1.9.0" in err
    assert run(capsys, central, "notes", "--tag", "1.1")[0] == 2


# -- rollback ----------------------------------------------------------------------


def test_rollback_moves_the_major_tag_back_to_an_earlier_release(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, fake: FakeGitHub, tmp_path: Path
) -> None:
    good = central.release("1.1.0")
    assert run(capsys, central, "publish", "--tag", "v1.1.0")[0] == 0
    bad = central.release("1.2.0")
    assert run(capsys, central, "publish", "--tag", "v1.2.0")[0] == 0
    assert central.remote_tags()["v1"] == bad
    writes = len(fake.writes())
    # Any repository will do: rollback fetches the release it goes back to.
    elsewhere = tmp_path / "elsewhere"
    git(tmp_path, "init", "-q", str(elsewhere))
    code = main(["release", "rollback", "--to", "v1.1.0", "--root", str(elsewhere)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert central.remote_tags()["v1"] == good
    assert f"v1: updated: v1 -> v1.1.0 ({good}), was v1.2.0" in out
    assert len(fake.writes()) == writes, "a rollback moves the tag only; the Releases stay as they are"
    code, out, _ = run(capsys, central, "rollback", "--to", "v1.1.0")
    assert code == 0 and "v1: unchanged" in out
    # Rerunning the newer release is how to roll forward again.
    central.checkout_tag("v1.2.0")
    assert run(capsys, central, "publish", "--tag", "v1.2.0")[0] == 0
    assert central.remote_tags()["v1"] == bad


@pytest.mark.parametrize(
    ("to", "code", "message"),
    [
        ("v1.3.0", 1, f"v1.3.0 is not a tag of {ORG}/{REPO}: nothing to roll back to"),
        ("v1.2.0-rc.1", 1, "v1.2.0-rc.1 is a pre-release; v1 only ever points to releases"),
        ("main", 2, "'main' is not a release tag"),
    ],
)
def test_rollback_refuses_what_is_not_a_published_release(
    capsys: pytest.CaptureFixture[str], central: CentralCheckout, to: str, code: int, message: str
) -> None:
    released = central.release("1.1.0")
    assert run(capsys, central, "publish", "--tag", "v1.1.0")[0] == 0
    central.release("1.2.0-rc.1")
    result, _, err = run(capsys, central, "rollback", "--to", to)
    assert result == code
    assert message in err
    assert central.remote_tags()["v1"] == released


# -- the fake's release endpoints, through githubkit's typed models ----------------


def test_fake_releases_round_trip_through_githubkit(fake: FakeGitHub) -> None:
    gh = api_client(GitHubEnv(token=fake.token, api_url=fake.url))
    created = gh.rest.repos.create_release(ORG, REPO, tag_name="v1.1.0", name="v1.1.0", body="notes")
    assert created.status_code == 201
    assert created.parsed_data.tag_name == "v1.1.0" and created.parsed_data.body == "notes"
    with pytest.raises(RequestFailed) as duplicate:
        gh.rest.repos.create_release(ORG, REPO, tag_name="v1.1.0")
    assert duplicate.value.response.status_code == 422
    updated = gh.rest.repos.update_release(ORG, REPO, created.parsed_data.id, body="new", prerelease=True)
    assert updated.parsed_data.body == "new" and updated.parsed_data.prerelease is True
    assert gh.rest.repos.get_release_by_tag(ORG, REPO, "v1.1.0").parsed_data.id == created.parsed_data.id
    with pytest.raises(RequestFailed) as missing:
        gh.rest.repos.get_release_by_tag(ORG, REPO, "v9.9.9")
    assert missing.value.response.status_code == 404
    for number in range(4):
        gh.rest.repos.create_release(ORG, REPO, tag_name=f"v1.2.{number}")
    listed = [
        r.tag_name for r in gh.rest.paginate(gh.rest.repos.list_releases, owner=ORG, repo=REPO, per_page=2)
    ]
    assert listed == ["v1.2.3", "v1.2.2", "v1.2.1", "v1.2.0", "v1.1.0"]
