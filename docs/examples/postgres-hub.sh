#!/usr/bin/env bash
# A hub on PostgreSQL with an active server and a standby, on one machine, to try failover:
#
#   docs/examples/postgres-hub.sh [WORK_DIR]
#
# Starts a throwaway PostgreSQL (Debian's binaries; or set DATABASE_URL to use yours), then two
# `cairn serve` processes on that database, as two hosts would run them: each with its own data dir,
# on ports 9898 and 9899. The first becomes active; the second stands by without listening. The
# script then kills the active one (as a lost host) and shows the standby take over with the same
# history and config. Press Enter at each step; everything stops at the end.
#
# In production the two servers run on two hosts behind one address: a load balancer that health-
# checks GET /healthz (only the active server answers) and passes HTTP/2 through end to end, since
# multihost sync is one long HTTP/2 stream (h2c with prior knowledge for http:// hubs, TLS with ALPN
# h2 for https:// ones; a TCP pass-through does both). Both hosts need the same secrets key
# (CAIRN_SECRETS_KEY_FILE) and the same --database-url; see docs/postgres.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cairn=${CAIRN:-target/debug/cairn}
[ -x "$cairn" ] || cargo build -q -p cairn
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${pg_data:-}" ]; then run_pg "$pg_bin/pg_ctl" -D "$pg_data" stop -m fast >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

run_pg() { # PostgreSQL refuses to run as root
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}

if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_data="$work/pg"
  mkdir -p "$pg_data"
  [ "$(id -u)" -eq 0 ] && chown 65534:65534 "$pg_data" && chmod 755 "$work"
  run_pg "$pg_bin/initdb" -A trust -U cairn -D "$pg_data" >/dev/null
  run_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" \
    -o "-p 54321 -k $pg_data -c listen_addresses=127.0.0.1" start >/dev/null
  until run_pg "$pg_bin/pg_isready" -h 127.0.0.1 -p 54321 >/dev/null; do sleep 0.2; done
  DATABASE_URL="postgres://cairn@127.0.0.1:54321/postgres"
fi
export CAIRN_DATABASE_URL=$DATABASE_URL
export CAIRN_SECRETS_KEY_FILE="$work/secrets.key"
[ -f "$CAIRN_SECRETS_KEY_FILE" ] || head -c 32 /dev/urandom | base64 > "$CAIRN_SECRETS_KEY_FILE"

serve() { # serve NAME PORT: starts it in the background; its pid in $started
  mkdir -p "$work/$1"
  HOME="$work/$1" "$cairn" serve --config "$work/$1/config.json" --data-dir "$work/$1/data" \
    --bind "127.0.0.1:$2" >/dev/null 2>"$work/$1/log" &
  started=$!
  pids+=("$started")
}
healthy() { curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; }

serve host-a 9898
first=$started
until healthy 9898; do sleep 0.2; done
echo "host-a is active on http://127.0.0.1:9898 (set it up there: user, repository, plan)"
serve host-b 9899
until grep -q "standing by" "$work/host-b/log"; do sleep 0.2; done
echo "host-b stands by (not listening on 9899)"
read -rp "Enter kills host-a as a lost host would... "
kill -9 "$first"
until healthy 9899; do sleep 0.2; done
echo "host-b took over on http://127.0.0.1:9899 with host-a's history and config"
read -rp "Enter stops everything... "
