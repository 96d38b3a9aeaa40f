# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OllamaClient.pull through the one transport's stream: progress, an error line, the deadline."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    OllamaClient, OllamaHTTPError, OllamaPullError,
)


class _Pull(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):  # pylint: disable=invalid-name
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        script = self.server.script
        if script == 'refuse':
            body = b'{"error": "pull model manifest: file does not exist"}'
            self.send_response(400)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-ndjson')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        lines = [{'status': 'pulling manifest'},
                 {'status': 'pulling abc', 'digest': 'sha256:abc', 'total': 100, 'completed': 40},
                 {'status': 'pulling abc', 'digest': 'sha256:abc', 'total': 100, 'completed': 100}]
        lines.append({'error': 'max retries exceeded'} if script == 'error' else {'status': 'success'})
        for line in lines[:2] if script == 'stall' else lines:
            data = (json.dumps(line) + '\n').encode()
            self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
            self.wfile.flush()
        if script == 'stall':
            self.server.release.wait(30)  # the client's deadline cuts the connection first
            return
        self.wfile.write(b'0\r\n\r\n')

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def registry_ollama():
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), _Pull)
    httpd.daemon_threads = True
    httpd.script = 'success'
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.client = OllamaClient('http://127.0.0.1:%d' % httpd.server_address[1], request_timeout=5)
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_pull_streams_its_progress_to_success(registry_ollama):
    seen = []
    summary = registry_ollama.client.pull('tiny', on_progress=seen.append)
    assert summary['status'] == 'success' and summary['bytes'] == 100 and summary['completed_bytes'] == 100
    assert summary['layers'] == 1 and len(seen) == 4
    assert summary['statuses'] == ['pulling manifest', 'pulling abc', 'success']


def test_an_error_line_is_a_pull_error_with_the_progress_before_it(registry_ollama):
    registry_ollama.script = 'error'
    with pytest.raises(OllamaPullError) as info:
        registry_ollama.client.pull('tiny')
    assert info.value.error == 'max retries exceeded' and not info.value.timed_out
    assert info.value.progress['completed_bytes'] == 100


def test_a_refused_pull_is_an_http_error_with_ollamas_text(registry_ollama):
    registry_ollama.script = 'refuse'
    with pytest.raises(OllamaHTTPError) as info:
        registry_ollama.client.pull('tiny')
    assert info.value.status == 400 and info.value.error == 'pull model manifest: file does not exist'


def test_a_stalled_pull_is_cut_at_its_deadline(registry_ollama):
    registry_ollama.script = 'stall'
    with pytest.raises(OllamaPullError) as info:
        registry_ollama.client.pull('tiny', timeout=0.5)
    assert info.value.timed_out and 'did not finish within 0.5 s' in info.value.msg
    assert info.value.progress['completed_bytes'] == 40
