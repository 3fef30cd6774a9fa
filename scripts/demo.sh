#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the
# demonstration: a server on its embedded SQLite store; an admin creating the
# users; the county officer importing the county's roster from CSV files;
# inspectors and a county officer logging in, recording evidence while
# the server is unreachable, then syncing; a reviewer questioning one record
# and accepting another, the inspector answering and finding the accepted
# record locked; the proof that every device holds
# its county's records exactly once (and only its county's), that the
# reviewer and the server hold the same set; and the audit trail.
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

say "The regional admin creates the accounts (passwords on stdin, never on the command line)"
adduser() {  # NAME ROLE PASSWORD [--area CODE]...
  local name=$1 role=$2 pw=$3; shift 3
  printf '$ printf ***** | fieldsync-server admin --db server.db user add %s --role %s %s\n' "$name" "$role" "$*"
  printf '%s\n' "$pw" | "$FSS" admin --db "$work/server.db" user add "$name" --role "$role" "$@"
}
adduser 张伟 inspector zhangwei-2026 --area 640522
adduser 李娜 inspector lina-2026 --area 640522
adduser 王芳 county-officer wangfang-2026 --area 640522
adduser 马强 inspector maqiang-2026 --area 640521
adduser 赵敏 reviewer zhaomin-2026
run "$FSS" admin --db "$work/server.db" user list

say "Each logs in on their device (the token stays in the device home, mode 0600)"
A="--home $work/zhang"; B="--home $work/li"; C="--home $work/wang"
D="--home $work/ma"; R="--home $work/zhao"
login() {  # HOME USER PASSWORD
  printf '$ printf ***** | fieldsync %s login --server %s --user %s\n' "$1" "$server" "$2"
  printf '%s\n' "$3" | "$FS" $1 login --server "$server" --user "$2"
}
login "$A" 张伟 zhangwei-2026
login "$B" 李娜 lina-2026
login "$C" 王芳 wangfang-2026
login "$D" 马强 maqiang-2026
login "$R" 赵敏 zhaomin-2026
printf '$ printf wrong | fieldsync login --user 张伟   (a mistyped password)\n'
if printf 'wrong\n' | "$FS" $A login --user 张伟; then echo "unexpected: wrong password accepted"; exit 1; fi

say "The county officer brings the county's roster onto her device (CSV files saved by Excel)"
run "$FS" $C sync
run "$FS" $C import institutions examples/roster/institutions.csv
run "$FS" $C import classes examples/roster/classes.csv
echo "(the trainees' file is GB18030, as Excel saves it on a Chinese Windows)"
run "$FS" $C import trainees examples/roster/trainees-gb18030.csv
run "$FS" $C import tasks examples/roster/tasks.csv
echo "(importing the same file again saves nothing)"
run "$FS" $C import trainees examples/roster/trainees-gb18030.csv
printf '%s\n' '学员编号,姓名,类别,班级编号,县区代码,身份证号' \
  'HY-T-0009,张三,贫困户,HY-C-2026-01,640522,640522199803120028' \
  'HY-T-0010,,其他,HY-C-2026-01,640522,' >"$work/学员.csv"
echo "(a file with mistakes is refused whole, every problem listed)"
printf '$ fieldsync %s import trainees 学员.csv\n' "$C"
if (cd "$work" && "$FS" $C import trainees 学员.csv); then
  echo "unexpected: a file with mistakes was imported"; exit 1
fi
run "$FS" $C sync

say "They drive to the villages: the server is out of reach"
stop_server
run "$FS" $A record spot-check --json examples/spot-check.json
run "$FS" $A record follow-up-visit --json examples/follow-up-visit.json
run "$FS" $A record document-review --json examples/document-review.json
run "$FS" $B record interview-note --json examples/interview-note.json
run "$FS" $B record follow-up-visit --json examples/follow-up-visit.json
echo "(李娜 also records a monthly report: only the county officer may file it)"
run "$FS" $B record monthly-report --json examples/monthly-report.json
run "$FS" $C record monthly-report --json examples/monthly-report.json
sed 's/640522/640521/g' examples/spot-check.json >"$work/spot-check-640521.json"
run "$FS" $D record spot-check --json "$work/spot-check-640521.json"
printf '$ %s\n' "fieldsync $A sync   (no network)"
if "$FS" $A sync; then echo "unexpected: sync succeeded without a server"; exit 1; fi
run "$FS" $A status

say "Back in town: the server is up again, everyone syncs"
start_server "$port"
run "$FS" $A sync
run "$FS" $B sync
run "$FS" $C sync
run "$FS" $D sync
run "$FS" $A sync
run "$FS" $B sync
run "$FS" $C sync
run "$FS" $R sync

say "The inspector's device lists the follow-up visits due and overdue (from what it holds: offline too)"
run "$FS" $A todo
echo "(the office sees the same per county and inspector, on the server)"
run "$FSS" report overdue --db "$work/server.db"

say "At the regional office the reviewer questions one record and accepts another"
asked=$("$FS" $A list --kind spot-check --json | sed 's/^{"id":"\([^"]*\)".*/\1/')
accepted=$("$FS" $A list --kind document-review --json | sed 's/^{"id":"\([^"]*\)".*/\1/')
run "$FS" $R review "$asked" --question "实操课时与签到表不符，请说明"
run "$FS" $R review "$accepted" --accept
run "$FS" $R sync

say "The inspector sees the question, answers it; the accepted record can no longer be changed"
run "$FS" $A sync
run "$FS" $A todo
run "$FS" $A review "$asked" --answer "第二天补了4课时实操，见补课签到表"
printf '$ fieldsync %s record document-review --json examples/document-review.json --revise %s\n' "$A" "$accepted"
if "$FS" $A record document-review --json examples/document-review.json --revise "$accepted"; then
  echo "unexpected: an accepted record was revised"; exit 1
fi
run "$FS" $A sync
run "$FS" $B sync
run "$FS" $C sync
run "$FS" $R sync
echo "(the answer waits for the reviewer, who reads the record's whole history)"
run "$FS" $R todo
run "$FS" $R history "$asked"
run "$FS" $R list --kind document-review

say "County 640522's devices hold its six records, each once; 640521's stays apart"
run "$FS" $A list
run "$FS" $D list
run "$FS" $B status

say "Same state everywhere: the digests match"
"$FS" $A state | tee "$work/a.state"
"$FS" $B state | tee "$work/b.state"
"$FS" $C state | tee "$work/c.state"
"$FS" $R state | tee "$work/r.state"
"$FSS" state --db "$work/server.db" | tee "$work/s.state"
digest() { awk '/digest/ {print $2}' "$work/$1.state"; }
na=$("$FS" $A list --json | wc -l)
nb=$("$FS" $B list --json | wc -l)
nd=$("$FS" $D list --json | wc -l)
nr=$("$FS" $R list --json | wc -l)
uniq_ids=$("$FS" $A list --json | sed 's/^{"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
if [ "$(digest a)" = "$(digest b)" ] && [ "$(digest a)" = "$(digest c)" ] &&
   [ "$(digest r)" = "$(digest s)" ] && [ "$na" = 6 ] && [ "$nb" = 6 ] &&
   [ "$uniq_ids" = 6 ] && [ "$nd" = 1 ] && [ "$nr" = 7 ]; then
  printf '\nCONVERGED: the three devices of county 640522 hold its 6 records (6 distinct ids, digest %s);\n' "$(digest a)"
  printf 'the 640521 inspector holds only his own; the reviewer holds all 7, digest %s, as the server does.\n' "$(digest s)"
else
  printf '\nNOT CONVERGED: digests a=%s b=%s c=%s reviewer=%s server=%s; records a=%s b=%s 640521=%s reviewer=%s distinct=%s\n' \
    "$(digest a)" "$(digest b)" "$(digest c)" "$(digest r)" "$(digest s)" "$na" "$nb" "$nd" "$nr" "$uniq_ids"
  exit 1
fi

say "The audit trail: who did what, from which device, when"
run "$FSS" admin --db "$work/server.db" audit
echo "(The county score sheet comes with the assessment engine, a later issue.)"
