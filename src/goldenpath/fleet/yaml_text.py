"""YAML of repo files, parsed once per distinct text and with libyaml when PyYAML has it.

A fleet repeats the same files (the template's workflows, identical answers
and bundles): each distinct text is parsed once per scan. Results are shared,
so callers read them and never change them.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4096)
def parsed(text: str) -> Any:
    """The YAML document in `text`; raises yaml.YAMLError as yaml.safe_load does."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
