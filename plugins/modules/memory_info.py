#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


DOCUMENTATION = r'''
---
module: memory_info
short_description: Report unified memory, what Ollama holds, the vLLM container, and whether a vLLM restart would fit
version_added: 0.1.0
description:
  - Reads C(MemTotal), C(MemAvailable) and C(MemFree) from C(/proc/meminfo), the models Ollama holds
    (C(GET /api/ps)), the state of the vLLM container (C(docker inspect)), vLLM's C(/health) and its KV
    cache usage (C(vllm:kv_cache_usage_perc) in C(/metrics)).
  - Predicts whether a restart of vLLM would fit right now, with the same arithmetic as the memory gate
    of M(openclaw.gx10.ollama_unload) and the vLLM role, C(ceil(MemTotal * gpu_memory_utilization) + margin)
    needed as C(MemAvailable), against what is available now plus what the restart frees first (the
    models Ollama holds and the memory of the running vLLM container).
  - Also what drifts across a fleet - the kernel, the GPU driver (C(nvidia-smi), where present), the vLLM
    image (tag, ID and repository digests), vLLM's C(/version) and Ollama's C(/api/version).
  - Read-only. A service that is down, starting or hung is reported, never a failure; only an unreadable
    C(/proc/meminfo) or invalid options fail the task.
author:
  - openclaw engineering (@openclaw)
requirements:
  - Linux (reads C(/proc/meminfo))
  - The C(docker) CLI for the container state (optional; without it the state is V(unknown)).
  - C(nvidia-smi) for the GPU driver version (optional; without it RV(host.gpu_driver) is V(null)).
options:
  ollama_url:
    description:
      - Base URL of the Ollama server.
    type: str
    default: http://127.0.0.1:11434
  vllm_url:
    description:
      - Base URL of the vLLM server (its OpenAI-compatible API port).
    type: str
    default: http://127.0.0.1:8000
  vllm_container_name:
    description:
      - Name of the vLLM docker container, inspected with C(docker inspect --type container) and measured
        with C(docker stats --no-stream) when it runs.
      - When the C(docker) CLI is missing or the daemon does not answer, the state is V(unknown).
    type: str
    default: vllm
  gpu_memory_utilization:
    description:
      - The C(--gpu-memory-utilization) vLLM starts with; vLLM asks for C(ceil(MemTotal * gpu_memory_utilization))
        bytes of C(MemAvailable) on an integrated GPU such as GB10.
      - Must be in (0, 1].
    type: float
    default: 0.90
  request_timeout:
    description:
      - Seconds to wait for a connection and for each answer from Ollama and vLLM. A server that does not
        answer in time is reported as V(timeout).
    default: 10
  api_key:
    description:
      - The vLLM API key (C(--api-key)), sent as a bearer token (C(Authorization) header) to C(/v1/models)
        only; C(/health) and C(/metrics) need none.
      - When O(vllm_url) is on this host the key is sent only to docker's proxy for the container
        O(vllm_container_name) (or when nothing listens - docker forwards with NAT rules); to anything else on that
        port it is not sent, and RV(vllm.models_error) names the process and its user. Reading other users'
        sockets needs root (C(become)).
    type: str
  kv_cache_memory:
    description:
      - The pinned KV cache vLLM starts with (C(--kv-cache-memory-bytes)), bytes or a size (C(24GiB)). With it, vLLM no
        longer keeps to C(ceil(MemTotal * gpu_memory_utilization)); RV(restart_fit.kv_cache) then says whether the
        weights (O(model) in O(hf_cache_dir)) + this + 4 GiB of overhead fit in that budget, and the summary says it too.
    type: str
    version_added: 0.2.0
  model:
    description: The model vLLM serves (a Hugging Face id), whose weight files in O(hf_cache_dir) estimate its weights.
    type: str
    version_added: 0.2.0
  hf_cache_dir:
    description: The host directory mounted as the container's Hugging Face cache (C(HF_HOME)); the files are under C(hub/).
    type: str
    default: /root/.cache/huggingface
    version_added: 0.2.0
extends_documentation_fragment:
  - openclaw.gx10.common
  - openclaw.gx10.common.read_only
  - openclaw.gx10.common.margin
notes:
  - RV(restart_fit.reclaimable_vllm) is the container's memory as C(docker stats) reports it (its cgroup);
    memory a driver holds outside the cgroup is not counted, so the prediction errs on the safe side.
  - An Ollama that refuses connections holds nothing. An Ollama that times out or answers garbage may hold
    memory this module cannot see; RV(restart_fit.complete) is then V(false).
seealso:
  - module: openclaw.gx10.ollama_unload
  - name: Ollama API
    description: The C(/api/ps) endpoint.
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
'''

EXAMPLES = r'''
- name: Read the memory figures of a GX10 host
  openclaw.gx10.memory_info:
  register: mem

- name: Say whether vLLM could be restarted now
  ansible.builtin.debug:
    msg: >-
      {{ 'fits' if mem.restart_fit.would_fit else 'short by %d bytes' % mem.restart_fit.shortfall }};
      Ollama holds {{ mem.ollama.models | map(attribute='name') | join(', ') or 'nothing' }}

- name: vLLM on another port with an API key, the fleet's lower utilization
  openclaw.gx10.memory_info:
    vllm_url: http://127.0.0.1:8001
    vllm_container_name: vllm-qwen
    api_key: "{{ vllm_api_key }}"
    gpu_memory_utilization: 0.85
    margin: 3GiB
    request_timeout: 5
  register: mem
'''

RETURN = r'''
changed:
  description: Always V(false).
  returned: always
  type: bool
  sample: false
memory:
  description: Figures from C(/proc/meminfo), in bytes.
  returned: always
  type: dict
  contains:
    total:
      description: C(MemTotal).
      type: int
      sample: 128352665600
    available:
      description: C(MemAvailable), the figure that answers "will it fit" on GB10.
      type: int
      sample: 98624020480
    free:
      description: C(MemFree) (what C(cudaMemGetInfo) follows; page cache counts as used).
      type: int
      sample: 3084742656
ollama:
  description: What the Ollama server holds.
  returned: always
  type: dict
  contains:
    url:
      description: The URL asked.
      type: str
      sample: http://127.0.0.1:11434
    reachable:
      description: Whether C(/api/ps) answered.
      type: bool
      sample: true
    status:
      description: V(ok), V(refused) (nothing listens, so nothing is resident), V(timeout) or V(error).
      type: str
      sample: ok
    error:
      description: What went wrong; V(null) when reachable.
      type: str
      sample: null
    version:
      description: The server's version (C(/api/version)); V(null) when it did not say.
      type: str
      sample: 0.5.4
    models:
      description: The resident models as C(/api/ps) lists them.
      type: list
      elements: dict
      contains:
        name:
          description: Name of the model.
          type: str
          sample: qwen3:32b
        size:
          description: Bytes the model takes.
          type: int
          sample: 21474836480
        size_vram:
          description: Bytes of it in GPU memory.
          type: int
          sample: 21474836480
        expires_at:
          description: When Ollama evicts it unless used again (RFC 3339).
          type: str
          sample: "2025-01-01T14:00:00.000000+00:00"
    resident_bytes:
      description: Sum of RV(ollama.models[].size).
      type: int
      sample: 21474836480
vllm:
  description: The vLLM server and its container.
  returned: always
  type: dict
  contains:
    url:
      description: The URL asked.
      type: str
      sample: http://127.0.0.1:8000
    container:
      description: The container, from C(docker inspect).
      type: dict
      contains:
        name:
          description: Its name.
          type: str
          sample: vllm
        exists:
          description: Whether it exists; V(null) when docker could not be asked.
          type: bool
          sample: true
        state:
          description: Docker's C(State.Status) (V(running), V(exited), V(restarting)...), V(absent) or V(unknown).
          type: str
          sample: running
        running:
          description: Whether it runs; V(null) when unknown.
          type: bool
          sample: true
        started_at:
          description: When it last started.
          type: str
          sample: "2025-01-01T12:00:00.123456789Z"
        image:
          description: Its image.
          type: str
          sample: vllm/vllm-openai:v0.21.0
        image_id:
          description: The ID of the image it runs (C(docker inspect) C(.Image)).
          type: str
          sample: sha256:0c2b8a9d1e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b
        image_digests:
          description:
            - The repository digests of that image (C(docker image inspect) C(.RepoDigests)); empty for an
              image built on the host, V(null) when unknown.
          type: list
          elements: str
          sample: [vllm/vllm-openai@sha256:6b1e0c8f2a3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f]
        id:
          description: Its ID.
          type: str
          sample: 3fd2a7f6e8f5b0c6d1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708
        memory_usage:
          description: Bytes it uses (C(docker stats)); V(null) when not running or unknown.
          type: int
          sample: 104857600000
        error:
          description: Why the state is unknown.
          type: str
          sample: null
    health:
      description:
        - The outcome of C(GET /health) - the HTTP status as text (V(200) ready, V(503) engine dead),
          V(refused) (nothing listens; vLLM refuses connections while it loads), V(timeout) or V(error).
      type: str
      sample: "200"
    healthy:
      description: Whether C(/health) answered 200.
      type: bool
      sample: true
    health_error:
      description: What went wrong with C(/health); V(null) on 200.
      type: str
      sample: null
    kv_cache_usage:
      description:
        - C(vllm:kv_cache_usage_perc) from C(/metrics), a fraction (V(1.0) is full); the fullest engine
          when there are several. V(null) when C(/metrics) did not answer or lacks the metric.
      type: float
      sample: 0.125
    version:
      description: C(/version); V(null) when it did not answer.
      type: str
      sample: 0.21.0
    models:
      description: The served model names (C(/v1/models)); V(null) when it did not answer.
      type: list
      elements: str
      sample: [Qwen/Qwen3.5-35B-A3B-FP8]
    models_error:
      description: Why RV(vllm.models) is V(null), for example a 401 without O(api_key).
      type: str
      sample: null
host:
  description: What else drifts across a fleet.
  returned: always
  type: dict
  contains:
    kernel:
      description: The running kernel's release (C(uname -r)).
      type: str
      sample: 6.11.0-1016-nvidia
    gpu_driver:
      description:
        - The NVIDIA driver version (C(nvidia-smi --query-gpu=driver_version --format=csv,noheader)); the
          distinct versions joined with C(, ) when GPUs differ. V(null) without C(nvidia-smi) or when it fails.
      type: str
      sample: "580.95.05"
    gpu_driver_error:
      description: Why RV(host.gpu_driver) is V(null) although C(nvidia-smi) is installed.
      type: str
      sample: null
restart_fit:
  description: Whether a vLLM restart would fit now (the arithmetic of the memory gate).
  returned: always
  type: dict
  contains:
    gpu_memory_utilization:
      description: O(gpu_memory_utilization).
      type: float
      sample: 0.9
    margin:
      description: O(margin) in bytes.
      type: int
      sample: 3221225472
    requested:
      description: C(ceil(MemTotal * gpu_memory_utilization)), what vLLM asks for.
      type: int
      sample: 115517399040
    required:
      description: RV(restart_fit.requested) plus the margin.
      type: int
      sample: 118738624512
    available_now:
      description: C(MemAvailable) now.
      type: int
      sample: 98624020480
    reclaimable_ollama:
      description: Bytes the Ollama models take (freed by the eviction before the restart).
      type: int
      sample: 21474836480
    reclaimable_vllm:
      description: Bytes the running vLLM container uses (freed when it stops); 0 when it does not run.
      type: int
      sample: 0
    reclaimable:
      description: RV(restart_fit.reclaimable_ollama) plus RV(restart_fit.reclaimable_vllm).
      type: int
      sample: 21474836480
    projected:
      description: RV(restart_fit.available_now) plus RV(restart_fit.reclaimable).
      type: int
      sample: 120098856960
    would_fit:
      description: Whether RV(restart_fit.projected) reaches RV(restart_fit.required).
      type: bool
      sample: true
    shortfall:
      description: Bytes missing; 0 when it fits.
      type: int
      sample: 0
    complete:
      description: V(false) when Ollama or the vLLM container could not be read, so that something may hold memory
        the prediction does not know about.
      type: bool
      sample: true
    free_now:
      description: C(MemFree) now.
      type: int
      sample: 3084742656
    projected_free:
      description:
        - RV(restart_fit.free_now) plus RV(restart_fit.reclaimable) - C(MemFree) once the restart freed what it frees;
          the page cache stays.
      type: int
      sample: 24559579136
    pagecache_drop:
      description:
        - Bytes of page cache the gate would drop before the start so that C(MemFree) reaches RV(restart_fit.required)
          too (on GB10 the driver allocates from free pages); 0 when C(MemFree) covers it or when the start does not
          fit anyway. The summary then says C(fits after dropping N GiB of page cache).
      type: int
      sample: 94179045376
    summary:
      description: The prediction in words, with every figure (what the gated restart prints or refuses with).
      type: str
      sample: "Needed ceil(MemTotal x 0.85) = 101.59 GiB + margin 3.00 GiB = 104.59 GiB (112303390720 bytes); ..."
    kv_cache:
      description:
        - With O(kv_cache_memory) only - C(budget) (C(ceil(MemTotal * gpu_memory_utilization))), C(kv_cache), C(weights)
          (bytes of the model's weight files in the Hugging Face cache, V(null) when unknown), C(overhead), C(needed),
          C(spare) (negative when over), C(fits) (V(null) when the weights are unknown), C(max_kv_cache), C(summary).
      type: dict
      returned: when O(kv_cache_memory) is set
      version_added: 0.2.0
'''

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.openclaw.gx10.plugins.module_utils._options import GX10Module
from ansible_collections.openclaw.gx10.plugins.module_utils._memory import (
    MeminfoError,
    SizeError,
    UtilizationError,
    parse_size,
    parse_utilization,
    snapshot,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm_kv import kv_cache_fit, weights_in_hf_cache
# The gathering is shared with the metrics exporter the vllm role installs on the host.
from ansible_collections.openclaw.gx10.plugins.module_utils._memory_info import (
    host_info,
    ollama_info,
    restart_fit,
    vllm_info,
)


def main():
    client = GX10Module(
        dict(
            ollama_url=dict(type='str', default='http://127.0.0.1:11434'),
            vllm_url=dict(type='str', default='http://127.0.0.1:8000'),
            vllm_container_name=dict(type='str', default='vllm'),
            gpu_memory_utilization=dict(type='float', default=0.90),
            request_timeout=dict(default=10),
            api_key=dict(type='str', no_log=True),
            kv_cache_memory=dict(type='str'),
            model=dict(type='str'),
            hf_cache_dir=dict(type='str', default='/root/.cache/huggingface'),
        ), margin=True, urls=('ollama_url', 'vllm_url'),
        supports_check_mode=True,
    )
    module, params = client.module, client.params
    try:
        fraction = parse_utilization(params['gpu_memory_utilization'])
    except UtilizationError as exc:
        client.fail(to_native(exc))
    try:
        margin = parse_size(params['margin'], 'margin')
        kv_bytes = parse_size(params['kv_cache_memory'], 'kv_cache_memory') if params['kv_cache_memory'] else 0
    except SizeError as exc:
        client.fail(to_native(exc))

    ollama = ollama_info(module)
    vllm = vllm_info(module)
    try:
        memory = snapshot()
    except MeminfoError as exc:
        client.fail('Cannot read the memory figures: %s' % to_native(exc), ollama=ollama, vllm=vllm)
    fit = restart_fit(memory, ollama, vllm, fraction, margin)
    if kv_bytes:
        fit['kv_cache'] = kv_cache_fit(memory['total'], fraction, kv_bytes,
                                       weights_in_hf_cache(params['hf_cache_dir'], params['model']))
        fit['summary'] += ' ' + fit['kv_cache']['summary']
    module.exit_json(changed=False, memory=memory, ollama=ollama, vllm=vllm, host=host_info(module),
                     restart_fit=fit)


if __name__ == '__main__':
    main()
