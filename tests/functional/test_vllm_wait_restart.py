# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""openclaw.gx10.vllm_wait with restart=true, through Ansible: the module restarts the unit itself
(so that it is already running when vLLM goes down) and waits for THAT start, not for the old
server. systemctl is a stand-in on PATH whose `restart` replaces the running vLLM stand-in with a
new one (the host's PID 1 is not systemd here; Molecule's vllm scenario runs the role's
use of it under real systemd)."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gx10_functional import STANDIN_BOUND, run_tasks, serve_on_free_port, wait_bound

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"

FAKE_SYSTEMCTL = """#!/bin/sh
# `restart --no-block U`: a new invocation, the old stand-in stopped, a new one started (it loads
# for a second); `show`: the unit's state with the current invocation. Every call is recorded.
echo "$*" >> "$GX10_STATE/calls"
case "$*" in
  "restart --no-block "*)
    [ -n "$GX10_RESTART_RC" ] && { echo "Job for vllm.service failed" >&2; exit "$GX10_RESTART_RC"; }
    echo "$(( $(cat "$GX10_STATE/inv") + 1 ))" > "$GX10_STATE/inv"
    kill "$(cat "$GX10_STATE/pid")" 2>/dev/null
    VLLM_STANDIN_STARTUP_SECONDS=1 nohup "$GX10_PYTHON" "$GX10_STANDIN" org/m --served-model-name standin \\
        --host 127.0.0.1 --port "$GX10_PORT" --gpu-memory-utilization 0.01 >/dev/null 2>&1 &
    echo $! > "$GX10_STATE/pid"
    ;;
  show*)
    printf 'ActiveState=active\\nSubState=running\\nResult=success\\nNRestarts=0\\nExecMainStatus=0\\n'
    echo "InvocationID=inv$(cat "$GX10_STATE/inv")"
    ;;
esac
exit 0
"""


@pytest.fixture
def fake_unit(tmp_path):
    """An 'old' stand-in already serving on the port, invocation 1, and the fake systemctl."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "inv").write_text("1\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "systemctl").write_text(FAKE_SYSTEMCTL)
    (bindir / "systemctl").chmod(0o755)

    def attempt(port):
        log_path = tmp_path / ("old-standin-%d.log" % port)
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen([sys.executable, str(STANDIN), "org/m", "--served-model-name", "standin",
                                     "--host", "127.0.0.1", "--port", str(port), "--gpu-memory-utilization", "0.01"],
                                    env=dict(os.environ, VLLM_STANDIN_STARTUP_SECONDS="0"),
                                    stdout=subprocess.DEVNULL, stderr=log)
        wait_bound("the old vLLM stand-in", proc, log_path, STANDIN_BOUND)
        return proc, port

    old, port = serve_on_free_port("the old vLLM stand-in", attempt)
    (state / "pid").write_text("%d\n" % old.pid)
    env = dict(PATH="%s:%s" % (bindir, os.environ["PATH"]), GX10_STATE=str(state), GX10_PORT=str(port),
               GX10_PYTHON=sys.executable, GX10_STANDIN=str(STANDIN))
    yield {"port": port, "state": state, "env": env, "url": "http://127.0.0.1:%d" % port}
    for pid in (old.pid, int((state / "pid").read_text())):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    old.wait(timeout=10)


def task(url, **extra):
    args = {"url": url, "model": "standin", "unit": "vllm.service", "restart": True, "timeout": 60}
    args.update(extra)
    return [{"openclaw.gx10.vllm_wait": args}]


def calls(fake):
    path = fake["state"] / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_restart_then_wait_for_that_start(fake_unit):
    result = run_tasks(task(fake_unit["url"]), env=fake_unit["env"])[0]
    assert not result.get("failed"), result
    assert result["changed"] and result["restarted"] and result["serving"], result
    made = calls(fake_unit)
    assert made.index("reset-failed vllm.service") < made.index("restart --no-block vllm.service")
    # the old server answered right away; the module waited for the new invocation instead
    assert (fake_unit["state"] / "inv").read_text().strip() == "2"
    assert result["unit"]["InvocationID"] == "inv2"
    assert result["waited"] >= 1.0, result  # the new stand-in loads for a second


def test_check_mode_restarts_nothing(fake_unit):
    result = run_tasks(task(fake_unit["url"]), env=fake_unit["env"], check=True)[0]
    assert result["changed"] and not result["restarted"], result
    assert "would be restarted" in result["reason"]
    assert not any("restart" in c for c in calls(fake_unit))


def test_a_failed_restart_names_the_command(fake_unit):
    env = dict(fake_unit["env"], GX10_RESTART_RC="1")
    result = run_tasks(task(fake_unit["url"]), env=env)[0]
    assert result["failed"] and not result["restarted"], result
    assert result["msg"].startswith("systemctl restart --no-block vllm.service failed (rc=1): Job for"), result


def test_restart_needs_a_unit(fake_unit):
    result = run_tasks([{"openclaw.gx10.vllm_wait": {"url": fake_unit["url"], "model": "standin",
                                                     "restart": True}}])[0]
    assert result["failed"] and "restart is True but all of the following are missing: unit" in result["msg"], result
