#!/usr/bin/env bash
# Installs every Debian package that building, running and testing ucr needs.
# Idempotent: packages already present are skipped; waits for the dpkg lock.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries ucrd links
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libprotoc-dev protobuf-compiler
  libcurl4-openssl-dev libarchive-dev nlohmann-json3-dev libseccomp-dev libcap-dev
  libabsl-dev libtoml11-dev libssl-dev zlib1g-dev libzstd-dev
  libgtest-dev libgmock-dev
  # runtime tools the tests and the pod network use
  iproute2 iptables procps util-linux kmod
  containernetworking-plugins
  # test fixtures: local registry, auth, images
  docker-registry apache2-utils busybox-static jq curl zstd
  # test/charts_test.py (the Helm chart check; Debian 12 has no helm)
  python3-yaml
)

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

wait_for_dpkg() {
  local i=0
  while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1; do
    [ $i -eq 0 ] && echo "setup.sh: waiting for the dpkg lock" >&2
    i=$((i + 1)); sleep 2
    [ $i -gt 300 ] && { echo "setup.sh: dpkg lock still held after 10 minutes" >&2; exit 1; }
  done
}

echo "setup.sh: installing ${missing[*]}" >&2
# keep package init scripts (docker-registry) from starting services on install
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
wait_for_dpkg
apt-get update -qq
wait_for_dpkg
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
