#!/usr/bin/env bash
# Part figures beside the scenario benchmark: redis-server start-to-ready, the middlebox's forwarding throughput
# against a direct transfer in the same run, and (as root) the packet-drop middlebox's start and throughput. Usage: bash bench/parts.sh [STARTS]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/BrokenPipe.Bench.Parts -c Release -v quiet -nologo >/dev/null
dotnet bench/BrokenPipe.Bench.Parts/bin/Release/net10.0/BrokenPipe.Bench.Parts.dll "$@"
