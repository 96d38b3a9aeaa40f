# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gate every start of vLLM on this host passes (installed by the role openclaw.gx10.vllm).

    vllm-gate CONFIG pre       ExecStartPre:  hold (stop) or evict Ollama, wait for MemAvailable
    vllm-gate CONFIG post      ExecStartPost: wait until vLLM serves, record it, release Ollama
    vllm-gate CONFIG release   ExecStopPost:  start Ollama again if this gate stopped it

It runs the collection's own code (module_utils copied beside this file by the role): the same
eviction and arithmetic as the openclaw.gx10.ollama_unload module, the same wait as
openclaw.gx10.vllm_wait. Messages go to the journal of the vLLM unit. Exit status non-zero
fails the start, and systemd (Restart=always) tries again through this gate.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'lib'))

# pylint: disable=wrong-import-position
from ansible_collections.openclaw.gx10.plugins.module_utils._evict import (  # noqa: E402
    BadOption,
    Eviction,
    EvictionFailed,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import format_bytes  # noqa: E402
from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (  # noqa: E402
    OllamaClient,
    OllamaError,
    model_name,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import (  # noqa: E402
    inspect_container,
    wait_serving,
)


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
    eviction = Eviction(params, warn=lambda m: say('warning: %s' % m), run_command=run, which=which)
    return eviction.run()


def resident(cfg):
    """What Ollama lists in /api/ps now (best effort: only for the journal)."""
    try:
        return [(model_name(m), int(m.get('size') or 0))
                for m in OllamaClient(url=cfg['ollama_url'], request_timeout=10).ps()]
    except OllamaError:
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
        raise EvictionFailed('cannot hold Ollama: systemctl stop %s failed (rc=%d): %s'
                             % (cfg['ollama_service'], rc, (err or out).strip()), {})
    for name, size in held:
        say('evicted %s (%s) with %s stopped' % (name, format_bytes(size), cfg['ollama_service']))
    say('holding %s stopped until vLLM serves or fails (vllm_hold_ollama)' % cfg['ollama_service'])


def pre(cfg):
    say('start of vLLM (container %s): evicting what Ollama at %s holds' % (cfg['container'], cfg['ollama_url']))
    holding = flag(cfg.get('hold_ollama')) and cfg.get('ollama_service') and unit_active(cfg['ollama_service'])
    try:
        if holding:
            hold(cfg)
        # The same eviction and memory gate as openclaw.gx10.ollama_unload (a held Ollama refuses
        # connections: it holds nothing, and only the memory gate is left).
        result = evict(cfg, requirement=True)
        for model in result['evicted']:
            say('evicted %s (%s)' % (model['name'], format_bytes(model['size'])))
    except (BadOption, EvictionFailed) as exc:
        say('REFUSED: %s' % getattr(exc, 'msg', exc))
        return 1
    mem = result['memory']
    say('memory gate passed: MemAvailable %s >= %s (ceil(MemTotal %s x %s) + margin %s)'
        % (format_bytes(mem['available']), format_bytes(mem['required']), format_bytes(mem['total']),
           cfg['gpu_memory_utilization'], cfg['margin']))
    return 0


def release(cfg):
    marker = held_marker(cfg)
    if not os.path.exists(marker):
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
    result = wait_serving(cfg['vllm_url'], float(cfg['health_timeout']), model=cfg['served_model_name'],
                          api_key=cfg.get('api_key') or None, container=cfg['container'], run=run)
    if not result['serving']:
        say('vLLM does not serve: %s' % result['reason'])
        release(cfg)
        return 1
    say('vLLM serves after %.1f s: %s' % (result['waited'], result['reason']))
    try:
        info = inspect_container(run, cfg['container'])
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
    if len(argv) != 3 or argv[2] not in ('pre', 'post', 'release'):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as handle:
        cfg = json.load(handle)
    return {'pre': pre, 'post': post, 'release': release}[argv[2]](cfg)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
