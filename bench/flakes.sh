#!/usr/bin/env bash
# Flakes are defects (bench/README.md, "Flakes"): run the whole test suite N times and name every test that failed
# at least once, with its failure count and the first line of its first failure's message.
#
#   bash bench/flakes.sh [--runs N] [--filter EXPR] [--round-timeout MIN] [--keep DIR]
#
# Each round is `dotnet test BrokenPipe.Lab.sln --no-build` (built once, first) with a TRX logger into a temp dir of
# its own; a round is bounded (default 20 min, then its process group gets SIGTERM, SIGKILL 30 s later). The temp
# dirs are removed at the end (also on Ctrl+C), unless --keep DIR copies the TRX files there first.
# Exit: 0 no test failed in any round, 1 a test failed (or a round ended without a TRX), 2 bad input, 3 build failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=3
filter=""
round_timeout=20
keep=""
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:-}"; shift 2 ;;
    --filter) filter="${2:-}"; shift 2 ;;
    --round-timeout) round_timeout="${2:-}"; shift 2 ;;
    --keep) keep="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "flakes: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$runs" =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ] || [ "$runs" -gt 100 ]; then
  echo "flakes: --runs takes 1..100, not '$runs'" >&2; exit 2
fi
if ! [[ "$round_timeout" =~ ^[0-9]+$ ]] || [ "$round_timeout" -lt 1 ]; then
  echo "flakes: --round-timeout takes whole minutes, not '$round_timeout'" >&2; exit 2
fi
if [ -n "$keep" ] && ! mkdir -p "$keep"; then echo "flakes: cannot create '$keep'" >&2; exit 2; fi
command -v python3 >/dev/null || { echo "flakes: needs python3 (standard library only) to read the TRX files" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/brokenpipe-flakes.XXXXXX")
round_pid=""
cleanup() {
  # Only the round this script started: its own process group (timeout made it one).
  if [ -n "$round_pid" ] && kill -0 "$round_pid" 2>/dev/null; then kill -TERM -- "-$round_pid" 2>/dev/null; fi
  if [ -n "$keep" ] && [ -d "$work" ]; then find "$work" -name '*.trx' -exec cp --backup=numbered {} "$keep"/ \; ; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "flakes: building BrokenPipe.Lab.sln once" >&2
if ! dotnet build BrokenPipe.Lab.sln -nologo -v quiet >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log" >&2
  echo "flakes: the build failed" >&2
  exit 3
fi

# Reads one round's TRX files: prints "P F S" on the first line, then one "name<TAB>first line" per failed test.
read_trx() {
  python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        failures.append((path.rsplit("/", 1)[-1], f"unreadable TRX: {e}"))
        continue
    for r in root.iterfind(".//t:Results/t:UnitTestResult", ns):
        outcome = r.get("outcome", "")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("NotExecuted", "Inconclusive"):
            skipped += 1
        else:
            failed += 1
            message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns)
            lines = [l.strip() for l in message.splitlines() if l.strip()]
            first = lines[0] if lines else f"({outcome}, no message)"
            # A message that carries a whole report (check-proxy's table, a scenario's narration): also its first FAIL line.
            failing = next((l for l in lines[1:] if l.startswith("FAIL")), None)
            if failing: first = f"{first} | {failing}"
            failures.append((r.get("testName", "?"), first[:240]))
print(passed, failed, skipped)
for name, first in failures:
    print(f"{name}\t{first}")
PY
}

failures="$work/failures.tsv"
: >"$failures"
rounds_failed=0
for round in $(seq 1 "$runs"); do
  dir="$work/round$round"
  mkdir -p "$dir"
  args=(test BrokenPipe.Lab.sln --no-build --logger trx --results-directory "$dir")
  [ -n "$filter" ] && args+=(--filter "$filter")
  start=$(date +%s.%N)
  timeout --kill-after=30 "${round_timeout}m" dotnet "${args[@]}" >"$dir/console.log" 2>&1 &
  round_pid=$!
  wait "$round_pid"
  rc=$?
  round_pid=""
  wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$start" "$(date +%s.%N)")
  mapfile -t trx < <(find "$dir" -name '*.trx' | sort)
  note=""
  if [ "${#trx[@]}" -eq 0 ]; then
    counts="0 0 0"
    note=" (no TRX: $(tail -n 1 "$dir/console.log"))"
    printf 'round %d\t(no TRX written, exit %d)\n' "$round" "$rc" >>"$failures"
  else
    out=$(read_trx "${trx[@]}")
    counts=$(head -n 1 <<<"$out")
    tail -n +2 <<<"$out" | grep -v '^$' >>"$failures"
  fi
  [ "$rc" -eq 124 ] && note="$note (timed out after ${round_timeout} min)"
  read -r p f s <<<"$counts"
  [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && rounds_failed=$((rounds_failed + 1))
  echo "round $round/$runs: $p passed, $f failed, $s skipped, ${wall} s, exit $rc$note"
done

echo
if [ ! -s "$failures" ]; then
  echo "no test failed in $runs round(s)"
  exit 0
fi
echo "failed at least once ($rounds_failed of $runs round(s) not green):"
# count/runs, the test, the first line of its first failure (sorted by count, most first)
python3 - "$failures" "$runs" <<'PY'
import sys
counts, first = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, _, message = line.rstrip("\n").partition("\t")
    counts[name] = counts.get(name, 0) + 1
    first.setdefault(name, message)
for name in sorted(counts, key=lambda n: (-counts[n], n)):
    print(f"  {counts[name]}/{sys.argv[2]}  {name}\n        {first[name]}")
PY
exit 1
