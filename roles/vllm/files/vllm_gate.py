# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate every start of vLLM on this host passes (installed by the role openclaw.gx10.vllm).

    vllm-gate CONFIG pre       ExecStartPre:  hold (stop) or evict Ollama, wait for MemAvailable
    vllm-gate CONFIG post      ExecStartPost: wait until vLLM serves, record it, release Ollama
    vllm-gate CONFIG release   ExecStopPost:  start Ollama again if this gate stopped it (not
                                              between the two halves of a restart)
    vllm-gate CONFIG hold      Ansible's gated restart, while vLLM still serves: hold Ollama
    vllm-gate CONFIG record    print the record of the configuration that last served (JSON, null
                               when none); exit 1 naming the file when it cannot be trusted
    vllm-gate CONFIG lock HOLDER WAIT LEASE   take the host's restart lock (prints its token)
    vllm-gate CONFIG unlock TOKEN             release it
    vllm-gate CONFIG lease     the hold's lease ran out (a transient timer armed by the hold):
                               start Ollama again unless a start of vLLM is under way
    vllm-gate CONFIG event KIND DETAIL        count a decision taken outside the gate (rollback)

CONFIG holds what is the host's (the unit, where Ollama is and how to hold it, the gate's
directories). What a start is checked against (utilization, margin, served name, port, API key,
how long a load may take) is read from the container itself at each start: the configuration
that a rollback brings back brings back its own checks.

It runs the collection's own code (module_utils installed beside this file by the role, in
vllm_gate_lib.json): the same eviction and arithmetic as the openclaw.gx10.ollama_unload module,
the same wait as openclaw.gx10.vllm_wait. Messages go to the journal of the vLLM unit. Exit status
non-zero fails the start, and systemd (Restart=always) tries again through this gate.
"""

import importlib
import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The collection's module_utils the gate runs, in ONE file beside it ({"modules": {name: [lines]}}):
# one file is one copy for Ansible to check on every converge (seven files were seven, 4.4 s of
# a no-op converge on a lab host), and the code on the host changes at one moment.
LIB_FILE = os.path.join(HERE, 'vllm_gate_lib.json')
PACKAGE = 'ansible_collections.openclaw.gx10.plugins.module_utils'
LIB = PACKAGE + '.'


class _LibFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the collection's module_utils (and their parent packages) from LIB_FILE."""

    def __init__(self, sources):
        self.sources = sources
        parts = PACKAGE.split('.')
        self.packages = set('.'.join(parts[:i]) for i in range(1, len(parts) + 1))

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.packages:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        if fullname.startswith(LIB) and fullname[len(LIB):] in self.sources:
            spec = importlib.util.spec_from_loader(fullname, self, origin='%s:%s.py' % (LIB_FILE, fullname[len(LIB):]))
            spec.has_location = True
            return spec
        return None

    def create_module(self, spec):
        return None

    def get_source(self, fullname):
        # tracebacks show the lines of the installed code
        return '\n'.join(self.sources[fullname[len(LIB):]])

    def exec_module(self, module):
        name = module.__name__
        if name in self.packages:
            module.__path__ = []
            return
        code = compile(self.get_source(name), module.__spec__.origin, 'exec')
        exec(code, module.__dict__)  # pylint: disable=exec-used


_finder = None


# The collection's module_utils are imported by the steps that use them, not here: the release
# runs inside every restart's downtime (ExecStopPost, between the old vLLM and the new one) and
# needs none of them, and importing the HTTP stack took 0.13-0.2 s on a lab host (measured, with requests).
def lib(name):
    global _finder  # pylint: disable=global-statement
    if _finder is None:
        with open(LIB_FILE, encoding='utf-8') as handle:
            _finder = _LibFinder(json.load(handle)['modules'])
        sys.meta_path.insert(0, _finder)
    return importlib.import_module(LIB + name)


def say(msg):
    print('vllm-gate: %s' % msg, flush=True)


def run(argv, timeout=None):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, '', str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def which(name):
    for folder in os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin').split(os.pathsep):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def unit_active(unit):
    return run(['systemctl', 'is-active', '--quiet', unit])[0] == 0


def unit_loaded(unit):
    rc, out, _err = run(['systemctl', 'show', '--property=LoadState', '--value', unit])
    return rc == 0 and out.strip() == 'loaded'


def flag(value):
    """A boolean from the settings file (older Ansible writes templated booleans as strings)."""
    return str(value).strip().lower() in ('true', '1', 'yes', 'on')


def held_marker(cfg):
    return os.path.join(cfg['run_dir'], '%s.ollama-held' % cfg['container'])


def evict(cfg, requirement, listener=None):
    params = dict(url=cfg['ollama_url'], wait=True, wait_timeout=float(cfg['unload_timeout']),
                  on_unreachable='ok', request_timeout=10.0)
    if cfg.get('ollama_service') and unit_loaded(cfg['ollama_service']):
        params['restart_unit'] = cfg['ollama_service']
    if requirement:
        # drop_caches: MemFree must reach the requirement too, the page cache dropped only as far as needed
        params.update(require_fraction=float(cfg['gpu_memory_utilization']), margin=cfg['margin'], drop_caches=True)
    eviction = lib('_evict').Eviction(params, warn=lambda m: say('warning: %s' % m), run_command=run, which=which,
                                      note=say, listener=listener)
    result = eviction.run()
    if result['memory'].get('caches_dropped'):
        pagecache_record(cfg)('pagecache_drop', source='gate', msg=result['memory']['pagecache']['msg'])
    return result


def pagecache_record(cfg):
    """The counter of the page cache drops (before a start, and the load guard's): event pagecache_drop."""
    return lambda kind, **detail: event(cfg, kind, ', '.join('%s=%s' % item for item in sorted(detail.items())))


def resident(cfg):
    """What Ollama lists in /api/ps now (best effort: only for the journal). Asked through the
    listener check like the eviction: a stranger on the port is asked nothing (the eviction that
    follows refuses the start, naming it)."""
    ollama = lib('_ollama')
    try:
        return [(ollama.model_name(m), int(m.get('size') or 0))
                for m in ollama.OllamaClient(url=cfg['ollama_url'], request_timeout=10,
                                             listener=lib('_http').proven_once(lambda: ollama_stranger(cfg))).ps()]
    except ollama.OllamaError:
        return []


def event(cfg, kind, detail=''):
    """Counts a decision of the gate for the metrics exporter (_gate_state); never fails the step."""
    lib('_gate_state').record_event(cfg['state_dir'], cfg['container'], kind, detail, warn=lambda m: say('warning: %s' % m))


def event_step(cfg, kind, detail):
    """`vllm-gate CONFIG event KIND DETAIL`: a decision taken outside the gate (the role's rollback)."""
    event(cfg, kind, detail)
    return 0


def hold(cfg):
    """Stop Ollama until vLLM serves or fails. Stopping it evicts everything at once, also under
    fallback traffic that would load a model again right after each unload."""
    held = resident(cfg)
    os.makedirs(cfg['run_dir'], exist_ok=True)
    with open(held_marker(cfg), 'w') as handle:
        handle.write('%d\n' % time.time())
    rc, out, err = run(['systemctl', 'stop', cfg['ollama_service']], timeout=120)
    if rc != 0:
        raise lib('_evict').EvictionFailed('cannot hold Ollama: systemctl stop %s failed (rc=%d): %s'
                                           % (cfg['ollama_service'], rc, (err or out).strip()), {})
    arm_lease(cfg)
    for name, size in held:
        say('evicted %s (%s) with %s stopped' % (name, lib('_memory').format_bytes(size), cfg['ollama_service']))
    say('holding %s stopped until vLLM serves or fails (vllm_hold_ollama)' % cfg['ollama_service'])
    event(cfg, 'hold', '%s stopped; it held: %s' % (cfg['ollama_service'], ', '.join(n for n, _s in held) or 'nothing'))


def lease_unit(cfg):
    return 'openclaw-gx10-%s-hold-lease' % cfg['container']


def arm_lease(cfg):
    """Every hold has a lease: a transient timer that releases Ollama when no start of vLLM follows
    (the controller that held it died before its restart, say). A start releases it itself."""
    lease = int(float(cfg.get('hold_lease') or 0))
    if lease <= 0 or not cfg.get('_config'):
        return
    unit = lease_unit(cfg)
    run(['systemctl', 'stop', unit + '.timer'], timeout=30)  # a lease of an earlier hold
    rc, out, err = run(['systemd-run', '--collect', '--unit', unit, '--on-active=%ds' % lease,
                        '--description', 'openclaw.gx10: the lease of a hold of %s' % cfg['ollama_service'],
                        '/usr/bin/python3', os.path.abspath(__file__), cfg['_config'], 'lease'], timeout=30)
    if rc != 0:
        say('warning: cannot arm the lease of the hold (%s.timer, %d s): %s' % (unit, lease, (err or out).strip()))


def disarm_lease(cfg):
    if cfg.get('hold_lease'):
        run(['systemctl', 'stop', lease_unit(cfg) + '.timer'], timeout=30)


def lease_ran_out(cfg):
    if not os.path.exists(held_marker(cfg)):
        return 0
    rc, out, _err = run(['systemctl', 'show', '--property=ActiveState', '--value', cfg['unit']], timeout=30)
    if rc == 0 and out.strip() in ('activating', 'deactivating', 'reloading'):
        say('the lease of the hold of %s ran out while %s is %s: that start or stop releases it'
            % (cfg['ollama_service'], cfg['unit'], out.strip()))
        return 0
    say('the lease of the hold of %s ran out (%s s) and no start of vLLM followed it: starting it again'
        % (cfg['ollama_service'], cfg.get('hold_lease')))
    event(cfg, 'hold_lease_expired', '%s held %s s without a start of vLLM' % (cfg['ollama_service'], cfg.get('hold_lease')))
    return release(cfg)


def hold_wanted(cfg):
    return bool(flag(cfg.get('hold_ollama')) and cfg.get('ollama_service'))


def already_held(cfg):
    """Ollama was held before this start (by Ansible's restart while vLLM still served; the stop
    half of a restart keeps it held) and its unit is still stopped: systemd ended its processes,
    so it holds nothing, and the start waits for memory only."""
    return hold_wanted(cfg) and os.path.exists(held_marker(cfg)) and not unit_active(cfg['ollama_service'])


def gate_passed(cfg, mem, required):
    format_bytes = lib('_memory').format_bytes
    say('memory gate passed: MemAvailable %s >= %s (ceil(MemTotal %s x %s) + margin %s)'
        % (format_bytes(mem['available']), format_bytes(required), format_bytes(mem['total']),
           cfg['gpu_memory_utilization'], cfg['margin']))
    event(cfg, 'start', 'MemAvailable %s >= %s' % (format_bytes(mem['available']), format_bytes(required)))
    return 0


def memory_only(cfg):
    """The memory half of the eviction (the same gate and message as ollama_unload's), without
    importing the HTTP stack: this runs inside the restart's downtime."""
    memgate, memory = lib('_memgate'), lib('_memory')
    say('holding %s stopped until vLLM serves or fails (vllm_hold_ollama; held before this start, '
        'nothing to evict)' % cfg['ollama_service'])
    timeout = float(cfg['unload_timeout'])
    try:
        gate = memgate.MemoryGate(fraction=float(cfg['gpu_memory_utilization']), margin=cfg['margin'])
        gate.require(memory.snapshot())
        met, mem = gate.wait(timeout)
    except (memgate.BadOption, memory.MeminfoError) as exc:
        say('REFUSED: %s' % exc)
        event(cfg, 'refusal', exc)
        return 1
    if not met:
        why = gate.shortfall(timeout, mem, 'none (%s is held stopped)' % cfg['ollama_service'])
        say('REFUSED: %s' % why)
        event(cfg, 'refusal', why)
        return 1
    # MemFree too: the page cache dropped only as far as needed (the same rule as ollama_unload's drop_caches)
    freed = lib('_pagecache').close_gap(gate.required, mem=mem, say=say)
    if freed['dropped_levels']:
        pagecache_record(cfg)('pagecache_drop', source='gate', msg=freed['msg'])
    if not freed['met']:
        say('REFUSED: %s' % freed['msg'])
        event(cfg, 'refusal', freed['msg'])
        return 1
    return gate_passed(cfg, freed['after'], gate.required)


def ollama_stranger(cfg):
    """Why the listener on Ollama's port (of this host) is not the Ollama unit's, or None. Its
    model list decides the eviction: a stranger's (while Ollama is held, any listener) could keep
    every start from passing."""
    # No unit of that name (Ollama in a container, say): no unit owns the port, nothing to prove.
    if not cfg.get('ollama_service') or not unit_loaded(cfg['ollama_service']):
        return None
    try:
        port = lib('_urls').local_port(cfg['ollama_url'], 'ollama_url')
    except lib('_urls').URLError as exc:
        return str(exc)
    if port is None:
        return None
    return lib('_listener').service_listener_problem(port, cfg['ollama_service'], unit_active(cfg['ollama_service']))


def pre(cfg):
    say('start of vLLM (container %s): evicting what Ollama at %s holds' % (cfg['container'], cfg['ollama_url']))
    if already_held(cfg):
        return memory_only(cfg)
    holding = hold_wanted(cfg) and unit_active(cfg['ollama_service'])
    _evict, format_bytes = lib('_evict'), lib('_memory').format_bytes
    try:
        if holding:
            hold(cfg)
        # The same eviction and memory gate as openclaw.gx10.ollama_unload (a held Ollama refuses
        # connections: it holds nothing, and only the memory gate is left). Its client asks the
        # listener check before its first request (the transport's option): a stranger's model
        # list decides nothing, and the refusal names it.
        result = evict(cfg, requirement=True, listener=lib('_http').proven_once(lambda: ollama_stranger(cfg)))
        for model in result['evicted']:
            say('evicted %s (%s)' % (model['name'], format_bytes(model['size'])))
            event(cfg, 'eviction', '%s (%s)' % (model['name'], format_bytes(model['size'])))
    except (_evict.BadOption, _evict.EvictionFailed) as exc:
        say('REFUSED: %s' % getattr(exc, 'msg', exc))
        event(cfg, 'refusal', getattr(exc, 'msg', exc))
        return 1
    return gate_passed(cfg, result['memory'], result['memory']['required'])


def hold_before_restart(cfg):
    """Ansible's gated restart holds Ollama while vLLM still serves (nothing is lost: clients use
    vLLM then), so that neither the listing nor the stop of Ollama falls into the downtime."""
    if not hold_wanted(cfg) or not unit_active(cfg['ollama_service']):
        say('not holding %s: %s' % (cfg.get('ollama_service'), 'vllm_hold_ollama is false'
                                    if not hold_wanted(cfg) else 'it is not running'))
        return 0
    try:
        hold(cfg)
    except lib('_evict').EvictionFailed as exc:
        say('REFUSED: %s' % exc.msg)
        event(cfg, 'refusal', exc.msg)
        return 1
    return 0


def restarting(cfg):
    """True in the stop half of `systemctl restart UNIT`: the unit's job is a restart (a crash or
    a `systemctl stop` has none, or a stop job). Its start half follows at once."""
    rc, out, _err = run(['systemctl', 'list-jobs', '--no-legend', cfg['unit']], timeout=30)
    return rc == 0 and any(line.split()[1:3] == [cfg['unit'], 'restart'] for line in out.splitlines())


def release(cfg):
    marker = held_marker(cfg)
    if not os.path.exists(marker):
        return 0
    # Between the two halves of a restart Ollama would start only to be stopped again by the
    # next gate, inside the downtime.
    if cfg.get('unit') and restarting(cfg):
        say('keeping %s held: %s restarts' % (cfg['ollama_service'], cfg['unit']))
        return 0
    # --no-block: from ExecStopPost a blocking start of Ollama (ordered before vLLM) would wait
    # for this very stop job to finish.
    rc, out, err = run(['systemctl', 'start', '--no-block', cfg['ollama_service']], timeout=60)
    if rc != 0:
        say('cannot start %s again (rc=%d): %s' % (cfg['ollama_service'], rc, (err or out).strip()))
        return 1
    os.unlink(marker)
    disarm_lease(cfg)
    say('released %s: started again' % cfg['ollama_service'])
    event(cfg, 'release', '%s started again' % cfg['ollama_service'])
    return 0


def post(cfg):
    # vllm_load_guard: drops caches whenever MemFree falls under the floor while vLLM loads; it ends
    # with this wait, whatever its outcome
    guard = lib('_pagecache').guard_from_settings(cfg, say=say, record=pagecache_record(cfg))
    try:
        if guard:
            guard.start()
        result = lib('_vllm').wait_serving(cfg['vllm_url'], float(cfg['health_timeout']),
                                           model=cfg['served_model_name'], api_key=cfg.get('api_key') or None,
                                           container=cfg['container'], run=run,
                                           # the transport's listener option for the requests that decide
                                           listener_check=lib('_vllm_record').own_listener_check(
                                               run, cfg['container'], cfg))
    finally:
        if guard:
            guard.stop()
    if not result['serving']:
        say('vLLM does not serve: %s' % result['reason'])
        event(cfg, 'start_failed', result['reason'])
        release(cfg)
        return 1
    say('vLLM serves after %.1f s: %s' % (result['waited'], result['reason']))
    event(cfg, 'serving', 'after %.1f s' % result['waited'])
    # The record is what lets the next change keep this container for a rollback: a start whose
    # record cannot be written fails here, loudly, rather than leave the next change without one.
    path = record_path(cfg)
    try:
        info = lib('_vllm').inspect_container(run, cfg['container'])
        record = dict(container_id=info['id'], image=info['image'], image_id=info.get('image_id'),
                      model=cfg['model'], served_model_name=cfg['served_model_name'],
                      serving_since=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
        os.makedirs(cfg['state_dir'], exist_ok=True)
        lib('_vllm_record').write_record(path, record)
    except Exception as exc:  # pylint: disable=broad-except
        say('FAILED: vLLM serves, but the record of this configuration could not be written to %s: %s; '
            'without it the next change could not roll back, so this start fails' % (path, exc))
        release(cfg)
        return 1
    # vLLM serves: Ollama (the fallback) not coming back is loud, but never fails the serving vLLM
    # (Restart=always would stop and start it again, in a loop).
    if release(cfg) != 0:
        say('WARNING: vLLM serves, but %s (the fallback) could not be started again and stays down; '
            'the lease of the hold tries again' % cfg['ollama_service'])
        event(cfg, 'release_failed', '%s did not start again after vLLM served' % cfg['ollama_service'])
    return 0


def record_path(cfg):
    return os.path.join(cfg['state_dir'], '%s.last-good.json' % cfg['container'])


def show_record(cfg):
    _record = lib('_vllm_record')
    try:
        record = _record.read_record(record_path(cfg))
    except _record.RecordError as exc:
        say('REFUSED: the record of the configuration that last served cannot be trusted: %s. Nothing '
            'was stopped. Remove the file to go on without a rollback to it (the running container '
            'is then replaced without one), or restore it.' % exc)
        return 1
    print(json.dumps(record))
    return 0


def lock_path(cfg):
    return os.path.join(cfg['run_dir'], '%s.restart.lock' % cfg['container'])


def take_lock(cfg, holder, wait, lease):
    who = holder
    if os.environ.get('SUDO_USER'):
        who += ' (user %s through sudo)' % os.environ['SUDO_USER']
    hostlock = lib('_hostlock')
    try:
        token, note = hostlock.HostLock(lock_path(cfg)).acquire(
            who, float(lease), float(wait), what='restart of vLLM on %s' % os.uname()[1])
    except hostlock.LockBusy as exc:
        say('REFUSED: %s' % exc)
        return 1
    if note:
        say('warning: %s' % note)
    print(json.dumps({'token': token, 'note': note}))
    return 0


def drop_lock(cfg, token):
    if lib('_hostlock').HostLock(lock_path(cfg)).release(token):
        say('released the restart lock')
    else:
        say('warning: the restart lock was no longer ours (its lease ran out and another restart took it)')
    return 0


def with_container(cfg):
    """The host's settings and what the container itself says its gate checks."""
    _record = lib('_vllm_record')
    settings = _record.read_container_settings(run, cfg['container'])
    if not settings['labelled']:
        say('container %s predates the gate label %s: margin %s and load timeout %d s assumed'
            % (cfg['container'], _record.GATE_LABEL, settings['margin'], settings['health_timeout']))
    merged = dict(cfg)
    merged.update(settings)
    return merged


def main(argv):
    # step: (function, number of arguments after the step, reads the container's settings)
    steps = {'pre': (pre, 0, True), 'post': (post, 0, True), 'release': (release, 0, False),
             'hold': (hold_before_restart, 0, False), 'record': (show_record, 0, False),
             'lock': (take_lock, 3, False), 'unlock': (drop_lock, 1, False), 'event': (event_step, 2, False),
             'lease': (lease_ran_out, 0, False)}
    if len(argv) < 3 or argv[2] not in steps or len(argv) != 3 + steps[argv[2]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    step, _count, needs_container = steps[argv[2]]
    with open(argv[1]) as handle:
        cfg = json.load(handle)
    cfg['_config'] = os.path.abspath(argv[1])  # for the lease's timer, which runs the gate again
    if needs_container:
        _record = lib('_vllm_record')
        try:
            cfg = with_container(cfg)
        except _record.ContainerSettingsError as exc:
            say('REFUSED: cannot read what the start of container %s is checked against: %s'
                % (cfg.get('container'), exc))
            if argv[2] == 'post':
                release(cfg)
            return 1
    return step(cfg, *argv[3:])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
