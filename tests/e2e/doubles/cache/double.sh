#!/usr/bin/env bash
# TEST DOUBLE for actions/cache/restore and actions/cache/save (see their action.yml). Never shipped.
# Usage: double.sh restore|save, with KEY, CACHE_PATHS (one per line) and, to restore, RESTORE_KEYS.
set -euo pipefail
shopt -s nullglob
mode="$1"
store="${GOLDENPATH_E2E_CACHE:-}"
if [[ -z "$store" ]]; then
  echo "goldenpath e2e test double: actions/cache/${mode} is a no-op without GOLDENPATH_E2E_CACHE (cache miss for key '${KEY}')"
  [[ "$mode" == restore ]] && echo "cache-hit=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
if [[ -z "$KEY" || "$KEY" == */* ]]; then
  echo "::error::cache test double: key '${KEY}' must be non-empty without '/'"
  exit 1
fi
mkdir -p "$store"
paths=()
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [[ -n "$line" ]] && paths+=("$line")
done <<< "$CACHE_PATHS"

if [[ "$mode" == save ]]; then
  entry="${store}/${KEY}"
  if [[ -e "$entry" ]]; then
    echo "::warning::Failed to save: Unable to reserve cache with key ${KEY}, another job may be creating this cache."
    exit 0
  fi
  mkdir -p "${entry}.partial"
  for path in "${paths[@]}"; do
    if [[ -e "$path" ]]; then
      mkdir -p "${entry}.partial/$(dirname -- "$path")"
      cp -R -- "$path" "${entry}.partial/${path}"
    fi
  done
  mv "${entry}.partial" "$entry"
  echo "cache test double: saved ${paths[*]} as '${KEY}'"
  exit 0
fi

matched=""
if [[ -d "${store}/${KEY}" ]]; then
  matched="$KEY"
else
  while IFS= read -r prefix; do
    prefix="${prefix#"${prefix%%[![:space:]]*}"}"
    prefix="${prefix%"${prefix##*[![:space:]]}"}"
    [[ -z "$prefix" ]] && continue
    # The newest entry with this prefix, as the real cache picks it.
    newest="$(find "$store" -mindepth 1 -maxdepth 1 -type d -name "${prefix}*" ! -name '*.partial' -printf '%T@ %f\n' | sort -rn | head -n 1 | cut -d' ' -f2-)"
    if [[ -n "$newest" ]]; then
      matched="$newest"
      break
    fi
  done <<< "$RESTORE_KEYS"
fi
{
  echo "cache-hit=$([[ "$matched" == "$KEY" ]] && echo true || echo false)"
  echo "cache-matched-key=${matched}"
} >> "$GITHUB_OUTPUT"
if [[ -z "$matched" ]]; then
  echo "Cache not found for input keys: ${KEY}"
  if [[ "${FAIL_ON_MISS}" == "true" ]]; then
    echo "::error::Failed to restore cache entry. Exiting as fail-on-cache-miss is set."
    exit 1
  fi
  exit 0
fi
if [[ "${LOOKUP_ONLY}" != "true" ]]; then
  for path in "${paths[@]}"; do
    if [[ -e "${store}/${matched}/${path}" ]]; then
      mkdir -p "$(dirname -- "$path")"
      cp -R -- "${store}/${matched}/${path}" "$path"
    fi
  done
fi
echo "Cache restored from key: ${matched}"
