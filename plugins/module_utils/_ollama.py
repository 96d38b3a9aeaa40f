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
