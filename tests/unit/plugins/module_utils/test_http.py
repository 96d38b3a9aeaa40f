# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP transport (_http): its listener option and its one ladder of typed errors."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils import _http
from ansible_collections.openclaw.gx10.plugins.module_utils._evict import Eviction, EvictionFailed
from ansible_collections.openclaw.gx10.plugins.module_utils._ollama import (
    ERRORS as OLLAMA_ERRORS,
    OllamaClient, OllamaConnectionError, OllamaHTTPError, OllamaListenerError, OllamaProtocolError,
    OllamaTimeout, OllamaUnreachable,
)
from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import VLLMClient, completion
from gx10_functional import nothing_listens

STRANGER = 'port 8000 is held by pid 4242 (user nobody): python3 -m http.server 8000, not by docker\'s proxy'
KEY = 'sk-never-to-strangers'


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with the server's ``reply`` (status, body, headers); records what came."""

    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        status, data, headers = self.server.reply(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(('127.0.0.1', 0), _Recorder)
    httpd.seen = []
    httpd.reply = lambda path: (200, b'{"models": []}', {'Content-Type': 'application/json'})
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = 'http://127.0.0.1:%d' % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


class _Listening(socket.socket):
    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.getsockname()[1]


@pytest.fixture
def listening():
    """A socket that listens and never accepts: any connection attempt stays in its backlog."""
    sock = _Listening()
    sock.bind(('127.0.0.1', 0))
    sock.listen(8)
    yield sock
    sock.close()


def connections(sock):
    """How many connections reached ``sock``'s backlog (no waiting: a connect completes in the kernel)."""
    sock.setblocking(False)
    count = 0
    while True:
        try:
            conn, _addr = sock.accept()
        except (BlockingIOError, socket.error):
            return count
        conn.close()
        count += 1


# ---------------------------------------------------------------------------- the listener option
def test_a_key_is_never_sent_to_an_unproven_listener(listening):
    client = _http.Client(listening.url, headers={'Authorization': 'Bearer %s' % KEY}, request_timeout=5,
                          listener=lambda: STRANGER)
    with pytest.raises(_http.UnprovenListener) as info:
        client.request('GET', '/v1/models')
    # the failure names the listener (the check's sentence), and nothing reached it: not even a connection
    assert info.value.msg == STRANGER and info.value.listener == STRANGER
    assert info.value.what == 'GET %s/v1/models' % listening.url
    assert connections(listening) == 0


def test_a_proven_listener_gets_the_key(server):
    asked = []

    def proof():
        asked.append(True)
        return None
    client = _http.Client(server.url, headers={'Authorization': 'Bearer %s' % KEY}, listener=proof)
    assert client.call('GET', '/api/ps') == {'models': []}
    assert asked == [True]
    assert server.seen[0][2]['Authorization'] == 'Bearer %s' % KEY


def test_the_listener_is_asked_before_every_call_and_a_late_stranger_gets_nothing(server):
    answers = [None, STRANGER]
    client = _http.Client(server.url, headers={'Authorization': 'Bearer %s' % KEY},
                          listener=lambda: answers.pop(0))
    client.call('GET', '/api/ps')
    with pytest.raises(_http.UnprovenListener):
        client.call('GET', '/api/ps')
    assert len(server.seen) == 1


def test_listener_false_skips_the_check_for_one_call(server):
    client = _http.Client(server.url, listener=lambda: STRANGER)
    assert client.request('GET', '/health', listener=False).status == 200
    with pytest.raises(_http.UnprovenListener):
        client.request('GET', '/health')


def test_proven_once_asks_until_proven_then_no_more():
    answers = [STRANGER, None, STRANGER]
    once = _http.proven_once(lambda: answers.pop(0))
    assert once() == STRANGER
    assert once() is None
    assert once() is None and answers == [STRANGER]


def test_the_vllm_completion_with_its_key_goes_nowhere_unproven(listening):
    result = completion(listening.url, 'm', api_key=KEY, timeout=5, listener=lambda: STRANGER)
    assert result['outcome'] == 'unproven' and result['error'] == STRANGER and not result['ok']
    assert connections(listening) == 0


def test_the_vllm_client_sends_its_key_only_with_a_keyed_probe(server):
    client = VLLMClient(server.url, api_key=KEY, listener=lambda: None)
    client.probe('/health')
    client.probe('/v1/models', keyed=True)
    assert 'Authorization' not in server.seen[0][2]
    assert server.seen[1][2]['Authorization'] == 'Bearer %s' % KEY
    stranger = VLLMClient(server.url, api_key=KEY, listener=lambda: STRANGER).probe('/v1/models', keyed=True)
    assert stranger['outcome'] == 'unproven' and stranger['error'] == STRANGER and len(server.seen) == 2


def test_the_eviction_refuses_an_unproven_ollama_listener_naming_it(listening):
    """The host gate's eviction: a stranger's model list decides nothing; the refusal names it."""
    eviction = Eviction(dict(url=listening.url, request_timeout=5), listener=lambda: STRANGER)
    with pytest.raises(EvictionFailed) as info:
        eviction.run()
    assert info.value.msg == STRANGER
    assert connections(listening) == 0


# ---------------------------------------------------------------------------- the one ladder
def test_refused_is_typed_and_says_nothing_listens():
    url = nothing_listens()
    with pytest.raises(_http.Refused) as info:
        _http.request('GET', url + '/api/ps', timeout=5)
    assert 'connection refused (nothing listens at %s)' % url in info.value.msg
    with pytest.raises(OllamaUnreachable) as family:
        OllamaClient(url, request_timeout=5).ps()
    assert isinstance(family.value, _http.Refused) and family.value.msg == info.value.msg


def test_an_accepted_connection_without_an_answer_is_a_read_timeout(listening):
    with pytest.raises(_http.Timeout) as info:
        _http.request('GET', listening.url + '/api/ps', timeout=0.3)
    assert not info.value.connect
    assert 'accepted the connection but did not answer within 0.3 s' in info.value.msg
    with pytest.raises(OllamaTimeout):
        OllamaClient(listening.url, request_timeout=0.3).ps()


def test_a_reply_cut_short_is_a_transport_error(listening):
    def serve():
        conn, _addr = listening.accept()
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"models": [')
        conn.close()
    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with pytest.raises(_http.TransportError) as info:
            _http.request('GET', listening.url + '/api/ps', timeout=5)
    finally:
        thread.join(5)
    assert not isinstance(info.value, (_http.Refused, _http.Timeout))
    assert 'closed the connection mid-reply (12 of 100 bytes)' in info.value.msg


def test_not_an_http_url_is_a_transport_error():
    with pytest.raises(_http.TransportError) as info:
        _http.request('GET', 'ftp://example.invalid/x')
    assert 'not an http:// or https:// URL' in info.value.msg


@pytest.mark.parametrize('url, words', [
    ('http://[::1:8000/x', 'Invalid IPv6 URL'),
    ('http://127.0.0.1:99999/x', 'out of range'),
    ('http://127.0.0.1:abc/x', 'abc'),
])
def test_a_url_that_cannot_be_split_is_a_transport_error_not_a_traceback(url, words):
    with pytest.raises(_http.TransportError) as info:
        _http.request('GET', url)
    assert url in info.value.msg and words in info.value.msg


def test_statuses_are_the_callers_unless_it_wants_json(server):
    server.reply = lambda path: (404, b'{"error": "model \\"x\\" not found"}', {})
    assert _http.request('POST', server.url + '/api/show', payload={'model': 'x'}).status == 404
    with pytest.raises(_http.StatusError) as info:
        _http.Client(server.url).call('POST', '/api/show', {'model': 'x'})
    assert info.value.status == 404 and info.value.error == 'model "x" not found'
    assert info.value.msg == 'POST %s/api/show: HTTP 404: model "x" not found' % server.url


def test_a_2xx_body_that_is_not_a_json_object_is_a_protocol_error(server):
    server.reply = lambda path: (200, b'[1, 2]', {})
    with pytest.raises(_http.ProtocolError) as info:
        _http.Client(server.url).call('GET', '/api/ps')
    assert 'HTTP 200 but the body is not a JSON object (list)' in info.value.msg
    assert _http.Client(server.url).request('GET', '/api/ps').json() == [1, 2]


@pytest.mark.parametrize('kind, family', sorted(OLLAMA_ERRORS.items()))
def test_the_ollama_family_is_the_same_ladder(kind, family):
    """Each kind of the ladder has the Ollama family's class, which is also the transport's."""
    assert issubclass(family, _http.ERRORS[kind])
    made = _http._error(OLLAMA_ERRORS, kind, 'msg', url='u', status=500)  # pylint: disable=protected-access
    assert made.__class__ is family and made.msg == 'msg' and made.url == 'u'


def test_the_ollama_family_through_the_client(server):
    client = OllamaClient(server.url, request_timeout=5)
    server.reply = lambda path: (500, b'{"error": "boom"}', {})
    with pytest.raises(OllamaHTTPError) as info:
        client.ps()
    assert info.value.status == 500 and info.value.error == 'boom'
    server.reply = lambda path: (200, b'not json', {})
    with pytest.raises(OllamaProtocolError):
        client.ps()
    with pytest.raises(OllamaListenerError) as unproven:
        OllamaClient(server.url, listener=lambda: STRANGER).ps()
    assert unproven.value.msg == STRANGER
    assert not issubclass(OllamaListenerError, OllamaConnectionError)


def test_redirects_are_followed_only_when_asked(server):
    def reply(path):
        if path == '/old':
            return 307, b'', {'Location': '/new'}
        return 200, json.dumps({'path': path}).encode(), {}
    server.reply = reply
    assert _http.request('GET', server.url + '/old').status == 307
    assert _http.request('GET', server.url + '/old', redirects=3).json() == {'path': '/new'}
    # A listener check proves this host and port, not where a redirect leads: not followed.
    assert _http.request('GET', server.url + '/old', redirects=3, listener=lambda: None).status == 307


def test_an_ipv6_url_without_a_port_connects_to_port_80_of_that_address(monkeypatch):
    """``http://[::1]/``: the port is 80, not the address's last group (http.client would read ``::`` port 1)."""
    import http.client
    made = []

    class Recording(http.client.HTTPConnection):
        def connect(self):
            made.append((self.host, self.port))
            raise ConnectionRefusedError()
    monkeypatch.setattr(http.client, 'HTTPConnection', Recording)
    with pytest.raises(_http.Refused):
        _http.request('GET', 'http://[::1]/x', timeout=5)
    assert made == [('::1', 80)]


def test_health_only_with_a_listener_check_judges_a_second_non_200_as_health_not_a_completion(server):
    """vllm_wait completion=false from_container=true: the proven /health that decides comes back
    401, then 200. Not a "completion refused" verdict: the next look judges /health again."""
    from ansible_collections.openclaw.gx10.plugins.module_utils._vllm import wait_serving
    answers = iter([200, 401, 200, 200])
    server.reply = lambda path: (next(answers, 200), b'', {})
    result = wait_serving(server.url, 30, completion_check=False, listener_check=lambda: None,
                          sleep=lambda s: None)
    assert result['serving'], result
    assert 'completion' not in (result['reason'] or ''), result
