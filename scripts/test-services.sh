#!/usr/bin/env bash
# Makes sure the servers the tests need answer on loopback: PostgreSQL,
# RabbitMQ and Redis. A server already reachable (at the AMTHUB_TEST_* URL's
# host and port, or the local default) is used as it is; a missing one is
# installed from Debian's packages and started. Fails loudly when a server
# cannot be had: the tests never skip.
set -euo pipefail

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

hostport() { # URL default-port → "host port"
  local rest=${1#*://}; rest=${rest#*@}; rest=${rest%%/*}; rest=${rest%%\?*}
  local host=${rest%%:*} port=$2
  [[ $rest == *:* ]] && port=${rest##*:}
  echo "$host $port"
}

reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for() { # name host port seconds
  local i
  for ((i = 0; i < $4 * 4; i++)); do reachable "$2" "$3" && return 0; sleep 0.25; done
  die "$1 did not come up on $2:$3 within $4 s"
}

local_host() { [[ $1 == 127.* || $1 == localhost || $1 == ::1 ]]; }

apt_updated=
install() {
  command -v apt-get >/dev/null || die "cannot install $*: no apt-get on this machine"
  [[ $(id -u) == 0 ]] || die "cannot install $*: run as root, or start the servers yourself"
  if [[ -z $apt_updated ]]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  read -r host port < <(hostport "${AMTHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" 5432)
  if ! reachable "$host" "$port"; then
    local_host "$host" || die "PostgreSQL at $host:$port is not reachable and not local"
    command -v pg_ctlcluster >/dev/null || install postgresql
    local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
    [[ -n $ver ]] || die "no PostgreSQL cluster found in /etc/postgresql"
    local hba=/etc/postgresql/$ver/main/pg_hba.conf
    if ! grep -q '^# amthub-tests' "$hba"; then
      # Tests connect over loopback without a password, as on the CI machines.
      sed -i '1i # amthub-tests\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    log "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    wait_for PostgreSQL "$host" "$port" 30
  fi
  if [[ -z ${AMTHUB_TEST_DATABASE_URL:-} ]] && command -v psql >/dev/null; then
    if ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
      log "creating database test"
      psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null ||
        su postgres -c "psql -c 'CREATE DATABASE test'" >/dev/null ||
        die "cannot create database test"
    fi
  fi
  log "PostgreSQL ok on $host:$port"
}

ensure_rabbitmq() {
  read -r host port < <(hostport "${AMTHUB_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}" 5672)
  if ! reachable "$host" "$port"; then
    local_host "$host" || die "RabbitMQ at $host:$port is not reachable and not local"
    command -v rabbitmq-server >/dev/null || install rabbitmq-server
    log "starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_for RabbitMQ "$host" "$port" 90
  fi
  log "RabbitMQ ok on $host:$port"
}

ensure_redis() {
  read -r host port < <(hostport "${AMTHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" 6379)
  if ! reachable "$host" "$port"; then
    local_host "$host" || die "Redis at $host:$port is not reachable and not local"
    command -v redis-server >/dev/null || install redis-server
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/amthub-tests.log
    wait_for Redis "$host" "$port" 20
  fi
  log "Redis ok on $host:$port"
}

# ensure_browser: the portal's browser tests drive Debian's headless Chromium
# (through chromedp) and inject axe-core, which portal/testdata/axe/ gets from
# npm on first use. Installs what is missing; needs root on a fresh machine.
ensure_browser() {
  if [[ ! -x /usr/bin/chromium ]]; then
    install chromium
  fi
  [[ -x /usr/bin/chromium ]] || die "chromium is missing after install"
  local axe_dir; axe_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/portal/testdata/axe
  if [[ ! -f $axe_dir/node_modules/axe-core/axe.min.js ]]; then
    command -v npm >/dev/null || install npm
    log "installing axe-core into $axe_dir"
    (cd "$axe_dir" && npm ci --no-audit --no-fund --silent >/dev/null) || die "npm could not install axe-core"
  fi
  log "browser ok: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
}

ensure_postgres
ensure_rabbitmq
ensure_redis
ensure_browser
