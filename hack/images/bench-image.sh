#!/usr/bin/env bash
# Builds (once, cached) and pushes the benchmark image ucr-bench/big:1.
#
#   hack/images/bench-image.sh [registry] [size_mb]
#       registry  default $UCR_REG_OPEN or 127.0.0.1:5100
#       size_mb   uncompressed size, default 200
#
# 7 gzip layers (level 6): busybox, 3 seeded-random (incompressible) layers,
# 2 layers of many 0.5-4 KB files (~35k files at 200 MB), 1 compressible
# text layer. Deterministic: same digest every build. Blobs are cached in
# $UCR_BENCH_CACHE (default /var/cache/ucr-bench/<size>mb-v1/), so a re-run
# only pushes (and skips blobs the registry already has).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REG="${1:-${UCR_REG_OPEN:-127.0.0.1:5100}}"
SIZE="${2:-200}"
exec /usr/bin/python3 "$HERE/mkimage.py" bench --registry "$REG" --size-mb "$SIZE" \
  --cache "${UCR_BENCH_CACHE:-/var/cache/ucr-bench}"
