#!/usr/bin/env bash
# HAProxy's figures (issue 20): its start-to-ready (alternated with nginx's, same load), then every proxy scenario that
# runs on HAProxy, both variants, RUNS times (default 20) with --proxy haproxy; prints met/total per scenario × variant.
# Usage: bash bench/haproxy.sh [RUNS] [STARTS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
starts=${2:-20}
dotnet build bench/BrokenPipe.Bench.Parts -c Release -v quiet -nologo >/dev/null
dotnet build scenarios -c Release -v quiet -nologo >/dev/null
dotnet bench/BrokenPipe.Bench.Parts/bin/Release/net10.0/BrokenPipe.Bench.Parts.dll haproxy "$starts"
cli=scenarios/bin/Release/net10.0/brokenpipe-lab.dll
# The proxy scenarios that run on HAProxy: 'list' marks them "(on nginx, haproxy)".
ids=$(dotnet "$cli" list | awk '$2 == "proxy" && /haproxy/ {print $1}')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$runs"); do
  # shellcheck disable=SC2086
  dotnet "$cli" run $ids --proxy haproxy --json "$out/$i.json" >/dev/null 2>"$out/$i.err" || true
done
python3 - "$out" "$runs" <<'PY'
import json, sys, glob, collections
d, runs = sys.argv[1], int(sys.argv[2])
met = collections.Counter(); total = collections.Counter(); durations = collections.defaultdict(list)
for f in glob.glob(f"{d}/*.json"):
    for r in json.load(open(f)):
        if r.get("proxy") != "haproxy":
            continue
        key = (r["id"], r["variant"])
        total[key] += 1
        met[key] += r["outcome"] == "met"
        durations[key].append(r["durationMs"] / 1000)
for key in sorted(total):
    ds = sorted(durations[key])
    print(f"{key[0]:<26} {key[1]:<6} haproxy  {met[key]}/{total[key]} met  median {ds[len(ds)//2]:.2f} s")
PY
