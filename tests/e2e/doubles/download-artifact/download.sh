#!/usr/bin/env bash
# TEST DOUBLE for actions/download-artifact (see action.yml). Never shipped.
set -euo pipefail
shopt -s nullglob
echo "goldenpath e2e test double: actions/download-artifact reads \$GOLDENPATH_E2E_ARTIFACTS"
if [[ -z "${GOLDENPATH_E2E_ARTIFACTS:-}" ]]; then
  echo "::error::download-artifact test double: GOLDENPATH_E2E_ARTIFACTS is not set (run through tests/e2e/harness.py)"
  exit 1
fi
if [[ -n "${REPOSITORY}" || -n "${RUN_ID}" ]]; then
  echo "::error::download-artifact test double: downloads from another run or repository are not supported"
  exit 1
fi
mkdir -p "$DESTINATION"
if [[ -n "$NAME" ]]; then
  if [[ ! -d "${GOLDENPATH_E2E_ARTIFACTS}/${NAME}" ]]; then
    echo "::error::Unable to download artifact(s): Artifact not found for name: ${NAME}"
    exit 1
  fi
  cp -R -- "${GOLDENPATH_E2E_ARTIFACTS}/${NAME}/." "$DESTINATION/"
  echo "download-artifact test double: ${NAME} -> ${DESTINATION}/"
else
  found=0
  for artifact in "${GOLDENPATH_E2E_ARTIFACTS}"/*/; do
    name="$(basename -- "$artifact")"
    # shellcheck disable=SC2053 # PATTERN is a glob on purpose
    if [[ -n "$PATTERN" && "$name" != $PATTERN ]]; then
      continue
    fi
    found=$((found + 1))
    if [[ "$MERGE" == "true" ]]; then
      cp -R -- "${artifact}." "$DESTINATION/"
      echo "download-artifact test double: ${name} -> ${DESTINATION}/"
    else
      mkdir -p "${DESTINATION}/${name}"
      cp -R -- "${artifact}." "${DESTINATION}/${name}/"
      echo "download-artifact test double: ${name} -> ${DESTINATION}/${name}/"
    fi
  done
  echo "download-artifact test double: ${found} artifact(s) matched '${PATTERN:-*}'"
fi
echo "download-path=$(cd "$DESTINATION" && pwd)" >> "$GITHUB_OUTPUT"
