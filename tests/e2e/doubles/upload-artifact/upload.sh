#!/usr/bin/env bash
# TEST DOUBLE for actions/upload-artifact (see action.yml). Never shipped.
set -euo pipefail
shopt -s globstar nullglob
echo "goldenpath e2e test double: actions/upload-artifact copies '${NAME}' to \$GOLDENPATH_E2E_ARTIFACTS"
if [[ -z "${GOLDENPATH_E2E_ARTIFACTS:-}" ]]; then
  echo "::error::upload-artifact test double: GOLDENPATH_E2E_ARTIFACTS is not set (run through tests/e2e/harness.py)"
  exit 1
fi
if [[ -z "${NAME}" || "${NAME}" == *[/\\:*?\"\<\>\|]* ]]; then
  echo "::error::upload-artifact test double: invalid artifact name '${NAME}'"
  exit 1
fi
destination="${GOLDENPATH_E2E_ARTIFACTS}/${NAME}"
if [[ -e "$destination" ]]; then
  if [[ "${OVERWRITE}" != "true" ]]; then
    echo "::error::upload-artifact test double: an artifact named '${NAME}' was already uploaded in this run"
    exit 1
  fi
  rm -rf "$destination"
fi

matches=()
while IFS= read -r pattern; do
  pattern="${pattern#"${pattern%%[![:space:]]*}"}"
  pattern="${pattern%"${pattern##*[![:space:]]}"}"
  [[ -z "$pattern" ]] && continue
  if [[ "$pattern" == '!'* ]]; then
    echo "::error::upload-artifact test double: exclusion patterns are not supported ('${pattern}')"
    exit 1
  fi
  # Unquoted on purpose: the pattern is a glob.
  # shellcheck disable=SC2206
  found=($pattern)
  matches+=("${found[@]}")
done <<< "${PATHS}"

if (( ${#matches[@]} == 0 )); then
  case "${IF_NO_FILES_FOUND}" in
    error) echo "::error::No files were found with the provided path: ${PATHS}. No artifacts will be uploaded."; exit 1 ;;
    ignore) echo "No files were found with the provided path: ${PATHS}. No artifacts will be uploaded." ;;
    *) echo "::warning::No files were found with the provided path: ${PATHS}. No artifacts will be uploaded." ;;
  esac
  exit 0
fi

mkdir -p "$destination"
for match in "${matches[@]}"; do
  if [[ -d "$match" ]]; then
    # Like the real action, a directory is the artifact's root: its contents are uploaded.
    cp -R -- "${match%/}/." "$destination/"
    echo "upload-artifact test double: ${match} (its contents) -> ${destination}/"
  else
    cp -R -- "$match" "$destination/"
    echo "upload-artifact test double: ${match} -> ${destination}/$(basename -- "$match")"
  fi
done
echo "artifact-id=${NAME}" >> "$GITHUB_OUTPUT"
echo "artifact-url=file://${destination}" >> "$GITHUB_OUTPUT"
