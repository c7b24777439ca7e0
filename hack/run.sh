#!/usr/bin/env bash
# Sets up and builds if needed, then runs ucrd in the foreground with its
# defaults (socket /run/ucrd/ucrd.sock). Extra arguments go to ucrd.
#   sudo hack/run.sh [--log_level debug] [--config /etc/ucrd/config.toml]
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root" >&2; exit 1; }
bash hack/setup.sh
bash hack/build.sh >/dev/null
exec build/ucrd/ucrd "$@"
