#!/usr/bin/env bash
# A hub on PostgreSQL run as three servers on one machine, to try what several hosts would run:
#
#   docs/examples/postgres-hub.sh [WORK_DIR]
#
# Starts a throwaway PostgreSQL (Debian's binaries; or set DATABASE_URL to use yours) and, when moto
# is installed (pip install 'moto[server]'), a local S3 server for the task logs; then three
# `cairn serve` processes on that database, as three hosts would run them: each with its own data dir,
# on ports 9898, 9899 and 9900. All three serve the API, the web UI and sync; the first runs the tasks.
# The script asks the second for a backup (handed to the first), then kills the first (as a lost host)
# and shows another take the tasks over. Press Enter at each step; everything stops at the end.
#
# In production the servers run on their hosts behind one address: a load balancer that health-checks
# GET /healthz (every server answers) and passes HTTP/2 through end to end, since multihost sync is one
# long HTTP/2 stream (h2c with prior knowledge for http:// hubs, TLS with ALPN h2 for https:// ones; a
# TCP pass-through does both). All hosts need the same secrets key (CAIRN_SECRETS_KEY_FILE), the same
# --database-url and the same --log-store-url; see docs/postgres.md.
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

if python3 -c "import moto.server" 2>/dev/null; then
  python3 -m moto.server -H 127.0.0.1 -p 54322 >/dev/null 2>&1 &
  pids+=("$!")
  until curl -fs http://127.0.0.1:54322/ >/dev/null 2>&1; do sleep 0.2; done
  export AWS_ACCESS_KEY_ID=cairn AWS_SECRET_ACCESS_KEY=cairn-secret
  export CAIRN_LOG_STORE_URL="s3:http://127.0.0.1:54322/cairn-logs/hub"
  echo "task logs go to moto's S3 server on 127.0.0.1:54322"
fi

serve() { # serve NAME PORT: starts it in the background; its pid in $started
  mkdir -p "$work/$1"
  HOME="$work/$1" "$cairn" serve --config "$work/$1/config.json" --data-dir "$work/$1/data" \
    --bind "127.0.0.1:$2" >/dev/null 2>"$work/$1/log" &
  started=$!
  pids+=("$started")
}
healthy() { curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; }
runs_tasks() { grep -q "this server runs the tasks" "$work/$1/log"; }

mkdir -p "$work/src" && echo "hello" > "$work/src/hello.txt"
mkdir -p "$work/host-a"
cat > "$work/host-a/config.json" <<JSON
{"version": 6, "instance": "hub", "auth": {"disabled": true},
 "repos": [{"id": "repo", "uri": "$work/repo", "password": "example", "autoInitialize": true}],
 "plans": [{"id": "home", "repo": "repo", "paths": ["$work/src"], "schedule": {"disabled": true}}]}
JSON
serve host-a 9898
first=$started
until healthy 9898; do sleep 0.2; done
runs_tasks host-a && echo "host-a serves http://127.0.0.1:9898 and runs the tasks"
for h in "host-b 9899" "host-c 9900"; do
  set -- $h
  serve "$1" "$2"
  until healthy "$2"; do sleep 0.2; done
  echo "$1 serves http://127.0.0.1:$2 with the same history and config"
done
read -rp "Enter asks host-b for a backup of plan home (host-a runs it)... "
CAIRN_SERVER=http://127.0.0.1:9899 HOME="$work/host-b" "$cairn" backup home --wait
read -rp "Enter kills host-a as a lost host would... "
kill -9 "$first"
until runs_tasks host-b || runs_tasks host-c; do sleep 0.2; done
for h in host-b host-c; do runs_tasks "$h" && echo "$h runs the tasks now"; done
CAIRN_SERVER=http://127.0.0.1:9900 HOME="$work/host-c" "$cairn" ops --plan home
read -rp "Enter stops everything... "
