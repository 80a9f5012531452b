"""Which repos belong to the fleet: the topic, or a `.copier-answers.yml` naming this central repo.

The topic is what create-repo sets; the answers file catches repos someone
rendered by hand. `_src_path` may be `gh:org/repo`, an https or ssh URL, with
or without `.git`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from goldenpath.fleet.yaml_text import parsed

# The topic create-repo puts on every repo it makes.
DEFAULT_TOPIC = "goldenpath"


def has_topic(repo: dict[str, Any], topic: str) -> bool:
    return topic.lower() in (str(t).lower() for t in repo.get("topics") or [])


def answers_of(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        answers = parsed(text)
    except yaml.YAMLError:
        return {}
    return answers if isinstance(answers, dict) else {}


def names_central(answers: dict[str, Any], central_slug: str) -> bool:
    """True when `_src_path` points at `central_slug` (GitHub names are case-insensitive)."""
    source = str(answers.get("_src_path") or "")
    pattern = rf"(?:^gh:|[/:]){re.escape(central_slug)}(?:\.git)?/?$"
    return re.search(pattern, source, flags=re.IGNORECASE) is not None
