#!/usr/bin/env bash
# The lab side by side (bench/README.md, "Side by side"): bash bench/soak.sh catalog|soak|crash [options].
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/BrokenPipe.Bench.Soak -c Release -v quiet -nologo >/dev/null
exec dotnet bench/BrokenPipe.Bench.Soak/bin/Release/net10.0/BrokenPipe.Bench.Soak.dll "$@"
