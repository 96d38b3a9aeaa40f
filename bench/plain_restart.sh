#!/bin/sh
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The plain restart an operator types on a GX10 host, then the wait for its outcome:
#   docker restart NAME, then poll until /health answers 200 (started) or the container has
#   exited or been restarted by docker (failed), or DEADLINE seconds pass.
# Runs ON the host (bench sends it through `docker exec HOST sh -c`).
#   plain_restart.sh NAME HEALTH_URL DEADLINE
# Last line: {"ok": true|false, "seconds": S, "state": "...", "why": "..."}
name=$1 url=$2 deadline=$3
now() { date +%s.%N; }
t0=$(now)
if ! docker restart "$name" >/dev/null 2>/tmp/plain_restart.err; then
    printf '{"ok": false, "seconds": %s, "state": "restart-error", "why": "%s"}\n' \
        "$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}')" "$(tr -d '"\n' </tmp/plain_restart.err)"
    exit 0
fi
restarts0=$(docker inspect -f '{{.RestartCount}}' "$name")
end=$(( ${t0%.*} + deadline ))
ok=false state=timeout why="no /health 200 within ${deadline} s"
while :; do
    if curl -sf -o /dev/null --max-time 2 "$url"; then
        ok=true state=healthy why="/health 200"; break
    fi
    st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "$name")
    # shellcheck disable=SC2086  # split "status exit restarts" into $1 $2 $3
    set -- $st
    if [ "$1" = exited ] || [ "$1" = dead ] || [ "$1" = restarting ] || [ "$3" != "$restarts0" ]; then
        state="$1 exit=$2 restarts=$3"
        why=$(docker logs --tail 30 "$name" 2>&1 | grep -m1 'Free memory' || docker logs --tail 1 "$name" 2>&1)
        # shellcheck disable=SC1003  # the set of characters dropped: " and \\
        why=$(printf '%s' "$why" | tr -d '"\\' | tr '\n' ' ' | cut -c1-300)
        break
    fi
    [ "$(date +%s)" -gt "$end" ] && break
done
t1=$(now)
printf '{"ok": %s, "seconds": %s, "state": "%s", "why": "%s"}\n' "$ok" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" "$state" "$why"
