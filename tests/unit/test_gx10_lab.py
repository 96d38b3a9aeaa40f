# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/gx10_lab.py, what scripts/lab.sh needs Python for, on real inputs (tests/unit/data/gx10_lab):
play.log and play-fatal.log are ansible-playbook runs with the lab's settings (yaml results, skipped
hosts hidden), memory_report.log a run of playbooks/memory_report.yml with the json callback
(4 hosts: Ollama holding a model, Ollama refusing, ssh unreachable, a bad utilization),
ollama-ps.json the Ollama emulator's /api/ps, calibration.json bench/oom_starts.py's format. The
*.shown files are what lab.sh's embedded programs printed for them before they moved here."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, 'scripts', 'gx10_lab.py')
DATA = os.path.join(REPO, 'tests', 'unit', 'data', 'gx10_lab')


def _load():
    spec = importlib.util.spec_from_file_location('openclaw_gx10_lab', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gl = _load()


def _data(name):
    with open(os.path.join(DATA, name), encoding='utf-8') as f:
        return f.read()


def _cli(*args, stdin=''):
    return subprocess.run([sys.executable, '-u', SCRIPT] + list(args), input=stdin,
                          capture_output=True, text=True, check=False)


class Clock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


# ---------------------------------------------------------------- play-filter
def _shown(log, flt=None):
    flt = flt or gl.PlayFilter()
    return [shown for line in log.split('\n') for shown in flt.handle(line.rstrip('\r'))]


@pytest.mark.parametrize('name', ['play', 'play-fatal'])
def test_the_filter_shows_what_the_lab_showed(name):
    assert _shown(_data(name + '.log')) == _data(name + '.shown').splitlines()


def test_the_filter_keeps_changes_failures_output_warnings_and_the_recap():
    shown = _shown(_data('play.log'))
    assert shown[0] == '  PLAY [Lab-like play]'
    # a header only before a result that is shown: "ok" without output, loop items and a skipped
    # task leave theirs out
    assert [line for line in shown if line.startswith(('  TASK [', '  RUNNING HANDLER ['))] == [
        '  TASK [Write a file]', '  TASK [Say something]', '  TASK [Warn]', '  RUNNING HANDLER [Restart the thing]']
    assert not [line for line in shown if 'item' in line or 'Skipped' in line or 'Read something' in line]
    # the playbook's message with the lines under it; a failure with all its lines; the recap
    i = shown.index('  ok: [localhost] => ')
    assert shown[i + 1:i + 4] == ['      msg:', "      - 'vLLM fits: 1.43 GiB vs 22.95 GiB'", '      - second line']
    assert '  fatal: [localhost]: FAILED! => ' in shown and '      msg: non-zero return code' in shown
    assert shown[-2] == '  PLAY RECAP'
    assert shown[-1].startswith('  localhost                  : ok=7    changed=3')
    assert '' not in shown


def test_a_warning_and_an_error_show_before_the_task_they_belong_to():
    shown = _shown(_data('play-fatal.log'))
    assert shown[1].startswith("  [WARNING]: Host 'localhost' is using the discovered Python interpreter")
    assert shown[2] == '  [ERROR]: Task failed: Action failed: Module result deserialization failed: No start of json char found'
    assert shown.index('  TASK [Read something]') < shown.index('  fatal: [localhost]: FAILED! => ')


def test_still_running_names_the_task_and_its_seconds_and_restarts_the_quiet_time():
    clock = Clock()
    flt = gl.PlayFilter(now=clock)
    assert flt.handle('TASK [Build the vLLM stand-in image] *****************************') == []
    clock.t += 31
    assert flt.quiet_for() == 31
    line = flt.still_running()
    assert re.match(r'^  \[\d\d:\d\d:\d\d\] still running \(31 s\): TASK \[Build the vLLM stand-in image\]$', line), line
    assert flt.quiet_for() == 0
    # a shown result starts the quiet time again; a hidden one does not
    clock.t += 5
    flt.handle('ok: [gx10-lab-1]')
    assert flt.quiet_for() == 5
    flt.handle('changed: [gx10-lab-1]')
    assert flt.quiet_for() == 0


def _pipe_filter(every):
    read_fd, write_fd = os.pipe()
    shown, done = [], threading.Event()

    def run():
        try:
            gl.filter_play(read_fd, shown.append, every=every)
        finally:
            os.close(read_fd)
            done.set()
    threading.Thread(target=run, daemon=True).start()
    return write_fd, shown, done


def test_filter_play_reads_a_pipe_to_its_end_including_a_last_line_without_newline():
    write_fd, shown, done = _pipe_filter(every=600)
    log = _data('play.log').encode()
    # in pieces that split lines, and a CRLF, as a pipe delivers them
    for piece in (log[:37], log[37:500], log[500:].replace(b'PLAY RECAP', b'\r\nPLAY RECAP', 1)):
        os.write(write_fd, piece)
    os.write(write_fd, b'NO MORE HOSTS LEFT')
    os.close(write_fd)
    assert done.wait(30), 'filter_play did not return at the end of its input'
    assert shown == _data('play.shown').splitlines() + ['  NO MORE HOSTS LEFT']


def test_filter_play_says_which_task_still_runs_when_nothing_is_shown():
    write_fd, shown, done = _pipe_filter(every=0.2)
    os.write(write_fd, b'PLAY [Provision] ****\n\nTASK [Write the model big] ****\n')
    deadline = time.monotonic() + 30
    while not any('still running' in line for line in shown) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.write(write_fd, b'changed: [gx10-lab-1]\n')
    os.close(write_fd)
    assert done.wait(30)
    assert shown[0] == '  PLAY [Provision]'
    assert re.match(r'^  \[\d\d:\d\d:\d\d\] still running \(\d+ s\): TASK \[Write the model big\]$', shown[1]), shown
    assert shown[-2:] == ['  TASK [Write the model big]', '  changed: [gx10-lab-1]']


def test_the_play_filter_command_as_lab_sh_runs_it():
    proc = _cli('play-filter', stdin=_data('play-fatal.log'))
    assert (proc.returncode, proc.stderr) == (0, '')
    assert proc.stdout == _data('play-fatal.shown')


# ---------------------------------------------------------------- ollama-ps
def test_ollama_ps_line_from_the_emulator_answer():
    assert gl.ollama_ps_line(json.loads(_data('ollama-ps.json'))) == (
        'tiny-a:latest 0.29 GiB until 2318-01-01T00:00:00, big:latest 18.16 GiB until 2318-01-01T00:00:00')


def test_ollama_ps_line_cuts_a_real_expiry_to_the_second_and_says_when_there_is_none():
    ps = {'models': [
        {'name': 'mid:latest', 'model': 'mid:latest', 'size': 1288490189, 'size_vram': 0,
         'expires_at': '2026-12-03T09:20:21.837530412+01:00', 'context_length': 4096},
        {'name': 'big:latest', 'size': 2254857830}]}
    assert gl.ollama_ps_line(ps) == 'mid:latest 1.20 GiB until 2026-12-03T09:20:21, big:latest 2.10 GiB until ?'


@pytest.mark.parametrize('answer', [{'models': []}, {'models': None}, {}])
def test_ollama_ps_line_of_an_empty_ollama_is_nothing(answer):
    assert gl.ollama_ps_line(answer) == 'nothing'


def test_the_ollama_ps_command_reads_stdin_and_fails_on_no_answer():
    proc = _cli('ollama-ps', stdin=_data('ollama-ps.json'))
    assert (proc.returncode, proc.stdout) == (0, gl.ollama_ps_line(json.loads(_data('ollama-ps.json'))) + '\n')
    # curl -sf printed nothing (Ollama down): the line fails, as it did in lab.sh
    proc = _cli('ollama-ps', stdin='')
    assert proc.returncode == 1 and proc.stdout == '' and 'JSONDecodeError' in proc.stderr


# ---------------------------------------------------------------- calibration
def test_calibration_values_as_lab_sh_passes_them_on():
    cal = json.loads(_data('calibration.json'))
    extra = gl.calibration_value(cal, 'extra_vars')
    assert extra == '{"vllm_gpu_memory_utilization": 0.9121, "vllm_restart_margin": "114100000"}'
    assert json.loads(extra) == cal['extra_vars']
    assert gl.calibration_value(cal, 'utilization') == '0.9121'
    assert gl.calibration_value(cal, 'margin') == '114100000'
    with pytest.raises(KeyError):
        gl.calibration_value(cal, 'utilisation')


def test_the_calibration_command():
    path = os.path.join(DATA, 'calibration.json')
    assert _cli('calibration', path, 'utilization').stdout == '0.9121\n'
    proc = _cli('calibration', path, 'extra_vars')
    assert (proc.returncode, json.loads(proc.stdout)) == (0, json.loads(_data('calibration.json'))['extra_vars'])
    assert _cli('calibration', path, 'nope').returncode == 1
    assert _cli('calibration', path).returncode == 2


# ---------------------------------------------------------------- restart-result
FAILED_RESTART = ('{"ok": false, "seconds": 4.812, "state": "exited exit=1 restarts=0", "why": "ValueError: Free memory '
                  'on device cuda:0 (19.63/23.54 GiB) on startup is less than desired GPU memory utilization (0.9121, '
                  '21.47 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes. "}')


def test_restart_result_of_a_failed_restart_names_the_state_and_why():
    assert gl.restart_result_lines(json.loads(FAILED_RESTART)) == [
        '  FAILED after 4.812 s, container exited exit=1 restarts=0:',
        '  ValueError: Free memory on device cuda:0 (19.63/23.54 GiB) on startup is less than desired GPU memory '
        'utilization (0.9121, 21.47 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes. ']


def test_restart_result_of_a_restart_that_worked_says_so():
    ok = json.loads('{"ok": true, "seconds": 6.104, "state": "healthy", "why": "/health 200"}')
    assert gl.restart_result_lines(ok) == [
        '  vLLM started anyway after 6.104 s (memory moved on this busy machine); the gate still runs below']


def test_the_restart_result_command():
    proc = _cli('restart-result', FAILED_RESTART)
    assert (proc.returncode, proc.stdout.splitlines()) == (0, gl.restart_result_lines(json.loads(FAILED_RESTART)))
    assert _cli('restart-result', '').returncode == 1


# ---------------------------------------------------------------- memory-report
def test_memory_report_shows_what_the_lab_showed():
    assert gl.memory_report_lines(_data('memory_report.log')) == _data('memory_report.shown').splitlines()


def test_memory_report_names_the_failed_hosts_and_prints_the_table():
    lines = gl.memory_report_lines(_data('memory_report.log'))
    assert lines[0] == ('  gx10-lab-3: Task failed: Failed to connect to the host via ssh: ssh: connect to host '
                        '127.0.0.1 port 1: Connection refused')
    assert lines[1].split() == ['HOST', 'MemTotal', 'MemAvailable', 'MemFree', 'Ollama', 'resident', '(size,',
                                'expires)', 'vLLM', 'container', '/health', 'KV', 'cache', 'Restart', 'fits',
                                '(required', 'vs', 'can', 'be', 'free)']
    assert [line.split()[0] for line in lines[3:7]] == ['gx10-lab-1', 'gx10-lab-2', 'gx10-lab-3', 'gx10-lab-4']
    assert 'tiny-a:latest 295.64 MiB' in lines[3] and 'Ollama refuses connections' in lines[4]
    assert lines[-1] == ('  gx10-lab-4: gx10-lab-4: gpu_memory_utilization: 0.0 is outside (0, 1]; it is a fraction '
                         'of MemTotal such as 0.90')


def test_memory_report_skips_what_comes_before_the_json_and_keeps_an_empty_table():
    data = {'plays': [{'tasks': [
        {'task': {'name': 'Print the fleet memory table'}, 'hosts': {'localhost': {'msg': []}}},
        {'task': {'name': 'Fail the hosts that could not be read'},
         'hosts': {'h1': {'unreachable': True, 'msg': 'down'}, 'h2': {'failed': True}, 'h3': {'changed': False}}}]}]}
    text = '[WARNING]: Collection community.docker does not support Ansible version 2.21.5\n' + json.dumps(data)
    assert gl.memory_report_lines(text) == ['', '  h1: down', '  h2: None']
    with pytest.raises(ValueError):
        gl.memory_report_lines('ERROR! the playbook: playbooks/memory_report.yml could not be found\n')


def test_the_memory_report_command(tmp_path):
    proc = _cli('memory-report', os.path.join(DATA, 'memory_report.log'))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, _data('memory_report.shown'), '')
    empty = tmp_path / 'memory_report.log'
    empty.write_text('{"plays": []}')
    assert (_cli('memory-report', str(empty)).stdout, _cli('memory-report', str(empty)).returncode) == ('', 0)
    empty.write_text('ERROR! no JSON')
    assert _cli('memory-report', str(empty)).returncode == 1


# ---------------------------------------------------------------- the shell scripts
EMBEDDED = re.compile(r"""python3?(\.\d+)?["']?\s+(-u\s+)?(-\s|-c\s+'[^']*$)""")


def _embedded_programs(text):
    """The lines of a shell script that start a Python program written in the script itself:
    `python - <<EOF` / `python3 - ARGS` or a `python -c '` whose quote does not close on its line.
    A one-line -c probe of an interpreter (`"$py" -c 'import sys; ...'`) is not one."""
    return [line for line in text.splitlines() if EMBEDDED.search(line)]


def test_the_detector_finds_the_programs_that_used_to_be_embedded():
    assert _embedded_programs("""    "$VENV221/bin/python" - "$out" "$REQS221" >>"$log" 2>&1 <<'PYEOF'\nimport re\nPYEOF""")
    assert _embedded_programs("""        | tee "$log" | python3 -u -c '\nimport os\n'""")
    assert _embedded_programs("""    python3 - "$log" <<'PYEOF' || true""")
    assert not _embedded_programs("""    pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')""")
    assert not _embedded_programs("""    python3 "$REPO/scripts/gx10_lab.py" memory-report "$log" || true""")


@pytest.mark.parametrize('script', ['lab.sh', 'bootstrap.sh'])
def test_the_shell_scripts_embed_no_python_program(script):
    with open(os.path.join(REPO, 'scripts', script), encoding='utf-8') as f:
        assert _embedded_programs(f.read()) == []
