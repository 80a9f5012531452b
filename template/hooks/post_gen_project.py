"""Cookiecutter post-generation hook: write the same answers file copier writes."""

import json
import sys

sys.path.insert(0, {{ goldenpath_template_root() | tojson }} + "/hooks")

from cookiecutter_hooks import write_copier_answers  # noqa: E402

write_copier_answers(json.loads({{ cookiecutter | tojson | tojson }}))
