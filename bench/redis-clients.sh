#!/usr/bin/env bash
# Pass rate of each Redis client scenario × variant × client: runs the scenarios N times (default 20) with the given
# clients (default: the lab's default four) and counts, per client, the runs in which its own expectation and the
# scenario's shared checks held. Rerunnable: bench/redis-clients.sh [RUNS] [CLIENTS] [SCENARIO…]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
clients=${2:-se-redis@3.4.35,redis-py,ioredis,node-redis}
shift 2 2>/dev/null || shift $#
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(redis-query-buffer-limit redis-idle-close-busy-app)
cli=${BENCH_CLI:-scenarios/bin/Debug/net10.0/brokenpipe-lab.dll}
[ -f "$cli" ] || dotnet build scenarios -v q >/dev/null
# BENCH_KEEP=DIR keeps every run's narration there (to read a failure); otherwise a temporary folder, removed.
if [ -n "${BENCH_KEEP:-}" ]; then out=$BENCH_KEEP; mkdir -p "$out"; else out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
for i in $(seq 1 "$runs"); do
  dotnet "$cli" run "${scenarios[@]}" --variant both --redis-client "$clients" --parallel 1 >"$out/run-$i.txt" 2>&1
done
# Each run's narration: "== ID [VARIANT]" then "   ok   CHECK" / "   FAIL CHECK" lines.
python3 - "$out" "$clients" <<'PY'
import collections, glob, re, sys
out, clients = sys.argv[1], sys.argv[2].split(",")
tally = collections.defaultdict(lambda: [0, 0])
for path in glob.glob(f"{out}/run-*.txt"):
    run, checks = None, []
    def close():
        if run is None: return
        shared = all(ok for name, ok in checks if ":" not in name or name.startswith("Redis"))
        for c in clients:
            family = "se-redis" if c.startswith("se-redis") else c
            mine = [ok for name, ok in checks if name.startswith((c + ":", family + ":", "every client:"))]
            cell = tally[(run, c)]
            cell[0] += shared and bool(mine) and all(mine)
            cell[1] += 1
    for line in open(path):
        m = re.match(r"== (\S+) \[(\w+)\]", line)
        if m:
            close(); run, checks = f"{m[1]} {m[2]}", []
            continue
        m = re.match(r"\s+(ok|FAIL)\s+(.*)", line)
        if m and run: checks.append((m[2], m[1] == "ok"))
    close()
print("| scenario | variant | " + " | ".join(clients) + " |")
print("|---|---|" + "---|" * len(clients))
for run in sorted({r for r, _ in tally}):
    sid, variant = run.split()
    print(f"| {sid} | {variant} | " + " | ".join(f"{tally[(run, c)][0]}/{tally[(run, c)][1]}" for c in clients) + " |")
PY
