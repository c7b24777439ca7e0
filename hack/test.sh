#!/usr/bin/env bash
# Sets up the machine (Debian packages), builds ucr, starts the test registries,
# and runs every test through ctest. Ends with ctest's summary line.
#   sudo hack/test.sh [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD

[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the tests create namespaces, mounts and cgroups)" >&2; exit 1; }

bash hack/setup.sh
bash hack/build.sh

# Local registries with our test images, for the image and container tests.
if [ -x hack/registry.sh ]; then
  bash hack/registry.sh start
  trap 'bash "$TOP/hack/registry.sh" stop || true' EXIT
  bash hack/images/build.sh >/dev/null
fi

cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
