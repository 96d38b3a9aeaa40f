#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The local lab: N GX10-like hosts in containers, and the whole job run on them.
#
#   scripts/lab.sh up [N]   set up the tools (scripts/bootstrap.sh), start (or reuse) hosts
#                           gx10-lab-1..N (default 3), write lab/inventory.yml, provision them
#                           (tests/lab/provision.yml), load a model into each Ollama as a client
#                           would, roll out playbooks/site.yml, show the incident on host 1 (Ollama
#                           holds 'big': `docker restart vllm` fails out of memory, the gated
#                           playbooks/vllm_restart.yml succeeds), the page cache's before and after
#                           on host 1 (bench/pagecache.py --lab-host), then playbooks/memory_report.yml
#   scripts/lab.sh status   the lab's containers and the memory report
#   scripts/lab.sh down     remove the lab containers (label openclaw.gx10.lab=1) and lab/; stop the
#                           bench's dockerd only when the lab's own bootstrap started it
#
# A host is a systemd container of gx10-target:bookworm on the bench's dockerd (.cache/docker.sock)
# with its own dockerd inside (the vLLM stand-in runs there) and the real Ollama as ollama.service.
# All lab hosts share this machine's memory: they all see the same /proc/meminfo.
# Full logs: lab/logs/. Afterwards, by hand:  . scripts/env.sh; ansible-playbook -i lab/inventory.yml ...
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
LAB="$REPO/lab"
INV="$LAB/inventory.yml"
LABEL=openclaw.gx10.lab=1
IMAGE=gx10-target:bookworm
OURS_MARK="$LAB/dockerd.started-by-lab"
T0=$(date +%s)

say() { printf '[lab %s %4ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*"; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
section() { printf '\n==== %s  (%s, %ss)\n' "$*" "$(date +%H:%M:%S)" "$(($(date +%s) - T0))"; }
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}"; }

dockerd_answers() {
    [ -S "$REPO/.cache/docker.sock" ] && command -v docker >/dev/null \
        && DOCKER_HOST="unix://$REPO/.cache/docker.sock" docker version >/dev/null 2>&1
}
use_env() {
    # shellcheck source=/dev/null
    . "$REPO/scripts/env.sh"
}
lab_ids() { docker ps -aq --filter "label=$LABEL"; }

# play NAME PLAYBOOK ARGS...: ansible-playbook on the lab, full output to lab/logs/NAME.log;
# on the terminal only what changed or failed, the messages of the playbook and the recap.
play() {
    local name=$1 playbook=$2; shift 2
    local log="$LAB/logs/$name.log" rc=0
    # On the terminal, as it runs: plays, the tasks that changed or failed something, the
    # playbook's own messages (results with output), warnings and errors, and the recap; and
    # every 15 s without one of those, which task still runs (a task that runs long prints
    # nothing until it ends: the lab must never look hung). scripts/gx10_lab.py play-filter.
    { ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
        ansible-playbook -i "$INV" "$playbook" "$@" 2>&1; echo "$?" >"$log.rc"; } \
        | tee "$log" | python3 -u "$REPO/scripts/gx10_lab.py" play-filter
    rc=$(cat "$log.rc"); rm -f "$log.rc"
    return "$rc"
}

# ---------------------------------------------------------------- up
run_hosts() {
    local n=$1 i name created=0 reused=0
    for i in $(seq 1 "$n"); do
        name="gx10-lab-$i"
        if docker container inspect "$name" >/dev/null 2>&1; then
            [ "$(docker container inspect -f '{{.State.Running}}' "$name")" = true ] || docker start "$name" >/dev/null
            reused=$((reused + 1))
            continue
        fi
        # The platform of extensions/molecule/vllm (and fleet): systemd as PID 1, docker inside,
        # never privileged; the bench's outputs read-only; no network (Ansible uses docker exec).
        docker run -d --name "$name" --hostname "$name" --label "$LABEL" \
            --cgroupns host --network none \
            --cap-add SYS_ADMIN --cap-add NET_ADMIN \
            --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
            --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
            --tmpfs /var/lib/docker:rw,exec,dev,suid,size=2g \
            -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
            -v "$REPO/.cache/ollama-bundle:/opt/ollama:ro" \
            -v "$REPO/.cache/ollama-models:/srv/ollama-models:ro" \
            -v "$REPO/.cache/images:/srv/images:ro" \
            --stop-signal SIGRTMIN+3 \
            "$IMAGE" /sbin/init >/dev/null
        created=$((created + 1))
    done
    # Hosts beyond N from an earlier, larger lab.
    for name in $(docker ps -a --filter "label=$LABEL" --format '{{.Names}}'); do
        i=${name#gx10-lab-}
        if ! [[ $i =~ ^[0-9]+$ ]] || [ "$i" -gt "$n" ]; then
            docker rm -f "$name" >/dev/null; say "removed $name (beyond $n hosts)"
        fi
    done
    say "hosts: $created created, $reused reused"
    local deadline=$(($(date +%s) + 90)) state
    for i in $(seq 1 "$n"); do
        name="gx10-lab-$i"
        # systemd reports running (or degraded) once boot is done.
        until state=$(docker exec "$name" systemctl is-system-running 2>/dev/null) \
                || [ "$state" = degraded ]; do
            [ "$(date +%s)" -lt "$deadline" ] || die "$name: systemd did not finish booting within 90 s (state: ${state:-none})"
            sleep 0.5
        done
        say "$name: systemd $state"
    done
}

write_inventory() {
    local n=$1 i util
    # All lab hosts share this machine's MemTotal: N stand-ins asking ceil(MemTotal x util) each
    # must fit side by side (at most 40 % of it together, never above 0.05 each).
    util=$(awk -v n="$n" 'BEGIN { u = 0.40 / n; if (u > 0.05) u = 0.05; u = int(u * 100) / 100; if (u < 0.01) u = 0.01; printf "%.2f", u }')
    {
        echo "---"
        echo "# Written by scripts/lab.sh up $n; removed by scripts/lab.sh down."
        echo "all:"
        echo "  children:"
        echo "    gx10:"
        echo "      hosts:"
        for i in $(seq 1 "$n"); do echo "        gx10-lab-$i: {}"; done
        cat <<EOF
      vars:
        ansible_connection: community.docker.docker
        # The bench's dockerd, also without scripts/env.sh (DOCKER_HOST).
        ansible_docker_extra_args: -H unix://$REPO/.cache/docker.sock
        ansible_python_interpreter: /usr/bin/python3
        # As the example inventory recommends for a fleet: a module runs in one round trip
        # (a no-op site.yml on one lab host: 44 s without, 17 s with, measured).
        ansible_pipelining: true
        # As on a real fleet (inventory/group_vars/gx10/main.yml), scaled to a lab.
        gx10_primary_server: vllm
        ollama_keep_alive: "0"
        ollama_environment:
          OLLAMA_HOST: "127.0.0.1:11434"
          OLLAMA_MAX_LOADED_MODELS: 1
          OLLAMA_NUM_PARALLEL: 1
        # The vLLM stand-in (tests/vllm_standin), built in each host by tests/lab/provision.yml.
        vllm_image: openclaw/vllm-standin:test
        vllm_model: org/standin-model
        vllm_served_model_name: standin
        vllm_gpus: "off"
        vllm_gpu_memory_utilization: $util
        vllm_kv_cache_dtype: fp8
        vllm_max_model_len: 4096
        vllm_bind_address: 127.0.0.1
        vllm_port: 8000
        vllm_hf_cache_dir: /srv/hf-cache
        vllm_env:
          VLLM_STANDIN_STARTUP_SECONDS: "3"
          VLLM_STANDIN_HOLD_BYTES: 256M
          # The simulated CUDA context (2.7 GiB by default on a GB10) stays out of the lab:
          # its margins (vllm_restart_margin 256MiB) are sized for this machine.
          VLLM_STANDIN_CUDA_CONTEXT_BYTES: "0"
        # The agent configuration of inventory/group_vars/gx10/main.yml: the stand-in parses it as
        # vLLM 0.32.0 does (and ignores what it cannot emulate).
        vllm_extra_args:
          - --enable-auto-tool-choice
          - --tool-call-parser
          - hermes
          - --reasoning-parser
          - qwen3
          - --enable-prefix-caching
          - --max-num-batched-tokens
          - "8192"
        vllm_health_timeout: 60
        vllm_restart_margin: 256MiB
        vllm_unload_timeout: 60
EOF
    } >"$INV.tmp"
    mv "$INV.tmp" "$INV"
}

ollama_load() {  # ollama_load HOST MODEL: a client asks for MODEL and keeps it 2h
    docker exec "$1" curl -sf -o /dev/null -X POST http://127.0.0.1:11434/api/generate \
        -d "{\"model\": \"$2\", \"keep_alive\": \"2h\"}" || die "$1: Ollama did not load $2"
}
ollama_ps() {  # one line: what HOST's Ollama holds
    docker exec "$1" curl -sf http://127.0.0.1:11434/api/ps | python3 "$REPO/scripts/gx10_lab.py" ollama-ps
}

cmd_up() {
    local n=${1:-3}
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "up: N must be a positive number, got '$n'"
    mkdir -p "$LAB/logs"

    section "1. Tools (scripts/bootstrap.sh: packages, .venv, the bench's dockerd, images, Ollama bundle)"
    local before=0
    dockerd_answers && before=1
    bash "$REPO/scripts/bootstrap.sh" | sed 's/^/  /'
    if [ $before = 0 ] && [ -f "$REPO/.cache/dockerd.started-by-bootstrap" ]; then
        cp "$REPO/.cache/dockerd.started-by-bootstrap" "$OURS_MARK"
    fi
    use_env

    section "2. Hosts: $n systemd containers gx10-lab-1..$n (docker inside, no network; label $LABEL)"
    run_hosts "$n"
    write_inventory "$n"
    say "inventory: lab/inventory.yml (group gx10, connection community.docker.docker)"

    section "3. Provision (tests/lab/provision.yml): dockerd, vLLM stand-in image, real Ollama + models"
    play provision tests/lab/provision.yml -e '{"gx10_lab_ollama_models": ["mid", "tiny-a"]}' \
        || die "provision.yml failed (lab/logs/provision.log)"

    section "4. A client loads 'mid' into every Ollama with keep_alive 2h (the fleet before this collection)"
    local i
    for i in $(seq 1 "$n"); do ollama_load "gx10-lab-$i" mid; done
    for i in $(seq 1 "$n"); do say "gx10-lab-$i Ollama holds: $(ollama_ps "gx10-lab-$i")"; done

    section "5. Roll out: playbooks/site.yml (canary first; each batch done when vLLM answers /health)"
    say "per host: the Ollama drop-in (keep-alive 0; the restart drops what it held), then vLLM through the gated restart"
    play site playbooks/site.yml || die "site.yml failed (lab/logs/site.log)"

    incident gx10-lab-1
    pagecache gx10-lab-1

    section "7. Memory report: playbooks/memory_report.yml (read-only)"
    [ "$n" -ge 2 ] && ollama_load gx10-lab-2 tiny-a && say "a client loaded tiny-a on gx10-lab-2 (keep_alive 2h)"
    report

    section "Lab ready: $n hosts in $(($(date +%s) - T0)) s"
    cat <<EOF
  . scripts/env.sh
  ansible-playbook -i lab/inventory.yml playbooks/memory_report.yml
  ansible-playbook -i lab/inventory.yml playbooks/site.yml --check --diff
  docker exec -it gx10-lab-1 bash      # systemctl status ollama; docker ps
  bash scripts/lab.sh down             # remove it all
EOF
}

# incident HOST: the problem and the fix, before and after, on one host. Ollama holds 'big'
# (~2.1 GiB); vLLM's utilization is chosen from the host's live figures so that vLLM fits only
# without the model (bench/oom_starts.py --calibrate-only, the oom_starts benchmark's own choice).
# Before: `docker restart vllm` fails with vLLM's out-of-memory message. After: the gated restart
# (playbooks/vllm_restart.yml) evicts the model and vLLM serves. Then the inventory's settings again.
incident() {
    local host=$1 cal="$LAB/logs/incident-calibration.json" extra util res
    section "6. The incident on $host, before and after: Ollama holds 'big', vLLM restarts"
    play incident-model tests/lab/provision.yml -l "$host" -e '{"gx10_lab_ollama_models": ["big"]}' \
        || die "creating the model big on $host failed (lab/logs/incident-model.log)"
    say "$host: Ollama has the model big (written once on this machine, about 2 GB)"
    say "choosing vLLM's utilization from $host's live MemTotal/MemAvailable (bench/oom_starts.py --calibrate-only)"
    python "$REPO/bench/oom_starts.py" --calibrate-only --host "$host" --model big 2>&1 >"$cal" | sed 's/^/  /' \
        || die "the calibration failed (see above)"
    extra=$(python3 "$REPO/scripts/gx10_lab.py" calibration "$cal" extra_vars)
    util=$(python3 "$REPO/scripts/gx10_lab.py" calibration "$cal" utilization)
    play incident-setup playbooks/vllm_restart.yml -l "$host" -e "$extra" \
        || die "starting vLLM with utilization $util failed (lab/logs/incident-setup.log)"
    say "$host: vLLM runs with utilization $util; it fits only when Ollama holds nothing"
    ollama_load "$host" big
    say "a client loaded big: $host Ollama holds: $(ollama_ps "$host")"

    # The role's vllm.service gates every start, even after a `docker restart` (it brings vLLM
    # back through the gate): stop it to show the world before this collection.
    docker exec "$host" systemctl stop vllm.service
    say "BEFORE: docker restart vllm (what an operator typed before this collection; vllm.service stopped)"
    res=$(docker exec "$host" sh -c "$(cat "$REPO/bench/plain_restart.sh")" plain_restart vllm \
        http://127.0.0.1:8000/health 120 | tail -n 1)
    python3 "$REPO/scripts/gx10_lab.py" restart-result "$res"
    docker exec "$host" docker stop -t 30 vllm >/dev/null  # stop it if it started after all
    say "$host: vLLM is down; Ollama still holds: $(ollama_ps "$host")"

    say "AFTER: playbooks/vllm_restart.yml -l $host (predict, evict Ollama, start vllm.service through its gate, wait until vLLM serves)"
    play incident-gated playbooks/vllm_restart.yml -l "$host" -e "$extra" \
        || die "the gated restart failed (lab/logs/incident-gated.log)"
    say "$host: vLLM /health $(docker exec "$host" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health); Ollama holds: $(ollama_ps "$host")"

    play incident-restore playbooks/vllm_restart.yml -l "$host" \
        || die "restoring the inventory's settings on $host failed (lab/logs/incident-restore.log)"
    say "$host: back to the inventory's utilization (a gated restart)"
}

# pagecache HOST: GB10's second out-of-memory, before and after (bench/pagecache.py --lab-host, one
# start of each). The page cache is filled until MemFree is short of vLLM's request while
# MemAvailable covers it. Before: the gate as it was (it cannot drop: /proc/sys read-only, as
# docker leaves it in a container) passes on MemAvailable, and the stand-in, as GB10's driver,
# fails the load with NV_ERR_NO_MEMORY. After: the gate drops the page cache as far as needed
# (journal: the figures before and after) and vLLM serves. Then the inventory's settings again.
pagecache() {
    local host=$1 rc=0
    section "6b. GB10's second out-of-memory on $host, before and after: the page cache holds MemFree down"
    say "the driver allocates from free pages: MemAvailable counts the page cache, the driver cannot use it"
    python "$REPO/bench/pagecache.py" --lab-host "$host" --runs 1 >"$LAB/logs/pagecache.log" 2>&1 || rc=$?
    grep -E '^(gated|start|without|with) |^\[bench' "$LAB/logs/pagecache.log" | sed 's/^/  /'
    [ $rc = 0 ] || die "the page cache's before and after failed (lab/logs/pagecache.log)"
    say "$host: vLLM /health $(docker exec "$host" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health) with the inventory's settings again"
}

report() {
    local log="$LAB/logs/memory_report.log" rc=0
    ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json \
        ansible-playbook -i "$INV" playbooks/memory_report.yml >"$log" 2>&1 || rc=$?
    python3 "$REPO/scripts/gx10_lab.py" memory-report "$log" || true
    [ $rc = 0 ] || say "memory_report.yml exit $rc (lab/logs/memory_report.log)"
    return 0
}

# ---------------------------------------------------------------- status / down
cmd_status() {
    dockerd_answers || { say "the bench's dockerd is not running: no lab"; return 0; }
    use_env
    docker ps -a --filter "label=$LABEL" --format 'table {{.Names}}\t{{.Status}}'
    if [ -f "$INV" ] && [ -n "$(docker ps -q --filter "label=$LABEL")" ]; then
        section "Memory report"
        mkdir -p "$LAB/logs"
        report
    fi
}

cmd_down() {
    if dockerd_answers; then
        use_env
        local ids
        ids=$(lab_ids)
        if [ -n "$ids" ]; then
            # The full ids of the hosts and of the containers inside them (vLLM): with the host's
            # cgroup namespace their cgroups live in this machine's hierarchy.
            local full=() id
            for id in $ids; do
                full+=("$(docker inspect -f '{{.Id}}' "$id")")
                mapfile -t -O "${#full[@]}" full < <(docker exec "$id" docker ps -aq --no-trunc 2>/dev/null || true)
            done
            # A clean shutdown first (systemd stops docker and its containers), then remove.
            # shellcheck disable=SC2086
            docker stop -t 30 $ids >/dev/null 2>&1 || true
            # shellcheck disable=SC2086
            docker rm -f -v $ids >/dev/null
            say "removed $(echo "$ids" | wc -l) lab container(s)"
            # Empty cgroups left behind by those containers (rmdir fails on a cgroup in use).
            local left=0 d
            for id in "${full[@]}"; do
                [ -n "$id" ] || continue
                for d in /sys/fs/cgroup/*/docker/"$id" /sys/fs/cgroup/*/*/docker/"$id"; do
                    [ -d "$d" ] || continue
                    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
                    [ -d "$d" ] && left=$((left + 1))
                done
            done
            [ "$left" = 0 ] || say "$left cgroup(s) of lab containers still in use under /sys/fs/cgroup"
        else
            say "no lab containers"
        fi
        if [ -f "$OURS_MARK" ]; then
            local others
            others=$(docker ps -q)
            if [ -n "$others" ]; then
                say "the bench's dockerd was started by the lab, but other containers run on it: leaving it"
            else
                bash "$REPO/scripts/bootstrap.sh" stop-dockerd | sed 's/^/  /'
            fi
        fi
    else
        say "the bench's dockerd is not running: no lab containers"
    fi
    rm -rf "$LAB"
    say "removed lab/"
}

case ${1:-} in
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
