"""The newest control node on a target the other one converged: ansible-core 2.21 (Python 3.13,
.cache/venv-2.21) drives the host that ansible-core 2.19 set up in this scenario's converge and
tests. It must find nothing to change in what 2.19 rendered (normal and check mode), run a gated
restart, and roll a failed change back to the configuration that served.

The file name sorts last on purpose: Molecule's verifier runs the scenario's test files in name
order, and this pass needs the target as test_vllm.py and test_vllm_gate.py leave it. It replaces
replaying the whole scenario under 2.21 (create, provision, converge, every test: about 600 s)
with what only the controller can change.
"""

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest
from gx10_testinfra import BAD_VALUE, BAD_VALUE_ERROR, health, inspect, ollama_up, play, play_cmd, serves, wait_for


SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[2]
CONVERGE = SCENARIO / "converge.yml"
RESTART = REPO / "playbooks" / "vllm_restart.yml"
TARGET = os.environ.get("GX10_VLLM_INSTANCE", "gx10-vllm")
# scripts/test.sh exports GX10_VENV221; a manual `molecule test -s vllm` looks in the default place.
VENV = Path(os.environ.get("GX10_VENV221") or REPO / ".cache" / "venv-2.21")


@pytest.fixture(scope="module")
def core221():
    if not (VENV / "bin" / "ansible-playbook").exists():
        if os.environ.get("GX10_VENV221") or os.environ.get("CI") == "true":
            pytest.fail("no ansible-core 2.21 controller in %s (scripts/bootstrap.sh venv221)" % VENV)
        pytest.skip("no ansible-core 2.21 controller in %s (scripts/bootstrap.sh venv221)" % VENV)
    sites = sorted(glob.glob(str(VENV / "lib" / "python3.*" / "site-packages")))
    assert sites, "no site-packages in %s" % VENV
    version = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "--version"], capture_output=True,
                             text=True, check=True).stdout
    assert re.search(r"core 2\.21\.", version), version

    def run(playbook, extra=None, args=(), tmp_path=None):
        cmd, env = play_cmd(playbook, extra, args, tmp_path=tmp_path)
        cmd[0] = str(VENV / "bin" / "ansible-playbook")
        env["VIRTUAL_ENV"] = str(VENV)
        env["PATH"] = "%s:%s" % (VENV / "bin", env.get("PATH", ""))
        # this checkout first, then community.docker & co. from the 2.21 venv's "ansible" bundle
        env["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (REPO / ".cache" / "collections", sites[0])
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
        return proc.returncode, proc.stdout + proc.stderr

    # What the earlier test files left: back to the scenario's own settings, with 2.19.
    rc, out = play(CONVERGE)
    assert rc == 0, out
    return run


def changed_zero(out):
    return re.search(re.escape(TARGET) + r"\s+: ok=\d+\s+changed=0 .*failed=0", out)


def test_221_finds_nothing_to_change_in_what_219_rendered(host, core221, tmp_path):
    started = inspect(host)["State"]["StartedAt"]
    rc, out = core221(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
    assert changed_zero(out), out
    assert "restart_changed.yml" not in out
    rc, out = core221(CONVERGE, args=["--check", "--diff"], tmp_path=tmp_path)
    assert rc == 0, out
    assert changed_zero(out), out
    assert inspect(host)["State"]["StartedAt"] == started  # nothing restarted vLLM


def test_221_gated_restart(host, core221, tmp_path):
    before = inspect(host)
    rc, out = core221(RESTART, tmp_path=tmp_path)
    assert rc == 0, out
    assert "vLLM vllm serves on" in re.sub(r"\s+", " ", out), out
    after = inspect(host)
    assert after["State"]["StartedAt"] != before["State"]["StartedAt"]  # it did restart
    assert health(host) == "200" and serves(host)
    ollama_up(host)  # released by the unit's ExecStartPost a moment after vLLM serves
    assert host.service("ollama").is_running


def test_221_failed_change_rolls_back(host, core221, tmp_path):
    before = inspect(host)
    rc, out = core221(CONVERGE, {"vllm_extra_args": BAD_VALUE, "vllm_health_timeout": 8},
                      tmp_path=tmp_path)
    assert rc != 0, out
    text = re.sub(r"\s+", " ", out)
    assert "The new vLLM configuration failed" in text, out
    assert BAD_VALUE_ERROR in text, out
    assert "Rolled back to openclaw/vllm-standin:test@%s" % before["Image"] in text, out
    after = inspect(host)
    assert after["Id"] == before["Id"] and after["State"]["Running"]
    assert " ".join(BAD_VALUE) not in " ".join(after["Args"])
    wait_for("the rolled-back vLLM to serve", lambda: health(host) == "200" and serves(host), timeout=60)
    ollama_up(host)
    assert host.service("ollama").is_running
    # and 2.21 converges it back to the scenario's settings, then finds nothing more to do
    rc, out = core221(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
    rc, out = core221(CONVERGE, tmp_path=tmp_path)
    assert rc == 0, out
    assert changed_zero(out), out
