"""Cookiecutter pre-generation hook: refuse bad answers with copier's messages."""

import json
import sys

sys.path.insert(0, {{ goldenpath_template_root() | tojson }} + "/hooks")

from cookiecutter_hooks import refuse_invalid_answers  # noqa: E402

sys.exit(refuse_invalid_answers(json.loads({{ cookiecutter | tojson | tojson }})))
