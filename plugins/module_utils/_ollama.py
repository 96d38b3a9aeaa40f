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

import errno
import json
import traceback
import warnings

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by ansible-test import sanity
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

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


def _is_refused(exc):
    """Walk an exception, its causes and its arguments looking for ECONNREFUSED."""
    seen = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionRefusedError):
            return True
        if isinstance(item, OSError) and getattr(item, 'errno', None) == errno.ECONNREFUSED:
            return True
        if isinstance(item, BaseException):
            todo.append(item.__cause__)
            todo.append(item.__context__)
            todo.append(getattr(item, 'reason', None))
            todo.extend(a for a in getattr(item, 'args', ()) if isinstance(a, BaseException))
    text = str(exc)
    return 'Connection refused' in text or '[Errno %d]' % errno.ECONNREFUSED in text


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
            # the caller chose not to verify: no warning per request on stderr
            try:
                from urllib3.exceptions import InsecureRequestWarning
                warnings.filterwarnings('ignore', category=InsecureRequestWarning)
            except ImportError:
                pass

    def _request(self, method, path, payload=None, timeout=None):
        url = self.url + path
        read_timeout = float(timeout) if timeout else self.request_timeout
        what = '%s %s' % (method, url)
        headers = {'Accept': 'application/json'}
        headers.update(self.headers)
        try:
            with requests.Session() as session:
                response = session.request(
                    method, url,
                    data=json.dumps(payload) if payload is not None else None,
                    headers=dict(headers, **({'Content-Type': 'application/json'} if payload is not None else {})),
                    timeout=(min(self.connect_timeout, read_timeout), read_timeout),
                    verify=self.validate_certs,
                    allow_redirects=False,
                )
                body = response.content
        except requests.exceptions.ConnectTimeout as exc:
            raise OllamaTimeout('%s: no connection within %s s (%s)' % (what, read_timeout, exc),
                                url=self.url, method=method, path=path)
        except requests.exceptions.Timeout as exc:
            raise OllamaTimeout('%s: the server accepted the connection but did not answer within %s s'
                                % (what, read_timeout), url=self.url, method=method, path=path)
        except requests.exceptions.SSLError as exc:
            raise OllamaConnectionError('%s: TLS error: %s' % (what, exc), url=self.url, method=method, path=path)
        except requests.exceptions.ConnectionError as exc:
            if _is_refused(exc):
                raise OllamaUnreachable('%s: connection refused (nothing listens at %s)' % (what, self.url),
                                        url=self.url, method=method, path=path)
            raise OllamaConnectionError('%s: connection failed: %s' % (what, exc),
                                        url=self.url, method=method, path=path)
        except requests.exceptions.RequestException as exc:
            raise OllamaConnectionError('%s: request failed: %s' % (what, exc), url=self.url, method=method, path=path)

        # Older urllib3 (1.26) returns a reply cut short by a dying server without raising.
        expected = response.headers.get('Content-Length')
        if expected and expected.isdigit() and int(expected) != len(body):
            raise OllamaConnectionError('%s: the server closed the connection mid-reply (%d of %s bytes)'
                                        % (what, len(body), expected), url=self.url, method=method, path=path)
        text = body.decode('utf-8', 'replace')
        data = None
        parse_error = None
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError as exc:
            parse_error = exc
        if response.status_code >= 400:
            error = data.get('error') if isinstance(data, dict) else None
            if error is None:
                error = text.strip()[:500] or response.reason
            raise OllamaHTTPError('%s: HTTP %d: %s' % (what, response.status_code, error),
                                  status=response.status_code, error=error,
                                  url=self.url, method=method, path=path)
        if parse_error is not None or not isinstance(data, dict):
            raise OllamaProtocolError('%s: HTTP %d but the body is not a JSON object (%s): %r'
                                      % (what, response.status_code, parse_error or type(data).__name__, text[:200]),
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
