# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who listens on a port, read from a /proc tree written by the test (and once from the real one)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import socket

from ansible_collections.openclaw.gx10.plugins.module_utils import _listener as ls

HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'


def fake_proc(tmp_path, sockets, processes):
    """sockets: [(port, state, uid, inode)]; processes: {pid: (uid, argv, [inodes])}."""
    proc = tmp_path / 'proc'
    (proc / 'net').mkdir(parents=True)
    lines = ['   %d: 0100007F:%04X 00000000:0000 %s 00000000:00000000 00:00000000 00000000 %5d        0 %s 1'
             % (i, port, state, uid, inode) for i, (port, state, uid, inode) in enumerate(sockets)]
    (proc / 'net' / 'tcp').write_text(HEAD + '\n'.join(lines) + '\n')
    for pid, (uid, argv, inodes) in processes.items():
        base = proc / str(pid)
        (base / 'fd').mkdir(parents=True)
        (base / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in argv) + b'\0')
        (base / 'status').write_text('Name:\tx\nUid:\t%d\t%d\t%d\t%d\n' % (uid, uid, uid, uid))
        for fd, inode in enumerate(inodes, start=3):
            os.symlink('socket:[%s]' % inode, str(base / 'fd' / str(fd)))
    return str(proc)


PROXY = ['/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', '8000',
         '-container-ip', '172.17.0.2', '-container-port', '8000']


def test_docker_proxy_for_the_container_is_ours(tmp_path):
    proc = fake_proc(tmp_path, [(8000, '0A', 0, 111), (8000, '01', 0, 112)], {40: (0, PROXY, [111])})
    assert [x['pid'] for x in ls.who_listens(8000, proc)] == [40]
    assert ls.container_listener_problem(8000, 'vllm', ['172.17.0.2'], 8000, proc) is None


def test_nothing_listening_is_nat_and_ours(tmp_path):
    proc = fake_proc(tmp_path, [(9000, '0A', 0, 111)], {})
    assert ls.container_listener_problem(8000, 'vllm', ['172.17.0.2'], 8000, proc) is None


def test_a_stranger_or_another_containers_proxy_is_named(tmp_path):
    proc = fake_proc(tmp_path, [(8000, '0A', 65534, 111)],
                     {77: (65534, ['python3', '-m', 'http.server', '8000'], [111])})
    problem = ls.container_listener_problem(8000, 'vllm', ['172.17.0.2'], 8000, proc)
    assert problem.startswith("port 8000 is held by pid 77 (user nobody): python3 -m http.server 8000, not by "
                              "docker's proxy for container vllm (172.17.0.2:8000)"), problem
    elsewhere = PROXY[:-3] + ['172.17.0.9', '-container-port', '8000']
    other = fake_proc(tmp_path / 'b', [(8000, '0A', 0, 5)], {9: (0, elsewhere, [5])})
    assert 'pid 9 (user root): /usr/bin/docker-proxy' in ls.container_listener_problem(
        8000, 'vllm', ['172.17.0.2'], 8000, other)
    # a docker-proxy not run by root is anyone's program
    fake = fake_proc(tmp_path / 'c', [(8000, '0A', 1000, 5)], {9: (1000, PROXY, [5])})
    assert ls.container_listener_problem(8000, 'vllm', ['172.17.0.2'], 8000, fake)


def test_the_real_proc_finds_this_process(tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        found = ls.who_listens(port)
    assert [x['pid'] for x in found] == [os.getpid()]
    assert found[0]['uid'] == os.geteuid()


OLLAMA = ['/usr/local/bin/ollama', 'serve']


def with_cgroup(proc, pid, text):
    with open(os.path.join(proc, str(pid), 'cgroup'), 'w') as handle:
        handle.write(text)


def test_the_unit_is_read_from_cgroup_v1_and_v2_paths_also_under_docker(tmp_path):
    proc = fake_proc(tmp_path, [], {7: (0, OLLAMA, []), 8: (0, OLLAMA, [])})
    with_cgroup(proc, 7, '0::/system.slice/ollama.service\n')
    with_cgroup(proc, 8, '12:pids:/docker/abc/system.slice/ollama.service\n1:name=systemd:/docker/abc/user.slice\n')
    assert ls.unit_of(7, proc) == {'ollama.service'}
    assert ls.unit_of(8, proc) == {'ollama.service'}
    assert ls.unit_of(9, proc) == set()


def test_the_running_service_owns_its_port(tmp_path):
    proc = fake_proc(tmp_path, [(11434, '0A', 997, 5)], {7: (997, OLLAMA, [5])})
    with_cgroup(proc, 7, '0::/system.slice/ollama.service\n')
    assert ls.service_listener_problem(11434, 'ollama', True, proc, systemd=True) is None
    assert ls.service_listener_problem(11434, 'ollama.service', True, proc, systemd=True) is None


def test_a_listener_outside_the_unit_is_a_stranger_named_with_its_user(tmp_path):
    proc = fake_proc(tmp_path, [(11434, '0A', 54321, 5)], {7: (54321, ['python3', '-m', 'http.server', '11434'], [5])})
    with_cgroup(proc, 7, '0::/user.slice/user-1000.slice/session-3.scope\n')
    problem = ls.service_listener_problem(11434, 'ollama', True, proc, systemd=True)
    assert problem.startswith('port 11434 is held by pid 7 (user 54321): python3 -m http.server 11434, '
                              'not by ollama.service (running)'), problem


def test_while_the_service_is_stopped_any_listener_is_a_stranger(tmp_path):
    proc = fake_proc(tmp_path, [(11434, '0A', 997, 5)], {7: (997, OLLAMA, [5])})
    with_cgroup(proc, 7, '0::/system.slice/ollama.service\n')
    assert 'not by ollama.service (stopped)' in ls.service_listener_problem(11434, 'ollama', False, proc, systemd=True)
    assert ls.service_listener_problem(11435, 'ollama', False, proc, systemd=True) is None


def test_without_systemd_there_is_no_unit_to_own_a_port(tmp_path):
    proc = fake_proc(tmp_path, [(11434, '0A', 1000, 5)], {7: (1000, OLLAMA, [5])})
    assert ls.service_listener_problem(11434, 'ollama', False, proc, systemd=False) is None


def test_a_socket_whose_process_cannot_be_read_is_named_by_its_owner(tmp_path):
    # root without CAP_SYS_PTRACE (an unprivileged container) cannot read another user's sockets
    proc = fake_proc(tmp_path, [(11434, '0A', 0, 5)], {})
    problem = ls.service_listener_problem(11434, 'ollama', False, proc, systemd=True)
    assert problem.startswith('port 11434 is held by pid ? (user root): process not visible, not by ollama.service'), problem
