# Loopback port helpers shared by the local-server scripts (sourced, not run).

port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! port_busy "$port"; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2; exit 1
}
