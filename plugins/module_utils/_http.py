# -*- coding: utf-8 -*-
# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's one HTTP transport (private to openclaw.gx10).

Every Ollama and vLLM request of the modules, the host gate and the metrics exporter goes through
``request``/``stream`` here (a ``Client`` carries a base URL and its options), so that there is
ONE ladder from failures to typed errors, ``ladder``:

- ``UnprovenListener``: a ``listener`` check was given and did not prove what listens on the port
  to be the server this host started; NOTHING was sent (no API key, no question whose answer
  decides). Its ``msg`` is the check's sentence, naming the process and user on the port;
- ``Refused``: nothing listens (a stopped Ollama holds nothing; a loading vLLM refuses);
- ``Timeout``: no connection (``connect`` true), or no answer, within the timeout (a hung server);
- ``TransportError``: anything else (DNS, reset, TLS, a reply cut short);
- ``StatusError`` / ``ProtocolError``: only from ``Client.call``, which wants a JSON object: an
  HTTP error status (with the server's own ``error`` text), or a 2xx body that is not JSON.

A family of services may have its own classes for these (``errors``: kind -> class, the Ollama
client's ``OllamaUnreachable`` and so on); the ladder is still this one. Elsewhere HTTP error
statuses are not errors: the caller gets the ``Response`` and decides.

Standard library only (``http.client``), imported by the call that needs it: the host gate runs
this with the host's bare python3, and every module pays for what it imports at each start.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import json

REDIRECTS = (301, 302, 303, 307, 308)


class HTTPError(Exception):
    """Any failure of a call; ``msg`` says what and where. The attributes every kind may carry:
    ``url`` (the base URL), ``method``, ``path``, ``what`` (``METHOD URL``), ``status`` and
    ``error`` (an HTTP error status and the server's text), ``connect`` (a timeout before any
    connection), ``listener`` (the sentence of a listener that was not proven)."""

    def __init__(self, msg, url=None, method=None, path=None, what=None, status=None, error=None,
                 connect=False, listener=None):
        super(HTTPError, self).__init__(msg)
        self.msg = msg
        self.url = url
        self.method = method
        self.path = path
        self.what = what
        self.status = status
        self.error = error
        self.connect = connect
        self.listener = listener


class TransportError(HTTPError):
    """The request did not get a complete HTTP answer."""


class Refused(TransportError):
    """Connection refused: nothing listens."""


class Timeout(TransportError):
    """No connection (``connect`` true) or no answer within the timeout."""


class UnprovenListener(HTTPError):
    """The listener check did not prove the listener ours: nothing was sent."""


class StatusError(HTTPError):
    """The server answered with an HTTP error status (``Client.call``)."""


class ProtocolError(HTTPError):
    """The server answered 2xx with a body that is not the expected JSON (``Client.call``)."""


# The kinds of the ladder and their classes; a family (``errors``) overrides some or all.
ERRORS = dict(transport=TransportError, refused=Refused, timeout=Timeout, listener=UnprovenListener,
              status=StatusError, protocol=ProtocolError)


def _error(errors, kind, msg, **kwargs):
    return ((errors or {}).get(kind) or ERRORS[kind])(msg, **kwargs)


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


def proven_once(check):
    """``check`` asked until it proves the listener once, then no more: for a client whose every
    call would otherwise read /proc again (the gate's eviction polls /api/ps every few ms)."""
    proven = []

    def once():
        if proven:
            return None
        problem = check()
        if not problem:
            proven.append(True)
        return problem
    return once


def ladder(exc, what, base, timeout, errors=None, connected=True, **where):
    """The one ladder: an exception raised while connecting (``connected`` false) or talking to
    the server, as the typed error of its kind (``errors`` may name the family's classes)."""
    import socket
    import ssl
    import http.client
    where = dict(where, what=what)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        if not connected:
            return _error(errors, 'timeout', '%s: no connection within %s s (%s)' % (what, timeout, exc),
                          connect=True, **where)
        return _error(errors, 'timeout', '%s: the server accepted the connection but did not answer within %s s'
                      % (what, timeout), **where)
    if isinstance(exc, ssl.SSLError) or isinstance(exc, ssl.CertificateError):
        return _error(errors, 'transport', '%s: TLS error: %s' % (what, exc), **where)
    if not connected and is_refused(exc):
        return _error(errors, 'refused', '%s: connection refused (nothing listens at %s)' % (what, base), **where)
    if isinstance(exc, http.client.IncompleteRead):
        expected = (len(exc.partial) + exc.expected) if isinstance(exc.expected, int) else exc.expected
        return _error(errors, 'transport', '%s: the server closed the connection mid-reply (%d of %s bytes)'
                      % (what, len(exc.partial), expected), **where)
    return _error(errors, 'transport', '%s: connection failed: %s' % (what, exc or type(exc).__name__), **where)


class _Exchange(object):
    """One connection, one request, its response (``http.client``), every failure through ``ladder``."""

    def __init__(self, method, url, payload, headers, timeout, connect_timeout, validate_certs, errors,
                 method_in_messages, base=None, where=None):
        try:
            from urllib.parse import urlsplit
        except ImportError:  # pragma: no cover - Python 2 (ansible-test sanity's compile)
            from urlparse import urlsplit
        self.method, self.url = method, url
        self.timeout = float(timeout)
        self.connect_timeout = min(float(connect_timeout), self.timeout) if connect_timeout else self.timeout
        self.validate_certs, self.errors = validate_certs, errors
        self.what = '%s %s' % (method, url) if method_in_messages else url
        # urlsplit and .port raise ValueError on a bad bracket or port: typed here like any other
        # URL that cannot be asked, never a traceback.
        try:
            parts = urlsplit(url)
            # the port always given: http.client would read a bare IPv6 address's last group as one
            self.port = parts.port or (443 if parts.scheme == 'https' else 80)
        except ValueError as exc:
            parts, problem = None, str(exc)
        else:
            problem = None if parts.scheme in ('http', 'https') and parts.hostname else 'not an http:// or https:// URL'
        if problem:
            raise _error(errors, 'transport', '%s: %s' % (self.what, problem), what=self.what, **(where or {}))
        self.parts = parts
        self.base = base or '%s://%s' % (parts.scheme, parts.netloc)
        self.where = dict(where or {}, url=(where or {}).get('url', self.base))
        self.sent = {'Accept': 'application/json'}
        self.sent.update(headers or {})
        self.body = None
        if payload is not None:
            self.sent['Content-Type'] = 'application/json'
            self.body = json.dumps(payload).encode('utf-8')
        self.conn = None
        self.response = None

    def fail(self, exc, connected=True):
        return ladder(exc, self.what, self.base, self.timeout if connected else self.connect_timeout,
                      errors=self.errors, connected=connected, **self.where)

    def open(self):
        import http.client
        parts, port = self.parts, self.port
        if parts.scheme == 'https':
            import ssl
            context = ssl.create_default_context()
            if not self.validate_certs:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self.conn = http.client.HTTPSConnection(parts.hostname, port, timeout=self.connect_timeout,
                                                    context=context)
        else:
            self.conn = http.client.HTTPConnection(parts.hostname, port, timeout=self.connect_timeout)
        try:
            self.conn.connect()
        except Exception as exc:  # pylint: disable=broad-except
            self.close()
            raise self.fail(exc, connected=False)
        self.conn.sock.settimeout(self.timeout)
        path = parts.path or '/'
        if parts.query:
            path += '?' + parts.query
        try:
            self.conn.request(self.method, path, body=self.body, headers=self.sent)
            self.response = self.conn.getresponse()
        except Exception as exc:  # pylint: disable=broad-except
            self.close()
            raise self.fail(exc)
        return self.response

    def read(self):
        try:
            body = self.response.read()
        except Exception as exc:  # pylint: disable=broad-except
            raise self.fail(exc)
        finally:
            self.close()
        return Response(self.response.status, self.response.reason, self.response.headers, body)

    def lines(self):
        """The body's lines as they arrive (a streamed reply: Ollama's pull progress)."""
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                yield line.rstrip(b'\r\n')
        except Exception as exc:  # pylint: disable=broad-except
            raise self.fail(exc)

    def shutdown(self):
        """Cut the connection from another thread (a deadline passed): a blocked read returns."""
        import socket
        sock = getattr(self.conn, 'sock', None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # pylint: disable=broad-except
                pass


def _prove(listener, what, errors, where):
    """The listener option: ``listener()`` says None when what listens is ours, else who it is."""
    if listener is None:
        return
    problem = listener()
    if problem:
        raise _error(errors, 'listener', problem, listener=problem, what=what, **where)


def request(method, url, payload=None, headers=None, timeout=30.0, connect_timeout=None,
            validate_certs=True, method_in_messages=True, listener=None, errors=None, redirects=0,
            base=None, where=None):
    """``method url`` with an optional JSON ``payload``; returns a ``Response``.

    ``timeout`` bounds each wait for data; ``connect_timeout`` (default ``timeout``) the
    connection. ``listener``: a check (no arguments; None when what listens is the server this host
    started, else a sentence naming it) asked before anything is sent: a headers' API key goes
    only to a proven listener. ``redirects``: how many redirects to follow (a registry's).
    Raises the ladder's errors (``UnprovenListener``, ``Refused``, ``Timeout``, ``TransportError``,
    or ``errors``' classes for them).
    """
    try:
        from urllib.parse import urljoin
    except ImportError:  # pragma: no cover - Python 2 (ansible-test sanity's compile)
        from urlparse import urljoin
    followed = 0
    while True:
        exchange = _Exchange(method, url, payload, headers, timeout, connect_timeout, validate_certs, errors,
                             method_in_messages, base=base, where=where)
        _prove(listener, exchange.what, errors, exchange.where)
        exchange.open()
        response = exchange.read()
        location = response.headers.get('Location')
        # Never after a listener check: it proved this host and port, not where a redirect leads,
        # and the same headers (a key) would go there.
        if (response.status in REDIRECTS and location and followed < redirects and method in ('GET', 'HEAD')
                and listener is None):
            followed += 1
            url = urljoin(url, location)
            continue
        return response


def stream(method, url, payload=None, headers=None, timeout=30.0, connect_timeout=None, validate_certs=True,
           listener=None, errors=None, base=None, where=None):
    """Like ``request``, but the body is left to read: returns the open exchange (``response``
    with ``status`` and ``reason``, ``read()`` for the whole body, ``lines()`` as they arrive,
    ``shutdown()`` from another thread, ``close()``)."""
    exchange = _Exchange(method, url, payload, headers, timeout, connect_timeout, validate_certs, errors,
                         True, base=base, where=where)
    _prove(listener, exchange.what, errors, exchange.where)
    exchange.open()
    return exchange


class Client(object):
    """One server: its base ``url`` and the options every call to it carries (community.docker's
    shape: one client per service, built from the modules' shared options; see
    ``_options.http_client``).

    ``listener``: the listener check asked before every call (``proven_once`` to ask it until it
    proves once). ``errors``: the family's classes for the ladder's kinds. Every call uses its own
    connection, so the client may be used from several threads at once.
    """

    def __init__(self, url, headers=None, validate_certs=True, request_timeout=30.0, connect_timeout=None,
                 listener=None, errors=None):
        self.url = url.rstrip('/')
        self.headers = dict(headers or {})
        self.validate_certs = validate_certs
        self.request_timeout = float(request_timeout)
        self.connect_timeout = float(connect_timeout) if connect_timeout else self.request_timeout
        self.listener = listener
        self.errors = errors

    def _options(self, method, path, timeout, headers, listener):
        sent = dict(self.headers)
        sent.update(headers or {})
        return dict(headers=sent, timeout=float(timeout) if timeout else self.request_timeout,
                    connect_timeout=self.connect_timeout, validate_certs=self.validate_certs,
                    listener=self.listener if listener is None else (listener or None), errors=self.errors,
                    base=self.url, where=dict(url=self.url, method=method, path=path))

    def request(self, method, path, payload=None, timeout=None, headers=None, listener=None):
        """``method`` on ``url + path``; the ``Response``, whatever its status. ``listener``
        False skips the client's listener check for a call that sends nothing secret and
        decides nothing."""
        return request(method, self.url + path, payload=payload,
                       **self._options(method, path, timeout, headers, listener))

    def stream(self, method, path, payload=None, timeout=None, headers=None, listener=None):
        return stream(method, self.url + path, payload=payload, **self._options(method, path, timeout, headers, listener))

    def status_error(self, method, path, response):
        """An HTTP error status as the family's ``status`` error, with the server's own ``error`` text."""
        text = response.text
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError:
            data = None
        error = data.get('error') if isinstance(data, dict) else None
        error = error or text.strip()[:500] or response.reason
        return _error(self.errors, 'status', '%s %s: HTTP %d: %s' % (method, self.url + path, response.status, error),
                      status=response.status, error=error, url=self.url, method=method, path=path,
                      what='%s %s' % (method, self.url + path))

    def call(self, method, path, payload=None, timeout=None, empty_ok=False, headers=None, listener=None):
        """The reply's JSON object; ``empty_ok``: an empty or ``null`` 2xx body is None.
        An HTTP error status raises ``status``; a body that is not a JSON object ``protocol``."""
        response = self.request(method, path, payload=payload, timeout=timeout, headers=headers, listener=listener)
        if response.status >= 400:
            raise self.status_error(method, path, response)
        text = response.text
        parse_error = None
        data = None
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError as exc:
            parse_error = exc
        if data is None and parse_error is None and empty_ok:
            return None
        if parse_error is not None or not isinstance(data, dict):
            what = '%s %s' % (method, self.url + path)
            raise _error(self.errors, 'protocol', '%s: HTTP %d but the body is not a JSON object (%s): %r'
                         % (what, response.status, parse_error or type(data).__name__, text[:200]),
                         url=self.url, method=method, path=path, what=what)
        return data
