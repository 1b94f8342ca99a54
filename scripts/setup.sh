#!/usr/bin/env bash
# Installs whatever Rosey needs that this machine lacks, and nothing else:
#   - nats-server (Debian package) for the embedded message bus,
#   - with --for-tests: PostgreSQL (Debian package), which the storage tests start on their own,
#     sqlite3 (Debian package), the shell `rosey db shell` opens, and chromium (Debian package), the
#     headless browser the dashboard's tests drive,
#   - npm packages (npm ci, which also builds dist/ and compiles better-sqlite3) when node_modules is
#     missing or stale.
# Idempotent and quiet when everything is already there. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_ok; then
  say "Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none)). Install it from https://nodejs.org or your package manager."
  exit 1
fi

apt_install() {
  local packages=("$@")
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  else
    say "please install: ${packages[*]} (e.g. sudo apt-get install ${packages[*]})"
    return 1
  fi
}

missing=()
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then missing+=(nats-server); fi
# better-sqlite3 is compiled from source when no prebuilt binary can be downloaded.
if [ ! -d node_modules/better-sqlite3/build ]; then
  for tool in make g++ python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
fi
if [ "${1:-}" = "--for-tests" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# `rosey db shell` opens sqlite3 on a SQLite database; its tests run it.
if [ "${1:-}" = "--for-tests" ] && ! command -v sqlite3 >/dev/null 2>&1; then missing+=(sqlite3); fi
# The dashboard's tests drive a headless Chromium (puppeteer-core, test/dashboard/).
if [ "${1:-}" = "--for-tests" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (Debian packages)…"
  apt_install "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error >&2
elif [ ! -d dist/cli ]; then
  say "building…"
  npm run --silent build >&2
fi
