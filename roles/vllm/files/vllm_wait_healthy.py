"""Wait until vLLM answers 200 on /health, or say why not.

    vllm_wait_healthy.py URL CONTAINER TIMEOUT

Refused connections are expected while vLLM loads. Gives up early when the container exits or
docker restarts it (a failed start-up), and at TIMEOUT seconds. Prints one JSON object:
{"healthy": bool, "waited": seconds, "reason": str, "status", "exit_code", "restarts"}.
Exit status 0 only when healthy. Python 3 standard library only (runs on the managed host).
"""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request


class DockerUnavailable(Exception):
    """docker itself did not answer (dockerd restarting, say): not a verdict on the container."""


def container_state(name):
    """(restarts, status, exit_code); None when the container does not exist."""
    fmt = "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}"
    proc = subprocess.run(["docker", "inspect", "-f", fmt, name], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        error = (proc.stderr or proc.stdout).strip()
        if "No such" in error:
            return None
        raise DockerUnavailable(error or "docker inspect exited %d" % proc.returncode)
    restarts, status, code = proc.stdout.split()
    return int(restarts), status, int(code)


def state_or_unknown(name):
    try:
        return container_state(name), None
    except DockerUnavailable as exc:
        return "unknown", str(exc)


def probe(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def main():
    url, name, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    start = time.monotonic()
    first, docker_error = state_or_unknown(name)
    if first == "unknown":
        first = None
    result = {"healthy": False, "reason": "", "status": None, "exit_code": None, "restarts": None}
    interval = 0.5
    while True:
        code = probe(url)
        state, docker_error = state_or_unknown(name)
        if state and state != "unknown":
            result["restarts"], result["status"], result["exit_code"] = state
        if code == 200:
            result.update(healthy=True, reason="/health answered 200")
            break
        if state is None:
            result["reason"] = "container %s is gone" % name
            break
        # "unknown": docker itself did not answer; keep polling, it may come back before the deadline.
        if state != "unknown":
            if first and state[0] > first[0]:
                result["reason"] = ("container %s failed its start-up: exit code %d, restarted by docker"
                                    % (name, state[2]))
                break
            if state[1] in ("exited", "dead"):
                result["reason"] = "container %s exited with code %d" % (name, state[2])
                break
        if time.monotonic() - start > timeout:
            result["reason"] = ("no 200 from %s within %d s (last answer: %s)%s"
                                % (url, timeout, code if code is not None else "connection refused",
                                   "; docker did not answer either: %s" % docker_error if docker_error else ""))
            break
        time.sleep(interval)
        interval = min(interval * 1.5, 5.0)
    result["waited"] = round(time.monotonic() - start, 1)
    print(json.dumps(result))
    return 0 if result["healthy"] else 1


if __name__ == "__main__":
    sys.exit(main())
