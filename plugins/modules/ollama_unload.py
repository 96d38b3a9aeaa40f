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
      - With a requirement (O(require_available) or O(require_fraction)), C(MemFree) must reach it
        too, once C(MemAvailable) does. On GB10 the driver allocates from free pages and
        C(MemAvailable) counts the page cache as available, so a start can pass on C(MemAvailable)
        and fail while loading. When C(MemFree) is short, the page cache is dropped only as far as
        needed - C(sync), C(drop_caches) 1 (the page cache), C(compact_memory); then 2 (reclaimable
        slab) only when C(MemFree) is still short - and the task fails with C(MemFree) and
        C(MemAvailable) before and after when even that does not close the gap. Nothing is dropped
        when C(MemFree) already covers the requirement (the task is then not changed by it).
      - Without a requirement there is no gap to measure - C(sync) and one drop of page cache and slab
        (C(drop_caches) 3) after the eviction, as asked.
      - When not permitted (no root, read-only C(/proc/sys)) the module warns and goes on, on
        C(MemAvailable) alone.
      - The same rule as the vLLM role's gate (which applies it on every start).
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
    pagecache:
      description:
        - With O(drop_caches) and a requirement, what the C(MemFree) rule saw and did (absent in check mode and
          when the memory gate failed).
      type: dict
      returned: when O(drop_caches) is set with a requirement
      contains:
        action:
          description: V(none) (C(MemFree) covered it), V(drop) (C(MemAvailable) covered it, C(MemFree) did not).
          type: str
          sample: drop
        dropped_levels:
          description: The C(drop_caches) values written, in order (V(1) page cache, V(2) slab).
          type: list
          elements: int
          sample: [1]
        freed:
          description: Bytes C(MemFree) gained.
          type: int
          sample: 6442450944
        free_before:
          description: C(MemFree) before.
          type: int
          sample: 3221225472
        available_before:
          description: C(MemAvailable) before.
          type: int
          sample: 120259084288
        free_after:
          description: C(MemFree) after.
          type: int
          sample: 119185342464
        available_after:
          description: C(MemAvailable) after.
          type: int
          sample: 120259084288
        msg:
          description: The figures in words.
          type: str
          sample: MemFree 111.00 GiB, MemAvailable 112.00 GiB cover 110.00 GiB after dropping 108.00 GiB
    pagecache_drop:
      description: In check mode with O(drop_caches), the page cache that would be dropped after the eviction (bytes).
      type: int
      returned: check mode
      sample: 0
elapsed:
  description: Seconds the module took.
  returned: always
  type: float
  sample: 0.412
'''

from ansible_collections.openclaw.gx10.plugins.module_utils._evict import (
    BadOption,
    Eviction,
    EvictionFailed,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._options import GX10Module


def main():
    client = GX10Module(
        dict(
            url=dict(type='str', default='http://127.0.0.1:11434'),
            models=dict(type='list', elements='str'),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='float', default=60),
            on_unreachable=dict(type='str', choices=['ok', 'fail'], default='ok'),
            restart_unit=dict(type='str'),
            require_available=dict(type='str'),
            require_fraction=dict(type='float'),
            drop_caches=dict(type='bool', default=False),
        ), margin=True, timeouts=('wait_timeout', 'request_timeout'),
        mutually_exclusive=[('require_available', 'require_fraction')],
        supports_check_mode=True,
    )
    module = client.module
    # The eviction itself lives in module_utils/_evict.py: the vLLM gate on each host runs the same code.
    eviction = Eviction(module.params, warn=module.warn, run_command=module.run_command,
                        which=module.get_bin_path, check_mode=module.check_mode, diff=module._diff)
    try:
        result = eviction.run()
    except BadOption as exc:
        client.fail(str(exc))
    except EvictionFailed as exc:
        client.fail(exc.msg, **exc.result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
