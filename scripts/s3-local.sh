#!/usr/bin/env bash
# Starts and stops an S3-compatible server on loopback for the import/export tests: moto's
# server mode (PyPI `moto[server]`; only its S3 is used — its DynamoDB is too lenient to
# test against).
#
#   scripts/s3-local.sh install        # pip install moto[server]==5.2.1 (if missing)
#   scripts/s3-local.sh start [PORT]   # prints the endpoint; PID in .s3-local/server.pid
#   scripts/s3-local.sh stop
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.s3-local"
pidfile="$dir/server.pid"
version="5.2.1"

install() {
  if command -v moto_server >/dev/null 2>&1; then return 0; fi
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$version" >&2
  # pyenv puts new console scripts on PATH only after a rehash.
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
}

# shellcheck source=ports.sh
source "$root/scripts/ports.sh"

start() {
  install
  mkdir -p "$dir"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    cat "$dir/endpoint"
    return 0
  fi
  local port="${1:-$(free_port)}"
  nohup moto_server -H 127.0.0.1 -p "$port" >"$dir/server.log" 2>&1 &
  echo $! >"$pidfile"
  local endpoint="http://127.0.0.1:$port"
  echo "$endpoint" >"$dir/endpoint"
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then
      echo "$endpoint"
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "moto_server exited during start-up:" >&2; cat "$dir/server.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "moto_server did not answer within 30 s" >&2
  stop; exit 1
}

stop() {
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile" "$dir/endpoint"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  *) echo "usage: $0 install|start [PORT]|stop" >&2; exit 2 ;;
esac
