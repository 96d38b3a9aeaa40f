#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


DOCUMENTATION = r'''
---
module: ollama_unload
short_description: Evict the models Ollama holds, prove they are gone, and gate on free unified memory
version_added: 0.1.0
description:
  - Evicts models that an Ollama server holds in memory, waits until C(/api/ps) no longer lists
    them, and optionally waits until the host has enough available memory for another server
    (typically vLLM) to start.
  - 'Every resident model (or only those named in O(models)) is evicted with
    C(POST /api/generate {"model": M, "keep_alive": 0}), all at once on parallel connections.
    C(/api/embed) is never used, because it loads the model first. Embedding-only models are
    evicted the same way.'
  - The reply to an unload comes before the eviction, so the module then polls C(/api/ps) with a
    short, growing interval (5 ms doubling up to 250 ms) until the models are gone or
    O(wait_timeout) passes.
  - A model still listed at the deadline (Ollama models can stick in C(Stopping...)) or a listed
    model that answers 404 (deleted while loaded; such a model can never be evicted by a request)
    is a failure, unless O(restart_unit) names a systemd unit to restart, after which the module
    polls again with a fresh deadline.
  - With O(require_available) or O(require_fraction), the module then reads C(/proc/meminfo) until
    C(MemAvailable) reaches the requirement plus O(margin), or fails after O(wait_timeout) with
    C(MemTotal), C(MemAvailable), C(MemFree), the models still resident and the largest processes
    by resident memory.
  - A server that refuses connections holds nothing (see O(on_unreachable)). A server that accepts
    connections but never answers is a failure after O(request_timeout) seconds.
author:
  - openclaw engineering (@openclaw)
requirements:
  - requests
  - Linux (for the memory gate; reads C(/proc/meminfo))
attributes:
  check_mode:
    description: Reports what would be evicted and whether the requirement would be met after eviction; changes nothing.
    support: full
  diff_mode:
    description: Shows the names of the resident models before and after.
    support: full
options:
  url:
    description:
      - Base URL of the Ollama server (http or https).
    type: str
    default: http://127.0.0.1:11434
  models:
    description:
      - Names of the models to evict, for example V(qwen3:32b). A name without a tag means
        the C(latest) tag.
      - Names that are not resident are ignored. A runner listed under another name of the same
        model file (same digest in C(/api/tags)) is evicted too, because Ollama keeps one runner per file.
      - When omitted, every resident model is evicted. An empty list evicts nothing (only the
        memory gate runs).
    type: list
    elements: str
  wait:
    description:
      - Poll C(/api/ps) until the evicted models are no longer listed.
      - When V(false), the module sends the unload requests and returns at once; the models may
        still be listed in RV(resident_after). The memory gate, if requested, still waits.
    type: bool
    default: true
  wait_timeout:
    description:
      - Deadline in seconds for each wait (for the models to leave C(/api/ps), again after a
        restart of O(restart_unit), and for the memory requirement to be met).
      - A request to C(/api/ps) in flight at the deadline may add up to O(request_timeout).
    type: float
    default: 60
  on_unreachable:
    description:
      - What to do when the server refuses connections.
      - V(ok) treats it as holding nothing (nothing listens, so no model is resident); the memory
        gate still runs.
      - V(fail) fails the task.
      - Timeouts, TLS and name resolution errors always fail.
    type: str
    choices: [ok, fail]
    default: ok
  restart_unit:
    description:
      - A systemd unit (for example V(ollama)) to restart with C(systemctl restart) when a model is
        still listed at the deadline. The module then polls C(/api/ps) again with a fresh deadline;
        refused connections during the restart are waited out.
      - A restart evicts every model, not only those in O(models).
    type: str
  require_available:
    description:
      - Bytes of C(MemAvailable) needed after the eviction, as an integer of bytes or a size such
        as V(110GiB) or V(96GB). KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024.
      - O(margin) is added.
      - Mutually exclusive with O(require_fraction).
    type: str
  require_fraction:
    description:
      - Fraction of C(MemTotal) needed as C(MemAvailable), counted the way vLLM counts its
        C(gpu_memory_utilization) on integrated GPUs, C(ceil(MemTotal * fraction)); O(margin) is added.
      - Must be in (0, 1].
      - Mutually exclusive with O(require_available).
    type: float
  drop_caches:
    description:
      - Run C(sync) and drop the page cache (write 3 to C(/proc/sys/vm/drop_caches)) after the
        eviction and before the memory is read.
      - When not permitted (no root, read-only C(/proc/sys)) the module warns and goes on.
    type: bool
    default: false
extends_documentation_fragment:
  - openclaw.gx10.common
  - openclaw.gx10.common.margin
notes:
  - The requirement (with O(margin)) may not exceed C(MemTotal).
  - O(request_timeout) also bounds how long an unload may block while Ollama is still loading that model.
  - RV(freed_bytes) is the sum of the C(size) Ollama reported for the evicted models, not a
    measurement of C(MemAvailable).
seealso:
  - name: Ollama API
    description: The C(/api/ps) and C(/api/generate) endpoints.
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
'''

EXAMPLES = r'''
- name: Evict every model Ollama holds and make sure vLLM (0.90 of memory) fits
  openclaw.gx10.ollama_unload:
    require_fraction: 0.90
    margin: 3GiB
    restart_unit: ollama

- name: Evict one model only, do not wait for /api/ps
  openclaw.gx10.ollama_unload:
    models:
      - qwen3:32b
    wait: false

- name: Ollama behind an authenticating proxy; fail if it is down
  openclaw.gx10.ollama_unload:
    url: https://ollama.example.com
    headers:
      Authorization: "Bearer {{ ollama_token }}"
    on_unreachable: fail
    require_available: 100GiB
    drop_caches: true
  register: unload

- name: Show what was freed
  ansible.builtin.debug:
    msg: "Evicted {{ unload.evicted | map(attribute='name') | list }}, {{ unload.freed_bytes }} bytes"
'''

RETURN = r'''
changed:
  description: Whether a resident model was evicted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
evicted:
  description: The models evicted (in check mode, those that would be).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the model as C(/api/ps) listed it.
      type: str
      sample: qwen3:32b
    size:
      description: Bytes the model took, as Ollama reported.
      type: int
      sample: 21474836480
    size_vram:
      description: Bytes of it in GPU memory, as Ollama reported.
      type: int
      sample: 21474836480
freed_bytes:
  description: Sum of RV(evicted[].size).
  returned: always
  type: int
  sample: 21474836480
resident_before:
  description: The models C(/api/ps) listed before the eviction.
  returned: always
  type: list
  elements: dict
  sample:
    - name: qwen3:32b
      model: qwen3:32b
      size: 21474836480
      size_vram: 21474836480
      digest: 3fd2a7f6e8f5b0c6d1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708
      expires_at: "2025-01-01T12:00:00.000000+00:00"
      context_length: 4096
resident_after:
  description:
    - The models C(/api/ps) listed at the end. In check mode, the prediction.
  returned: always
  type: list
  elements: dict
  sample: []
restarted:
  description: Whether O(restart_unit) was restarted.
  returned: always
  type: bool
  sample: false
memory:
  description: Memory figures from C(/proc/meminfo) at the end, in bytes.
  returned: always
  type: dict
  contains:
    total:
      description: C(MemTotal).
      type: int
      sample: 128352665600
    available:
      description: C(MemAvailable).
      type: int
      sample: 120259084288
    free:
      description: C(MemFree).
      type: int
      sample: 110259084288
    required:
      description: The requirement including the margin; V(null) without one.
      type: int
      sample: 118739062784
    met:
      description: Whether C(available) meets C(required) (in check mode, whether it would after the eviction); V(null) without a requirement.
      type: bool
      sample: true
    projected_available:
      description: In check mode, C(available) plus the size of the models that would be evicted.
      type: int
      returned: check mode
      sample: 125000000000
    caches_dropped:
      description: Whether the page cache was dropped.
      type: bool
      sample: false
elapsed:
  description: Seconds the module took.
  returned: always
  type: float
  sample: 0.412
'''

import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six.moves.urllib.parse import urlparse

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    OllamaClient,
    OllamaError,
    OllamaHTTPError,
    OllamaUnreachable,
    model_name,
    normalize_name,
    summarize,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._options import argument_spec
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    MeminfoError,
    SizeError,
    UtilizationError,
    drop_caches,
    format_bytes,
    format_processes,
    fraction_bytes,
    parse_size,
    parse_utilization,
    predict_fit,
    required_bytes,
    snapshot,
    top_processes,
)

POLL_START = 0.005
POLL_MAX = 0.25


class Unloader(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.started = time.time()
        self.client = OllamaClient(
            url=self.params['url'],
            headers=self.params['headers'],
            validate_certs=self.params['validate_certs'],
            request_timeout=self.params['request_timeout'],
        )
        self.result = dict(
            changed=False,
            evicted=[],
            freed_bytes=0,
            resident_before=[],
            resident_after=[],
            restarted=False,
            memory=dict(total=None, available=None, free=None, required=None, met=None, caches_dropped=False),
            elapsed=0.0,
        )
        self.required = None

    # ------------------------------------------------------------------ helpers
    def fail(self, msg, **kwargs):
        if self.result['memory']['total'] is None:
            try:
                self.store_memory(snapshot())
            except MeminfoError:
                pass
        self.result['elapsed'] = round(time.time() - self.started, 3)
        result = dict(self.result)
        result.update(kwargs)
        self.module.fail_json(msg=msg, **result)

    def ps(self, unreachable_ok=None):
        """``/api/ps`` as a list of dicts; ``None`` when unreachable and that is acceptable."""
        if unreachable_ok is None:
            unreachable_ok = self.params['on_unreachable'] == 'ok'
        try:
            return self.client.ps()
        except OllamaUnreachable as exc:
            if unreachable_ok:
                return None
            self.fail('Ollama is unreachable and on_unreachable=fail: %s' % exc.msg)
        except OllamaError as exc:
            self.fail('Cannot list the resident models: %s' % exc.msg)

    def memory(self):
        try:
            return snapshot()
        except MeminfoError as exc:
            self.fail('Cannot read the memory figures: %s' % to_native(exc))

    # --------------------------------------------------------------- validation
    def validate(self):
        params = self.params
        parsed = urlparse(params['url'] or '')
        if parsed.scheme not in ('http', 'https') or not parsed.netloc:
            self.module.fail_json(msg='url: %r is not an http:// or https:// URL' % (params['url'],))
        for name in ('wait_timeout', 'request_timeout'):
            if params[name] is None or params[name] <= 0:
                self.module.fail_json(msg='%s: must be a number of seconds greater than 0, got %r' % (name, params[name]))
        fraction = params['require_fraction']
        try:
            if fraction is not None:
                fraction = parse_utilization(fraction, 'require_fraction')
            margin = parse_size(params['margin'], 'margin')
            available = parse_size(params['require_available'], 'require_available') if params['require_available'] is not None else None
        except (SizeError, UtilizationError) as exc:
            self.module.fail_json(msg=to_native(exc))
        if available is None and fraction is None:
            return
        mem = self.memory()
        self.required = required_bytes(mem['total'], fraction=fraction, available=available, margin=margin)
        if self.required > mem['total']:
            if fraction is not None:
                what = 'require_fraction %s of MemTotal (%s)' % (fraction, format_bytes(fraction_bytes(mem['total'], fraction)))
            else:
                what = 'require_available %s' % format_bytes(available)
            self.module.fail_json(
                msg='%s plus margin %s = %s (%d bytes) is more than MemTotal %s (%d bytes): it can never be met'
                    % (what, format_bytes(margin), format_bytes(self.required), self.required,
                       format_bytes(mem['total']), mem['total']))
        self.result['memory']['required'] = self.required

    # ----------------------------------------------------------------- eviction
    def select(self, resident):
        """The resident entries to evict.

        A name in ``models`` also selects a runner listed under another name of the same model
        file (Ollama lists one runner per file; two names for it evict each other), found by the
        digest ``/api/tags`` gives for the name.
        """
        wanted = self.params['models']
        if wanted is None:
            return list(resident)
        names = set(normalize_name(n) for n in wanted)
        digests = set()
        if resident and any(normalize_name(model_name(m)) not in names for m in resident):
            try:
                digests = set(t.get('digest') for t in self.client.tags()
                              if normalize_name(model_name(t)) in names and t.get('digest'))
            except OllamaError as exc:
                self.module.warn('Cannot read /api/tags to match other names of the same model files; '
                                 'matching by name only: %s' % exc.msg)
        return [m for m in resident
                if normalize_name(model_name(m)) in names or normalize_name(m.get('model') or '') in names
                or (m.get('digest') and m.get('digest') in digests)]

    def send_unloads(self, names):
        """Send every unload at once; return ``{name: None | exception}``."""
        def one(name):
            try:
                self.client.unload(name)
                return name, None
            except OllamaError as exc:
                return name, exc
        with ThreadPoolExecutor(max_workers=min(16, max(1, len(names)))) as pool:
            return dict(pool.map(one, names))

    def wait_gone(self, names, hopeless, after_restart=False):
        """Poll /api/ps until none of ``names`` is listed, or only ``hopeless`` ones are, or the deadline.

        A refused connection means the server holds nothing: with on_unreachable=ok that ends the
        wait at once, except right after our own restart, where the server is waited for until the
        deadline.  Returns (still_listed_names, last_ps_or_None).
        """
        unreachable_ok = self.params['on_unreachable'] == 'ok'
        deadline = time.time() + self.params['wait_timeout']
        interval = POLL_START
        names = set(names)
        what = ', '.join(sorted(names))
        while True:
            listed = None
            try:
                listed = self.client.ps()
            except OllamaUnreachable as exc:
                if not after_restart or time.time() >= deadline:
                    if unreachable_ok:
                        return set(), None
                    self.fail('Ollama refused connections while waiting for %s to leave /api/ps%s and '
                              'on_unreachable=fail: %s' % (what, ' after the restart' if after_restart else '', exc.msg))
            except OllamaError as exc:
                self.fail('Cannot poll /api/ps while waiting for %s to be evicted: %s' % (what, exc.msg))
            still = names
            if listed is not None:
                still = set(model_name(m) for m in listed) & names
                if not still or still <= hopeless:
                    return still, listed
            remaining = deadline - time.time()
            if remaining <= 0:
                return still, listed
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, POLL_MAX)

    def restart(self, unit):
        systemctl = self.module.get_bin_path('systemctl')
        if not systemctl:
            self.fail('restart_unit=%s: systemctl not found on this host' % unit)
        rc, out, err = self.module.run_command([systemctl, 'restart', unit])
        if rc != 0:
            self.fail('restart_unit: "systemctl restart %s" failed (rc=%d): %s' % (unit, rc, (err or out).strip()))
        self.result['restarted'] = True
        self.result['changed'] = True

    # ------------------------------------------------------------------- gate
    def gate(self):
        if self.params['drop_caches']:
            outcome = drop_caches()
            self.result['memory']['caches_dropped'] = outcome['dropped']
            if not outcome['dropped']:
                self.module.warn('drop_caches: %s' % outcome['msg'])
        deadline = time.time() + self.params['wait_timeout']
        interval = POLL_START
        while True:
            mem = self.memory()
            self.store_memory(mem)
            if self.required is None or mem['available'] >= self.required:
                return
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, POLL_MAX)
        try:
            listed = self.client.ps()
            resident = ', '.join('%s (%s)' % (model_name(m), format_bytes(m.get('size'))) for m in listed) or 'none'
        except OllamaUnreachable:
            resident = 'none (server unreachable)'
        except OllamaError as exc:
            resident = 'unknown (%s)' % exc.msg
        self.fail(
            'Timed out after %s s waiting for MemAvailable to reach %s (%d bytes, margin included): '
            'MemTotal %s, MemAvailable %s, MemFree %s (short by %s); still resident in Ollama: %s; '
            'largest processes by resident memory: %s'
            % (self.params['wait_timeout'], format_bytes(self.required), self.required,
               format_bytes(mem['total']), format_bytes(mem['available']), format_bytes(mem['free']),
               format_bytes(self.required - mem['available']), resident,
               format_processes(top_processes(5))))

    def store_memory(self, mem):
        self.result['memory'].update(total=mem['total'], available=mem['available'], free=mem['free'])
        if self.required is not None:
            self.result['memory']['met'] = mem['available'] >= self.required

    # ------------------------------------------------------------------- main
    def run(self):
        self.validate()
        before = self.ps()
        unreachable = before is None
        before = before or []
        self.result['resident_before'] = [summarize(m) for m in before]
        targets = self.select(before)
        target_names = [model_name(m) for m in targets]
        self.result['evicted'] = [dict(name=model_name(m), size=int(m.get('size') or 0),
                                       size_vram=int(m.get('size_vram') or 0)) for m in targets]
        self.result['freed_bytes'] = sum(e['size'] for e in self.result['evicted'])
        if unreachable:
            self.module.warn('Ollama at %s refuses connections; treating it as holding no model (on_unreachable=ok)'
                             % self.params['url'])

        if self.module.check_mode:
            return self.run_check(before, targets)

        after = before
        if targets:
            self.result['changed'] = True
            outcomes = self.send_unloads(target_names)
            hopeless = set()
            for name, exc in outcomes.items():
                if exc is None:
                    continue
                if isinstance(exc, OllamaHTTPError) and exc.status == 404:
                    hopeless.add(name)  # deleted while loaded: no request can evict it
                else:
                    self.fail('Unloading %s failed: %s' % (name, exc.msg))
            if self.params['wait']:
                still, listed = self.wait_gone(target_names, hopeless)
                if still:
                    unit = self.params['restart_unit']
                    why = self.describe_stuck(still, hopeless)
                    if not unit:
                        self.result['resident_after'] = [summarize(m) for m in listed or []]
                        if still <= hopeless:
                            self.fail('Ollama cannot evict %s; set restart_unit (e.g. ollama) to restart the '
                                      'server in that case' % why)
                        self.fail('Timed out after %s s waiting for Ollama to evict %s; set restart_unit '
                                  '(e.g. ollama) to restart the server in that case'
                                  % (self.params['wait_timeout'], why))
                    self.module.warn('%s; restarting %s' % (why, unit))
                    self.restart(unit)
                    still, listed = self.wait_gone(target_names, set(), after_restart=True)
                    if still:
                        self.result['resident_after'] = [summarize(m) for m in listed or []]
                        self.fail('Timed out after %s s waiting for Ollama to evict %s even after restarting %s'
                                  % (self.params['wait_timeout'], ', '.join(sorted(still)), unit))
                after = listed
            else:
                after = self.ps(unreachable_ok=True)
        self.result['resident_after'] = [summarize(m) for m in after or []]

        self.gate()
        if self.module._diff:
            self.result['diff'] = self.diff(before, after or [])
        self.result['elapsed'] = round(time.time() - self.started, 3)
        self.module.exit_json(**self.result)

    def describe_stuck(self, still, hopeless):
        parts = []
        for name in sorted(still):
            if name in hopeless:
                parts.append('%s (answers 404: deleted while loaded, still listed)' % name)
            else:
                parts.append('%s (still listed in /api/ps, e.g. stuck in "Stopping...")' % name)
        return ', '.join(parts)

    def run_check(self, before, targets):
        gone = set(model_name(m) for m in targets)
        after = [m for m in before if model_name(m) not in gone]
        self.result['changed'] = bool(targets)
        self.result['resident_after'] = [summarize(m) for m in after]
        mem = self.memory()
        self.store_memory(mem)
        if self.required is not None:
            fit = predict_fit(mem['available'], self.required, ollama_resident_bytes=self.result['freed_bytes'])
            self.result['memory']['met'] = fit['fits']
            self.result['memory']['projected_available'] = fit['projected']
            if not fit['fits']:
                self.module.warn('After the eviction MemAvailable would be about %s, short of the %s required by %s'
                                 % (format_bytes(fit['projected']), format_bytes(self.required),
                                    format_bytes(fit['shortfall'])))
        if self.module._diff:
            self.result['diff'] = self.diff(before, after)
        self.result['elapsed'] = round(time.time() - self.started, 3)
        self.module.exit_json(**self.result)

    @staticmethod
    def diff(before, after):
        def text(models):
            return ''.join('%s\n' % model_name(m) for m in sorted(models, key=model_name))
        return dict(before=text(before), after=text(after),
                    before_header='ollama /api/ps (before)', after_header='ollama /api/ps (after)')


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            url=dict(type='str', default='http://127.0.0.1:11434'),
            models=dict(type='list', elements='str'),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='float', default=60),
            on_unreachable=dict(type='str', choices=['ok', 'fail'], default='ok'),
            restart_unit=dict(type='str'),
            require_available=dict(type='str'),
            require_fraction=dict(type='float'),
            drop_caches=dict(type='bool', default=False),
        ), margin=True),
        mutually_exclusive=[('require_available', 'require_fraction')],
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    Unloader(module).run()


if __name__ == '__main__':
    main()
