#!/usr/bin/env bash
# A private containerd (Debian's package) for benchmarks: its own root, state,
# socket and config under one temp dir; never the host's /var/lib/containerd.
#
#   hack/containerd.sh start [DIR]   start it (DIR default /tmp/ucr-containerd),
#                                    wait for its CRI socket, print
#                                    "socket=<path> pid=<pid>"
#   hack/containerd.sh stop [DIR]    TERM, wait, KILL after 10 s; unmount and
#                                    remove DIR
#
# Config: CRI plugin on, cgroupfs, overlayfs snapshotter,
# restrict_oom_score_adj (no CAP_SYS_RESOURCE here), and the local test
# registries as plain-HTTP hosts via config_path hosts.toml files.
set -euo pipefail

cmd=${1:-}
DIR=${2:-/tmp/ucr-containerd}
BIN=${CONTAINERD_BIN:-/usr/bin/containerd}

die() { echo "containerd.sh: $*" >&2; exit 1; }

case "$DIR" in
  /var/lib/containerd*|/run/containerd*|/) die "refusing to use $DIR" ;;
esac

write_config() {
  mkdir -p "$DIR/root" "$DIR/state" "$DIR/certs.d"
  local reg
  for reg in 127.0.0.1:5100 127.0.0.1:5101 127.0.0.1:5102; do
    mkdir -p "$DIR/certs.d/$reg"
    cat >"$DIR/certs.d/$reg/hosts.toml" <<EOT
server = "http://$reg"

[host."http://$reg"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
EOT
  done
  cat >"$DIR/config.toml" <<EOT
version = 2
root = "$DIR/root"
state = "$DIR/state"
oom_score = 0

[grpc]
  address = "$DIR/containerd.sock"

[ttrpc]
  address = "$DIR/containerd.sock.ttrpc"

[debug]
  address = "$DIR/debug.sock"

[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  sandbox_image = "127.0.0.1:5100/ucr-test/pause:1"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$DIR/cni-bin"
    conf_dir = "$DIR/cni-conf"

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$DIR/certs.d"
EOT
}

running_pid() {
  [ -f "$DIR/containerd.pid" ] || return 0
  local pid
  pid=$(cat "$DIR/containerd.pid")
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/config.toml"; then
    echo "$pid"
  fi
}

start() {
  [ -x "$BIN" ] || die "$BIN not found (apt-get install containerd)"
  local pid
  pid=$(running_pid)
  if [ -z "$pid" ]; then
    write_config
    "$BIN" --config "$DIR/config.toml" --log-level warn >"$DIR/containerd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/containerd.pid"
  fi
  for _ in $(seq 1 300); do
    if [ -S "$DIR/containerd.sock" ] && kill -0 "$pid" 2>/dev/null; then
      echo "socket=$DIR/containerd.sock pid=$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$DIR/containerd.log" >&2; die "containerd exited"; }
    sleep 0.1
  done
  die "containerd did not create its socket in 30 s"
}

stop() {
  local pid
  pid=$(running_pid)
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -d "$DIR" ]; then
    # Snapshot mounts, deepest first, then the tree.
    { grep -F " $DIR/" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$DIR"
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
