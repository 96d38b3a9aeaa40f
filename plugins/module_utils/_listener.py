# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Who listens on a TCP port of this host (private to openclaw.gx10), read from /proc.

While vLLM is stopped or loading (minutes on a GB10) its port is free: any local user can bind it,
answer /health and receive the API key a waiter sends with its completion, or make a wedged start
look healthy. Before a request that decides anything, the listener is proved to be the one this
host started: docker's proxy for the container (``docker-proxy ... -container-ip IP
-container-port PORT``, run by root), or nothing at all (docker then forwards the port with NAT
rules, which no local process can take over). Root is needed to see other users' sockets'
owners; the gate and the modules run as root.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os


def listening_sockets(port, proc='/proc'):
    """``{inode: uid}`` of the TCP sockets listening on ``port`` (IPv4 and IPv6) in this network
    namespace."""
    found = {}
    for name in ('net/tcp', 'net/tcp6'):
        try:
            with open(os.path.join(proc, name)) as handle:
                lines = handle.read().splitlines()[1:]
        except (IOError, OSError):
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st ... uid timeout inode; st 0A is LISTEN
            if len(fields) > 9 and fields[3] == '0A' and int(fields[1].rsplit(':', 1)[1], 16) == int(port):
                found[fields[9]] = int(fields[7])
    return found


def _process(pid, proc):
    base = os.path.join(proc, str(pid))
    info = {'pid': pid, 'cmdline': [], 'uid': None, 'user': None}
    try:
        with open(os.path.join(base, 'cmdline'), 'rb') as handle:
            info['cmdline'] = [part.decode('utf-8', 'replace') for part in handle.read().split(b'\0') if part]
        with open(os.path.join(base, 'status')) as handle:
            for line in handle:
                if line.startswith('Uid:'):
                    info['uid'] = int(line.split()[1])
    except (IOError, OSError, ValueError):
        pass
    if info['uid'] is not None:
        info['user'] = user_name(info['uid'])
    return info


def user_name(uid):
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def who_listens(port, proc='/proc'):
    """The processes that hold a listening socket on ``port``: a list of ``{'pid', 'uid', 'user',
    'cmdline'}``; a socket whose process cannot be found is listed with ``pid`` None and the
    socket's uid."""
    sockets = listening_sockets(port, proc)
    if not sockets:
        return []
    wanted = dict(('socket:[%s]' % inode, inode) for inode in sockets)
    owners = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        fd_dir = os.path.join(proc, entry, 'fd')
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if link in wanted:
                owners.setdefault(wanted[link], set()).add(int(entry))
    found = []
    for inode, uid in sorted(sockets.items()):
        pids = sorted(owners.get(inode, ()))
        if not pids:
            # Another user's process whose sockets this one may not read (no CAP_SYS_PTRACE, as in
            # an unprivileged container): the socket's owner is still known.
            found.append({'pid': None, 'uid': uid, 'user': user_name(uid), 'cmdline': []})
        found.extend(_process(pid, proc) for pid in pids)
    return found


def describe(listener):
    return 'pid %s (user %s): %s' % (listener['pid'] if listener['pid'] is not None else '?',
                                     listener['user'] if listener['user'] is not None else '?',
                                     ' '.join(listener['cmdline'])[:200] or 'process not visible')


def _arg(cmdline, flag):
    for index, part in enumerate(cmdline):
        if part == flag and index + 1 < len(cmdline):
            return cmdline[index + 1]
        if part.startswith(flag + '='):
            return part[len(flag) + 1:]
    return None


def docker_proxy_for(listener, container_ips, container_port):
    """True when ``listener`` is root's docker-proxy forwarding to one of ``container_ips``."""
    cmdline = listener['cmdline']
    return bool(listener['uid'] == 0 and cmdline and os.path.basename(cmdline[0]) == 'docker-proxy'
                and _arg(cmdline, '-container-ip') in container_ips
                and _arg(cmdline, '-container-port') == str(container_port))


def container_listener_problem(port, container, container_ips, container_port, proc='/proc'):
    """None when what listens on host ``port`` is docker's proxy for ``container`` (or nothing:
    NAT), else a sentence naming the process and its user."""
    strangers = [item for item in who_listens(port, proc)
                 if not docker_proxy_for(item, container_ips, container_port)]
    if not strangers:
        return None
    return ('port %s is held by %s, not by docker\'s proxy for container %s (%s:%s): nothing that decides '
            'was sent to it (no API key), and this start does not count as serving'
            % (port, '; '.join(describe(item) for item in strangers), container,
               '/'.join(container_ips) or 'no address', container_port))


def unit_of(pid, proc='/proc'):
    """The systemd units named in the cgroup paths of ``pid`` (v1 and v2; under docker the path
    has docker's prefix, so any path component counts): a set, empty when none can be read."""
    units = set()
    try:
        with open(os.path.join(proc, str(pid), 'cgroup')) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError, TypeError):
        return units
    for line in lines:
        path = line.split(':', 2)[-1]
        units.update(part for part in path.split('/') if part.endswith(('.service', '.scope')))
    return units


def service_listener_problem(port, service, active, proc='/proc', systemd=None):
    """None when what listens on ``port`` is ``service``'s own (or nothing listens), else a
    sentence naming the process and its user.

    While ``service`` is stopped (held) nothing of its own can listen: whatever does is a stranger,
    and a stranger's model list could keep every start from passing. While it runs, the listener
    must be in the unit's cgroup. Both proofs need systemd as PID 1 (``systemd``: None reads
    /run/systemd/system): without it there are no units to own a port, and nothing is checked."""
    if systemd is None:
        systemd = os.path.isdir('/run/systemd/system')
    if not systemd:
        return None
    unit = service if service.endswith(('.service', '.scope')) else service + '.service'
    listeners = who_listens(port, proc)
    if active:
        strangers = [item for item in listeners if unit not in unit_of(item['pid'], proc)]
    else:
        strangers = listeners
    if not strangers:
        return None
    return ('port %s is held by %s, not by %s (%s): its answers decide nothing (Ollama\'s model list '
            'and unloads are not asked of it)' % (port, '; '.join(describe(item) for item in strangers), unit,
                                                  'running' if active else 'stopped'))
