#!/usr/bin/env bash
# Fails when a tracked C++ file is not clang-formatted (.clang-format: Google base, 120 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(git ls-files '*.cpp' '*.hpp' | while read -r f; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -n "$bad" ]; then
  echo "not clang-formatted (run clang-format -i):"
  echo "$bad"
  exit 1
fi
echo "all C++ files are clang-formatted"
