#!/usr/bin/env bash
# Builds ucr, starts the local registries, pushes the benchmark image and runs
# every benchmark in build/bench/, printing their figures. Installs Debian's
# containerd (only used by the benchmarks, through hack/containerd.sh with a
# private root) when it is missing.
#   sudo hack/bench.sh [pull_bench args...]
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root" >&2; exit 1; }

bash hack/setup.sh
if [ ! -x /usr/bin/containerd ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends containerd >/dev/null
fi
bash hack/build.sh

# Stop the registries afterwards only if this script started them.
if bash hack/registry.sh status | grep -q stopped; then
  trap 'bash "$TOP/hack/registry.sh" stop || true' EXIT
fi
bash hack/registry.sh start
bash hack/images/build.sh >/dev/null
bash hack/images/bench-image.sh

for b in build/bench/*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  echo "== $(basename "$b")"
  case "$(basename "$b")" in
    pull_bench) "$b" "$@" ;;
    *) "$b" ;;
  esac
done
