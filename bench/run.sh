#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Run one benchmark with the test bench's environment (venv, our own dockerd, collection path).
#   bench/run.sh eviction|oom_starts|gate_cost|fleet_scale|downtime|pagecache [--runs N] [...]
# Prints a short table; writes bench/results/NAME-<time>.json (git-ignored). Figures, not tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
name=${1:-}
case $name in
    eviction|oom_starts|gate_cost|fleet_scale|downtime|pagecache) shift ;;
    *) echo "usage: bench/run.sh eviction|oom_starts|gate_cost|fleet_scale|downtime|pagecache [options] (--help)" >&2
       exit 2 ;;
esac
# shellcheck source=/dev/null
. "$here/../scripts/env.sh"
exec python "$here/$name.py" "$@"
