#!/usr/bin/env bash
# check-proxy verdict stability: runs check-proxy N times (default 5) on every config in nginx/examples and nginx/apps
# with short timings, and prints, per config and check, how often each verdict came out. A stable config has one verdict
# per check in every run. It also counts the run dirs and processes left behind (there must be none).
#
#   bash bench/check-proxy.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build scenarios/BrokenPipe.Scenarios.csproj -v q -nologo >/dev/null || exit 1
cli=(dotnet scenarios/bin/Debug/net10.0/brokenpipe-lab.dll check-proxy)
quick=(--long-response 2s --stream-gap 1s --upstream-idle 500ms --slow-client-rate 4194304 --websocket-idle 1s)
declare -A extra=([api-location.conf]="--path /api/" [gateway.conf]="--path /orders/" [notebook.conf]="--path /api/kernels/k1/channels/" [upload-service.conf]="--path /files/" [auth-gateway-dashboard.conf]="--host dashboards.example.org")
out=$(mktemp -d)
pids=()
trap 'rm -rf "$out"' EXIT
printf '%-28s %-16s %s\n' config check "verdicts over $runs runs"
for conf in nginx/examples/*.conf nginx/apps/*.conf; do
  name=$(basename "$conf")
  for i in $(seq "$runs"); do
    # shellcheck disable=SC2086
    "${cli[@]}" --config "$conf" "${quick[@]}" ${extra[$name]:-} --json "$out/$name.$i.json" >/dev/null 2>"$out/$name.$i.err" &
    pid=$!
    wait "$pid"
    echo $? >"$out/$name.$i.code"
    pids+=("$pid")
  done
  python3 - "$out" "$name" "$runs" <<'PY'
import json, sys, collections, os
out, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
codes = collections.Counter(open(f"{out}/{name}.{i}.code").read().strip() for i in range(1, runs + 1))
tally = collections.defaultdict(collections.Counter)
for i in range(1, runs + 1):
    path = f"{out}/{name}.{i}.json"
    if not os.path.exists(path):
        continue
    for c in json.load(open(path))["checks"]:
        tally[c["check"]][c["verdict"]] += 1
if not tally:
    err = open(f"{out}/{name}.1.err").read().strip().splitlines()
    print(f"{name:<28} {'(exit codes)':<16} {dict(codes)}: {err[-1] if err else ''}")
for check, verdicts in tally.items():
    print(f"{name:<28} {check:<16} {', '.join(f'{v} {n}' for v, n in verdicts.items())}{'' if len(verdicts) == 1 else '   UNSTABLE'}")
if tally:
    print(f"{name:<28} {'(exit codes)':<16} {dict(codes)}")
PY
done
# The lab names each run dir NAME-PID-GUID: count those of the CLI processes this script started, and their processes.
left=0
procs=0
for pid in "${pids[@]}"; do
  left=$((left + $(find /tmp/brokenpipe-lab -maxdepth 1 -name "*-$pid-*" 2>/dev/null | wc -l)))
  procs=$((procs + $(grep -la -- "brokenpipe-lab/[^ ]*-$pid-" /proc/[0-9]*/cmdline 2>/dev/null | wc -l)))
done
echo "run dirs left behind: $left; processes left behind: $procs"
