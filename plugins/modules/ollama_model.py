#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


DOCUMENTATION = r'''
---
module: ollama_model
short_description: Make sure Ollama has (or no longer has) the named models on disk
version_added: 0.2.0
description:
  - Pulls the models named in O(name) that C(GET /api/tags) does not list (O(state=present)),
    or deletes those it lists (O(state=absent)). Names are compared the way Ollama compares them
    (C(tiny) is C(tiny:latest); C(registry.ollama.ai/library/tiny) is C(tiny:latest)), together
    with the digest C(/api/tags) gives, so a second run changes nothing.
  - A pull only downloads (C(POST /api/pull)); it never loads the model into memory, so it never
    takes memory from vLLM. The module never calls C(/api/generate) or C(/api/embed) to load.
  - Each model is pulled on its own, in the order given. A failed pull (registry error, deadline)
    is reported with the model's name and the error Ollama relayed from the registry; the other
    models are still pulled, and the task fails at the end. Ollama writes a model's manifest only
    after every layer is downloaded and verified, so a failed pull leaves nothing listed.
  - 'With O(update=true), a model that is present is compared with its registry: the module fetches
    the manifest Ollama would fetch (C(GET /v2/<namespace>/<model>/manifests/<tag>)) and compares
    its sha256 with the digest C(/api/tags) lists (Ollama stores the manifest it pulled, so the two
    are equal while the registry has not changed). When they differ, the model is pulled again
    (only the changed layers are downloaded). When the registry cannot be reached from the managed
    host, Ollama itself is asked to pull (it may have a proxy the module lacks), and the task
    reports a change only if the digest changed.'
  - Deleting a model that Ollama holds in memory first evicts it (C(keep_alive 0), as
    M(openclaw.gx10.ollama_unload) does); a model deleted while loaded could not be evicted later.
author:
  - openclaw engineering (@openclaw)
attributes:
  check_mode:
    description: Reports what would be pulled, updated or removed; changes nothing. With O(update=true) the registry is asked (read-only).
    support: full
  diff_mode:
    description: Shows the named models with their digests before and after.
    support: full
options:
  name:
    description:
      - Model names, as C(ollama pull) takes them, for example V(qwen3:32b),
        V(registry.example.com:5000/library/qwen3:32b). A name without a tag means C(latest).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) pulls missing models; V(absent) deletes listed ones.
    type: str
    choices: [present, absent]
    default: present
  update:
    description:
      - With O(state=present), also pull a model that is present when the registry's manifest
        digest differs from the local one (the model changed upstream). See the description.
    type: bool
    default: false
  insecure:
    description:
      - Let Ollama pull over plain HTTP (Ollama's C(insecure) pull option), for a local registry.
        The registry check of O(update) then uses http too.
    type: bool
    default: false
  pull_timeout:
    description:
      - Deadline in seconds for each pull. At the deadline the module closes the connection, which
        makes Ollama abandon the pull; the model is reported as failed.
      - Ollama retries a broken download for about a minute by itself before it reports an error.
    type: float
    default: 3600
  url:
    description:
      - Base URL of the Ollama server (http or https).
    type: str
    default: http://127.0.0.1:11434
  request_timeout:
    description:
      - Seconds to wait for a connection and for an answer to each request other than a pull
        (C(/api/tags), C(/api/show), C(/api/delete), the registry check).
    type: float
    default: 30
  validate_certs:
    description:
      - Verify the TLS certificate of an https O(url).
    type: bool
    default: true
  headers:
    description:
      - Extra HTTP headers sent to Ollama, for example an C(Authorization) header for a proxy in
        front of it. Not sent to the registry.
    type: dict
notes:
  - A pull the deadline cut short can leave partial blob files in Ollama's model store; Ollama
    resumes from them on the next pull and prunes unused blobs when it starts.
  - In check mode an Ollama that refuses connections is taken to have no models (with a warning),
    so that a first C(--check) run before Ollama is installed reports what would be pulled.
seealso:
  - module: openclaw.gx10.ollama_unload
  - name: Ollama API
    description: C(/api/pull), C(/api/tags), C(/api/delete).
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
'''

EXAMPLES = r'''
- name: The fallback models are on the host
  openclaw.gx10.ollama_model:
    name:
      - qwen3:32b
      - nomic-embed-text
  register: pulled

- name: Show what the pulls cost
  ansible.builtin.debug:
    msg: "{{ pulled.models | selectattr('action', 'equalto', 'pulled') | map(attribute='bytes') | sum }} bytes"

- name: Pull again what changed upstream
  openclaw.gx10.ollama_model:
    name: [qwen3:32b]
    update: true

- name: From a registry on the local network (plain HTTP)
  openclaw.gx10.ollama_model:
    name: [registry.lan:5000/library/qwen3:32b]
    insecure: true
    pull_timeout: 1800

- name: No longer wanted
  openclaw.gx10.ollama_model:
    name: [llama3:8b]
    state: absent
'''

RETURN = r'''
changed:
  description: Whether a model was pulled, updated or removed (in check mode, would be).
  returned: always
  type: bool
  sample: true
models:
  description: One entry per name, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name as Ollama lists it.
      type: str
      sample: qwen3:32b
    requested:
      description: The name as given.
      type: str
      sample: qwen3:32b
    action:
      description:
        - V(pulled), V(updated) (pulled again, digest changed), V(removed), V(none), V(failed);
          in check mode V(would_pull), V(would_update), V(would_remove) or V(none).
      type: str
      sample: pulled
    digest_before:
      description: The digest C(/api/tags) listed before (without C(sha256:)), V(null) when absent.
      type: str
      sample: null
    digest_after:
      description: The digest after (in check mode, the registry's when known), V(null) when absent.
      type: str
      sample: 6f0f4bc6a4a7c6b2b9c1f0c6d6a4f0e2b0b6f4c2c7e0a9a0b3e1f2d6c5b4a3f2
    registry_digest:
      description: With O(update=true), the digest of the registry's manifest; V(null) when not asked or unknown.
      type: str
      sample: null
    bytes:
      description: Size of the model's layers as the pull reported them (0 without a pull).
      type: int
      sample: 20201233408
    completed_bytes:
      description: Bytes the pull had when it ended (less than RV(models[].bytes) for a failed pull).
      type: int
      sample: 20201233408
    seconds:
      description: Seconds the pull (or removal) took.
      type: float
      sample: 312.4
    details:
      description: C(details) from C(/api/show) after a pull (format, family, parameter size, quantization).
      type: dict
      sample: {format: gguf, family: qwen3, parameter_size: 32.8B, quantization_level: Q4_K_M}
    error:
      description: Why it failed (the registry's error as Ollama relayed it), else V(null).
      type: str
      sample: null
pulled:
  description: Names pulled or updated (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [qwen3:32b]
removed:
  description: Names removed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: []
failed_models:
  description: Names whose pull or removal failed.
  returned: always
  type: list
  elements: str
  sample: []
elapsed:
  description: Seconds the module took.
  returned: always
  type: float
  sample: 312.9
'''

import time

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    OllamaError,
    OllamaHTTPError,
    OllamaPullError,
    OllamaUnreachable,
    fetch_manifest,
    model_name,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._ollama_names import (
    ModelNameError,
    manifest_digests,
    parse_model_name,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._options import GX10Module

POLL_START = 0.005
POLL_MAX = 0.25


def _hex(digest):
    digest = (digest or '').strip().lower()
    return digest[len('sha256:'):] if digest.startswith('sha256:') else (digest or None)


class ModelManager(object):

    def __init__(self, gx10):
        self.gx10 = gx10
        self.module = gx10.module
        self.params = gx10.params
        self.started = time.time()
        self.client = gx10.ollama_client()
        self.result = dict(changed=False, models=[], pulled=[], removed=[], failed_models=[], elapsed=0.0)

    def finish(self, failed_msg=None, **extra):
        self.result['elapsed'] = round(time.time() - self.started, 3)
        self.result.update(extra)
        if failed_msg:
            self.gx10.fail(failed_msg, **self.result)
        self.module.exit_json(**self.result)

    # --------------------------------------------------------------- validation
    def validate(self):
        params = self.params
        if params['update'] and params['state'] == 'absent':
            self.gx10.fail('update: only applies to state=present')
        wanted = []
        bad = []
        seen = set()
        for raw in params['name']:
            try:
                parsed_name = parse_model_name(raw)
            except ModelNameError as exc:
                bad.append(to_native(exc))
                continue
            key = parsed_name['display'].lower()
            if key in seen:
                continue
            seen.add(key)
            wanted.append((raw, parsed_name['display']))
        if bad:
            self.gx10.fail('name: %s. Use [host/][namespace/]model[:tag], e.g. qwen3:32b.' % '; '.join(bad))
        if not wanted:
            self.gx10.fail('name: give at least one model name')
        return wanted

    # -------------------------------------------------------------------- state
    def local_models(self, warn_unreachable):
        """{lower display name: digest hex} from /api/tags."""
        try:
            tags = self.client.tags()
        except OllamaUnreachable as exc:
            if warn_unreachable:
                self.module.warn('Ollama at %s refuses connections; check mode takes it to have no models: %s'
                                 % (self.params['url'], exc.msg))
                return {}
            self.finish('Ollama at %s refuses connections, so no model can be %s: %s'
                        % (self.params['url'], 'pulled' if self.params['state'] == 'present' else 'removed', exc.msg))
        except OllamaError as exc:
            self.finish('Cannot list the models Ollama has (GET /api/tags): %s' % exc.msg)
        local = {}
        for entry in tags:
            name = model_name(entry)
            try:
                key = parse_model_name(name)['display'].lower()
            except ModelNameError:
                key = name.lower()
            local[key] = _hex(entry.get('digest'))
        return local

    def registry_digests(self, display):
        """(digests list or None, error text or None) of the registry's manifest for ``display``."""
        try:
            dummy, body = fetch_manifest(display, insecure=self.params['insecure'],
                                         timeout=self.params['request_timeout'])
            return [_hex(d) for d in manifest_digests(body)], None
        except (OllamaError, ValueError) as exc:
            return None, getattr(exc, 'msg', None) or to_native(exc)

    # ------------------------------------------------------------------ actions
    def evict(self, display):
        """Evict ``display`` if Ollama holds it: a model deleted while loaded can never be evicted."""
        try:
            resident = [m for m in self.client.ps() if model_name(m).lower() == display.lower()]
        except OllamaError:
            return
        if not resident:
            return
        self.client.unload(display)
        deadline = time.time() + self.params['request_timeout']
        interval = POLL_START
        while time.time() < deadline:
            if not [m for m in self.client.ps() if model_name(m).lower() == display.lower()]:
                return
            time.sleep(interval)
            interval = min(interval * 2, POLL_MAX)
        raise OllamaError('%s is still listed in /api/ps %s s after the unload request; not deleted'
                          % (display, self.params['request_timeout']))

    def pull(self, entry):
        display = entry['name']
        try:
            summary = self.client.pull(display, insecure=self.params['insecure'],
                                       timeout=self.params['pull_timeout'])
        except OllamaPullError as exc:
            entry.update(bytes=exc.progress.get('bytes', 0), completed_bytes=exc.progress.get('completed_bytes', 0),
                         error=exc.error if not exc.timed_out else exc.msg)
            return False
        except OllamaError as exc:
            entry['error'] = getattr(exc, 'error', None) or exc.msg
            return False
        entry.update(bytes=summary['bytes'], completed_bytes=summary['completed_bytes'], seconds=summary['seconds'])
        return True

    # --------------------------------------------------------------------- main
    def run(self):
        wanted = self.validate()
        check = self.module.check_mode
        state = self.params['state']
        before = self.local_models(warn_unreachable=check)
        for requested, display in wanted:
            key = display.lower()
            entry = dict(name=display, requested=requested, action='none', digest_before=before.get(key),
                         digest_after=before.get(key), registry_digest=None, bytes=0, completed_bytes=0,
                         seconds=0.0, details=None, error=None)
            self.result['models'].append(entry)
            present = key in before
            if state == 'absent':
                if present:
                    entry['action'] = 'would_remove' if check else 'remove'
                continue
            if not present:
                entry['action'] = 'would_pull' if check else 'pull'
                continue
            if not self.params['update']:
                continue
            digests, error = self.registry_digests(display)
            if digests:
                entry['registry_digest'] = digests[0]
                if entry['digest_before'] not in digests:
                    entry['action'] = 'would_update' if check else 'update'
                    if check:
                        entry['digest_after'] = digests[0]
            elif check:
                self.module.warn('update: cannot read the registry manifest of %s (%s); cannot tell whether '
                                 'it changed upstream' % (display, error))
            else:
                # the registry may only be reachable through Ollama's own proxy settings
                entry['action'] = 'update'
                self.module.warn('update: cannot read the registry manifest of %s (%s); asking Ollama to pull it '
                                 'and comparing the digests' % (display, error))

        if check:
            self.result['pulled'] = [e['name'] for e in self.result['models'] if e['action'] in ('would_pull', 'would_update')]
            self.result['removed'] = [e['name'] for e in self.result['models'] if e['action'] == 'would_remove']
            self.result['changed'] = bool(self.result['pulled'] or self.result['removed'])
            for entry in self.result['models']:
                if entry['action'] == 'would_pull':
                    entry['digest_after'] = None
                elif entry['action'] == 'would_remove':
                    entry['digest_after'] = None
            return self.done(before)

        for entry in self.result['models']:
            action = entry['action']
            started = time.time()
            if action == 'remove':
                try:
                    self.evict(entry['name'])
                    self.client.delete(entry['name'])
                    entry.update(action='removed', digest_after=None)
                    self.result['removed'].append(entry['name'])
                except OllamaHTTPError as exc:
                    if exc.status == 404:  # gone meanwhile: the state is reached
                        entry.update(action='none', digest_after=None)
                    else:
                        entry.update(action='failed', error=exc.error or exc.msg)
                except OllamaError as exc:
                    entry.update(action='failed', error=exc.msg)
                entry['seconds'] = round(time.time() - started, 3)
            elif action in ('pull', 'update'):
                ok = self.pull(entry)
                entry['seconds'] = entry.get('seconds') or round(time.time() - started, 3)
                if not ok:
                    entry['action'] = 'failed'
                    continue
                after = self.local_models(warn_unreachable=False)
                digest = after.get(entry['name'].lower())
                if digest is None:
                    entry.update(action='failed', error='the pull reported success but /api/tags does not list %s'
                                 % entry['name'])
                    continue
                entry['digest_after'] = digest
                if action == 'pull':
                    entry['action'] = 'pulled'
                elif digest != entry['digest_before']:
                    entry['action'] = 'updated'
                else:
                    entry['action'] = 'none'
                if entry['action'] != 'none':
                    self.result['pulled'].append(entry['name'])
                    try:
                        entry['details'] = self.client.show(entry['name']).get('details')
                    except OllamaError as exc:
                        entry['action'] = 'failed'
                        entry['error'] = 'pulled, but Ollama cannot read it (POST /api/show): %s' % exc.msg
        self.result['changed'] = bool(self.result['pulled'] or self.result['removed'])
        failed = [e for e in self.result['models'] if e['action'] == 'failed']
        self.result['failed_models'] = [e['name'] for e in failed]
        return self.done(before, failed)

    def done(self, before, failed=None):
        if self.module._diff:
            after = dict(before)
            for entry in self.result['models']:
                key = entry['name'].lower()
                if entry['digest_after'] is None:
                    after.pop(key, None)
                else:
                    after[key] = entry['digest_after']
            names = sorted(set(e['name'].lower() for e in self.result['models']))

            def text(models):
                return ''.join('%s %s\n' % (n, models[n]) for n in names if n in models)
            self.result['diff'] = dict(before=text(before), after=text(after),
                                       before_header='ollama /api/tags (before)', after_header='ollama /api/tags (after)')
        if failed:
            verb = 'pull' if self.params['state'] == 'present' else 'removal'
            self.finish('%s %s failed: %s; the other models were left as they are'
                        % (', '.join(e['name'] for e in failed), verb,
                           '; '.join('%s: %s' % (e['name'], e['error']) for e in failed)))
        self.finish()


def main():
    # url, request_timeout, validate_certs and headers are the shared options (_options), documented
    # here in this module's own words (headers are not sent to the registry).
    gx10 = GX10Module(
        dict(
            name=dict(type='list', elements='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            update=dict(type='bool', default=False),
            insecure=dict(type='bool', default=False),
            pull_timeout=dict(type='float', default=3600),
            url=dict(type='str', default='http://127.0.0.1:11434'),
        ),
        timeouts=('pull_timeout', 'request_timeout'),
        supports_check_mode=True,
    )
    ModelManager(gx10).run()


if __name__ == '__main__':
    main()
