#!/usr/bin/env bash
# Builds the benchmark in Release and runs it; every argument is passed through (bash bench/run.sh --help).
# stdout carries only the results; progress goes to stderr; the build log is shown only when the build fails (exit 3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/BrokenPipe.Bench/BrokenPipe.Bench.csproj"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
log="$(mktemp)"
if ! dotnet build "$project" -c Release -nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "bench/run.sh: the Release build failed" >&2
  exit 3
fi
rm -f "$log"
dll="$(dotnet msbuild "$project" -nologo -p:Configuration=Release -getProperty:TargetPath)"

# exec: Ctrl+C reaches the benchmark itself, which stops the running lab cleanly.
exec dotnet "$dll" "$@"
