#!/usr/bin/env bash
# The upstreams in their own languages: each scenario x variant x upstream RUNS times (default 20), through the CLI
# with --upstream all (a run per upstream, PARALLEL side by side, default 4); then each language's start-to-ready,
# cached (the program started directly, until its port accepts; and as the lab's part reports it), and Go's first
# build with an empty build cache. Prints a markdown section for bench/results.md.
#   bash bench/upstreams.sh [RUNS] [PARALLEL]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-20}"
parallel="${2:-4}"
py=/usr/bin/python3
# UPSTREAMS_BENCH_DIR keeps every run's JSON (a miss can be read afterwards); a temp dir otherwise.
if [ -n "${UPSTREAMS_BENCH_DIR:-}" ]; then work="$UPSTREAMS_BENCH_DIR"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
dotnet build "$here/../scenarios" -v q -nologo >/dev/null
# The runs use a copy of the build, so a rebuild meanwhile cannot change the binary under them.
cp -r "$here/../scenarios/bin/Debug/net10.0" "$work/cli"
cli="$work/cli/brokenpipe-lab"
ids="over-8kb-write ingress-timeout node-upstream-keepalive-race"

for i in $(seq 1 "$runs"); do
  # shellcheck disable=SC2086
  "$cli" run $ids --upstream all --parallel "$parallel" --json "$work/run-$i.json" >/dev/null 2>"$work/run-$i.err" || true
  echo "round $i of $runs done" >&2
done

# Start-to-ready of each cached program, started directly (no lab): process start until its port accepts.
cache="${TMPDIR:-/tmp}/brokenpipe-lab-$(id -u)/cache"
"$py" - "$cache" >"$work/ready.md" <<'PY'
import glob, os, socket, statistics, subprocess, sys, time
cache = sys.argv[1]
def newest(pattern):
    found = sorted(glob.glob(os.path.join(cache, pattern)), key=os.path.getmtime)
    return found[-1] if found else None
def command(lang, d, port, events):
    common = [str(port), events, "0", "100", "0", "fin", "0", "0"]
    return {
        "go": [os.path.join(d, "server")] + common,
        "node": ["/usr/bin/node", os.path.join(d, "server.js")] + common,
        "python": ["/usr/bin/python3", "-u", os.path.join(d, "server.py")] + common,
        "java": ["/usr/bin/java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-cp", d, "Server"] + common,
    }[lang]
print("| language | cached start-to-ready, median ms | min ms | max ms | starts |")
print("|---|--:|--:|--:|--:|")
for lang in ["go", "node", "python", "java"]:
    d = newest(f"{lang}-*")
    if d is None or ".building" in d:
        print(f"| {lang} | not built yet | | | 0 |"); continue
    times = []
    for i in range(10):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
        events = os.path.join(d, f"bench-{os.getpid()}.jsonl")
        t = time.monotonic()
        p = subprocess.Popen(command(lang, d, port, events), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
            except OSError:
                if time.monotonic() - t > 10: break
                time.sleep(0.001)
        times.append((time.monotonic() - t) * 1000)
        p.kill(); p.wait()
        if os.path.exists(events): os.remove(events)
    print(f"| {lang} | {statistics.median(times):.0f} | {min(times):.0f} | {max(times):.0f} | {len(times)} |")
PY

# Go's first build: the lab's own command, with empty build and program caches of its own.
gocache="$work/gocache"
mkdir -p "$gocache"
cp "$here/../lab/Parts/Upstreams/Go/server.go" "$work/server.go"
start=$(date +%s.%N)
GOCACHE="$gocache/build" GOPATH="$gocache/path" GOFLAGS="" GOPROXY=off GO111MODULE=off CGO_ENABLED=0 go build -trimpath -o "$work/server" "$work/server.go"
first=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
echo "// changed" >>"$work/server.go"
GOCACHE="$gocache/build" GOPATH="$gocache/path" GOFLAGS="" GOPROXY=off GO111MODULE=off CGO_ENABLED=0 go build -trimpath -o "$work/server2" "$work/server.go"
again=$(echo "$(date +%s.%N) - $start" | bc)

"$py" - "$work" "$runs" "$parallel" "$first" "$again" <<'PY'
import collections, glob, json, os, re, statistics, sys
work, runs, parallel, first, again = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
met = collections.Counter(); total = collections.Counter(); ms = collections.defaultdict(list); ready = collections.defaultdict(list); errors = {}
for f in sorted(glob.glob(os.path.join(work, "run-*.json"))):
    data = json.load(open(f))
    for r in data if isinstance(data, list) else [data]:
        key = (r["id"], r["variant"], r.get("upstream") or "-")
        total[key] += 1; ms[key].append(r["durationMs"])
        if r["outcome"] == "met": met[key] += 1
        elif key not in errors: errors[key] = f"{os.path.basename(f)}: {r['outcome']}"
        for e in r["events"]:
            m = re.search(r"\] (go|node|python3|java) \(pid \d+\) on .*ready in ([0-9.]+) ms", e["detail"])
            if e["kind"] == "part-started" and m: ready[m.group(1).replace("python3", "python")].append(float(m.group(2)))
print(f"Runs: `bash bench/upstreams.sh {runs} {parallel}`: {runs} rounds of `run over-8kb-write ingress-timeout node-upstream-keepalive-race --upstream all --parallel {parallel}` (a run per scenario x variant x upstream each round).")
print()
print("| scenario | variant | upstream | met | median ms | first miss |")
print("|---|---|---|--:|--:|---|")
for key in sorted(total):
    print(f"| {key[0]} | {key[1]} | {key[2]} | {met[key]}/{total[key]} | {statistics.median(ms[key]):.0f} | {errors.get(key, '-')} |")
print()
print(f"Go's first build (empty build cache, the standard library compiled): {first:.1f} s; a changed source afterwards: {again:.1f} s.")
print()
print(open(os.path.join(work, "ready.md")).read())
print("As the lab's parts report it (\"ready in\": the part's start through the lab's process wrappers, during the runs above, side by side with the other runs):")
print()
print("| language | median ms | p90 ms | starts |")
print("|---|--:|--:|--:|")
for lang in ["go", "node", "python", "java"]:
    t = sorted(ready.get(lang, []))
    if t: print(f"| {lang} | {statistics.median(t):.0f} | {t[int(len(t) * 0.9) - 1 if len(t) > 1 else 0]:.0f} | {len(t)} |")
PY
