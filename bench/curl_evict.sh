#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# What an operator types to empty Ollama, as one process: list, unload each, poll until empty.
#   bench/curl_evict.sh URL [DEADLINE_SECONDS]
# Last line: JSON {"evicted": [...], "eviction_seconds": S, "polls": N}. Exit 1 at the deadline.
set -euo pipefail
url=$1
deadline=${2:-60}
t0=$EPOCHREALTIME
mapfile -t names < <(curl -sSf "$url/api/ps" | jq -r '.models[].name')
for m in "${names[@]}"; do
    curl -sSf -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"model\": \"$m\", \"keep_alive\": 0}" "$url/api/generate"
done
polls=0
while :; do
    polls=$((polls + 1))
    left=$(curl -sSf "$url/api/ps" | jq '.models | length')
    [ "$left" = 0 ] && break
    now=$EPOCHREALTIME
    if [ "${now%.*}" -ge $(( ${t0%.*} + deadline )) ]; then
        echo "still resident after ${deadline} s: $left model(s)" >&2
        exit 1
    fi
done
t1=$EPOCHREALTIME
printf '{"evicted": %s, "eviction_seconds": %s, "polls": %d}\n' \
    "$(printf '%s\n' "${names[@]}" | jq -R . | jq -sc .)" \
    "$(echo "$t1 - $t0" | bc -l | sed 's/^\./0./')" "$polls"
