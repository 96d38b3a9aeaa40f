# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Ollama client (private to openclaw.gx10): the server's API and its registry's manifests.

Every request goes through the one transport (``_http``); its ladder raises this family's
classes, so that a caller can tell apart a server that refuses connections (holds nothing:
``OllamaUnreachable``), one that accepts but never answers (``OllamaTimeout``), an HTTP error
with the server's own ``error`` text (``OllamaHTTPError``), a reply that is not the JSON it should
be (``OllamaProtocolError``) and a listener that was not proven Ollama's own
(``OllamaListenerError``: nothing was asked of it).

Evicting a model uses ``POST /api/generate {"model": M, "keep_alive": 0}``.
Never ``/api/embed``: that loads the model first.  The reply to the unload
comes BEFORE the eviction; poll ``/api/ps`` to know it is gone.

Model names and manifest digests (no HTTP) are in ``_ollama_names``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import time

from ansible_collections.openclaw.gx10.plugins.module_utils import _http

DEFAULT_URL = 'http://127.0.0.1:11434'


class OllamaError(_http.HTTPError):
    """Base class: any failure talking to Ollama (``msg``, ``url``, ``method``, ``path``)."""


class OllamaUnreachable(OllamaError, _http.Refused):
    """The server refused the connection: nothing listens, so nothing is resident."""


class OllamaConnectionError(OllamaError, _http.TransportError):
    """Any other transport failure (DNS, reset, TLS)."""


class OllamaTimeout(OllamaError, _http.Timeout):
    """No connection or no answer within the request timeout."""


class OllamaListenerError(OllamaError, _http.UnprovenListener):
    """What listens on Ollama's port is not the Ollama unit's own: nothing was asked of it."""


class OllamaHTTPError(OllamaError, _http.StatusError):
    """The server answered with an HTTP error status (``status``, and its own text in ``error``)."""


class OllamaProtocolError(OllamaError, _http.ProtocolError):
    """The server answered 2xx with a body that is not the expected JSON."""


class OllamaPullError(OllamaError):
    """A pull that Ollama reported as failed (an ``error`` line in its stream), or that ran past its deadline.

    ``error`` is Ollama's text (for a registry failure it carries the registry's status and body);
    ``progress`` is what the stream said before the failure (see ``OllamaClient.pull``).
    """

    def __init__(self, msg, error=None, progress=None, timed_out=False, **kwargs):
        super(OllamaPullError, self).__init__(msg, error=error, **kwargs)
        self.progress = progress or {}
        self.timed_out = timed_out


# The ladder's kinds (_http.ERRORS) as this family's classes.
ERRORS = dict(transport=OllamaConnectionError, refused=OllamaUnreachable, timeout=OllamaTimeout,
              listener=OllamaListenerError, status=OllamaHTTPError, protocol=OllamaProtocolError)


def normalize_name(name):
    """Ollama's canonical short name: ``tiny`` -> ``tiny:latest``."""
    name = (name or '').strip()
    if not name:
        return name
    last = name.rsplit('/', 1)[-1]
    if ':' not in last and '@' not in last:
        return name + ':latest'
    return name


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


class OllamaClient(_http.Client):
    """Talk to one Ollama server.

    ``request_timeout`` bounds both the connection and each wait for data, so a
    server that accepts connections and never answers fails after that many
    seconds. ``listener``: the transport's listener check, asked before each request
    (``_http.proven_once`` to ask it until it proves once). Every request uses its own
    connection, so the client may be used from several threads at once.
    """

    def __init__(self, url=DEFAULT_URL, headers=None, validate_certs=True, request_timeout=30.0,
                 connect_timeout=None, listener=None):
        super(OllamaClient, self).__init__(url, headers=headers, validate_certs=validate_certs,
                                           request_timeout=request_timeout, connect_timeout=connect_timeout,
                                           listener=listener, errors=ERRORS)

    @classmethod
    def from_params(cls, params, url='url', listener=None):
        """The client of a module's (or the gate's) options: ``params[url]`` and the shared
        ``headers``, ``validate_certs``, ``request_timeout`` (``_options.HTTP_ARGUMENT_SPEC``)."""
        return cls(url=params[url], headers=params.get('headers'), validate_certs=params.get('validate_certs', True),
                   request_timeout=params.get('request_timeout') or 30.0, listener=listener)

    def version(self):
        """The server's version string (``GET /api/version``)."""
        data = self.call('GET', '/api/version')
        if 'version' not in data:
            raise OllamaProtocolError('GET %s/api/version: no "version" in %r' % (self.url, data),
                                      url=self.url, method='GET', path='/api/version')
        return data['version']

    def _models(self, path, none_ok):
        data = self.call('GET', path)
        models = data.get('models')
        if models is None or (not none_ok and not models):
            models = []
        if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
            raise OllamaProtocolError('GET %s%s: "models" is not a list of objects: %r' % (self.url, path, models),
                                      url=self.url, method='GET', path=path)
        return models

    def ps(self):
        """Resident models (``GET /api/ps``): a list of dicts as Ollama returns them."""
        return self._models('/api/ps', True)

    def tags(self):
        """Models on disk (``GET /api/tags``): a list of dicts with ``name`` and ``digest``."""
        return self._models('/api/tags', False)

    def unload(self, model):
        """Ask Ollama to evict ``model``: ``POST /api/generate {"model": M, "keep_alive": 0}``.

        Returns the reply (``done_reason`` is ``unload``).  The model may still be
        listed by ``/api/ps`` for a while after this returns.
        """
        return self.call('POST', '/api/generate', {'model': model, 'keep_alive': 0})

    def show(self, model):
        """``POST /api/show``: the model's details, template and parameters (never loads it)."""
        return self.call('POST', '/api/show', {'model': model})

    def delete(self, model):
        """``DELETE /api/delete``: remove the model's manifest (and blobs no other model uses);
        Ollama answers an empty body."""
        response = self.request('DELETE', '/api/delete', {'model': model})
        if response.status >= 400:
            raise self.status_error('DELETE', '/api/delete', response)

    def pull(self, model, insecure=False, timeout=3600.0, on_progress=None):
        """``POST /api/pull`` with streamed progress; only downloads (a pull never loads a model).

        ``timeout``: seconds for the whole pull; at the deadline the connection is cut, which
        makes Ollama abandon the pull (it writes the manifest only after every layer is verified,
        so nothing half-pulled is listed). ``on_progress(line)`` is called for every progress line.
        Returns ``summarize_progress()`` of the stream plus ``seconds``.
        Raises OllamaPullError for an ``error`` line or the deadline, OllamaHTTPError when Ollama
        refuses the request, and the transport errors of the family.
        """
        import threading
        path = '/api/pull'
        payload = {'model': model, 'stream': True}
        if insecure:
            payload['insecure'] = True
        progress = _pull_progress()
        started = time.time()
        deadline = started + float(timeout)
        expired = threading.Event()
        kw = dict(url=self.url, method='POST', path=path)

        def late():
            return expired.is_set() or time.time() > deadline

        exchange = self.stream('POST', path, payload, timeout=float(timeout))
        timer = None
        try:
            if exchange.response.status >= 400:
                raise self.status_error('POST', '%s %s' % (path, model), exchange.read())

            def expire():
                expired.set()
                exchange.shutdown()
            timer = threading.Timer(max(0.0, deadline - time.time()), expire)
            timer.daemon = True
            timer.start()
            for raw_line in exchange.lines():
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
                    raise OllamaPullError('pulling %s failed: %s' % (model, line['error']),
                                          error=line['error'], progress=summarize_progress(progress), **kw)
                _note_progress(progress, line)
                if on_progress is not None:
                    on_progress(line)
                if late():
                    break
        except OllamaError as exc:
            # a connection cut by the deadline surfaces as a transport error
            if not (isinstance(exc, _http.TransportError) and late()):
                raise
        finally:
            if timer is not None:
                timer.cancel()
            exchange.close()
        summary = summarize_progress(progress)
        summary['seconds'] = round(time.time() - started, 3)
        if progress['status'] != 'success':
            if late():
                raise OllamaPullError('pulling %s did not finish within %s s (last status: %s, %d of %d bytes)'
                                      % (model, timeout, progress['status'], summary['completed_bytes'], summary['bytes']),
                                      error='deadline of %s s passed' % timeout, progress=summary, timed_out=True, **kw)
            raise OllamaPullError('pulling %s: the stream ended without "success" (last status: %s)'
                                  % (model, progress['status']), error='stream ended early', progress=summary, **kw)
        return summary


# The old name of the client with the model store (pull, delete, show): one client now.
OllamaStoreClient = OllamaClient


def fetch_manifest(name, insecure=False, timeout=30.0, validate_certs=True):
    """GET the model's manifest from its registry, as Ollama asks for it (redirects followed).

    Returns ``(url, body_bytes)``. Raises OllamaHTTPError / OllamaConnectionError / OllamaTimeout
    (with ``url`` the registry's).
    """
    # imported here: only ollama_model asks a registry; an eviction pays for no name parser
    from ansible_collections.openclaw.gx10.plugins.module_utils._ollama_names import MANIFEST_MEDIA_TYPE, manifest_url
    url = manifest_url(name, insecure=insecure)
    response = _http.request('GET', url, headers={'Accept': MANIFEST_MEDIA_TYPE}, timeout=timeout,
                             validate_certs=validate_certs, errors=ERRORS, redirects=10,
                             base=url, where=dict(url=url, method='GET', path=''))
    if response.status != 200:
        text = response.text.strip()[:300]
        raise OllamaHTTPError('GET %s: HTTP %d: %s' % (url, response.status, text or response.reason),
                              status=response.status, error=text, url=url, method='GET', path='')
    return url, response.body
