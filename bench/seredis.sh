#!/usr/bin/env bash
# The Redis scenarios with each StackExchange.Redis version, and with all three side by side: N runs per scenario x
# variant x version (default 20). Writes the tables into bench/results.md between its seredis markers, with the
# median run time of `--seredis all` against one version (the cost of observing three versions at once).
#   bash bench/seredis.sh [RUNS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-20}"
only="redis-idle-timeout,redis-crash-restart,redis-pubsub-slow-subscriber,redis-idle-drop,redis-idle-reset,redis-threadpool-starvation"
if [ "$(id -u)" = 0 ]; then only="$only,nat-idle-drop"; fi
# SEREDIS_BENCH_DIR keeps the per-version tables (for a look afterwards); a temp dir otherwise.
if [ -n "${SEREDIS_BENCH_DIR:-}" ]; then out="$SEREDIS_BENCH_DIR"; mkdir -p "$out"; else out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi
status=0
for v in 1.2.6 2.8.16 3.4.35 all; do
  echo "== --seredis $v, $runs runs each" >&2
  bash "$here/run.sh" --only "$only" --runs "$runs" --seredis "$v" --out "$out/$v.md" >/dev/null || status=1
done

section="$out/section.md"
{
  echo "<!-- seredis -->"
  echo "## StackExchange.Redis versions (\`bash bench/seredis.sh $runs\`)"
  echo
  echo "Last run: $(date -u '+%Y-%m-%d %H:%M') UTC, $runs sequential runs per scenario x variant x version."
  for v in 1.2.6 2.8.16 3.4.35 all; do
    echo
    echo "### --seredis $v"
    echo
    grep '^|' "$out/$v.md" | grep -v -e 'Kestrel' -e 'nginx' || true
  done
  echo
  echo "### Overhead of --seredis all (median run time, all three versions vs each alone)"
  echo
  echo "| scenario | variant | 1.2.6 ms | 2.8.16 ms | 3.4.35 ms | all ms | all - 3.4.35 ms |"
  echo "|---|---|--:|--:|--:|--:|--:|"
  # Field 5 of a bench table line (split on '|') is the median.
  awk -F'|' 'FNR==1 { file++ } /^\| redis|^\| nat/ { key=$2"|"$3; gsub(/ /,"",$5); m[key,file]=$5; keys[key]=1 }
    END { for (k in keys) { split(k, p, "|"); d = m[k,4] - m[k,3];
      printf "| %s | %s | %s | %s | %s | %s | %.0f |\n", p[1], p[2], m[k,1], m[k,2], m[k,3], m[k,4], d } }' \
    "$out/1.2.6.md" "$out/2.8.16.md" "$out/3.4.35.md" "$out/all.md" | sed 's/|  */| /g' | sort
  echo "<!-- /seredis -->"
} >"$section"

results="$here/results.md"
if grep -q '<!-- seredis -->' "$results"; then
  python3 - "$results" "$section" <<'PY'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path).read()
a = text.index("<!-- seredis -->"); b = text.index("<!-- /seredis -->") + len("<!-- /seredis -->")
open(path, "w").write(text[:a] + section + text[b:])
PY
else
  printf '\n%s\n' "$(cat "$section")" >>"$results"
fi
cat "$section"
exit "$status"
