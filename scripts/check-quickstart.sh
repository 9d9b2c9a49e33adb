#!/usr/bin/env bash
# Runs the README's quick start (bin/quickstart) as the last step of the test suite: it must print search results,
# a castle sample ranked first for the text search and a fox sample ranked first for "similar".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(bin/quickstart)"
printf '%s\n' "$out"
if ! grep -Eq '^ +1  [01]\.[0-9]{4}  target/quickstart/samples/castle-' <<<"$out" \
    || ! grep -Eq '^ +1  [01]\.[0-9]{4}  target/quickstart/samples/.*fox-' <<<"$out"; then
  echo "check-quickstart: bin/quickstart printed no search results (expected a castle and a fox sample ranked first)" >&2
  exit 1
fi
echo "check-quickstart: the quick start printed its search results"
