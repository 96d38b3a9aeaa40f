# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small Ollama HTTP client (private to openclaw.gx10).

Errors are typed so that a caller can tell apart a server that refuses
connections (holds nothing: OllamaUnreachable), one that accepts but never
answers (OllamaTimeout), an HTTP error with the server's own ``error`` text
(OllamaHTTPError) and a reply that is not the JSON it should be
(OllamaProtocolError).

Evicting a model uses ``POST /api/generate {"model": M, "keep_alive": 0}``.
Never ``/api/embed``: that loads the model first.  The reply to the unload
comes BEFORE the eviction; poll ``/api/ps`` to know it is gone.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.openclaw.gx10.plugins.module_utils import _http
# Re-exported: the modules import these from here.
from ansible_collections.openclaw.gx10.plugins.module_utils._http import (  # noqa: F401 pylint: disable=unused-import
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    is_refused as _is_refused,
    requests,
)

DEFAULT_URL = 'http://127.0.0.1:11434'


class OllamaError(Exception):
    """Base class: any failure talking to Ollama."""

    def __init__(self, msg, url=None, method=None, path=None):
        super(OllamaError, self).__init__(msg)
        self.msg = msg
        self.url = url
        self.method = method
        self.path = path


class OllamaUnreachable(OllamaError):
    """The server refused the connection: nothing listens, so nothing is resident."""


class OllamaConnectionError(OllamaError):
    """Any other transport failure (DNS, reset, TLS)."""


class OllamaTimeout(OllamaError):
    """No connection or no answer within the request timeout."""


class OllamaHTTPError(OllamaError):
    """The server answered with an HTTP error status."""

    def __init__(self, msg, status=None, error=None, **kwargs):
        super(OllamaHTTPError, self).__init__(msg, **kwargs)
        self.status = status
        self.error = error


class OllamaProtocolError(OllamaError):
    """The server answered 2xx with a body that is not the expected JSON."""


def normalize_name(name):
    """Ollama's canonical short name: ``tiny`` -> ``tiny:latest``."""
    name = (name or '').strip()
    if not name:
        return name
    last = name.rsplit('/', 1)[-1]
    if ':' not in last and '@' not in last:
        return name + ':latest'
    return name


class OllamaClient(object):
    """Talk to one Ollama server.

    ``request_timeout`` bounds both the connection and each wait for data, so a
    server that accepts connections and never answers fails after that many
    seconds.  Every request uses its own session, so the client may be used
    from several threads at once.
    """

    def __init__(self, url=DEFAULT_URL, headers=None, validate_certs=True, request_timeout=30.0,
                 connect_timeout=None):
        if not HAS_REQUESTS:
            raise OllamaError('the Python library "requests" is required')
        self.url = url.rstrip('/')
        self.headers = dict(headers or {})
        self.validate_certs = validate_certs
        self.request_timeout = float(request_timeout)
        self.connect_timeout = float(connect_timeout) if connect_timeout else self.request_timeout
        if not validate_certs:
            _http.quiet_insecure_warnings()

    def _request(self, method, path, payload=None, timeout=None):
        url = self.url + path
        read_timeout = float(timeout) if timeout else self.request_timeout
        what = '%s %s' % (method, url)
        where = dict(url=self.url, method=method, path=path)
        try:
            response = _http.request(method, url, payload=payload, headers=self.headers, timeout=read_timeout,
                                     connect_timeout=self.connect_timeout, validate_certs=self.validate_certs)
        except _http.Refused:
            raise OllamaUnreachable('%s: connection refused (nothing listens at %s)' % (what, self.url), **where)
        except _http.Timeout as exc:
            raise OllamaTimeout(exc.msg, **where)
        except _http.TransportError as exc:
            raise OllamaConnectionError(exc.msg, **where)
        text = response.text
        data = None
        parse_error = None
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError as exc:
            parse_error = exc
        if response.status >= 400:
            error = data.get('error') if isinstance(data, dict) else None
            if error is None:
                error = text.strip()[:500] or response.reason
            raise OllamaHTTPError('%s: HTTP %d: %s' % (what, response.status, error),
                                  status=response.status, error=error,
                                  url=self.url, method=method, path=path)
        if parse_error is not None or not isinstance(data, dict):
            raise OllamaProtocolError('%s: HTTP %d but the body is not a JSON object (%s): %r'
                                      % (what, response.status, parse_error or type(data).__name__, text[:200]),
                                      url=self.url, method=method, path=path)
        return data

    def version(self):
        """The server's version string (``GET /api/version``)."""
        data = self._request('GET', '/api/version')
        if 'version' not in data:
            raise OllamaProtocolError('GET %s/api/version: no "version" in %r' % (self.url, data),
                                      url=self.url, method='GET', path='/api/version')
        return data['version']

    def ps(self):
        """Resident models (``GET /api/ps``): a list of dicts as Ollama returns them."""
        data = self._request('GET', '/api/ps')
        models = data.get('models')
        if models is None:
            models = []
        if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
            raise OllamaProtocolError('GET %s/api/ps: "models" is not a list of objects: %r' % (self.url, models),
                                      url=self.url, method='GET', path='/api/ps')
        return models

    def tags(self):
        """Models on disk (``GET /api/tags``): a list of dicts with ``name`` and ``digest``."""
        data = self._request('GET', '/api/tags')
        models = data.get('models') or []
        if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
            raise OllamaProtocolError('GET %s/api/tags: "models" is not a list of objects: %r' % (self.url, models),
                                      url=self.url, method='GET', path='/api/tags')
        return models

    def unload(self, model):
        """Ask Ollama to evict ``model``: ``POST /api/generate {"model": M, "keep_alive": 0}``.

        Returns the reply (``done_reason`` is ``unload``).  The model may still be
        listed by ``/api/ps`` for a while after this returns.
        """
        return self._request('POST', '/api/generate', {'model': model, 'keep_alive': 0})


def model_name(entry):
    """The name under which a ``/api/ps`` entry is listed."""
    return entry.get('name') or entry.get('model') or ''


def summarize(entry):
    """A compact, stable view of one ``/api/ps`` entry."""
    result = {
        'name': model_name(entry),
        'model': entry.get('model') or model_name(entry),
        'size': int(entry.get('size') or 0),
        'size_vram': int(entry.get('size_vram') or 0),
        'digest': entry.get('digest'),
        'expires_at': entry.get('expires_at'),
    }
    if 'context_length' in entry:
        result['context_length'] = entry.get('context_length')
    return result


# --------------------------------------------------------------------------- model store
# Added for openclaw.gx10.ollama_model: pull (streamed), delete, show, and the model-name
# parser that mirrors Ollama's own (types/model/name.go), so that a name given by the operator
# compares equal to the name /api/tags lists.

import hashlib  # noqa: E402 (kept with the code that uses it; the module's head is shared)
import re  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

DEFAULT_REGISTRY = 'registry.ollama.ai'
DEFAULT_NAMESPACE = 'library'
DEFAULT_TAG = 'latest'
MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'

_PART_RE = {
    # Ollama's isValidPart: first character alphanumeric or "_"; then also "-" and "_";
    # "." except in a namespace; ":" only in a host.
    'host': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$'),
    'namespace': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$'),
    'model': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$'),
    'tag': re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$'),
}


class OllamaPullError(OllamaError):
    """A pull that Ollama reported as failed (an ``error`` line in its stream), or that ran past its deadline.

    ``error`` is Ollama's text (for a registry failure it carries the registry's status and body);
    ``progress`` is what the stream said before the failure (see ``OllamaClient.pull``).
    """

    def __init__(self, msg, error=None, progress=None, timed_out=False, **kwargs):
        super(OllamaPullError, self).__init__(msg, **kwargs)
        self.error = error
        self.progress = progress or {}
        self.timed_out = timed_out


class ModelNameError(ValueError):
    """A model name Ollama would refuse."""


def parse_model_name(name):
    """Split a model name the way Ollama does: ``[scheme://][host/][namespace/]model[:tag]``.

    Returns a dict with ``host``, ``namespace``, ``model``, ``tag`` (defaults filled in:
    registry.ollama.ai, library, latest) and ``display``, the name as ``/api/tags`` lists it
    (Ollama's DisplayShortest). Raises ModelNameError for a name Ollama refuses.
    """
    raw = (name or '').strip()
    if not raw:
        raise ModelNameError('an empty model name')
    text = raw
    if '://' in text:
        text = text.split('://', 1)[1]
    tag = ''
    if text.rfind(':') > text.rfind('/'):
        text, tag = text.rsplit(':', 1)
    parts = text.split('/')
    if len(parts) > 3:
        raise ModelNameError('%r has more than three "/"-separated parts (host/namespace/model)' % raw)
    parts = [''] * (3 - len(parts)) + parts
    result = dict(host=parts[0] or DEFAULT_REGISTRY, namespace=parts[1] or DEFAULT_NAMESPACE,
                  model=parts[2], tag=tag or DEFAULT_TAG)
    for kind in ('host', 'namespace', 'model', 'tag'):
        if not _PART_RE[kind].match(result[kind]):
            raise ModelNameError('%r: the %s part %r is not valid for Ollama (letters, digits, "_", "-"%s; '
                                 'starting with a letter, digit or "_")'
                                 % (raw, kind, result[kind],
                                    {'host': ', "." and ":"', 'namespace': ''}.get(kind, ' and "."')))
    if result['host'].lower() != DEFAULT_REGISTRY:
        display = '%(host)s/%(namespace)s/%(model)s:%(tag)s' % result
    elif result['namespace'].lower() != DEFAULT_NAMESPACE:
        display = '%(namespace)s/%(model)s:%(tag)s' % result
    else:
        display = '%(model)s:%(tag)s' % result
    result['display'] = display
    return result


def same_model_name(a, b):
    """Whether two names name the same model (Ollama compares names case-insensitively)."""
    try:
        return parse_model_name(a)['display'].lower() == parse_model_name(b)['display'].lower()
    except ModelNameError:
        return (a or '').strip().lower() == (b or '').strip().lower()


def manifest_url(name, insecure=False):
    """The registry URL Ollama fetches the manifest from (``insecure`` means plain http, as in Ollama)."""
    parsed = parse_model_name(name)
    return '%s://%s/v2/%s/%s/manifests/%s' % ('http' if insecure else 'https', parsed['host'],
                                              parsed['namespace'], parsed['model'], parsed['tag'])


def manifest_digests(body):
    """Digests under which Ollama may store a manifest fetched from a registry.

    Ollama writes the manifest it pulled re-encoded by Go's encoding/json (struct order, compact),
    and ``/api/tags`` lists the sha256 of that file. Returns the sha256 of the bytes as served and
    of that re-encoding (they are equal when the registry serves Go's encoding, as Ollama's does).
    """
    if isinstance(body, bytes):
        raw = body
        text = body.decode('utf-8')
    else:
        text = body
        raw = body.encode('utf-8')
    digests = ['sha256:' + hashlib.sha256(raw).hexdigest()]
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError('the manifest is not a JSON object')

    def layer(item):
        item = item or {}
        out = '{"mediaType":%s,"digest":%s,"size":%d' % (json.dumps(item.get('mediaType') or ''),
                                                         json.dumps(item.get('digest') or ''),
                                                         int(item.get('size') or 0))
        if item.get('from'):
            out += ',"from":%s' % json.dumps(item['from'])
        return out + '}'

    layers = data.get('layers')
    encoded = '{"schemaVersion":%d,"mediaType":%s,"config":%s,"layers":%s}' % (
        int(data.get('schemaVersion') or 0), json.dumps(data.get('mediaType') or ''),
        layer(data.get('config')),
        '[' + ','.join(layer(x) for x in layers) + ']' if isinstance(layers, list) else 'null')
    go = 'sha256:' + hashlib.sha256(encoded.encode('utf-8')).hexdigest()
    if go not in digests:
        digests.append(go)
    return digests


def _pull_progress():
    return dict(status=None, layers={}, statuses=[])


def _note_progress(progress, line):
    status = line.get('status')
    if status and (not progress['statuses'] or progress['statuses'][-1] != status):
        if not status.startswith('pulling ') or status not in progress['statuses']:
            progress['statuses'].append(status)
    if status:
        progress['status'] = status
    digest = line.get('digest')
    if digest:
        entry = progress['layers'].setdefault(digest, dict(total=0, completed=0))
        entry['total'] = max(entry['total'], int(line.get('total') or 0))
        entry['completed'] = max(entry['completed'], int(line.get('completed') or 0))


def summarize_progress(progress):
    """``{'bytes', 'completed_bytes', 'layers', 'status', 'statuses'}`` from a pull's progress."""
    layers = progress.get('layers') or {}
    return dict(
        bytes=sum(x['total'] for x in layers.values()),
        completed_bytes=sum(min(x['completed'], x['total']) if x['total'] else x['completed'] for x in layers.values()),
        layers=len(layers),
        status=progress.get('status'),
        statuses=list(progress.get('statuses') or [])[-12:],
    )


def _shutdown_response(response):
    """Cut a streamed response's connection from another thread (a deadline passed)."""
    raw = getattr(response, 'raw', None)
    conn = getattr(raw, '_connection', None) or getattr(raw, 'connection', None)
    sock = getattr(conn, 'sock', None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass
    try:
        response.close()
    except Exception:  # pylint: disable=broad-except
        pass


class OllamaStoreClient(OllamaClient):
    """OllamaClient plus the model store: pull (streamed), delete, show.

    A separate class so that OllamaClient stays as other code uses it.
    """

    def _transport(self, exc, method, path, timeout):
        what = '%s %s' % (method, self.url + path)
        kw = dict(url=self.url, method=method, path=path)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return OllamaTimeout('%s: no connection within %s s (%s)' % (what, timeout, exc), **kw)
        if isinstance(exc, requests.exceptions.Timeout):
            return OllamaTimeout('%s: the server accepted the connection but did not answer within %s s'
                                 % (what, timeout), **kw)
        if isinstance(exc, requests.exceptions.SSLError):
            return OllamaConnectionError('%s: TLS error: %s' % (what, exc), **kw)
        if isinstance(exc, requests.exceptions.ConnectionError) and _is_refused(exc):
            return OllamaUnreachable('%s: connection refused (nothing listens at %s)' % (what, self.url), **kw)
        return OllamaConnectionError('%s: connection failed: %s' % (what, exc), **kw)

    def _headers(self, payload):
        headers = {'Accept': 'application/json'}
        headers.update(self.headers)
        if payload is not None:
            headers['Content-Type'] = 'application/json'
        return headers

    def _send(self, method, path, payload=None, timeout=None):
        """Like _request, but a 2xx reply may be empty or ``null`` (``DELETE /api/delete`` answers nothing).

        Returns the parsed JSON (or None).
        """
        read_timeout = float(timeout) if timeout else self.request_timeout
        try:
            with requests.Session() as session:
                response = session.request(
                    method, self.url + path, data=json.dumps(payload) if payload is not None else None,
                    headers=self._headers(payload), timeout=(min(self.connect_timeout, read_timeout), read_timeout),
                    verify=self.validate_certs, allow_redirects=False)
                body = response.content
        except requests.exceptions.RequestException as exc:
            raise self._transport(exc, method, path, read_timeout)
        text = body.decode('utf-8', 'replace')
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError:
            data = None
        if response.status_code >= 400:
            error = data.get('error') if isinstance(data, dict) else None
            error = error or text.strip()[:500] or response.reason
            raise OllamaHTTPError('%s %s: HTTP %d: %s' % (method, self.url + path, response.status_code, error),
                                  status=response.status_code, error=error, url=self.url, method=method, path=path)
        return data

    def show(self, model):
        """``POST /api/show``: the model's details, template and parameters (never loads it)."""
        return self._request('POST', '/api/show', {'model': model})

    def delete(self, model):
        """``DELETE /api/delete``: remove the model's manifest (and blobs no other model uses)."""
        self._send('DELETE', '/api/delete', {'model': model})

    def pull(self, model, insecure=False, timeout=3600.0, on_progress=None):
        """``POST /api/pull`` with streamed progress; only downloads (a pull never loads a model).

        ``timeout``: seconds for the whole pull; at the deadline the connection is cut, which
        makes Ollama abandon the pull (it writes the manifest only after every layer is verified,
        so nothing half-pulled is listed). ``on_progress(line)`` is called for every progress line.
        Returns ``summarize_progress()`` of the stream plus ``seconds``.
        Raises OllamaPullError for an ``error`` line or the deadline, OllamaHTTPError when Ollama
        refuses the request, and the transport errors of OllamaClient.
        """
        path = '/api/pull'
        method = 'POST'
        payload = {'model': model, 'stream': True}
        if insecure:
            payload['insecure'] = True
        progress = _pull_progress()
        started = time.time()
        deadline = started + float(timeout)
        timer = None
        expired = threading.Event()
        kw = dict(url=self.url, method=method, path=path)
        try:
            with requests.Session() as session:
                response = session.request(
                    method, self.url + path, data=json.dumps(payload), headers=self._headers(payload),
                    timeout=(min(self.connect_timeout, float(timeout)), float(timeout)),
                    verify=self.validate_certs, allow_redirects=False, stream=True)
                try:
                    if response.status_code >= 400:
                        text = response.content.decode('utf-8', 'replace')
                        try:
                            error = json.loads(text).get('error')
                        except (ValueError, AttributeError):
                            error = None
                        error = error or text.strip()[:500] or response.reason
                        raise OllamaHTTPError('POST %s/api/pull %s: HTTP %d: %s' % (self.url, model, response.status_code, error),
                                              status=response.status_code, error=error, **kw)

                    def expire():
                        expired.set()
                        _shutdown_response(response)
                    timer = threading.Timer(max(0.0, deadline - time.time()), expire)
                    timer.daemon = True
                    timer.start()
                    for raw_line in response.iter_lines():
                        if not raw_line:
                            continue
                        try:
                            line = json.loads(raw_line.decode('utf-8', 'replace'))
                        except ValueError:
                            raise OllamaProtocolError('POST %s/api/pull %s: a progress line is not JSON: %r'
                                                      % (self.url, model, raw_line[:200]), **kw)
                        if not isinstance(line, dict):
                            continue
                        if line.get('error'):
                            summary = summarize_progress(progress)
                            raise OllamaPullError('pulling %s failed: %s' % (model, line['error']),
                                                  error=line['error'], progress=summary, **kw)
                        _note_progress(progress, line)
                        if on_progress is not None:
                            on_progress(line)
                        if expired.is_set() or time.time() > deadline:
                            break
                finally:
                    if timer is not None:
                        timer.cancel()
                    response.close()
        except requests.exceptions.RequestException as exc:
            if not (expired.is_set() or time.time() > deadline):
                raise self._transport(exc, method, path, timeout)
        except (OSError, ValueError, AttributeError):
            # a connection cut by the deadline surfaces from the socket layer
            if not (expired.is_set() or time.time() > deadline):
                raise
        summary = summarize_progress(progress)
        summary['seconds'] = round(time.time() - started, 3)
        if progress['status'] != 'success':
            if expired.is_set() or time.time() > deadline:
                raise OllamaPullError('pulling %s did not finish within %s s (last status: %s, %d of %d bytes)'
                                      % (model, timeout, progress['status'], summary['completed_bytes'], summary['bytes']),
                                      error='deadline of %s s passed' % timeout, progress=summary, timed_out=True, **kw)
            raise OllamaPullError('pulling %s: the stream ended without "success" (last status: %s)'
                                  % (model, progress['status']), error='stream ended early', progress=summary, **kw)
        return summary


def fetch_manifest(name, insecure=False, timeout=30.0, validate_certs=True):
    """GET the model's manifest from its registry, as Ollama asks for it.

    Returns ``(url, body_bytes)``. Raises OllamaHTTPError / OllamaConnectionError / OllamaTimeout
    (with ``url`` the registry's).
    """
    url = manifest_url(name, insecure=insecure)
    kw = dict(url=url, method='GET', path='')
    try:
        with requests.Session() as session:
            response = session.get(url, headers={'Accept': MANIFEST_MEDIA_TYPE}, timeout=(timeout, timeout),
                                   verify=validate_certs, allow_redirects=True)
            body = response.content
    except requests.exceptions.Timeout as exc:
        raise OllamaTimeout('GET %s: no answer within %s s' % (url, timeout), **kw)
    except requests.exceptions.RequestException as exc:
        if _is_refused(exc):
            raise OllamaUnreachable('GET %s: connection refused' % url, **kw)
        raise OllamaConnectionError('GET %s: %s' % (url, exc), **kw)
    if response.status_code != 200:
        text = body.decode('utf-8', 'replace').strip()[:300]
        raise OllamaHTTPError('GET %s: HTTP %d: %s' % (url, response.status_code, text or response.reason),
                              status=response.status_code, error=text, **kw)
    return url, body
