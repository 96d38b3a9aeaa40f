# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's one HTTP transport (private to openclaw.gx10).

One request, one session (safe from several threads), ``requests`` underneath,
and ONE ladder from transport failures to typed errors, so that the Ollama client
and the vLLM probes tell apart the same four cases the same way:

- ``Refused``: nothing listens (a stopped Ollama holds nothing; a loading vLLM refuses);
- ``Timeout``: no connection, or no answer, within the timeout (a hung server);
- ``TransportError``: anything else (DNS, reset, TLS, a reply cut short).

HTTP error statuses are NOT errors here: the caller gets the ``Response`` and decides.
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


class TransportError(Exception):
    """The request did not get a complete HTTP answer."""

    def __init__(self, msg, what=None):
        super(TransportError, self).__init__(msg)
        self.msg = msg
        self.what = what


class Refused(TransportError):
    """Connection refused: nothing listens."""


class Timeout(TransportError):
    """No connection (``connect`` true) or no answer within the timeout."""

    def __init__(self, msg, what=None, connect=False):
        super(Timeout, self).__init__(msg, what=what)
        self.connect = connect


class Response(object):
    """What came back: ``status``, ``reason``, ``headers``, ``body`` (bytes), ``text``."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.text = body.decode('utf-8', 'replace')

    def json(self):
        """The body as JSON, or ``None`` when empty; raises ValueError when it is not JSON."""
        return json.loads(self.text) if self.text.strip() else None


def is_refused(exc):
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


def quiet_insecure_warnings():
    """The caller chose not to verify certificates: no warning per request on stderr."""
    try:
        from urllib3.exceptions import InsecureRequestWarning
        warnings.filterwarnings('ignore', category=InsecureRequestWarning)
    except ImportError:
        pass


def request(method, url, payload=None, headers=None, timeout=30.0, connect_timeout=None,
            validate_certs=True, method_in_messages=True):
    """``method url`` with an optional JSON ``payload``; returns a ``Response``.

    ``timeout`` bounds each wait for data; ``connect_timeout`` (default ``timeout``)
    the connection.  Raises ``Refused``, ``Timeout`` or ``TransportError``.
    """
    if not HAS_REQUESTS:
        raise TransportError('the Python library "requests" is required')
    read_timeout = float(timeout)
    connect = min(float(connect_timeout), read_timeout) if connect_timeout else read_timeout
    what = '%s %s' % (method, url) if method_in_messages else url
    sent = {'Accept': 'application/json'}
    sent.update(headers or {})
    if payload is not None:
        sent['Content-Type'] = 'application/json'
    try:
        with requests.Session() as session:
            response = session.request(
                method, url,
                data=json.dumps(payload) if payload is not None else None,
                headers=sent, timeout=(connect, read_timeout),
                verify=validate_certs, allow_redirects=False)
            body = response.content
    except requests.exceptions.ConnectTimeout as exc:
        raise Timeout('%s: no connection within %s s (%s)' % (what, read_timeout, exc), what=what, connect=True)
    except requests.exceptions.Timeout:
        raise Timeout('%s: the server accepted the connection but did not answer within %s s'
                      % (what, read_timeout), what=what)
    except requests.exceptions.SSLError as exc:
        raise TransportError('%s: TLS error: %s' % (what, exc), what=what)
    except requests.exceptions.ConnectionError as exc:
        if is_refused(exc):
            raise Refused('%s: connection refused' % what, what=what)
        raise TransportError('%s: connection failed: %s' % (what, exc), what=what)
    except requests.exceptions.RequestException as exc:
        raise TransportError('%s: request failed: %s' % (what, exc), what=what)
    # Older urllib3 (1.26) returns a reply cut short by a dying server without raising.
    expected = response.headers.get('Content-Length')
    if method != 'HEAD' and expected and expected.isdigit() and int(expected) != len(body):
        raise TransportError('%s: the server closed the connection mid-reply (%d of %s bytes)'
                             % (what, len(body), expected), what=what)
    return Response(response.status_code, response.reason, response.headers, body)
