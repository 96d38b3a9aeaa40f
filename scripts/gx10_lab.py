#!/usr/bin/env python
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What scripts/lab.sh needs Python for; the shell keeps docker, the steps and their order.

  python -u scripts/gx10_lab.py play-filter        stdin: ansible-playbook's output (yaml result
                                                   format); stdout: the plays, the tasks that
                                                   changed or failed something, the playbook's own
                                                   messages, warnings, errors and the recap, and
                                                   every 15 s of silence which task still runs
  python scripts/gx10_lab.py ollama-ps             stdin: Ollama's /api/ps; stdout: one line of
                                                   what it holds ("nothing" when empty)
  python scripts/gx10_lab.py calibration FILE KEY  the value KEY of bench/oom_starts.py
                                                   --calibrate-only's JSON (objects as JSON)
  python scripts/gx10_lab.py restart-result JSON   bench/plain_restart.sh's last line, told
  python scripts/gx10_lab.py memory-report LOG     from playbooks/memory_report.yml's output (json
                                                   callback): the fleet memory table and the
                                                   hosts that failed

Standard library only (lab.sh runs it with the python3 that scripts/env.sh puts first on PATH).
Bad input (not JSON, a key missing) fails with a traceback and exit status 1.
"""
import json
import os
import re
import select
import sys
import time

USAGE = __doc__.split('\n\n', 1)[1].split('\n\n', 1)[0]

# A task that runs long (a model written, an image built) prints nothing until it ends: say every
# STILL_RUNNING_EVERY s which task is still running, so the lab never looks hung.
STILL_RUNNING_EVERY = 15
HEADERS = ("PLAY [", "TASK [", "RUNNING HANDLER [", "PLAY RECAP")
REPORT_TABLE_TASK = "Print the fleet memory table"


# ---------------------------------------------------------------- play-filter
class PlayFilter:
    """ansible-playbook's output, line by line, into what the lab shows on the terminal (each
    shown line indented by two spaces): PLAY and PLAY RECAP headers; a TASK or RUNNING HANDLER
    header only before a result that is shown; results that changed or failed something, "ok"
    results that carry output (not loop items); warnings and errors; the lines that follow a
    shown result up to the next result or header. `now` is the clock (time.time)."""

    def __init__(self, now=time.time):
        self.now = now
        self.keep = False
        self.pending = None
        self.task = ""
        self.since = self.quiet = now()

    def handle(self, line):
        """The lines to show for one line of output (without its newline)."""
        shown = []
        if line.startswith(HEADERS):
            self.pending = re.sub(r" \*+$", "", line)
            self.task, self.since = self.pending, self.now()
            self.keep = line.startswith(("PLAY [", "PLAY RECAP"))
            if self.keep:
                shown.append("  " + self.pending)
                self.pending = None
            return shown
        m = re.match(r"^(changed|fatal|failed|ok|skipping|included): ", line)
        if m:
            self.keep = m.group(1) in ("changed", "fatal", "failed") or (
                m.group(1) == "ok" and "=>" in line and "(item=" not in line)
            if self.keep and self.pending:
                shown.append("  " + self.pending)
                self.pending = None
        elif line.startswith(("[WARNING]", "[ERROR]", "ERROR!", "NO MORE HOSTS")):
            self.keep = True
        if self.keep and line.strip():
            shown.append("  " + line)
            self.quiet = self.now()
        return shown

    def quiet_for(self):
        """Seconds since a result line was last shown (or since the start)."""
        return self.now() - self.quiet

    def still_running(self):
        """The line saying which task still runs, and the quiet time starts again."""
        line = "  [%s] still running (%d s): %s" % (time.strftime("%H:%M:%S"), self.now() - self.since, self.task)
        self.quiet = self.now()
        return line


def filter_play(fd, emit, flt=None, every=STILL_RUNNING_EVERY):
    """Read ansible-playbook's output from the file descriptor FD until its end and EMIT (a
    function of one line) what PlayFilter shows, plus a still-running line after EVERY seconds
    without a shown result line."""
    flt = flt or PlayFilter()
    buf = b""
    while True:
        ready, _w, _x = select.select([fd], [], [], max(0.1, every - flt.quiet_for()))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                for line in flt.handle(raw.decode("utf-8", "replace").rstrip("\r")):
                    emit(line)
        if flt.quiet_for() >= every:
            emit(flt.still_running())
    if buf:
        for line in flt.handle(buf.decode("utf-8", "replace")):
            emit(line)


# ---------------------------------------------------------------- ollama-ps
def ollama_ps_line(ps):
    """One line of what an Ollama holds, from its /api/ps answer (parsed): "NAME 1.23 GiB until
    2026-01-02T03:04:05, ..." or "nothing"."""
    models = ps.get("models") or []
    return ", ".join("%s %.2f GiB until %s" % (m["name"], m["size"] / 2**30, m.get("expires_at", "?")[:19])
                     for m in models) or "nothing"


# ---------------------------------------------------------------- calibration
def calibration_value(calibration, key):
    """KEY of bench/oom_starts.py --calibrate-only's result (parsed) as the shell gets it: an
    object or a list as JSON (extra_vars, for ansible-playbook -e), anything else as Python
    prints it (utilization)."""
    value = calibration[key]
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


# ---------------------------------------------------------------- restart-result
def restart_result_lines(result):
    """What bench/plain_restart.sh found (its last line, parsed), told in the lab's words."""
    if result["ok"]:
        return ["  vLLM started anyway after %s s (memory moved on this busy machine); the gate still runs below"
                % result["seconds"]]
    return ["  FAILED after %s s, container %s:" % (result["seconds"], result["state"]),
            "  " + result["why"]]


# ---------------------------------------------------------------- memory-report
def memory_report_lines(text):
    """From playbooks/memory_report.yml's output with the json callback (TEXT; anything before
    the JSON, such as warnings, is skipped): a line per failed or unreachable host with its
    message, and the fleet memory table's lines, in the order of the tasks."""
    data = json.loads(text[text.index("{"):])
    lines = []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            for host, res in task.get("hosts", {}).items():
                if res.get("failed") or res.get("unreachable"):
                    lines.append("  %s: %s" % (host, res.get("msg")))
                elif task["task"]["name"] == REPORT_TABLE_TASK:
                    # An empty table still shows as one empty line.
                    lines.extend(["  " + line for line in res.get("msg", [])] or [""])
    return lines


# ---------------------------------------------------------------- command line
def _print_flushed(line):
    print(line, flush=True)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    cmd, rest = (args[0], args[1:]) if args else ("", [])
    if cmd == "play-filter" and not rest:
        filter_play(sys.stdin.fileno(), _print_flushed)
    elif cmd == "ollama-ps" and not rest:
        print(ollama_ps_line(json.load(sys.stdin)))
    elif cmd == "calibration" and len(rest) == 2:
        with open(rest[0], encoding="utf-8") as f:
            print(calibration_value(json.load(f), rest[1]))
    elif cmd == "restart-result" and len(rest) == 1:
        print("\n".join(restart_result_lines(json.loads(rest[0]))))
    elif cmd == "memory-report" and len(rest) == 1:
        with open(rest[0], encoding="utf-8", errors="replace") as f:
            lines = memory_report_lines(f.read())
        if lines:
            print("\n".join(lines))
    elif cmd in ("-h", "--help", "help"):
        print(USAGE)
    else:
        print("usage:\n" + USAGE, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
