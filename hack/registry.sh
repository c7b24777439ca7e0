#!/usr/bin/env bash
# Local registries for ucr tests. All on 127.0.0.1, data under $UCR_REG_DIR.
#
#   hack/registry.sh start    start everything (no-op for what already runs),
#                             wait until every endpoint answers
#   hack/registry.sh stop     stop what start started (TERM, wait, then KILL)
#   hack/registry.sh status   show what runs
#   hack/registry.sh env      print `export` lines for the endpoints
#
#   127.0.0.1:5100  open registry        (Debian docker-registry, no auth, delete enabled)
#   127.0.0.1:5101  basic-auth registry  (docker-registry htpasswd, ucr / ucrpass, own storage)
#   127.0.0.1:5102  bearer-token front   (hack/images/token_registry.py, read-only proxy of 5100)
#   127.0.0.1:5103  token server         (same process; /token, /stats, /reset, /revoke, /config)
#
# See test/fixtures/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${UCR_REG_DIR:-/tmp/ucr-registry}"
PY=/usr/bin/python3
USER_NAME=ucr
USER_PASS=ucrpass
OPEN=127.0.0.1:5100
BASIC=127.0.0.1:5101
BEARER=127.0.0.1:5102
TOKEN=127.0.0.1:5103
SERVICES=(open basic bearer)

die() { echo "registry.sh: $*" >&2; exit 1; }

# pid of a running service, or nothing. Checks the pid still is our process.
running_pid() {
  local f="$DIR/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [ -r "/proc/$pid/cmdline" ] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/"; then
    echo "$pid"
  fi
}

write_configs() {
  mkdir -p "$DIR/open" "$DIR/basic"
  # htpasswd: bcrypt (docker-registry accepts only bcrypt)
  if [ ! -s "$DIR/htpasswd" ]; then
    htpasswd -Bbn "$USER_NAME" "$USER_PASS" | sed '/^$/d' >"$DIR/htpasswd"
  fi
  local name addr extra
  for name in open basic; do
    if [ "$name" = open ]; then addr=$OPEN; extra=""; else
      addr=$BASIC
      extra="auth:
  htpasswd:
    realm: ucr-basic
    path: $DIR/htpasswd"
    fi
    cat >"$DIR/$name.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $DIR/$name
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  secret: ucr-test-not-a-secret-$name
  headers:
    X-Content-Type-Options: [nosniff]
$extra
EOF
  done
}

port_busy() { # host:port -> true if something listens
  (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null
}

launch() { # name cmd...
  local name="$1"; shift
  local log="$DIR/$name.log" pidf="$DIR/$name.pid"
  # setsid: own session, so a terminal's ^C or job-control group kill of the
  # caller does not take the registries down; the pid file is written by the
  # shell that then execs the server, so it is the server's pid.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$log" 2>&1 &
  local i=0
  while [ ! -s "$pidf" ] && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
}

wait_up() { # name url
  local i=0 code
  while :; do
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$2" || true)"
    [ "$code" != "000" ] && [ -n "$code" ] && return 0
    if [ -z "$(running_pid "$1")" ]; then
      tail -n 20 "$DIR/$1.log" >&2 || true
      die "$1 exited during start (log: $DIR/$1.log)"
    fi
    i=$((i + 1))
    [ $i -gt 150 ] && die "$1 did not answer $2 within 15s (log: $DIR/$1.log)"
    sleep 0.1
  done
}

start() {
  command -v docker-registry >/dev/null || die "docker-registry missing (hack/setup.sh)"
  command -v htpasswd >/dev/null || die "htpasswd missing (apache2-utils, hack/setup.sh)"
  mkdir -p "$DIR"
  write_configs
  local name
  for name in "${SERVICES[@]}"; do
    [ -n "$(running_pid "$name")" ] && continue
    case $name in
      open)   port_busy $OPEN && die "$OPEN already in use by something else"
              launch open docker-registry serve "$DIR/open.yml" ;;
      basic)  port_busy $BASIC && die "$BASIC already in use by something else"
              launch basic docker-registry serve "$DIR/basic.yml" ;;
      bearer) port_busy $BEARER && die "$BEARER already in use by something else"
              port_busy $TOKEN && die "$TOKEN already in use by something else"
              # the $DIR/ argument marks the process as ours for running_pid
              launch bearer "$PY" -u "$HERE/images/token_registry.py" \
                --listen $BEARER --token-listen $TOKEN --upstream $OPEN \
                --user "$USER_NAME" --password "$USER_PASS" --state-dir "$DIR/" ;;
    esac
  done
  wait_up open "http://$OPEN/v2/"
  wait_up basic "http://$BASIC/v2/"
  wait_up bearer "http://$BEARER/v2/"
  wait_up bearer "http://$TOKEN/v2/"
}

stop() {
  local name pid pids=()
  for name in "${SERVICES[@]}"; do
    pid="$(running_pid "$name")"
    if [ -n "$pid" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local i=0 alive
  while :; do
    alive=()
    for pid in ${pids[@]+"${pids[@]}"}; do
      kill -0 "$pid" 2>/dev/null && alive+=("$pid")
    done
    [ ${#alive[@]} -eq 0 ] && break
    i=$((i + 1))
    if [ $i -gt 100 ]; then
      kill -KILL "${alive[@]}" 2>/dev/null || true
    fi
    [ $i -gt 150 ] && die "could not stop pids ${alive[*]}"
    sleep 0.1
  done
  for name in "${SERVICES[@]}"; do rm -f "$DIR/$name.pid"; done
}

status() {
  local name pid rc=0
  for name in "${SERVICES[@]}"; do
    pid="$(running_pid "$name")"
    if [ -n "$pid" ]; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; rc=3; fi
  done
  return $rc
}

env_lines() {
  cat <<EOF
export UCR_REG_DIR=$DIR
export UCR_REG_OPEN=$OPEN
export UCR_REG_BASIC=$BASIC
export UCR_REG_BEARER=$BEARER
export UCR_REG_TOKEN=$TOKEN
export UCR_REG_USER=$USER_NAME
export UCR_REG_PASS=$USER_PASS
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 start|stop|restart|status|env" >&2; exit 2 ;;
esac
