# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Evict what Ollama holds and gate on MemAvailable (private to openclaw.gx10).

The ONE implementation of the eviction: the ``ollama_unload`` module runs it
through Ansible, and the vLLM gate installed on each host (``vllm.service``'s
``ExecStartPre``) runs the same code on every start of vLLM: boot, crash,
``systemctl restart``.  No Ansible imports here: the host has no Ansible.

1. every resident model (or the named ones) is unloaded at once with
   ``POST /api/generate {"model": M, "keep_alive": 0}`` (never ``/api/embed``:
   it loads first);
2. ``/api/ps`` is polled until they are gone: the reply comes BEFORE the eviction;
3. a model still listed at the deadline (stuck in "Stopping...") or answering 404
   (deleted while loaded) restarts ``restart_unit`` when one is given;
4. MemAvailable must reach ``ceil(MemTotal x fraction)`` + margin by the deadline
   (``_memgate``: the same gate, also run alone by the host gate when Ollama is held stopped).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.openclaw.gx10.plugins.module_utils._memgate import (
    BadOption,
    MemoryGate,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    MeminfoError,
    format_bytes,
    predict_fit,
    snapshot,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._pagecache import (
    BOTH,
    close_gap,
    drop,
    predict_free,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    OllamaClient,
    OllamaError,
    OllamaHTTPError,
    OllamaListenerError,
    OllamaUnreachable,
    model_name,
    normalize_name,
    summarize,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._poll import Deadline, poll
from ansible_collections.openclaw.gx10.plugins.module_utils._urls import URLError, http_url, timeout_seconds

DEFAULTS = dict(
    url='http://127.0.0.1:11434',
    models=None,
    wait=True,
    wait_timeout=60.0,
    request_timeout=30.0,
    validate_certs=True,
    headers=None,
    on_unreachable='ok',
    restart_unit=None,
    require_available=None,
    require_fraction=None,
    margin='3GiB',
    drop_caches=False,
)


class EvictionFailed(Exception):
    """The eviction or the memory gate failed; ``result`` holds what was seen and done."""

    def __init__(self, msg, result):
        super(EvictionFailed, self).__init__(msg)
        self.msg = msg
        self.result = result


class Eviction(object):
    """One eviction run.  ``params`` as in ``DEFAULTS``; the callbacks come from the caller:

    ``warn(msg)``; ``run_command(argv) -> (rc, out, err)`` and ``which(name) -> path or None``
    (for ``restart_unit``).  ``run()`` returns the result dict or raises ``EvictionFailed``;
    invalid options raise ``BadOption`` before anything is done. ``listener``: the transport's
    check of what listens on Ollama's port (the host gate's); an unproven listener fails the run
    with the check's sentence, nothing asked of it.
    """

    def __init__(self, params, warn=None, run_command=None, which=None, check_mode=False, diff=False,
                 sleep=None, note=None, listener=None):
        self.params = dict(DEFAULTS)
        self.params.update(dict((k, v) for k, v in params.items() if v is not None or k in ('models',)))
        self.warn = warn or (lambda msg: None)
        # informational lines (the page cache figures before and after a drop): the host gate's journal
        self.note = note or (lambda msg: None)
        self.run_command = run_command
        self.which = which
        self.check_mode = check_mode
        self.want_diff = diff
        self.poll_kwargs = {'sleep': sleep} if sleep else {}
        self.deadline = Deadline(0)
        self.client = OllamaClient.from_params(self.params, listener=listener)
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
        self.result['elapsed'] = round(self.deadline.elapsed(), 3)
        result = dict(self.result)
        result.update(kwargs)
        raise EvictionFailed(msg, result)

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
        except OllamaListenerError as exc:
            self.fail(exc.msg)
        except OllamaError as exc:
            self.fail('Cannot list the resident models: %s' % exc.msg)

    def memory(self):
        try:
            return snapshot()
        except MeminfoError as exc:
            self.fail('Cannot read the memory figures: %s' % exc)

    # --------------------------------------------------------------- validation
    def validate(self):
        params = self.params
        try:
            http_url(params['url'], 'url')
            for name in ('wait_timeout', 'request_timeout'):
                timeout_seconds(params[name], name)
        except URLError as exc:
            raise BadOption(str(exc))
        self.memgate = MemoryGate(fraction=params['require_fraction'], available=params['require_available'],
                                  margin=params['margin'], **self.poll_kwargs)
        if not self.memgate.wanted:
            return
        self.required = self.memgate.require(self.memory())
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
                self.warn('Cannot read /api/tags to match other names of the same model files; '
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
        # imported here: a run with nothing resident never needs the threads
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(16, max(1, len(names)))) as pool:
            return dict(pool.map(one, names))

    def wait_gone(self, names, hopeless, after_restart=False):
        """Poll /api/ps until none of ``names`` is listed, or only ``hopeless`` ones are, or the deadline.

        A refused connection means the server holds nothing: with on_unreachable=ok that ends the
        wait at once, except right after our own restart, where the server is waited for until the
        deadline.  Returns (still_listed_names, last_ps_or_None).
        """
        unreachable_ok = self.params['on_unreachable'] == 'ok'
        names = set(names)
        what = ', '.join(sorted(names))
        deadline = Deadline(self.params['wait_timeout'])

        def check():
            try:
                listed = self.client.ps()
            except OllamaUnreachable as exc:
                if not after_restart or deadline.passed():
                    if unreachable_ok:
                        return True, (set(), None)
                    self.fail('Ollama refused connections while waiting for %s to leave /api/ps%s and '
                              'on_unreachable=fail: %s' % (what, ' after the restart' if after_restart else '', exc.msg))
                return False, (names, None)
            except OllamaError as exc:
                self.fail('Cannot poll /api/ps while waiting for %s to be evicted: %s' % (what, exc.msg))
            still = set(model_name(m) for m in listed) & names
            return (not still or still <= hopeless), (still, listed)

        _done, value, _elapsed = poll(check, self.params['wait_timeout'], **self.poll_kwargs)
        return value

    def restart(self, unit):
        systemctl = self.which('systemctl') if self.which else None
        if not systemctl or not self.run_command:
            self.fail('restart_unit=%s: systemctl not found on this host' % unit)
        rc, out, err = self.run_command([systemctl, 'restart', unit])
        if rc != 0:
            self.fail('restart_unit: "systemctl restart %s" failed (rc=%d): %s' % (unit, rc, (err or out).strip()))
        self.result['restarted'] = True
        self.result['changed'] = True

    # ------------------------------------------------------------------- gate
    def gate(self):
        if self.params['drop_caches'] and self.required is None:
            # no requirement, so no gap to measure: the drop asked for, once
            outcome = drop(BOTH)
            self.result['memory']['caches_dropped'] = outcome['dropped']
            if not outcome['dropped']:
                self.warn('drop_caches: could not drop the page cache: %s' % outcome['error'])

        try:
            met, mem = self.memgate.wait(self.params['wait_timeout'], on_reading=self.store_memory)
        except MeminfoError as exc:
            self.fail('Cannot read the memory figures: %s' % exc)
        if met:
            if self.params['drop_caches'] and self.required is not None:
                self.close_free_gap(mem)
            return
        try:
            listed = self.client.ps()
            resident = ', '.join('%s (%s)' % (model_name(m), format_bytes(m.get('size'))) for m in listed) or 'none'
        except OllamaUnreachable:
            resident = 'none (server unreachable)'
        except OllamaError as exc:
            resident = 'unknown (%s)' % exc.msg
        self.fail(self.memgate.shortfall(self.params['wait_timeout'], mem, resident))

    def close_free_gap(self, mem):
        """MemAvailable covers the requirement: MemFree must too (``_pagecache.close_gap``)."""
        try:
            outcome = close_gap(self.required, mem=mem, say=self.note)
        except MeminfoError as exc:
            self.fail('Cannot read the memory figures: %s' % exc)
        self.store_memory(outcome['after'])
        self.result['memory']['caches_dropped'] = bool(outcome['dropped_levels'])
        self.result['memory']['pagecache'] = dict(
            action=outcome['action'], dropped_levels=outcome['dropped_levels'], freed=outcome['freed'],
            free_before=outcome['before'].get('free'), available_before=outcome['before']['available'],
            free_after=outcome['after'].get('free'), available_after=outcome['after']['available'],
            msg=outcome['msg'])
        if outcome['dropped_levels']:
            self.result['changed'] = True
        if not outcome['permitted']:
            self.warn('drop_caches: %s' % outcome['msg'])
        elif not outcome['met']:
            self.fail(outcome['msg'])

    def store_memory(self, mem):
        self.result['memory'].update(total=mem['total'], available=mem['available'], free=mem['free'])
        if self.required is not None:
            self.result['memory']['met'] = mem['available'] >= self.required

    # ------------------------------------------------------------------- main
    def run(self):
        """Validate, evict, gate; return the result (raises BadOption / EvictionFailed)."""
        self.deadline = Deadline(0)
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
            self.warn('Ollama at %s refuses connections; treating it as holding no model (on_unreachable=ok)'
                      % self.params['url'])

        if self.check_mode:
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
                    self.warn('%s; restarting %s' % (why, unit))
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
        if self.want_diff:
            self.result['diff'] = self.diff(before, after or [])
        self.result['elapsed'] = round(self.deadline.elapsed(), 3)
        return self.result

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
            if self.params['drop_caches']:
                gap = predict_free(mem['free'], mem['available'], self.required,
                                   reclaimable=self.result['freed_bytes'])
                self.result['memory']['pagecache_drop'] = gap['drop']
            if not fit['fits']:
                self.warn('After the eviction MemAvailable would be about %s, short of the %s required by %s'
                          % (format_bytes(fit['projected']), format_bytes(self.required),
                             format_bytes(fit['shortfall'])))
        if self.want_diff:
            self.result['diff'] = self.diff(before, after)
        self.result['elapsed'] = round(self.deadline.elapsed(), 3)
        return self.result

    @staticmethod
    def diff(before, after):
        def text(models):
            return ''.join('%s\n' % model_name(m) for m in sorted(models, key=model_name))
        return dict(before=text(before), after=text(after),
                    before_header='ollama /api/ps (before)', after_header='ollama /api/ps (after)')
