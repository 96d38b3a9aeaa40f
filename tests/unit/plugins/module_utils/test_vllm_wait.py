"""_vllm.wait_serving (the vllm_wait module and the host gate's post step) against the real
stand-in process, with docker and systemctl answered by a scripted `run`."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _vllm
from ansible_collections.openclaw.gx10.plugins.module_utils._poll import poll
from gx10_functional import STANDIN_BOUND, free_port, serve_on_free_port, wait_bound

REPO = Path(__file__).resolve().parents[4]
STANDIN = REPO / "tests" / "vllm_standin" / "vllm_standin.py"


class Host(object):
    """Answers `docker inspect` and `systemctl show` from settable states; records calls."""

    def __init__(self, container="running", exit_code=0, unit=None, docker_error=None):
        self.container = container
        self.exit_code = exit_code
        self.unit = unit or {}
        self.docker_error = docker_error
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[0] == "docker":
            if self.docker_error:
                return 1, "", self.docker_error
            if self.container == "absent":
                return 1, "", "Error: No such container: vllm"
            return 0, json.dumps([{"Name": "/vllm", "Id": "c1", "Image": "sha256:abc",
                                   "State": {"Status": self.container, "Running": self.container == "running",
                                             "ExitCode": self.exit_code},
                                   "Config": {"Image": "standin:test"}}]), ""
        if argv[0] == "systemctl":
            return 0, "".join("%s=%s\n" % kv for kv in self.unit.items()), ""
        if argv[0] == "journalctl":
            return 0, "vllm-gate: REFUSED: short of memory\n", ""
        raise AssertionError(argv)


@pytest.fixture
def standin(tmp_path):
    """start(*args, **env) -> the URL of a stand-in that holds its port and loads for a second."""
    procs = []

    def start(*args, **env):
        def attempt(port):
            log_path = tmp_path / ("standin-%d.log" % port)
            with open(log_path, "w", encoding="utf-8") as log:
                proc = subprocess.Popen(
                    [sys.executable, str(STANDIN), "org/model", "--served-model-name", "standin", "--port", str(port),
                     "--host", "127.0.0.1", "--gpu-memory-utilization", "0.01"] + list(args),
                    env=dict(os.environ, VLLM_STANDIN_STARTUP_SECONDS="1", **env),
                    stdout=subprocess.DEVNULL, stderr=log)
            procs.append(proc)
            wait_bound("the vLLM stand-in", proc, log_path, STANDIN_BOUND)
            return "http://127.0.0.1:%d" % port
        return serve_on_free_port("the vLLM stand-in", attempt)
    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def test_serving_after_refusals_means_health_and_a_completion(standin):
    url = standin()
    host = Host()
    result = _vllm.wait_serving(url, 60, model="standin", container="vllm", run=host)
    assert result["serving"] and result["healthy"], result
    assert result["reason"] == "/health answered 200 and a completion of 'standin' succeeded"
    assert result["completion"] == "200"
    assert ["docker", "inspect", "--type", "container", "vllm"] in host.calls  # it looked while refused


def test_wedged_engine_is_not_serving(standin):
    url = standin(VLLM_STANDIN_ENGINE="error")
    result = _vllm.wait_serving(url, 4, model="standin", request_timeout=2)
    assert not result["serving"] and result["healthy"], result
    assert "did not serve within 4 s" in result["reason"]
    assert "/health answers 200 but a completion of 'standin' does not succeed" in result["reason"]


def test_wrong_model_name_fails_at_once(standin):
    url = standin()
    start = time.monotonic()
    result = _vllm.wait_serving(url, 120, model="other")
    assert not result["serving"]
    assert "completion of 'other' was refused" in result["reason"] and "404" in result["reason"]
    assert time.monotonic() - start < 60  # not the whole timeout


def test_api_key_is_sent_and_a_wrong_one_refused(standin):
    url = standin("--api-key", "k1")
    assert _vllm.wait_serving(url, 60, model="standin", api_key="k1")["serving"]
    result = _vllm.wait_serving(url, 60, model="standin", api_key="nope")
    assert not result["serving"] and "401" in result["reason"]


def test_a_dead_engine_fails_at_once(standin):
    url = standin(VLLM_STANDIN_ENGINE="dead", VLLM_KEEP_ALIVE_ON_ENGINE_DEATH="1")
    start = time.monotonic()
    result = _vllm.wait_serving(url, 120, model="standin")
    assert not result["serving"] and result["health"] == "503", result
    assert result["reason"] == "/health answers 503: the vLLM engine is dead"
    assert time.monotonic() - start < 60  # not the whole timeout


def test_health_only(standin):
    url = standin(VLLM_STANDIN_ENGINE="error")
    result = _vllm.wait_serving(url, 30, completion_check=False)
    assert result["serving"] and result["completion"] is None


def test_timeout_names_what_it_waited_for():
    url = "http://127.0.0.1:%d" % free_port()
    result = _vllm.wait_serving(url, 2, model="m")
    assert not result["serving"]
    assert "did not serve within 2 s" in result["reason"] and "connection refused" in result["reason"]


def test_exited_container_ends_the_wait():
    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                run=Host(container="exited", exit_code=2), settle=0)
    assert result["reason"] == "container vllm exited with code 2"
    assert result["container"]["exit_code"] == 2


def test_an_old_exited_container_is_no_verdict_before_the_settling_time():
    clock = [0.0]
    host = Host(container="exited", exit_code=0)

    def sleep(seconds):
        clock[0] += seconds
        if clock[0] > 3:
            host.container = "running"  # docker start got through

    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 8, model="m", container="vllm",
                                run=host, sleep=sleep, clock=lambda: clock[0], settle=5)
    assert "did not serve within 8 s" in result["reason"], result  # not "exited"


def test_removed_container_is_gone():
    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                run=Host(container="absent"), settle=0)
    assert result["reason"] == "container vllm is gone"


def test_docker_down_is_not_a_gone_container():
    host = Host(docker_error="Cannot connect to the Docker daemon at unix:///var/run/docker.sock")
    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 2, model="m", container="vllm", run=host)
    assert "gone" not in result["reason"]
    assert "within 2 s" in result["reason"] and "Cannot connect to the Docker daemon" in result["reason"]


def test_unit_scheduled_for_restart_is_a_failed_start():
    host = Host(container="created", unit={"ActiveState": "activating", "SubState": "start-pre", "InvocationID": "a"})
    steps = iter([None, None, "auto"])

    def sleep(_seconds):
        if next(steps, "auto") == "auto":
            host.unit = {"ActiveState": "activating", "SubState": "auto-restart", "Result": "exit-code",
                         "InvocationID": "a", "ExecMainStatus": "1"}

    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                unit="vllm.service", run=host, sleep=sleep)
    assert not result["serving"]
    assert result["reason"].startswith("unit vllm.service failed to start (ActiveState=activating, "
                                       "SubState=auto-restart, Result=exit-code")


def test_a_new_invocation_of_the_unit_is_a_failed_start():
    # systemd restarted the unit between two looks (the auto-restart state was not seen).
    host = Host(container="created",
                unit={"ActiveState": "activating", "SubState": "start-pre", "InvocationID": "aaa"})
    looks = []

    def sleep(_seconds):
        looks.append(1)
        if len(looks) == 2:
            host.unit = {"ActiveState": "activating", "SubState": "start-pre", "InvocationID": "bbb",
                         "Result": "exit-code", "ExecMainStatus": "2"}

    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                unit="vllm.service", run=host, sleep=sleep)
    assert len(looks) == 2
    assert result["reason"].startswith("unit vllm.service failed to start (ActiveState=activating, SubState=start-pre")


def test_the_old_invocation_before_a_no_block_start_is_no_verdict():
    # First look: the old, failed invocation; then the start asked for; then it serves... or not:
    # here the container of the new start exits, which is the verdict (not the change of ID).
    host = Host(container="exited", unit={"ActiveState": "failed", "SubState": "failed", "InvocationID": "old"})
    steps = iter([{"ActiveState": "activating", "SubState": "start-pre", "InvocationID": "new"},
                  {"ActiveState": "activating", "SubState": "start-post", "InvocationID": "new"}])
    seen = []

    def sleep(_seconds):
        nxt = next(steps, None)
        if nxt is None:
            host.container, host.exit_code = "exited", 3
        else:
            host.unit = nxt
            host.container = "running" if nxt["SubState"] == "start-post" else "created"
        seen.append(dict(host.unit))

    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                unit="vllm.service", run=host, sleep=sleep)
    assert result["reason"] == "container vllm exited with code 3", result


def test_stopped_container_and_inactive_unit_right_after_a_no_block_start_are_no_verdict():
    # The wait begins before the unit left its old state: the old container is exited and the
    # unit inactive. Neither is a verdict until the container was seen running.
    host = Host(container="exited", exit_code=0, unit={"ActiveState": "inactive", "SubState": "dead"})
    states = iter([("activating", "start-pre", "created"), ("active", "running", "running"),
                   ("active", "running", "exited")])
    checks = []

    def sleep(_seconds):
        checks.append(host.container)
        active, sub, container = next(states, ("active", "running", "exited"))
        host.unit = {"ActiveState": active, "SubState": sub, "NRestarts": "0"}
        host.container = container
        host.exit_code = 1 if container == "exited" else 0

    result = _vllm.wait_serving("http://127.0.0.1:%d" % free_port(), 120, model="m", container="vllm",
                                unit="vllm.service", run=host, sleep=sleep)
    assert checks == ["exited", "created", "running"], checks
    assert result["reason"] == "container vllm exited with code 1"


def test_the_old_invocation_still_serving_does_not_count(standin):
    url = standin()
    assert _vllm.wait_serving(url, 60, model="standin")["serving"]  # the old server answers
    host = Host(unit={"ActiveState": "active", "SubState": "running", "InvocationID": "old"})
    result = _vllm.wait_serving(url, 3, model="standin", unit="vllm.service", run=host, previous_invocation="old")
    assert not result["serving"], result
    assert "unit vllm.service has not restarted yet (InvocationID old)" in result["reason"]
    host.unit = {"ActiveState": "active", "SubState": "running", "InvocationID": "new"}
    assert _vllm.wait_serving(url, 30, model="standin", unit="vllm.service", run=host,
                              previous_invocation="old")["serving"]


def test_serving_counts_once_the_unit_left_exec_start_post(standin):
    # vLLM answers while the unit still runs ExecStartPost (the gate's check, then releasing a
    # held Ollama): the start is not over, and a restart reported done would be early.
    url = standin()
    host = Host(unit={"ActiveState": "activating", "SubState": "start-post", "InvocationID": "a"})
    result = _vllm.wait_serving(url, 3, model="standin", unit="vllm.service", run=host)
    assert not result["serving"], result
    assert "vLLM serves; unit vllm.service is still in ExecStartPost" in result["reason"]
    looks = []

    def sleep(_seconds):
        looks.append(1)
        if len(looks) == 2:
            host.unit = {"ActiveState": "active", "SubState": "running", "InvocationID": "a"}

    result = _vllm.wait_serving(url, 60, model="standin", unit="vllm.service", run=host, sleep=sleep)
    assert result["serving"] and len(looks) == 2, result


def test_recent_logs_reads_journal_and_container():
    host = Host()
    logs = _vllm.recent_logs(host, unit="vllm.service", container="vllm", lines=5)
    assert logs["journal"] == ["vllm-gate: REFUSED: short of memory"]
    assert ["journalctl", "--unit", "vllm.service", "--lines", "5", "--no-pager", "--output", "cat"] in host.calls


def test_poll_returns_the_last_observation_at_the_deadline():
    clock = [0.0]
    calls = []

    def check():
        calls.append(clock[0])
        return False, len(calls)

    def sleep(seconds):
        clock[0] += seconds

    done, value, elapsed = poll(check, 1.0, start=0.1, maximum=0.4, sleep=sleep, clock=lambda: clock[0])
    assert not done and value == len(calls) and elapsed >= 1.0
    assert calls[0] == 0.0 and calls[-1] >= 1.0  # asked at the start and once more at the deadline
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert max(gaps) <= 0.4 + 1e-9 and gaps[0] == pytest.approx(0.1)


def test_kv_cache_usage_after_serving(standin):
    url = standin()
    assert _vllm.wait_serving(url, 60, model="standin")["serving"]
    with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
        assert _vllm.kv_cache_usage(resp.read().decode()) is not None
