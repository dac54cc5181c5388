#!/usr/bin/env bash
# The packets as the oracle: every quick catalog scenario × variant, side by side as `run --all` runs them, each with a
# packet capture; per run, one line: does the timeline (its close events, its first disconnect) agree with the capture's
# FINs and RSTs? Needs root (tcpdump). Usage: sudo bash bench/oracle.sh [--parallel N] [--pcap DIR]
set -euo pipefail
exec bash "$(dirname "$0")/run.sh" oracle "$@"
