#!/usr/bin/env bash
# Lints Dockerfiles with dockerfile-utils (the checker behind the Dockerfile language server), from
# the npm registry, installed once under ~/.cache/aigov/npm. Any error or warning fails.
set -euo pipefail

VERSION="${AIGOV_DOCKERFILE_UTILS_VERSION:-0.16.3}"
PREFIX="${AIGOV_NPM_DIR:-$HOME/.cache/aigov/npm}/dockerfile-utils-$VERSION"
BIN="$PREFIX/node_modules/.bin/dockerfile-utils"

if [ ! -x "$BIN" ]; then
  command -v npm >/dev/null 2>&1 || { echo "dockerfile-lint.sh: npm is needed" >&2; exit 1; }
  echo "dockerfile-lint.sh: installing dockerfile-utils@$VERSION (once)" >&2
  npm install --prefix "$PREFIX" --no-audit --no-fund --silent "dockerfile-utils@$VERSION" >&2
fi

status=0
for file in "$@"; do
  if ! out="$("$BIN" lint "$file" 2>&1)" || [ -n "$out" ]; then
    echo "$file:"; echo "$out"; status=1
  fi
done
[ $status -eq 0 ] && echo "dockerfile-utils: $# Dockerfiles clean"
exit $status
