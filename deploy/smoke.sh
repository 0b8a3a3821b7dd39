#!/usr/bin/env bash
# Checks what the image promises, on a machine without a container engine:
# the binary built as in the Containerfile is static, and `amthub serve`
# starts, answers /healthz and /readyz and stops cleanly on SIGTERM as user
# 65532 with no capabilities, no new privileges, a read-only root file
# system and an empty /tmp, as the Deployment runs it; and SMOKE_HUBS (3)
# of them started at once on one empty database migrate it once. Needs root (for
# unshare and setpriv), psql, rabbitmqctl, and the PostgreSQL, RabbitMQ and
# Redis that `make services` starts; it uses a database, a RabbitMQ vhost
# and a Redis database of its own and removes them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${SMOKE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
redis=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/15}
name=amthub_smoke_$$
work=$(mktemp -d /var/tmp/amthub-smoke.XXXXXX) # not /tmp: that becomes an empty tmpfs
cleanup() {
  for p in "${pids[@]}"; do [[ -n $p ]] && kill "$p" 2>/dev/null; done
  wait 2>/dev/null || true
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1 || true
  rabbitmqctl -q delete_vhost "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
pids=()
trap cleanup EXIT

echo "== build (as in deploy/Containerfile)"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/amthub" ./cmd/amthub
file "$work/amthub"
file "$work/amthub" | grep -q 'statically linked' || { echo "FAIL: not static"; exit 1; }
if ldd "$work/amthub" >/dev/null 2>&1; then echo "FAIL: ldd finds dynamic libraries"; exit 1; fi
echo "ldd: not a dynamic executable; size $(du -h "$work/amthub" | cut -f1)"
chmod 0755 "$work" "$work/amthub"

echo "== serve as 65532, no capabilities, read-only root, tmpfs /tmp"
psql -q "$admin" -c "CREATE DATABASE $name" >/dev/null
rabbitmqctl -q add_vhost "$name" >/dev/null
rabbitmqctl -q set_permissions -p "$name" guest '.*' '.*' '.*' >/dev/null
db=${admin%/*}/$name
kek=$(head -c 32 /dev/urandom | base64)
hubs=${SMOKE_HUBS:-3}
pids=()
# start_hub I starts hub I in the sandbox, its log in $work/hub-I.log.
start_hub() {
  unshare --mount --propagation private -- bash -c '
    mount -o remount,bind,ro / && mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp &&
    exec setpriv --reuid=65532 --regid=65532 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- \
      env -i AMTHUB_HTTP_ADDR=127.0.0.1:0 AMTHUB_DATABASE_URL="$1" AMTHUB_AMQP_URL="$2" AMTHUB_REDIS_URL="$3" \
        AMTHUB_KEY_ENCRYPTION_KEY="$4" AMTHUB_SHUTDOWN_TIMEOUT=8s "$5" serve' smoke \
    "$db" "amqp://guest:guest@127.0.0.1:5672/$name" "$redis" "$kek" "$work/amthub" 2>"$work/hub-$1.log" &
  pids[$1]=$!
}
# addr_of I waits for hub I to listen and prints its address.
addr_of() {
  local log=$work/hub-$1.log a
  for _ in $(seq 240); do
    a=$(grep -o '"msg":"amthub started","addr":"[^"]*"' "$log" | sed 's/.*"addr":"//; s/"$//') || true
    [[ -n $a ]] && { echo "$a"; return; }
    kill -0 "${pids[$1]}" 2>/dev/null || { cat "$log" >&2; echo "FAIL: hub $1 exited" >&2; return 1; }
    sleep 0.5
  done
  cat "$log" >&2; echo "FAIL: hub $1 did not start" >&2; return 1
}
echo "== $hubs hubs started at once on one empty database, broker vhost and Redis"
for i in $(seq "$hubs"); do start_hub "$i"; done
pid=${pids[1]}
for i in $(seq "$hubs"); do
  addr=$(addr_of "$i")
  for path in /healthz /readyz; do
    code=$(curl -s -o "$work/body" -w '%{http_code}' "http://$addr$path")
    echo "hub $i GET $path -> $code $(cat "$work/body")"
    [[ $code == 200 ]] || { echo "FAIL: hub $i $path"; exit 1; }
  done
done
applied=$(psql -Atq "$db" -c "SELECT count(*) FROM goose_db_version WHERE version_id > 0")
distinct=$(psql -Atq "$db" -c "SELECT count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0")
echo "migrations applied: $applied rows, $distinct distinct versions (the advisory lock let one hub migrate)"
[[ $applied == "$distinct" && $applied -gt 0 ]] || { echo "FAIL: a migration ran twice"; exit 1; }
echo "== hub 1 as the kernel sees it"
grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs)' "/proc/$pid/status"
grep -q '^Uid:[[:space:]]*65532' "/proc/$pid/status" || { echo "FAIL: not uid 65532"; exit 1; }
grep -q '^CapEff:[[:space:]]*0000000000000000' "/proc/$pid/status" || { echo "FAIL: capabilities left"; exit 1; }
echo "root file system as the hub sees it: $(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo")"
echo "== SIGTERM"
for i in $(seq "$hubs"); do
  if grep '"level":"ERROR"' "$work/hub-$i.log"; then echo "FAIL: hub $i logged errors"; exit 1; fi
  start=$(date +%s.%N)
  kill -TERM "${pids[$i]}"
  status=0; wait "${pids[$i]}" || status=$?
  printf 'hub %d: SIGTERM -> exit %d after %.1f s\n' "$i" "$status" "$(echo "$(date +%s.%N) - $start" | bc)"
  grep -q '"msg":"amthub stopped"' "$work/hub-$i.log" || { cat "$work/hub-$i.log"; echo "FAIL: hub $i did not stop cleanly"; exit 1; }
  [[ $status == 0 ]] || { echo "FAIL: hub $i exit $status"; exit 1; }
  pids[$i]=
done
pid=
echo "smoke: ok"
