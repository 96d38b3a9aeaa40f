# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openclaw.gx10.memory_info: the restart-fit arithmetic, /metrics parsing, docker parsing, the table."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import math
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils._memory import GIB, format_bytes
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import (
    absent_container, container_state, kv_cache_usage, parse_docker_mem_usage, parse_samples, probe,
    unknown_container,
)
from ansible_collections.openclaw.gx10.plugins.modules.memory_info import restart_fit
from ansible_collections.openclaw.gx10.plugins.filter.memory_report import (
    HEADERS, memory_report_row, memory_report_table,
)

# A GB10 host: MemTotal 119.7 GiB
TOTAL = 125520080 * 1024
METRICS_V021 = '''# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3.5-35B-A3B-FP8"} 2.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3.5-35B-A3B-FP8"} 0.1234
# HELP vllm:kv_cache_usage_perc_total something else that only starts with the name
vllm:kv_cache_usage_perc_total{engine="0"} 0.99
'''


def memory(available, total=TOTAL, free=None):
    return dict(total=total, available=available, free=free if free is not None else available // 10)


def ollama(*sizes, status='ok'):
    models = [dict(name='m%d:latest' % i, size=s, size_vram=s, expires_at='2026-01-01T12:00:00Z')
              for i, s in enumerate(sizes)]
    return dict(reachable=status == 'ok', status=status, models=models, resident_bytes=sum(sizes),
                version='0.5.4', error=None)


def vllm(running=False, usage=None, exists=True, state=None):
    container = dict(name='vllm', exists=exists, running=running, memory_usage=usage,
                     state=state or ('running' if running else ('exited' if exists else 'absent')))
    return dict(container=container, health='200' if running else 'refused', kv_cache_usage=None)


# ------------------------------------------------------------------------------ restart fit

def test_required_is_vllm_request_plus_margin():
    fit = restart_fit(memory(100 * GIB), ollama(), vllm(exists=False), 0.90, 3 * GIB)
    assert fit['requested'] == math.ceil(TOTAL * 0.90)
    assert fit['required'] == math.ceil(TOTAL * 0.90) + 3 * GIB
    assert fit['margin'] == 3 * GIB and fit['gpu_memory_utilization'] == 0.90


def test_ollama_models_count_as_reclaimable():
    fit = restart_fit(memory(80 * GIB), ollama(20 * GIB, 19 * GIB), vllm(exists=False), 0.90, 3 * GIB)
    assert fit['available_now'] == 80 * GIB
    assert fit['reclaimable_ollama'] == 39 * GIB
    assert fit['reclaimable_vllm'] == 0
    assert fit['reclaimable'] == 39 * GIB
    assert fit['projected'] == 119 * GIB
    required = math.ceil(TOTAL * 0.90) + 3 * GIB
    assert fit['would_fit'] is (119 * GIB >= required)
    assert fit['shortfall'] == max(0, required - 119 * GIB)
    assert fit['complete'] is True


def test_exact_boundary_fits():
    required = math.ceil(TOTAL * 0.85) + 3 * GIB
    fit = restart_fit(memory(required - 5), ollama(5), vllm(exists=False), 0.85, 3 * GIB)
    assert fit['would_fit'] is True and fit['shortfall'] == 0
    fit = restart_fit(memory(required - 6), ollama(5), vllm(exists=False), 0.85, 3 * GIB)
    assert fit['would_fit'] is False and fit['shortfall'] == 1


def test_running_vllm_container_counts_when_measured():
    fit = restart_fit(memory(8 * GIB), ollama(), vllm(running=True, usage=100 * GIB), 0.90, 3 * GIB)
    assert fit['reclaimable_vllm'] == 100 * GIB
    assert fit['projected'] == 108 * GIB
    assert fit['complete'] is True


def test_stopped_container_memory_is_not_counted():
    fit = restart_fit(memory(8 * GIB), ollama(), vllm(running=False, usage=100 * GIB), 0.90, 3 * GIB)
    assert fit['reclaimable_vllm'] == 0


@pytest.mark.parametrize('ollama_status, container, complete', [
    ('ok', vllm(exists=False), True),
    ('refused', vllm(exists=False), True),       # nothing listens: nothing resident
    ('timeout', vllm(exists=False), False),      # may hold memory we cannot see
    ('error', vllm(exists=False), False),
    ('ok', dict(container=unknown_container('vllm')), False),
    ('ok', vllm(running=True, usage=None), False),  # running but not measured
])
def test_complete_flag(ollama_status, container, complete):
    fit = restart_fit(memory(100 * GIB), ollama(status=ollama_status), container, 0.90, 0)
    assert fit['complete'] is complete


def test_ollama_unreachable_is_not_counted():
    fit = restart_fit(memory(100 * GIB), ollama(status='refused'), vllm(exists=False), 0.5, 0)
    assert fit['reclaimable_ollama'] == 0 and fit['projected'] == 100 * GIB


# ------------------------------------------------------------------------------ /metrics

def test_kv_cache_usage_from_vllm_metrics():
    assert kv_cache_usage(METRICS_V021) == pytest.approx(0.1234)


def test_kv_cache_usage_fullest_engine_wins():
    text = ('vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25\n'
            'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.75\n')
    assert kv_cache_usage(text) == 0.75


def test_kv_cache_usage_labels_with_braces_quotes_and_spaces():
    text = 'vllm:kv_cache_usage_perc{engine="0",model_name="a \\"b\\" {c} d"} 5.0e-01 1700000000000\n'
    samples = parse_samples(text, 'vllm:kv_cache_usage_perc')
    assert samples == [({'engine': '0', 'model_name': 'a "b" {c} d'}, 0.5)]
    assert kv_cache_usage(text) == 0.5


def test_kv_cache_usage_without_labels():
    assert kv_cache_usage('vllm:kv_cache_usage_perc 1\n') == 1.0


def test_kv_cache_usage_legacy_name():
    assert kv_cache_usage('vllm:gpu_cache_usage_perc{model_name="m"} 0.5\n') == 0.5


def test_kv_cache_usage_prefers_current_name():
    text = 'vllm:gpu_cache_usage_perc{model_name="m"} 0.9\nvllm:kv_cache_usage_perc{model_name="m"} 0.1\n'
    assert kv_cache_usage(text) == 0.1


@pytest.mark.parametrize('text', [
    '', None, '# HELP vllm:kv_cache_usage_perc x\n# TYPE vllm:kv_cache_usage_perc gauge\n',
    'vllm:kv_cache_usage_perc{engine="0"} NaN\n', 'vllm:kv_cache_usage_perc{engine="0"} lots\n',
    'vllm:kv_cache_usage_perc_total 0.5\n', '<html>not metrics</html>',
])
def test_kv_cache_usage_absent(text):
    assert kv_cache_usage(text) is None


def test_metrics_of_the_standin_parse():
    text = ('# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.\n'
            '# TYPE vllm:kv_cache_usage_perc gauge\n'
            'vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-0.6B"} 0.0\n'
            'vllm:cache_config_info{cache_dtype="fp8",engine="0",gpu_memory_utilization="0.9"} 1.0\n')
    assert kv_cache_usage(text) == 0.0


# ------------------------------------------------------------------------------ docker

@pytest.mark.parametrize('text, expected', [
    ('1.953GiB / 119.5GiB', int(math.ceil(1.953 * GIB))),
    ('100MiB / 23.5GiB\n', 100 * 1024 ** 2),
    ('512KiB / 1GiB', 512 * 1024),
    ('0B / 0B', None), ('--', None), ('', None), ('garbage', None),
])
def test_docker_mem_usage(text, expected):
    assert parse_docker_mem_usage(text) == expected


INSPECT = [{
    'Id': 'abc123', 'Name': '/vllm', 'Image': 'sha256:deadbeef',
    'State': {'Status': 'running', 'Running': True, 'StartedAt': '2026-01-01T12:00:00.123456789Z'},
    'Config': {'Image': 'vllm/vllm-openai:v0.21.0'},
}]


def test_container_state_running():
    state = container_state(json.dumps(INSPECT), 'vllm')
    assert state == dict(name='vllm', exists=True, state='running', running=True,
                         started_at='2026-01-01T12:00:00.123456789Z', image='vllm/vllm-openai:v0.21.0',
                         id='abc123')


def test_container_state_created_never_started():
    data = [dict(INSPECT[0], State={'Status': 'created', 'Running': False, 'StartedAt': '0001-01-01T00:00:00Z'})]
    state = container_state(json.dumps(data), 'vllm')
    assert state['state'] == 'created' and state['running'] is False and state['started_at'] is None


def test_container_state_empty_list_is_absent():
    assert container_state('[]', 'vllm') == absent_container('vllm')


def test_container_state_not_json():
    with pytest.raises(ValueError):
        container_state('Error: no such object', 'vllm')


# ------------------------------------------------------------------------------ /health probe

class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        code = int(self.path.strip('/').split('/')[-1])
        self.send_response(code)
        self.send_header('content-length', '0')
        self.end_headers()


@pytest.fixture
def status_server():
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('code', [200, 503, 404])
def test_probe_reports_status(status_server, code):
    result = probe(status_server, '/%d' % code, timeout=5)
    assert result['outcome'] == str(code) and result['status'] == code
    assert (result['error'] is None) is (code < 400)


def test_probe_refused():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        result = probe('http://127.0.0.1:%d' % port, '/health', timeout=5)  # bound, not listening
    assert result['outcome'] == 'refused' and result['status'] is None


def test_probe_timeout():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen(1)  # accepts (in the backlog), never answers
        result = probe('http://127.0.0.1:%d' % sock.getsockname()[1], '/health', timeout=0.5)
    assert result['outcome'] == 'timeout' and result['status'] is None


# ------------------------------------------------------------------------------ the table

def info(available=100 * GIB, models=(('tiny-a:latest', 5 * 1024 ** 2),), state='running', health='200', kv=0.125):
    mem = memory(available)
    oll = dict(reachable=True, status='ok', models=[dict(name=n, size=s, size_vram=s,
                                                         expires_at='2026-01-01T12:30:00.123456+00:00')
                                                    for n, s in models])
    oll['resident_bytes'] = sum(s for _n, s in models)
    vl = dict(container=dict(state=state, running=state == 'running', exists=True, memory_usage=None),
              health=health, kv_cache_usage=kv)
    return dict(changed=False, memory=mem, ollama=oll, vllm=vl,
                restart_fit=restart_fit(mem, oll, dict(vl, container=dict(vl['container'], running=False)), 0.9, 3 * GIB))


def test_row_cells():
    data = info()
    row = memory_report_row('gx10-1', data)
    assert row[0] == 'gx10-1'
    assert row[1] == format_bytes(TOTAL) and row[2] == '100.00 GiB'
    assert row[4] == 'tiny-a:latest 5.00 MiB until 2026-01-01 12:30:00Z'
    assert row[5:8] == ['running', '200', '12.5%']
    fit = data['restart_fit']
    assert row[8].startswith('yes' if fit['would_fit'] else 'NO')
    assert format_bytes(fit['required']) in row[8] and format_bytes(fit['projected']) in row[8]


def test_table_is_aligned_and_lists_every_host():
    hostvars = {'a': {'m': info()}, 'long-host-name': {'m': info(available=10 * GIB, models=())},
                'down': {}}
    lines = memory_report_table(['a', 'long-host-name', 'down'], hostvars, 'm')
    header, rule, rows = lines[0], lines[1], lines[2:5]
    assert header.split()[0] == 'HOST'
    for title in HEADERS[1:]:
        start = header.index(title)
        assert rule[start - 2:start] == '  ' and rule[start] == '-'
    assert [r.split()[0] for r in rows] == ['a', 'long-host-name', 'down']
    assert 'NO:' in rows[1] and 'none' in rows[1]
    assert 'no data' in rows[2]
    # every row's cells start at the header's columns
    col = header.index('MemTotal')
    assert all(r[col - 2:col] == '  ' and r[col] != ' ' for r in rows[:2])


def test_table_marks_incomplete_prediction():
    data = info()
    data['ollama'] = dict(reachable=False, status='timeout', models=[], resident_bytes=0)
    data['restart_fit']['complete'] = False
    lines = memory_report_table(['h'], {'h': {'m': data}}, 'm')
    assert 'UNKNOWN (Ollama timeout)' in lines[2] and lines[2].rstrip().endswith('*')
    assert any(line.startswith('* ') for line in lines[3:])


# ------------------------------------------------------------------------------ drift: image, driver, kernel

class FakeModule(object):
    """get_bin_path and run_command of AnsibleModule, answering from a table."""

    def __init__(self, bins, answers):
        self.bins, self.answers, self.calls = bins, answers, []

    def get_bin_path(self, name):
        return self.bins.get(name)

    def run_command(self, argv):
        self.calls.append(argv)
        return self.answers[argv[1] if len(argv) > 1 else argv[0]]


def test_inspected_image_id():
    from ansible_collections.openclaw.gx10.plugins.module_utils._memory_info import _inspected_image_id
    assert _inspected_image_id(json.dumps([{'Image': 'sha256:abc', 'Config': {'Image': 'x:1'}}])) == 'sha256:abc'
    assert _inspected_image_id('[]') is None
    assert _inspected_image_id('not json') is None


def test_host_info_driver_from_nvidia_smi():
    from ansible_collections.openclaw.gx10.plugins.module_utils._memory_info import host_info
    module = FakeModule({'nvidia-smi': '/usr/bin/nvidia-smi'},
                        {'--query-gpu=driver_version': (0, '580.95.05\n580.95.05\n', '')})
    result = host_info(module)
    assert result['gpu_driver'] == '580.95.05' and result['gpu_driver_error'] is None
    assert module.calls == [['/usr/bin/nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader']]
    assert result['kernel']


def test_host_info_without_nvidia_smi_or_when_it_fails():
    from ansible_collections.openclaw.gx10.plugins.module_utils._memory_info import host_info
    assert host_info(FakeModule({}, {}))['gpu_driver'] is None
    failed = host_info(FakeModule({'nvidia-smi': '/usr/bin/nvidia-smi'}, {
        '--query-gpu=driver_version': (9, '', 'NVIDIA-SMI has failed because it could not communicate with the driver')}))
    assert failed['gpu_driver'] is None
    assert 'could not communicate' in failed['gpu_driver_error']
