#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# demonstration: a server on its embedded SQLite store, two inspectors of
# one county recording evidence while the server is unreachable, then both
# syncing, and the proof that both devices and the server hold the same set,
# each record exactly once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build fieldsync fieldsync-server

FS="$root/build/fieldsync"
FSS="$root/build/fieldsync-server"
work=$(mktemp -d "${TMPDIR:-/tmp}/fieldsync-demo-XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

start_server() {
  "$FSS" serve --db "$work/server.db" --listen "127.0.0.1:$1" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if grep -q "serving" "$work/server.log" 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log"; exit 1; fi
    sleep 0.1
  done
  cat "$work/server.log"
}
stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

say "A server on its embedded SQLite store (port chosen by the OS)"
start_server 0
port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/server.log")
server="127.0.0.1:$port"

say "Two inspectors set up their devices for county 640522 (海原县)"
A="--home $work/zhang"; B="--home $work/li"
run "$FS" $A init --server "$server" --inspector 张伟 --label "张伟's laptop"
run "$FS" $B init --server "$server" --inspector 李娜 --label "李娜's phone"

say "They drive to the villages: the server is out of reach"
stop_server
run "$FS" $A record spot-check --json examples/spot-check.json
run "$FS" $A record follow-up-visit --json examples/follow-up-visit.json
run "$FS" $A record document-review --json examples/document-review.json
run "$FS" $B record interview-note --json examples/interview-note.json
run "$FS" $B record monthly-report --json examples/monthly-report.json
run "$FS" $B record follow-up-visit --json examples/follow-up-visit.json
printf '$ %s\n' "fieldsync $A sync   (no network)"
if "$FS" $A sync; then echo "unexpected: sync succeeded without a server"; exit 1; fi
run "$FS" $A status

say "Back in town: the server is up again, both devices sync"
start_server "$port"
run "$FS" $A sync
run "$FS" $B sync
run "$FS" $A sync

say "Every device holds all six records, each once"
run "$FS" $A list
run "$FS" $B list
run "$FS" $B status

say "Same state everywhere: the digests match"
"$FS" $A state | tee "$work/a.state"
"$FS" $B state | tee "$work/b.state"
"$FSS" state --db "$work/server.db" | tee "$work/s.state"
da=$(awk '/digest/ {print $2}' "$work/a.state")
db=$(awk '/digest/ {print $2}' "$work/b.state")
ds=$(awk '/digest/ {print $2}' "$work/s.state")
na=$("$FS" $A list --json | wc -l)
nb=$("$FS" $B list --json | wc -l)
uniq_ids=$("$FS" $A list --json | sed 's/^{"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
if [ "$da" = "$ds" ] && [ "$db" = "$ds" ] && [ "$na" = 6 ] && [ "$nb" = 6 ] && [ "$uniq_ids" = 6 ]; then
  printf '\nCONVERGED: 6 records on each device, 6 distinct ids, digest %s on both devices and the server.\n' "$ds"
else
  printf '\nNOT CONVERGED: a=%s b=%s server=%s, records a=%s b=%s distinct=%s\n' "$da" "$db" "$ds" "$na" "$nb" "$uniq_ids"
  exit 1
fi
echo "(The county score sheet comes with the assessment engine, a later issue.)"
