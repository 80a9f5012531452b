#!/usr/bin/env bash
# TEST DOUBLE for actions/setup-python (see action.yml). Never shipped.
set -euo pipefail
echo "goldenpath e2e test double: actions/setup-python (host interpreter, fresh virtualenv)"
if [[ -z "${REQUESTED}" ]]; then
  echo "::error::setup-python test double: python-version input is required (python-version-file is not supported)"
  exit 1
fi
if [[ ! "${REQUESTED}" =~ ^3\.[0-9]+$ ]]; then
  echo "::error::setup-python test double: python-version must be major.minor, got '${REQUESTED}'"
  exit 1
fi
if [[ -n "${CACHE_INPUT}" ]]; then
  echo "setup-python test double: cache '${CACHE_INPUT}' requested; the double does not cache"
fi

# The interpreter: pyenv's build of that version first (pyenv shims only expose
# the globally selected version), then anything named python3.X on PATH.
interpreter=""
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for candidate in "$pyenv_root"/versions/"${REQUESTED}".*/bin/python"${REQUESTED}" "$(command -v "python${REQUESTED}" || true)"; do
  if [[ -n "$candidate" && -x "$candidate" ]] \
    && "$candidate" -c "import sys; sys.exit(f'{sys.version_info[0]}.{sys.version_info[1]}' != '${REQUESTED}')" 2>/dev/null; then
    interpreter="$candidate"
    break
  fi
done
if [[ -z "$interpreter" ]]; then
  echo "::error::setup-python test double: no Python ${REQUESTED} on this machine (looked in $pyenv_root/versions and PATH)"
  exit 1
fi

# `python -m venv` bootstraps pip (ensurepip) every time: seconds per job. So one pristine
# virtualenv per interpreter is made once per test session, under $GOLDENPATH_E2E_PYTHONS,
# and each job gets a fresh copy of it, its own paths written in: as untouched as a new one.
if [[ -z "${GOLDENPATH_E2E_PYTHONS:-}" ]]; then
  echo "::error::setup-python test double: GOLDENPATH_E2E_PYTHONS is not set (run through tests/e2e/harness.py)"
  exit 1
fi
seed="${GOLDENPATH_E2E_PYTHONS}/$(printf '%s' "$interpreter" | sha256sum | cut -c1-16)"
if [[ ! -d "$seed" ]]; then
  mkdir -p "${seed%/*}"
  fresh="$(mktemp -d "${seed}.XXXXXX")"
  "$interpreter" -m venv "$fresh/venv"
  echo "$fresh/venv" > "$fresh/made-at"
  # Atomic: another worker's run may have made the same seed meanwhile; the first one stays.
  mv -T "$fresh" "$seed" 2>/dev/null || rm -rf "$fresh"
fi
location="${RUNNER_TEMP}/setup-python-double/${REQUESTED}"
rm -rf "$location"
mkdir -p "${location%/*}"
cp -a "$seed/venv" "$location"
"$location/bin/python" - "$(cat "$seed/made-at")" "$location" <<'PY'
import sys
from pathlib import Path

made_at, location = sys.argv[1], Path(sys.argv[2])
for path in [location / "pyvenv.cfg", *(location / "bin").iterdir()]:
    if path.is_file() and not path.is_symlink():
        text = path.read_bytes()
        if made_at.encode() in text:
            path.write_bytes(text.replace(made_at.encode(), str(location).encode()))
PY
full_version="$("$location/bin/python" -c 'import platform; print(platform.python_version())')"
echo "setup-python test double: Python ${full_version} from ${interpreter} in ${location}"

echo "${location}/bin" >> "$GITHUB_PATH"
{
  echo "pythonLocation=${location}"
  echo "Python_ROOT_DIR=${location}"
  echo "Python3_ROOT_DIR=${location}"
} >> "$GITHUB_ENV"
{
  echo "python-version=${full_version}"
  echo "python-path=${location}/bin/python"
} >> "$GITHUB_OUTPUT"
