# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What openclaw.gx10.memory_info reports, gathered (private to openclaw.gx10).

The module and the metrics exporter on the host (roles/vllm/files/gx10_metrics.py, through the
gate's loader) read the same figures with this code. ``module`` is anything with ``params`` (the
module's options), ``get_bin_path(name)`` and ``run_command(argv)`` -> ``(rc, stdout, stderr)``:
an AnsibleModule, or the exporter's stand-in for one. Standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import platform

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    OllamaClient,
    OllamaError,
    OllamaTimeout,
    OllamaUnreachable,
    summarize,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    describe_fit,
    fraction_bytes,
    predict_fit,
    required_bytes,
    snapshot,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._listener import container_listener_problem
from ansible_collections.openclaw.gx10.plugins.module_utils._pagecache import restart_free_fit
from ansible_collections.openclaw.gx10.plugins.module_utils._urls import URLError, local_port
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import (
    absent_container,
    container_state,
    VLLMClient,
    kv_cache_usage,
    parse_docker_mem_usage,
    unknown_container,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_record import (
    ContainerSettingsError,
    container_addresses,
    container_settings,
    docker_inspect,
)


def ollama_info(module):
    params = module.params
    result = dict(url=params['ollama_url'], reachable=False, status='error', error=None,
                  version=None, models=[], resident_bytes=0)
    client = OllamaClient.from_params(params, url='ollama_url')
    try:
        listed = client.ps()
    except OllamaUnreachable as exc:
        result.update(status='refused', error=exc.msg)
        return result
    except OllamaTimeout as exc:
        result.update(status='timeout', error=exc.msg)
        return result
    except OllamaError as exc:
        result.update(error=exc.msg)
        return result
    result.update(reachable=True, status='ok')
    for entry in listed:
        model = summarize(entry)
        result['models'].append(dict(name=model['name'], size=model['size'], size_vram=model['size_vram'],
                                     expires_at=model['expires_at']))
    result['resident_bytes'] = sum(m['size'] for m in result['models'])
    try:
        result['version'] = client.version()
    except OllamaError:
        pass
    return result


def _inspected_image_id(inspect_output):
    """The image ID (``.Image``) of the container in ``docker inspect`` output, or None."""
    try:
        data = json.loads(inspect_output)
    except ValueError:
        return None
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict) or not isinstance(data.get('Image'), str):
        return None
    return data['Image'] or None


def host_info(module):
    """The kernel release and the GPU driver version, where nvidia-smi answers."""
    result = dict(kernel=platform.release() or None, gpu_driver=None, gpu_driver_error=None)
    smi = module.get_bin_path('nvidia-smi')
    if not smi:
        return result
    rc, out, err = module.run_command([smi, '--query-gpu=driver_version', '--format=csv,noheader'])
    versions = []
    for line in (out or '').splitlines():
        line = line.strip()
        if line and line not in versions:
            versions.append(line)
    if rc == 0 and versions:
        result['gpu_driver'] = ', '.join(versions)
    else:
        result['gpu_driver_error'] = 'nvidia-smi failed (rc=%d): %s' % (rc, ((err or out or '').strip())[:300])
    return result


def docker_run(module):
    """The docker CLI as the rest of the collection runs it, ``run(['docker', ...]) -> (rc,
    stdout, stderr)``, through the module's ``run_command`` and the CLI's path; None when it is
    not installed."""
    docker = module.get_bin_path('docker')
    if not docker:
        return None
    return lambda argv: module.run_command([docker] + list(argv[1:]))


def docker_container(module, run):
    name = module.params['vllm_container_name']
    if run is None:
        return dict(unknown_container(name), memory_usage=None, image_id=None, image_digests=None,
                    error='the docker CLI is not installed')
    rc, out, err = docker_inspect(run, name)
    if rc != 0:
        text = (err or out or '').strip()
        if 'no such' in text.lower():
            return dict(absent_container(name), memory_usage=None, image_id=None, image_digests=None, error=None)
        return dict(unknown_container(name), memory_usage=None, image_id=None, image_digests=None,
                    error='docker inspect %s failed (rc=%d): %s' % (name, rc, text[:300]))
    try:
        state = container_state(out, name)
    except ValueError as exc:
        return dict(unknown_container(name), memory_usage=None, image_id=None, image_digests=None,
                    error='docker inspect %s printed no JSON: %s' % (name, exc))
    state.update(memory_usage=None, error=None, image_id=None, image_digests=None)
    image_id = _inspected_image_id(out)
    if image_id:
        state['image_id'] = image_id
        rc, digests, err = run(['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', image_id])
        if rc == 0:
            try:
                state['image_digests'] = sorted(json.loads(digests) or [])
            except (ValueError, TypeError):
                pass
    if state['running']:
        rc, out, err = run(['docker', 'stats', '--no-stream', '--format', '{{.MemUsage}}', name])
        if rc == 0:
            state['memory_usage'] = parse_docker_mem_usage(out)
        if state['memory_usage'] is None:
            state['error'] = 'docker stats %s gave no memory figure (rc=%d): %s' % (name, rc, (err or out).strip()[:300])
    return state


def key_listener_problem(module, url, run):
    """Why the API key must not go to what listens on ``url``, or None. On this host the listener
    must be docker's proxy for the vLLM container (or nothing: NAT): while vLLM is stopped any
    local user can bind its port. A URL of another host is not this host's to check."""
    try:
        port = local_port(url, 'vllm_url')
    except URLError as exc:
        return str(exc)
    if port is None:
        return None
    name = module.params['vllm_container_name']
    if run is None:
        return 'the docker CLI is not installed, so the listener on port %s cannot be proved to be container %s' % (port, name)
    rc, out, err = docker_inspect(run, name)
    addresses, container_port = [], port
    if rc == 0:
        try:
            addresses, container_port = container_addresses(out), container_settings(out, name)['port']
        except (ContainerSettingsError, ValueError) as exc:
            return 'container %s cannot be read (%s), so the listener on port %s cannot be proved to be it' % (name, exc, port)
    return container_listener_problem(port, name, addresses, container_port)


def vllm_info(module):
    params = module.params
    url = params['vllm_url']
    run = docker_run(module)
    # The API key goes with /v1/models only, through the transport's listener check.
    client = VLLMClient.from_params(params, url='vllm_url', api_key=params['api_key'],
                                    listener=lambda: key_listener_problem(module, url, run))
    result = dict(url=url, container=docker_container(module, run), health=None, healthy=False, health_error=None,
                  kv_cache_usage=None, version=None, models=None, models_error=None)
    health = client.probe('/health')
    result.update(health=health['outcome'], healthy=health['status'] == 200, health_error=health['error'])
    if health['status'] is None:
        # nothing answers: /metrics and the rest would only repeat the same refusal or timeout
        result['models_error'] = health['error']
        return result
    metrics = client.probe('/metrics')
    if metrics['status'] == 200:
        result['kv_cache_usage'] = kv_cache_usage(metrics['body'])
    version = client.probe('/version')
    if version['status'] == 200:
        try:
            result['version'] = json.loads(version['body']).get('version')
        except (ValueError, AttributeError):
            pass
    models = client.probe('/v1/models', keyed=True)
    if models['outcome'] == 'unproven':
        result['models_error'] = 'the API key was not sent: %s' % models['error']
    elif models['status'] == 200:
        try:
            result['models'] = [m.get('id') for m in json.loads(models['body']).get('data') or []]
        except (ValueError, AttributeError):
            result['models_error'] = '/v1/models did not answer a JSON model list'
    else:
        result['models_error'] = models['error']
    return result


def restart_fit(memory, ollama, vllm, fraction, margin):
    requested = fraction_bytes(memory['total'], fraction)
    required = required_bytes(memory['total'], fraction=fraction, margin=margin)
    from_ollama = ollama['resident_bytes']
    container = vllm['container']
    from_vllm = (container.get('memory_usage') or 0) if container.get('running') else 0
    fit = predict_fit(memory['available'], required, ollama_resident_bytes=from_ollama,
                      other_reclaimable_bytes=from_vllm)
    complete = ollama['status'] in ('ok', 'refused') and container['exists'] is not None and \
        not (container.get('running') and container.get('memory_usage') is None)
    result = dict(gpu_memory_utilization=fraction, margin=margin, requested=requested, required=fit['required'],
                  available_now=memory['available'], reclaimable_ollama=from_ollama, reclaimable_vllm=from_vllm,
                  reclaimable=from_ollama + from_vllm, projected=fit['projected'], would_fit=fit['fits'],
                  shortfall=fit['shortfall'], complete=complete)
    # MemFree too: the page cache the gate would drop before the start (_pagecache, the gate's rule)
    result.update(restart_free_fit(memory, result))
    # The figures in words, formatted once here (the gated restart prints this).
    names = [m.get('name') for m in ollama.get('models') or []]
    result['summary'] = '%s %s' % (describe_fit(result, memory['total'], names), result.pop('pagecache_summary'))
    return result


def collect(module, fraction, margin):
    """The whole report (memory, ollama, vllm, host, restart_fit), as memory_info returns it.
    An unreadable /proc/meminfo raises _memory.MeminfoError."""
    ollama = ollama_info(module)
    vllm = vllm_info(module)
    memory = snapshot()
    return dict(memory=memory, ollama=ollama, vllm=vllm, host=host_info(module),
                restart_fit=restart_fit(memory, ollama, vllm, fraction, margin))
