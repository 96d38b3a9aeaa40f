#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


DOCUMENTATION = r'''
---
module: vllm_wait
short_description: Wait until vLLM serves (health and one real completion), or say why not
version_added: 0.2.0
description:
  - Polls vLLM's C(/health) until it answers 200, then sends one real completion
    (C(POST /v1/completions), C(max_tokens) 1) of O(model). C(/health) can stay 200 on a wedged
    engine; only a completion proves the server serves.
  - Refused connections are expected while vLLM loads. The wait ends early, with the reason, when
    the O(container) exits or disappears, or when the systemd O(unit) failed or was scheduled for a
    restart (its start failed because the memory gate refused or vLLM died during start-up). A docker daemon
    that does not answer is waited out.
  - On success, reports the KV cache usage from C(/metrics) (C(vllm:kv_cache_usage_perc)).
  - On failure, the result carries the last lines of the unit's journal (the memory gate writes its
    figures there) and of the container's log.
  - The same wait runs on each host as C(ExecStartPost) of C(vllm.service) (role P(openclaw.gx10.vllm#role)).
author:
  - openclaw engineering (@openclaw)
options:
  url:
    description:
      - Base URL of the vLLM server.
    type: str
    default: http://127.0.0.1:8000
  model:
    description:
      - The served model name to send the completion to (vLLM's C(--served-model-name), else the model).
      - Required unless O(completion=false).
    type: str
  api_key:
    description:
      - vLLM's API key (C(--api-key) / C(VLLM_API_KEY)), sent as a bearer token with the completion.
    type: str
  timeout:
    description:
      - Seconds to wait in all, until vLLM serves.
    type: float
    default: 900
  request_timeout:
    description:
      - Seconds to wait for a connection and for each answer (a completion gets at least 30).
    default: 10
  container:
    description:
      - Name of the docker container that runs vLLM; its exit ends the wait early.
    type: str
  unit:
    description:
      - The systemd unit that runs vLLM; its failure ends the wait early.
      - With a unit, the wait ends only once the unit has left C(ExecStartPost) (its own check,
        then releasing a held Ollama), so a start is over when the unit is active.
    type: str
  previous_invocation:
    description:
      - The O(unit)'s C(InvocationID) before a C(systemctl restart --no-block). Until the unit runs
        another invocation, the old server may still answer, so nothing counts as serving.
    type: str
  restart:
    description:
      - Restart O(unit) first (C(systemctl reset-failed), then C(systemctl restart --no-block)) and
        wait for that start; the unit's C(InvocationID) before it is O(previous_invocation).
      - The module is already running when vLLM goes down, so its own start-up, and Ansible's next
        task on the controller, stay out of the restart's downtime (measured with
        C(bench/run.sh downtime) on a 2-core machine that also runs the controller).
      - Requires O(unit). In check mode nothing is restarted, the result says V(changed), and
        nothing is waited for.
    type: bool
    default: false
  completion:
    description:
      - Also require one real completion. V(false) waits for C(/health) 200 only.
    type: bool
    default: true
  log_lines:
    description:
      - How many lines of the unit's journal and of the container's log to return on failure.
    type: int
    default: 40
  from_container:
    description:
      - Take the URL, the served model name and the API key from O(container) itself (its command
        line, port binding and environment), as the memory gate of the role C(openclaw.gx10.vllm)
        does. So a rolled-back container is asked for what it serves, not for what the inventory
        says now.
      - Requires O(container); O(url), O(model) and O(api_key) are not used then.
      - Before the completion (which carries the API key, and which decides whether vLLM serves), the
        listener on the container's host port must be docker's proxy for that container (or none,
        when docker forwards the port with NAT rules); anything else, a local user's process bound
        to the port while vLLM was down, say, ends the wait naming that process and its user, and
        nothing is sent to it.
    type: bool
    default: false
    version_added: 0.2.0
extends_documentation_fragment:
  - openclaw.gx10.common
attributes:
  check_mode:
    description: Without O(restart) the module only reads and runs normally. With O(restart) it
      reports a change and neither restarts nor waits.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
'''

EXAMPLES = r'''
- name: Wait until vLLM serves its model
  openclaw.gx10.vllm_wait:
    url: http://127.0.0.1:8000
    model: qwen3
    api_key: "{{ vllm_api_key }}"
    container: vllm
    unit: vllm.service
    timeout: 900

- name: Restart vLLM's unit and wait until it serves (the module starts before vLLM goes down)
  openclaw.gx10.vllm_wait:
    model: qwen3
    container: vllm
    unit: vllm.service
    restart: true

- name: Only wait for /health
  openclaw.gx10.vllm_wait:
    completion: false
    timeout: 60
'''

RETURN = r'''
serving:
  description: C(/health) answered 200 and the completion succeeded (or O(completion=false)).
  returned: always
  type: bool
healthy:
  description: The last C(/health) answer was 200.
  returned: always
  type: bool
reason:
  description: Why the wait ended, in words.
  returned: always
  type: str
  sample: container vllm exited with code 1
restarted:
  description: O(unit) was restarted by this module (O(restart)).
  returned: always
  type: bool
waited:
  description: Seconds waited.
  returned: always
  type: float
health:
  description: The last C(/health) outcome (V(200), V(503), V(refused), V(timeout), V(error)).
  returned: always
  type: str
completion:
  description: The last completion outcome (HTTP status as text, V(refused)...), or null when none was sent.
  returned: always
  type: str
kv_cache_usage:
  description: The KV cache usage (a fraction; 1.0 is full) when vLLM serves, null when not reported.
  returned: always
  type: float
container:
  description: The container's last observed state (name, exists, state, running, exit_code, image, image_id).
  returned: when O(container) is set
  type: dict
unit:
  description: The unit's last observed state (ActiveState, SubState, Result, NRestarts, ExecMainStatus).
  returned: when O(unit) is set
  type: dict
logs:
  description: The last lines of the unit's journal and of the container's log.
  returned: on failure
  type: dict
'''

from ansible_collections.openclaw.gx10.plugins.module_utils._options import GX10Module
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_record import (
    ContainerSettingsError,
    own_listener_check,
    read_container_settings,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import (
    kv_cache_usage,
    recent_logs,
    unit_state,
    wait_serving,
)


def main():
    client = GX10Module(
        dict(
            url=dict(type='str', default='http://127.0.0.1:8000'),
            model=dict(type='str'),
            api_key=dict(type='str', no_log=True),
            timeout=dict(type='float', default=900),
            request_timeout=dict(default=10),
            container=dict(type='str'),
            unit=dict(type='str'),
            completion=dict(type='bool', default=True),
            previous_invocation=dict(type='str'),
            restart=dict(type='bool', default=False),
            log_lines=dict(type='int', default=40),
            from_container=dict(type='bool', default=False),
        ), timeouts=('timeout', 'request_timeout'),
        required_if=[('restart', True, ('unit',)), ('from_container', True, ('container',))],
        supports_check_mode=True,
    )
    module, params = client.module, client.params

    def run(argv):
        return module.run_command(argv)

    listener_check = None
    if params['from_container']:
        try:
            settings = read_container_settings(run, params['container'])
        except ContainerSettingsError as exc:
            client.fail('from_container: %s' % exc, changed=False)
        if settings['api_key']:
            module.no_log_values.add(settings['api_key'])
        params.update(url=settings['vllm_url'], model=settings['served_model_name'], api_key=settings['api_key'])
        listener_check = own_listener_check(run, params['container'], settings)
    if params['completion'] and not params['model']:
        client.fail('model: required with completion=true (the completion proves vLLM serves)')

    previous = params['previous_invocation']
    if params['restart']:
        if module.check_mode:
            module.exit_json(changed=True, restarted=False, serving=False, healthy=False, waited=0.0,
                             reason='check mode: %s would be restarted' % params['unit'], health=None,
                             completion=None, kv_cache_usage=None)
        previous = previous or unit_state(run, params['unit']).get('InvocationID') or None
        run(['systemctl', 'reset-failed', params['unit']])  # the start limit is for crash loops
        rc, out, err = run(['systemctl', 'restart', '--no-block', params['unit']])
        if rc != 0:
            client.fail('systemctl restart --no-block %s failed (rc=%d): %s'
                        % (params['unit'], rc, (err or out).strip()), changed=False, restarted=False)

    result = wait_serving(
        params['url'], params['timeout'], model=params['model'], api_key=params['api_key'],
        headers=params['headers'], validate_certs=params['validate_certs'],
        request_timeout=params['request_timeout'], container=params['container'], unit=params['unit'],
        run=run, completion_check=params['completion'], previous_invocation=previous,
        listener_check=listener_check)
    result['changed'] = result['restarted'] = params['restart']
    result['kv_cache_usage'] = None
    if not params['container']:
        result.pop('container')
    if not params['unit']:
        result.pop('unit')
    if result['serving']:
        metrics = client.vllm_client().probe('/metrics')
        if metrics['outcome'] == '200':
            result['kv_cache_usage'] = kv_cache_usage(metrics['body'])
        module.exit_json(**result)
    result['logs'] = recent_logs(run, unit=params['unit'], container=params['container'],
                                 lines=params['log_lines'])
    client.fail(result['reason'], **result)


if __name__ == '__main__':
    main()
