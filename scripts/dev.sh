#!/usr/bin/env bash
# Quick start: install what is missing, then run `rosey dev` (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm run --silent build >&2
exec node bin/run.js dev "$@"
