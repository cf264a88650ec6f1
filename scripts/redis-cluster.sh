#!/usr/bin/env bash
# A three-master Redis Cluster on 127.0.0.1, for CI and for the tests (__tests__/helpers/redisCluster.ts).
#
#   scripts/redis-cluster.sh start DIR PORT1 PORT2 PORT3   start it (idempotent: a cluster already up on
#                                                          those ports, state ok, is left as it is)
#   scripts/redis-cluster.sh stop DIR                      shut down the servers this script started in DIR
#
# Each node: --cluster-enabled, no persistence, data and nodes-PORT.conf in DIR. Prints
# "127.0.0.1:PORT1,127.0.0.1:PORT2,127.0.0.1:PORT3" (the REDIS_CLUSTER_NODES format) once cluster_state is ok.
# Only servers started here (their pids are in DIR/redis-PORT.pid) are ever shut down; nothing is flushed.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT1 PORT2 PORT3 | stop DIR" >&2
  exit 2
}

state_ok() {
  redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok'
}

wait_ping() {
  for _ in $(seq 1 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null || true)" = PONG ] && return 0
    sleep 0.05
  done
  echo "redis-cluster: node on port $1 did not answer PING" >&2
  return 1
}

cmd="${1:-}"
case "$cmd" in
  start)
    [ $# -eq 5 ] || usage
    dir="$2"
    shift 2
    ports=("$@")
    mkdir -p "$dir"
    nodes="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
    if state_ok "${ports[0]}" && state_ok "${ports[1]}" && state_ok "${ports[2]}"; then
      echo "$nodes"
      exit 0
    fi
    for p in "${ports[@]}"; do
      if [ "$(redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null || true)" != PONG ]; then
        redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
          --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 2000 \
          --save '' --appendonly no --daemonize yes --dir "$dir" \
          --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" --loglevel warning
      fi
    done
    for p in "${ports[@]}"; do wait_ping "$p"; done
    # A node that already knows peers (a half-made cluster) is not re-created; three fresh ones are joined.
    if ! state_ok "${ports[0]}"; then
      known=$(redis-cli -h 127.0.0.1 -p "${ports[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
      if [ "${known:-1}" = 1 ]; then
        redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
          --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
          { cat "$dir/create.log" >&2; exit 1; }
      fi
    fi
    for _ in $(seq 1 200); do
      if state_ok "${ports[0]}" && state_ok "${ports[1]}" && state_ok "${ports[2]}"; then
        echo "$nodes"
        exit 0
      fi
      sleep 0.05
    done
    echo "redis-cluster: cluster_state did not become ok on ports ${ports[*]}" >&2
    exit 1
    ;;
  stop)
    [ $# -eq 2 ] || usage
    dir="$2"
    for pidfile in "$dir"/redis-*.pid; do
      [ -e "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      # Only a redis-server we started: the pid file is ours, and the process must still be redis-server.
      if [ -r "/proc/$pid/comm" ] && grep -q '^redis-server' "/proc/$pid/comm"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      fi
      rm -f "$pidfile"
    done
    ;;
  *)
    usage
    ;;
esac
