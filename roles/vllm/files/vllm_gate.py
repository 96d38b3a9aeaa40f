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
# needs none of them, and importing requests alone takes 0.13-0.2 s on a lab host (measured).
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


def evict(cfg, requirement):
    params = dict(url=cfg['ollama_url'], wait=True, wait_timeout=float(cfg['unload_timeout']),
                  on_unreachable='ok', request_timeout=10.0)
    if cfg.get('ollama_service') and unit_loaded(cfg['ollama_service']):
        params['restart_unit'] = cfg['ollama_service']
    if requirement:
        params.update(require_fraction=float(cfg['gpu_memory_utilization']), margin=cfg['margin'])
    eviction = lib('_evict').Eviction(params, warn=lambda m: say('warning: %s' % m), run_command=run, which=which)
    return eviction.run()


def resident(cfg):
    """What Ollama lists in /api/ps now (best effort: only for the journal)."""
    ollama = lib('_ollama')
    try:
        return [(ollama.model_name(m), int(m.get('size') or 0))
                for m in ollama.OllamaClient(url=cfg['ollama_url'], request_timeout=10).ps()]
    except ollama.OllamaError:
        return []


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
    for name, size in held:
        say('evicted %s (%s) with %s stopped' % (name, lib('_memory').format_bytes(size), cfg['ollama_service']))
    say('holding %s stopped until vLLM serves or fails (vllm_hold_ollama)' % cfg['ollama_service'])


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
        return 1
    if not met:
        say('REFUSED: %s' % gate.shortfall(timeout, mem, 'none (%s is held stopped)' % cfg['ollama_service']))
        return 1
    return gate_passed(cfg, mem, gate.required)


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
        # connections: it holds nothing, and only the memory gate is left).
        result = evict(cfg, requirement=True)
        for model in result['evicted']:
            say('evicted %s (%s)' % (model['name'], format_bytes(model['size'])))
    except (_evict.BadOption, _evict.EvictionFailed) as exc:
        say('REFUSED: %s' % getattr(exc, 'msg', exc))
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
    say('released %s: started again' % cfg['ollama_service'])
    return 0


def post(cfg):
    result = lib('_vllm').wait_serving(cfg['vllm_url'], float(cfg['health_timeout']),
                                       model=cfg['served_model_name'], api_key=cfg.get('api_key') or None,
                                       container=cfg['container'], run=run)
    if not result['serving']:
        say('vLLM does not serve: %s' % result['reason'])
        release(cfg)
        return 1
    say('vLLM serves after %.1f s: %s' % (result['waited'], result['reason']))
    try:
        info = lib('_vllm').inspect_container(run, cfg['container'])
        record = dict(container_id=info['id'], image=info['image'], image_id=info.get('image_id'),
                      model=cfg['model'], served_model_name=cfg['served_model_name'],
                      serving_since=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
        os.makedirs(cfg['state_dir'], exist_ok=True)
        path = os.path.join(cfg['state_dir'], '%s.last-good.json' % cfg['container'])
        with open(path + '.tmp', 'w') as handle:
            json.dump(record, handle)
        os.rename(path + '.tmp', path)  # the rollback reads this: never half-written
    except Exception as exc:  # pylint: disable=broad-except
        say('warning: could not record the serving configuration: %s' % exc)
    return release(cfg)


def main(argv):
    steps = {'pre': pre, 'post': post, 'release': release, 'hold': hold_before_restart}
    if len(argv) != 3 or argv[2] not in steps:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as handle:
        cfg = json.load(handle)
    return steps[argv[2]](cfg)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
