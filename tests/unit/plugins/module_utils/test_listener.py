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
