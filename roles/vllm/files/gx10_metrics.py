# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host's metrics for node_exporter's textfile collector (installed by the role openclaw.gx10.vllm).

    gx10_metrics.py CONFIG     write TEXTFILE_DIR/openclaw_gx10.prom once (a systemd timer runs it
                               every vllm_metrics_interval seconds)

What memory_info reports (MemTotal, MemAvailable, MemFree, what Ollama holds per model, the vLLM
container, /health, KV cache usage, whether a gated restart would fit now, the versions), read
and rendered by the collection's own code (the module_utils of openclaw.gx10.memory_info and the
metrics of playbooks/memory_report.yml), plus the gate's counters and last event and whether the
gate holds Ollama. The code comes from vllm_gate_lib.json through the gate's own loader
(vllm_gate.py beside this file), so the gate and the metrics run the same code on the host.

The file is replaced atomically (a temporary file in the same directory, then rename), opened
relative to the directory without following symlinks, and only into a directory that root (or
this user) owns and no one else can write: node_exporter never reads half a file, and nobody
can turn this root write into a write elsewhere.
"""

import json
import os
import socket
import stat
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTFILE = 'openclaw_gx10.prom'

sys.path.insert(0, HERE)
import vllm_gate  # noqa: E402  pylint: disable=wrong-import-position


class UnsafeDirectory(Exception):
    """The textfile directory is not one a root write may go into."""


class HostModule(object):
    """What the shared gathering code (_memory_info) needs of an AnsibleModule."""

    def __init__(self, params, command_timeout):
        self.params = params
        self.command_timeout = command_timeout

    @staticmethod
    def get_bin_path(name):
        return vllm_gate.which(name)

    def run_command(self, argv):
        return vllm_gate.run(argv, timeout=self.command_timeout)


def _check_dir(fd, path, last):
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectory('%s is not a directory' % path)
    if info.st_uid not in (0, os.geteuid()):
        raise UnsafeDirectory('%s belongs to uid %d, not to root: another user could replace what is written there'
                              % (path, info.st_uid))
    writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    # A parent that others may write is fine only with the sticky bit (/tmp): they cannot rename
    # what they do not own. The textfile directory itself must be closed.
    if writable and (last or not info.st_mode & stat.S_ISVTX):
        raise UnsafeDirectory('%s is writable by group or others (mode %o): make it 0755 owned by root'
                              % (path, stat.S_IMODE(info.st_mode)))


def open_dir(path):
    """A descriptor of ``path`` reached component by component without following a symlink,
    each directory on the way checked (owner, mode)."""
    if not os.path.isabs(path):
        raise UnsafeDirectory('%s is not an absolute path' % path)
    fd = os.open('/', os.O_RDONLY | os.O_DIRECTORY)
    walked = ''
    parts = [p for p in path.split('/') if p]
    try:
        for index, part in enumerate(parts):
            if part in ('.', '..'):
                raise UnsafeDirectory('%s: %r in the path' % (path, part))
            walked += '/' + part
            try:
                child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                raise UnsafeDirectory('cannot open %s (a symlink is not followed): %s' % (walked, exc.strerror))
            os.close(fd)
            fd = child
            _check_dir(fd, walked, index == len(parts) - 1)
        if not parts:
            _check_dir(fd, '/', True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_textfile(directory, text, name=TEXTFILE):
    """Replace ``directory/name`` with ``text`` atomically (see the module's docstring)."""
    dir_fd = open_dir(directory)
    tmp = '.%s.%d.tmp' % (name, os.getpid())
    try:
        try:
            os.unlink(tmp, dir_fd=dir_fd)  # left by a run that was killed (a symlink is removed, not followed)
        except FileNotFoundError:
            pass
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=dir_fd)
            except OSError:
                pass
            raise
    finally:
        os.close(dir_fd)


def held_since(cfg):
    """When the gate began holding Ollama (its marker), or None when it does not hold it."""
    path = os.path.join(cfg['run_dir'], '%s.ollama-held' % cfg['container'])
    try:
        with open(path) as handle:
            return float(handle.read().split()[0])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, IndexError):
        return os.stat(path).st_mtime if os.path.exists(path) else None


def render(cfg, now=None):
    """The textfile: memory_info's figures and the gate's state, in the shared rendering."""
    memory_info, report, gate_state = vllm_gate.lib('_memory_info'), vllm_gate.lib('_report'), vllm_gate.lib('_gate_state')
    memory = vllm_gate.lib('_memory')
    # Stamped when the reading starts: a file stamped after an event shows figures read after it,
    # however long Ollama or docker take to answer.
    now = time.time() if now is None else now
    timeout = float(cfg.get('request_timeout') or 5)
    module = HostModule(dict(ollama_url=cfg['ollama_url'], vllm_url=cfg['vllm_url'],
                             vllm_container_name=cfg['container'], headers=None, validate_certs=True,
                             request_timeout=timeout, api_key=None), command_timeout=timeout * 2)
    try:
        info = memory_info.collect(module, memory.parse_utilization(cfg['gpu_memory_utilization']),
                                   memory.parse_size(cfg['margin'], 'margin'))
    except Exception as exc:  # pylint: disable=broad-except
        # the figures that could not be read say so (openclaw_gx10_report_ok 0); the gate's still count
        info = dict(failed=True, msg='%s: %s' % (type(exc).__name__, exc))
        print('gx10-metrics: cannot read the figures: %s' % info['msg'], file=sys.stderr)
    state, problem = gate_state.read_state(cfg['state_dir'], cfg['container'])
    if problem:
        print('gx10-metrics: %s' % problem, file=sys.stderr)
    return (report.memory_report_metrics(info, socket.gethostname(), now)
            + report.gate_metrics(state, problem, events=gate_state.EVENTS, held_since=held_since(cfg),
                                  start_timeout=cfg.get('start_timeout')))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as handle:
        cfg = json.load(handle)
    try:
        write_textfile(cfg['textfile_dir'], render(cfg))
    except (UnsafeDirectory, OSError) as exc:
        print('gx10-metrics: NOT written: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
