"""Answers are data, never code: every answer reads back unchanged from every file it lands in.

The filters are checked against the real parsers (Python, tomllib, PyYAML,
json, two Markdown renderers); whole renders by both engines are checked with
the named corpus of nasty descriptions and with hypothesis.
"""

from __future__ import annotations

import ast
import html
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_generated_repo import poetry, run

from goldenpath.check.repo import check_repo
from goldenpath.project import DESCRIPTION_MAX_LENGTH, answer_error, description_error
from goldenpath.render_filters import (
    json_string,
    markdown_code,
    markdown_text,
    python_docstring,
    python_string,
    toml_string,
    yaml_string,
)
from goldenpath.settings import load_settings
from rendering import EXAMPLE_ANSWERS, REPO_ROOT, cookiecutter_render, copier_copy, git

SETTINGS = load_settings()
RUFF = Path(sys.executable).parent / "ruff"
JOB_SUFFIX = " (version ${var.package_version})"

# Named so a failure says which kind of nastiness broke.
CORPUS = {
    "quote-at-end": 'Forecast "weekly"',
    "quotes-at-both-ends": '"Forecast weekly"',
    "single-quotes-at-both-ends": "'Forecast' weekly '",
    "triple-quotes": "Forecast \"\"\"weekly\"\"\" and '''daily'''",
    "backslashes": "C:\\models\\new \\n is not a newline \\",
    "github-expression": "${{ secrets.GITHUB_TOKEN }} ${{ github.event.issue.title }}",
    "shell-substitution": "$(touch /tmp/pwned) `id`; rm -rf ~ && echo $HOME",
    "jinja-expression": "{{ }} {{ 7 * 7 }} {{ cookiecutter.repo_name }}",
    "jinja-statement": "{% %} {% raw %}{% if x %}{% endif %} {# comment #}",
    "html": "<script>alert(1)</script> <b>bold</b> &amp; <!-- hidden -->",
    "markdown": "# Title *em* [link](https://evil.example) www.example.com a@b.io :smile: | a | $x$",
    "unicode": "Prévision — 需求预测 — Прогноз спроса",
    "right-to-left-marks": "\u202eevil\u202c and \u200f\u05de\u05d5\u05d3\u05dc \u05d7\u05d9\u05d6\u05d5\u05d9\u200f \u2066iso\u2069",
    "emoji": "Forecast 📈 demand 🛒 👩\u200d🔬",
    "yaml-lookalikes": "yes: no # not a comment & *anchor !tag - [x] {a: b}",
    "toml-lookalikes": 'x = """y""" [table] # c',
    "spaces-at-both-ends": "  padded  ",
    "leading-number": "1. Forecast",
    "javascript-link": "[x](javascript:alert(1)) <a href='javascript:alert(1)'>y</a>",
}
# Descriptions as people write them: ordinary punctuation Markdown leaves alone where it
# stands, so the raw README and docs page show them exactly as typed.
PLAIN = {
    "derived-default": "ecm-personalization-ranking-daily: an ML project",
    "parentheses": "Weekly demand forecast (per store, per SKU).",
    "apostrophe-and-slash": "Churn model for B2B/B2C customers - it's the baseline",
    "ampersand-in-words": "R&D pricing & promotions: uplift, 2024-25 edition",
    "percent-and-question": "Which 20% of stores drive 80% of returns? A ranking model",
    "snake-case-and-times": "Scores cart_value and basket_size; 2 * 3 is not emphasis",
    "quotes-and-hash": 'The "fast" model for issue #12, v1.2',
    "email-like": "Ask the team @ ds-rtl; no address here",
}


def _markdown_it_paragraph(source: str) -> str:
    """The paragraph as CommonMark (markdown-it-py) renders it, with GFM tables and strikethrough."""
    return str(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(source))


def _docs_site_extensions() -> tuple[list[str], dict[str, Any]]:
    """The Markdown extensions of the generated mkdocs.yml, read from the template itself."""
    text = (REPO_ROOT / "template" / "{{cookiecutter.repo_name}}" / "mkdocs.yml").read_text(encoding="utf-8")
    static = "\n".join(line for line in text.splitlines() if "{{" not in line and "{%" not in line)
    names, configs = [], {}
    for entry in yaml.safe_load(static)["markdown_extensions"]:
        name = entry if isinstance(entry, str) else next(iter(entry))
        names.append(name)
        if isinstance(entry, dict):
            configs[name] = entry[name]
    return names, configs


DOCS_EXTENSIONS, DOCS_EXTENSION_CONFIGS = _docs_site_extensions()


def _python_markdown_paragraph(source: str) -> str:
    """The paragraph as the docs site (mkdocs, Python-Markdown) renders it, plus GitHub's
    autolinking of bare URLs and e-mail addresses and its strikethrough."""
    return str(
        markdown.markdown(
            source,
            extensions=[*DOCS_EXTENSIONS, "pymdownx.magiclink", "pymdownx.tilde"],
            extension_configs=DOCS_EXTENSION_CONFIGS,
        )
    )


def _assert_markdown_shows(text: str) -> None:
    """Both renderers show exactly `text` in one paragraph: no element, link or entity of their own."""
    source = markdown_text(text)
    expected = html.escape(text, quote=False).replace('"', "&quot;")
    assert _markdown_it_paragraph(source) == f"<p>{expected}</p>\n", source
    rendered = _python_markdown_paragraph(source)
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), (source, rendered)
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    assert "<" not in inner, (source, rendered)
    assert html.unescape(inner) == text, (source, rendered)


@pytest.mark.parametrize("text", CORPUS.values(), ids=CORPUS.keys())
def test_corpus_reads_back_from_every_language(text: str) -> None:
    _assert_reads_back(text)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_reads_back_from_every_language(text: str) -> None:
    _assert_reads_back(text)


def _assert_reads_back(text: str) -> None:
    literal, docstring = python_string(text), python_docstring(text)
    assert literal.isascii() and docstring.isascii()
    assert ast.literal_eval(literal) == text
    module = ast.parse(f"{docstring}\n")
    assert ast.get_docstring(module, clean=False) == text
    assert tomllib.loads(f"key = {toml_string(text)}\n")["key"] == text
    assert yaml.safe_load(f"key: {yaml_string(text)}\n")["key"] == text
    assert json.loads(json_string(text)) == text
    for name, rendered in (
        ("toml", toml_string(text)),
        ("yaml", yaml_string(text)),
        ("json", json_string(text)),
        ("markdown", markdown_text(text)),
    ):
        invisible = [char for char in rendered if not (char.isprintable() or char == " ")]
        assert not invisible, f"{name} writes invisible characters raw: {invisible}"


# What Markdown reads at the start of a line, or in only one position of it.
POSITIONAL = [
    "# heading",
    "#hashtag",
    "> quote",
    "- item",
    "+ item",
    "* item",
    "-dash",
    "---",
    "* * *",
    "___",
    "1. item",
    "1) item",
    "2024.",
    "~~~ fence",
    "``` fence",
    "!!! note",
    "[TOC]",
    "[^1] footnote",
    "[x]: https://e.x",
    "<div>",
    "<http://e.x>",
    "<a@b.c>",
    "ftp://e.x",
    "mailto:a@b.c",
    ":+1: and :100:",
    "$5 and $6",
    "~~gone~~ ~x~",
    "a_b_c _a_ __b__",
    "\\ at the end\\",
]


@pytest.mark.parametrize("text", [*CORPUS.values(), *PLAIN.values(), *POSITIONAL])
def test_markdown_shows_the_text_and_nothing_else(text: str) -> None:
    _assert_markdown_shows(text)


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_ordinary_punctuation_is_written_as_typed(text: str) -> None:
    assert markdown_text(text) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("<script>alert(1)</script>", "\\<script>alert(1)\\</script>"),
        ("[x](javascript:alert(1))", "\\[x](javascript:alert(1))"),
        ("${{ secrets.X }} and {{ 7 * 7 }}", "${{ secrets.X }} and {{ 7 * 7 }}"),
        ("&amp; vs R&D", "\\&amp; vs R&D"),
        ("1. Forecast", "1\\. Forecast"),
        ("- item", "\\- item"),
        ("*bold* and snake_case", "\\*bold\\* and snake_case"),
        ("C:\\models", "C:\\\\models"),
        ("tab\tend ", "tab&#9;end&#32;"),
    ],
)
def test_markup_gets_a_backslash_and_invisible_characters_a_visible_reference(
    text: str, written: str
) -> None:
    assert markdown_text(text) == written


@given(st.text(min_size=1, max_size=80).filter(lambda t: not description_error(t)))
@settings(max_examples=200, deadline=None)
def test_any_valid_description_is_one_paragraph_of_itself(text: str) -> None:
    _assert_markdown_shows(text)


# Markdown's own characters, densely: where escaping by position is most likely to go wrong.
MARKUP_HEAVY = st.text(alphabet="*_~`[]()<>&#;!:@$.\\/-+=|{}^ wwa1é\u200b", min_size=1, max_size=40)


@given(MARKUP_HEAVY)
@settings(max_examples=500, deadline=None)
def test_any_markup_heavy_text_is_one_paragraph_of_itself(text: str) -> None:
    _assert_markdown_shows(text)


@pytest.mark.parametrize("text", ["plain", "a`b", "``", "`start", "end`"])
def test_markdown_code_spans_hold_backticks(text: str) -> None:
    rendered = _markdown_it_paragraph(markdown_code(text))
    assert rendered == f"<p><code>{html.escape(text, quote=False)}</code></p>\n"


@pytest.mark.parametrize(
    ("description", "fragment"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("first line\nsecond line", "character 11 is U+000A"),
        ("tab\tinside", "U+0009"),
        ("bell\x07", "U+0007"),
        ("line\u2028separator", "U+2028 (LINE SEPARATOR)"),
        ("x" * (DESCRIPTION_MAX_LENGTH + 1), f"the limit is {DESCRIPTION_MAX_LENGTH}"),
        ("Costs ${var.catalog}", "'${v'"),
    ],
)
def test_unrepresentable_descriptions_are_refused_with_a_valid_example(
    description: str, fragment: str
) -> None:
    error = answer_error("description", {"description": description}, SETTINGS)
    assert fragment in error
    assert "for example 'Weekly demand forecast per store'" in error


@pytest.mark.parametrize("text", [*CORPUS.values(), "x" * DESCRIPTION_MAX_LENGTH])
def test_corpus_and_the_longest_description_are_accepted(text: str) -> None:
    assert description_error(text) == ""


# --- whole renders, both engines --------------------------------------------


def render_both(tmp_path: Path, description: str) -> tuple[Path, Path]:
    answers = {**EXAMPLE_ANSWERS, "description": description}
    by_copier = tmp_path / "copier" / answers["repo_name"]
    copier_copy(by_copier, answers)
    cookiecutter_render(tmp_path / "cookiecutter", answers)
    return by_copier, tmp_path / "cookiecutter" / answers["repo_name"]


def _run_blocks(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["run"])] if "run" in node else []
        return found + [block for value in node.values() for block in _run_blocks(value)]
    if isinstance(node, list):
        return [block for item in node for block in _run_blocks(item)]
    return []


def assert_answer_is_data(repo: Path, description: str, baseline_runs: list[str]) -> None:
    """The checks the issue names, on one rendered repo."""
    for path in sorted(repo.rglob("*.py")):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == description
    documents = {path: yaml.safe_load(path.read_text(encoding="utf-8")) for path in repo.rglob("*.y*ml")}
    job = documents[repo / "resources" / "pipeline_job.yml"]["resources"]["jobs"]["pipeline"]
    assert job["description"] == description + JOB_SUFFIX
    assert documents[repo / ".copier-answers.yml"]["description"] == description
    workflows = [doc for path, doc in documents.items() if path.parent.name == "workflows"]
    runs = [block for doc in workflows for block in _run_blocks(doc)]
    assert runs == baseline_runs, "a workflow's run: changed with the description"
    assert not [block for block in runs if len(description.strip()) > 3 and description in block]
    readme = (repo / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[2] == markdown_text(description)
    for ruff in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(RUFF), *ruff, "--no-cache", "."], cwd=repo, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"ruff {' '.join(ruff)}:\n{result.stdout}{result.stderr}"
    assert check_repo(repo, SETTINGS) == []


def assert_engines_agree(by_copier: Path, by_cookiecutter: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    copier_files, cookie_files = files(by_copier), files(by_cookiecutter)
    assert copier_files.keys() == cookie_files.keys()
    assert [p for p in copier_files if copier_files[p] != cookie_files[p]] == [".copier-answers.yml"]


def test_the_readme_and_docs_page_show_a_plain_description_as_typed(tmp_path: Path) -> None:
    description = " ".join(PLAIN.values())[:DESCRIPTION_MAX_LENGTH].rstrip()
    for repo in render_both(tmp_path, description):
        for page in ("README.md", "docs/index.md"):
            lines = (repo / page).read_text(encoding="utf-8").splitlines()
            assert lines[2] == description, page
        _assert_markdown_shows(description)


@pytest.fixture(scope="module")
def baseline_runs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    repo, _ = render_both(tmp_path_factory.mktemp("baseline"), EXAMPLE_ANSWERS["description"])
    workflows = sorted((repo / ".github" / "workflows").glob("*.yml"))
    return [block for path in workflows for block in _run_blocks(yaml.safe_load(path.read_text()))]


@pytest.mark.slow
@pytest.mark.parametrize("description", CORPUS.values(), ids=CORPUS.keys())
def test_corpus_renders_as_data_in_both_engines(
    description: str, tmp_path: Path, baseline_runs: list[str]
) -> None:
    by_copier, by_cookiecutter = render_both(tmp_path, description)
    assert_engines_agree(by_copier, by_cookiecutter)
    for repo in (by_copier, by_cookiecutter):
        assert_answer_is_data(repo, description, baseline_runs)


@pytest.mark.slow
@given(
    description=st.text(min_size=1, max_size=DESCRIPTION_MAX_LENGTH).filter(
        lambda t: not description_error(t)
    )
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_valid_description_renders_as_data_in_both_engines(
    description: str, tmp_path_factory: pytest.TempPathFactory, baseline_runs: list[str]
) -> None:
    by_copier, by_cookiecutter = render_both(tmp_path_factory.mktemp("any"), description)
    assert_engines_agree(by_copier, by_cookiecutter)
    for repo in (by_copier, by_cookiecutter):
        assert_answer_is_data(repo, description, baseline_runs)


# Every kind of nastiness in one description, within the length limit.
WORST = (
    '"Forecast" \'weekly\' """x""" C:\\new\\ ${{ secrets.X }} $(id) `id` {{ 7*7 }} {% if x %} '
    '<b>x</b> &amp; [l](http://e.x) www.e.x \u202eevil\u202c \u200f\u05de\u05d5\u05d3\u05dc 📈 "'
)


@pytest.mark.slow
def test_the_worst_description_installs_tests_and_checks_green(tmp_path: Path) -> None:
    """Both engines render the same bytes (the answers file aside), so installing one proves both."""
    assert not description_error(WORST)
    repo, by_cookiecutter = render_both(tmp_path, WORST)
    assert_engines_agree(repo, by_cookiecutter)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Generated by goldenpath")
    poetry(repo, "install", "--no-interaction")
    tested = poetry(repo, "run", "pytest")
    assert "warnings summary" not in tested.stdout
    poetry(repo, "run", "ruff", "check", ".")
    poetry(repo, "run", "ruff", "format", "--check", ".")
    run(repo, str(Path(sys.executable).parent / "goldenpath"), "check-repo", ".")
    metadata = poetry(
        repo,
        "run",
        "python",
        "-c",
        "import importlib.metadata as m, sys; print(m.metadata(sys.argv[1])['Summary'])",
        EXAMPLE_ANSWERS["repo_name"],
    )
    assert metadata.stdout.rstrip("\n") == WORST
    # The package's own warnings fail the run (-W error for it), so none can creep in unseen.
    init = next((repo / "src").glob("*/__init__.py"))
    init.write_text(
        init.read_text() + 'import warnings\n\nwarnings.warn("new", DeprecationWarning, stacklevel=1)\n'
    )
    failed = poetry(repo, "run", "pytest", "--no-cov", "tests/test_config.py", check=False)
    assert failed.returncode != 0
    assert "DeprecationWarning: new" in failed.stdout + failed.stderr
