#!/usr/bin/env bash
# Start cost of each Redis client observer: the time from spawning its process to its first line ("ready"), N times
# each (default 10), median and max. The Node observers run from the lab's cache (a scenario run installs them once).
# bench/observer-start.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/brokenpipe-lab/observers
/usr/bin/python3 - "$n" "$cache" <<'PY'
import glob, os, statistics, subprocess, sys, time
n, cache = int(sys.argv[1]), sys.argv[2]
def newest(name):
    found = sorted(glob.glob(f"{cache}/{name}-*/.installed"), key=os.path.getmtime)
    return os.path.join(os.path.dirname(found[-1]), "observer.js") if found else None
observers = {f"se-redis@{v}": ["dotnet", "exec", f"observers/bin/Debug/{v}/SeRedis.Observer.dll"] for v in ("1.2.6", "2.8.16", "3.4.35")}
observers["redis-py"] = ["/usr/bin/python3", "-u", "observers/redis-py/observer.py"]
for name in ("ioredis", "node-redis"):
    if newest(name): observers[name] = ["node", newest(name)]
print("| observer | median to ready | max | runs |")
print("|---|---|---|---|")
for name, cmd in observers.items():
    times = []
    for _ in range(n):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        p.stdout.readline()
        times.append((time.perf_counter() - start) * 1000)
        p.stdin.close(); p.wait(10)
    print(f"| {name} | {statistics.median(times):.0f} ms | {max(times):.0f} ms | {n} |")
PY
