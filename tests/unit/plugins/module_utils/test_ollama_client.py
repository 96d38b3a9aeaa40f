# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ollama client against the emulator (tests/emulators/ollama_emulator.py)."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    OllamaClient, OllamaConnectionError, OllamaError, OllamaHTTPError, OllamaProtocolError,
    OllamaTimeout, OllamaUnreachable, model_name, normalize_name, summarize,
)
from gx10_functional import nothing_listens


def poll_until(predicate, what, attempts=400, interval=0.01):
    """Poll without a timed assertion: fail only when it never happens."""
    event = threading.Event()
    left = attempts
    while left > 0:
        if predicate():
            return
        event.wait(interval)
        left -= 1
    pytest.fail('never happened: %s' % what)


@pytest.fixture
def client(ollama_emulator):
    return OllamaClient(ollama_emulator.url, request_timeout=2)


def test_version(client):
    assert client.version() == '0.33.0'


def test_ps_fields_like_v033(client, ollama_emulator):
    assert client.ps() == []
    ollama_emulator.load('tiny-a', 'embed')
    models = client.ps()
    assert [m['name'] for m in models] == ['tiny-a:latest', 'embed:latest']
    for m in models:
        assert {'name', 'model', 'size', 'size_vram', 'digest', 'details', 'expires_at',
                'context_length'} <= set(m)
    s = summarize(models[0])
    assert s['name'] == 'tiny-a:latest' and s['size'] == s['size_vram'] > 0
    assert s['context_length'] == 4096


def test_unload_reply_comes_before_eviction(client, ollama_emulator):
    ollama_emulator.set_mode('normal', unload_delay=1.0)
    ollama_emulator.load('tiny-a')
    reply = client.unload('tiny-a:latest')
    assert reply['done_reason'] == 'unload' and reply['done'] is True
    # the reply is back, the model is still listed
    assert [model_name(m) for m in client.ps()] == ['tiny-a:latest']
    poll_until(lambda: client.ps() == [], 'tiny-a leaves /api/ps')


def test_unload_uses_generate_keep_alive_0_never_embed(client, ollama_emulator):
    ollama_emulator.load('embed')
    client.unload('embed:latest')  # embedding-only: generate with keep_alive 0 still evicts
    poll_until(lambda: client.ps() == [], 'embed leaves /api/ps')
    posts = [(path, json.loads(body)) for method, path, body in ollama_emulator.requests() if method == 'POST']
    assert posts == [('/api/generate', {'model': 'embed:latest', 'keep_alive': 0})]


def test_alias_evicts_the_same_runner(client, ollama_emulator):
    ollama_emulator.load('tiny-a')
    client.unload('tiny-alias')
    poll_until(lambda: client.ps() == [], 'tiny-a evicted through its alias')


def test_unload_not_loaded_is_ok(client):
    assert client.unload('tiny-b')['done_reason'] == 'unload'


def test_unknown_model_404_with_server_error_text(client):
    with pytest.raises(OllamaHTTPError) as err:
        client.unload('nope')
    assert err.value.status == 404
    assert err.value.error == "model 'nope' not found"
    assert '404' in err.value.msg and "model 'nope' not found" in err.value.msg


def test_deleted_while_loaded_404_and_stays_listed(client, ollama_emulator):
    ollama_emulator.load('tiny-b')
    ollama_emulator.delete('tiny-b')
    with pytest.raises(OllamaHTTPError) as err:
        client.unload('tiny-b:latest')
    assert err.value.status == 404
    assert [model_name(m) for m in client.ps()] == ['tiny-b:latest']


def test_unreachable_is_its_own_error():
    c = OllamaClient(nothing_listens(), request_timeout=2)
    with pytest.raises(OllamaUnreachable) as err:
        c.ps()
    assert 'connection refused' in err.value.msg


def test_name_resolution_failure_is_not_unreachable():
    c = OllamaClient('http://no-such-host.invalid:11434', request_timeout=2)
    with pytest.raises(OllamaError) as err:
        c.ps()
    assert not isinstance(err.value, OllamaUnreachable)
    assert isinstance(err.value, (OllamaConnectionError, OllamaTimeout))


def test_hung_server_times_out(ollama_emulator):
    ollama_emulator.set_mode('hung')
    c = OllamaClient(ollama_emulator.url, request_timeout=0.3)
    with pytest.raises(OllamaTimeout) as err:
        c.ps()
    assert 'did not answer within 0.3 s' in err.value.msg
    with pytest.raises(OllamaTimeout):
        c.unload('tiny-a')


def test_http_500_carries_status_and_error(client, ollama_emulator):
    ollama_emulator.set_mode('http500')
    with pytest.raises(OllamaHTTPError) as err:
        client.ps()
    assert err.value.status == 500
    assert 'llama runner process has terminated' in err.value.error


def test_http_500_on_generate_only(client, ollama_emulator):
    ollama_emulator.load('tiny-a')
    ollama_emulator.set_mode('http500', fault_paths=['/api/generate'])
    assert len(client.ps()) == 1
    with pytest.raises(OllamaHTTPError):
        client.unload('tiny-a')


def test_malformed_json(client, ollama_emulator):
    ollama_emulator.set_mode('malformed')
    with pytest.raises(OllamaProtocolError) as err:
        client.ps()
    assert 'not a JSON object' in err.value.msg


def test_headers_are_sent(ollama_emulator):
    c = OllamaClient(ollama_emulator.url, headers={'Authorization': 'Bearer s3cret'}, request_timeout=2)
    c.ps()
    assert ollama_emulator.state.headers_log[-1]['Authorization'] == 'Bearer s3cret'


def test_concurrent_unloads_from_threads(client, ollama_emulator):
    ollama_emulator.load('tiny-a', 'tiny-b', 'embed')
    errors = []

    def unload(name):
        try:
            client.unload(name)
        except OllamaError as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=unload, args=(n,)) for n in ('tiny-a', 'tiny-b', 'embed')]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    poll_until(lambda: client.ps() == [], 'all three evicted')


@pytest.mark.parametrize('name, expected', [
    ('tiny', 'tiny:latest'), ('tiny:latest', 'tiny:latest'), ('qwen3:32b', 'qwen3:32b'),
    ('registry.local:5000/lib/x', 'registry.local:5000/lib/x:latest'), ('hf.co/a/b:Q4', 'hf.co/a/b:Q4'),
])
def test_normalize_name(name, expected):
    assert normalize_name(name) == expected


@pytest.fixture
def tls_emulator(tmp_path):
    """The emulator behind TLS with a self-signed certificate (openssl CLI)."""
    if not shutil.which('openssl'):
        pytest.skip('openssl CLI not installed')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
                    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', str(key), '-out', str(cert)],
                   check=True, capture_output=True)
    emulator = sys.modules['openclaw_ollama_emulator'].OllamaEmulator()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    emulator.httpd.socket = context.wrap_socket(emulator.httpd.socket, server_side=True)
    emulator.start()
    yield emulator, emulator.url.replace('http://', 'https://')
    emulator.stop()


def test_https_validate_certs(tls_emulator):
    emulator, url = tls_emulator
    emulator.load('tiny-a')
    with pytest.raises(OllamaConnectionError) as err:
        OllamaClient(url, request_timeout=5).ps()
    assert 'TLS error' in err.value.msg
    assert [m['name'] for m in OllamaClient(url, validate_certs=False, request_timeout=5).ps()] == ['tiny-a:latest']


def test_reply_cut_short_by_a_dying_server_is_a_connection_error():
    """A server killed mid-reply: headers promise a body that never comes (urllib3 1.26 does not raise)."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)

    def serve():
        conn, _addr = listener.accept()
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"models": [')
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        cut = OllamaClient('http://127.0.0.1:%d' % listener.getsockname()[1], request_timeout=5)
        with pytest.raises(OllamaError) as info:
            cut.ps()
        assert not isinstance(info.value, OllamaUnreachable)
        assert 'closed the connection mid-reply' in info.value.msg or 'Connection' in info.value.msg
    finally:
        thread.join(5)
        listener.close()
