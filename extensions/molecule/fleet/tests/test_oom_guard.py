"""The OOM policy that playbooks/site.yml installs first on every host (role openclaw.gx10.oom_guard):
earlyoom enabled and running with the rules of its configuration, and earlyoom itself (a dry run
that stops nothing) choosing vLLM's and Ollama's process names and sparing sshd, dockerd and
containerd. The role alone again: a second run and --check change nothing, bad input is refused
naming the variable with the host's policy untouched, and oom_guard_enabled: false opts out.

The thresholds here are the scenario's (molecule.yml: 64MiB / 32MiB, why is said there); the dry
runs set their own, high enough to act now, on the command line only."""

import re
import shlex

import pytest
import testinfra
from gx10_testinfra import flat, inventory, play, wait_for

HOSTS = ["gx10-fleet-1", "gx10-fleet-2", "gx10-fleet-3"]
# What the role's defaults name (earlyoom matches /proc/PID/comm, cut at 15 characters).
PREFERRED = ["vllm", "VLLM::EngineCore", "VLLM::Worker", "ollama", "llama-server", "ollama_llama_server"]
PROTECTED = ["sshd", "systemd", "systemd-journald", "dockerd", "containerd", "containerd-shim-runc-v2"]
# Fake processes for the dry run: copies of sleep, so that every one has the same memory and
# oom_score_adj and only its name can set them apart.
FAKES = ["vllm", "VLLM::EngineCore", "ollama", "sshd", "dockerd", "containerd", "gx10-neutral"]
# Not under /tmp: a tmpfs without exec in the targets.
FAKE_DIR = "/opt/gx10-oom-fakes"
FAKE_ADJ = 800


def fleet_host(name):
    # Ansible connects as the sudo user (molecule.yml): the test's own commands go through sudo.
    return testinfra.get_host("ansible://%s?ansible_inventory=%s&sudo=true" % (name, inventory()))


def comm(name):
    return name[:15]


def earlyoom_args(host):
    """EARLYOOM_ARGS of /etc/default/earlyoom, split as systemd splits it."""
    text = host.file("/etc/default/earlyoom").content_string
    found = re.findall(r'(?m)^EARLYOOM_ARGS="([^"]*)"$', text)
    assert len(found) == 1, text
    return found[0].split()


def main_pid(host):
    return int(host.check_output("systemctl show -p MainPID --value earlyoom"))


def option(args, name):
    assert args.count(name) == 1, (name, args)
    return args[args.index(name) + 1]


def role_playbook(tmp_path, hosts="gx10"):
    path = tmp_path / "oom_guard.yml"
    path.write_text(
        "- name: The OOM policy alone\n"
        "  hosts: %s\n"
        "  gather_facts: false\n"
        "  become: true\n"
        "  roles:\n"
        "    - role: openclaw.gx10.oom_guard\n" % hosts)
    return path


def recap_changed(output):
    found = dict(re.findall(r"(?m)^(gx10-fleet-\d)\s*:\s*ok=\d+\s+changed=(\d+)", output))
    return {name: int(count) for name, count in found.items()}


# ---------------------------------------------------------------- after the rollout


def test_earlyoom_enabled_and_running_with_its_configuration(host):
    service = host.service("earlyoom")
    assert service.is_enabled
    assert service.is_running
    args = earlyoom_args(host)
    running = host.file("/proc/%d/cmdline" % main_pid(host)).content.split(b"\0")
    assert [a.decode() for a in running if a][1:] == args
    # The scenario's thresholds in KiB; both signals whatever swap is free.
    assert option(args, "-M") == "%d,%d" % (64 * 1024, 32 * 1024)
    assert option(args, "-s") == "100,100"
    # The option the installed earlyoom has: --ignore from 1.8, --avoid before (Debian 12: 1.7).
    usage = host.run("earlyoom -h")
    has_ignore = re.search(r"(?m)^\s*--ignore ", usage.stdout + usage.stderr) is not None
    assert ("--ignore" if has_ignore else "--avoid") in args
    assert ("--avoid" if has_ignore else "--ignore") not in args
    # earlyoom says what it read.
    log = host.check_output("journalctl -u earlyoom -b --no-pager -o cat")
    assert "Preferring to kill process names that match regex '%s'" % option(args, "--prefer") in log
    if not has_ignore:
        assert "Will avoid killing process names that match regex '%s'" % option(args, "--avoid") in log


def test_rules_name_the_model_servers_and_the_host_services(host):
    args = earlyoom_args(host)
    prefer = re.compile(option(args, "--prefer"))
    avoid = re.compile(option(args, "--avoid") if "--avoid" in args else option(args, "--ignore"))
    for name in PREFERRED:
        assert prefer.search(comm(name)) and not avoid.search(comm(name)), name
    for name in PROTECTED:
        assert avoid.search(comm(name)) and not prefer.search(comm(name)), name


@pytest.fixture
def fakes(host):
    """The fake processes as transient units (they outlive the command that starts them), each
    with oom_score_adj FAKE_ADJ; {name: pid} once each has exec'd under its name."""
    host.check_output("mkdir -p %s" % FAKE_DIR)
    pids = {}
    try:
        for i, name in enumerate(FAKES):
            path = "%s/%s" % (FAKE_DIR, name)
            host.check_output("cp /bin/sleep %s" % shlex.quote(path))
            host.check_output("systemd-run --unit=gx10-oom-fake-%d --collect --property=OOMScoreAdjust=%d %s 900"
                              % (i, FAKE_ADJ, shlex.quote(path)))
            pid = int(host.check_output("systemctl show -p MainPID --value gx10-oom-fake-%d" % i))
            wait_for("pid %d to run as %s" % (pid, comm(name)),
                     lambda: host.file("/proc/%d/comm" % pid).content_string.strip() == comm(name), timeout=30)
            pids[name] = pid
        yield pids
    finally:
        host.run("systemctl stop %s" % " ".join("gx10-oom-fake-%d" % i for i in range(len(FAKES))))
        host.run("rm -rf %s" % FAKE_DIR)


def test_earlyoom_picks_a_model_server_and_spares_sshd_and_dockerd(host, fakes):
    """The rules of the configuration, with thresholds that act now: earlyoom's own debug listing
    (every process and its badness, oom_score plus or minus 300) and the victim it would stop."""
    args = earlyoom_args(host)
    rules = ["--prefer", option(args, "--prefer")]
    avoid_flag = "--ignore" if "--ignore" in args else "--avoid"
    rules += [avoid_flag, option(args, avoid_flag)]
    # sed ends the output at the first victim; earlyoom ends at its next line (SIGPIPE).
    out = host.check_output(
        "timeout 60 earlyoom -d --dryrun -r 0 -m 99,99 -s 100,100 %s 2>&1 | sed '/^sending SIG[A-Z]* to process/q'"
        % " ".join(shlex.quote(a) for a in rules))
    badness = {int(pid): int(score) for pid, score in re.findall(r"(?m)^pid\s+(\d+): badness\s+(-?\d+) ", out)}
    victim = re.search(r'(?m)^sending SIG[A-Z]+ to process (\d+) uid \d+ "([^"]*)"', out)
    assert victim, out[-3000:]
    assert int(victim.group(1)) in [fakes[n] for n in ("vllm", "VLLM::EngineCore", "ollama")], out[-3000:]
    score = {name: int(host.file("/proc/%d/oom_score" % pid).content_string) for name, pid in fakes.items()}
    for name in ("vllm", "VLLM::EngineCore", "ollama"):
        assert badness[fakes[name]] == score[name] + 300, (name, out[-3000:])
    assert badness[fakes["gx10-neutral"]] == score["gx10-neutral"]
    for name in ("sshd", "dockerd", "containerd"):
        if avoid_flag == "--ignore":
            assert fakes[name] not in badness, (name, out[-3000:])
        else:
            assert badness[fakes[name]] == score[name] - 300, (name, out[-3000:])
    # The real dockerd (docker's own OOMScoreAdjust=-500, then --avoid) is far behind any model server.
    for pid in host.check_output("pgrep -x dockerd").split():
        assert badness.get(int(pid), -1000) < badness[fakes["vllm"]] - 300


# ---------------------------------------------------------------- the role alone


def test_second_run_and_check_mode_change_nothing(tmp_path):
    pids = {name: main_pid(fleet_host(name)) for name in HOSTS}
    for args in (["--check", "--diff"], []):
        rc, out = play(role_playbook(tmp_path), args=args)
        assert rc == 0, out[-3000:]
        assert recap_changed(out) == {name: 0 for name in HOSTS}, (args, out[-3000:])
    # Not restarted either.
    assert {name: main_pid(fleet_host(name)) for name in HOSTS} == pids


BAD = [
    # The role's own checks, before anything on the host.
    ({"oom_guard_mem_kill": "3GiB"}, ["oom_guard_mem_term", "oom_guard_mem_kill", "at most"]),
    ({"oom_guard_mem_term": "lots"}, ["oom_guard_mem_term", "cannot parse 'lots'"]),
    ({"oom_guard_avoid": "^(sshd|docker d)$"}, ["oom_guard_avoid", "whitespace"]),
    ({"oom_guard_report_interval": -5}, ["oom_guard_report_interval"]),
    # What only the installed earlyoom can tell: an expression it cannot compile, a size past MemTotal.
    ({"oom_guard_prefer": "^(vllm"}, ["oom_guard_prefer", "could not compile regexp"]),
    ({"oom_guard_mem_term": "64TiB", "oom_guard_mem_kill": "32MiB"}, ["oom_guard_mem_term", "exceeds limit"]),
]


@pytest.mark.parametrize("bad,words", BAD, ids=[",".join(sorted(b)) + "=" + str(list(b.values())[0]) for b, _words in BAD])
def test_bad_input_is_refused_and_the_policy_stays(tmp_path, bad, words):
    target = fleet_host("gx10-fleet-1")
    config, pid = target.file("/etc/default/earlyoom").content_string, main_pid(target)
    rc, out = play(role_playbook(tmp_path, "gx10-fleet-1"), extra=bad)
    assert rc != 0, out[-3000:]
    for word in words:
        assert word in flat(out), (word, out[-3000:])
    assert target.file("/etc/default/earlyoom").content_string == config
    assert main_pid(target) == pid


def test_opt_out_leaves_earlyoom_as_it_is(tmp_path, host):
    config, pid = host.file("/etc/default/earlyoom").content_string, main_pid(host)
    rc, out = play(role_playbook(tmp_path, host.backend.host),
                   extra={"oom_guard_enabled": False, "oom_guard_mem_term": "128MiB"})
    assert rc == 0, out[-3000:]
    assert "oom_guard_enabled is false" in out
    assert recap_changed(out) == {host.backend.host: 0}, out[-3000:]
    assert host.file("/etc/default/earlyoom").content_string == config
    assert main_pid(host) == pid
