#!/usr/bin/env bash
# Builds the benchmark in Release and runs it; every argument is passed through (bash bench/run.sh --help).
# The build log goes to stderr, so stdout carries only the results table.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/BrokenPipe.Bench/BrokenPipe.Bench.csproj"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build "$project" -c Release -nologo -v quiet -clp:NoSummary >&2
dll="$(dotnet msbuild "$project" -nologo -p:Configuration=Release -getProperty:TargetPath)"

# exec: Ctrl+C reaches the benchmark itself, which stops the running lab cleanly.
exec dotnet "$dll" "$@"
