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

location="${RUNNER_TEMP}/setup-python-double/${REQUESTED}"
rm -rf "$location"
"$interpreter" -m venv "$location"
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
