# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Base URLs of the local servers (private to openclaw.gx10): one place that knows IPv6 brackets,
wildcard listen addresses and how Ollama reads OLLAMA_HOST, and the one check of the modules'
``url`` and timeout options (``http_url``, ``timeout_seconds``)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # Python 2 (ansible-test sanity's compile)
    from urlparse import urlsplit

# A server listening on every address is reached on the loopback.
WILDCARD_ADDRESSES = ('', '0.0.0.0', '::', '[::]')
LOOPBACK = '127.0.0.1'
OLLAMA_DEFAULT_HOST = '127.0.0.1:11434'

_PORT_RE = re.compile(r'^[0-9]+$')
_CONTROL_RE = re.compile(u'[\x00-\x1f\x7f]')


class URLError(ValueError):
    """Raised for a host, port or OLLAMA_HOST that gives no usable URL."""


def _ip_address(text):
    import ipaddress  # only a URL that needs it pays for it
    return ipaddress.ip_address(u'%s' % text)


def _is_ipv6(text):
    try:
        return _ip_address(text).version == 6
    except ValueError:
        return False


def _port(value, name):
    text = str(value).strip()
    if isinstance(value, bool) or not _PORT_RE.match(text) or not 1 <= int(text) <= 65535:
        raise URLError('%s: %r is not a TCP port; use an integer in 1-65535' % (name, value))
    return int(text)


def base_url(host, port, scheme='http', name='host'):
    """``scheme://host:port`` for a server that listens on ``host`` (an address or a name).

    A wildcard listen address (``0.0.0.0``, ``::``, empty) becomes 127.0.0.1; an IPv6 address
    gets its brackets (``http://[fe80::1]:8000``).
    """
    if scheme not in ('http', 'https'):
        raise URLError('%s: scheme %r is neither http nor https' % (name, scheme))
    host = '' if host is None else str(host)
    if _CONTROL_RE.search(host):
        raise URLError('%s: %r contains control characters (a newline, say); write the address alone' % (name, host))
    host = host.strip()
    if host in WILDCARD_ADDRESSES:
        host = LOOPBACK
    host = host.strip('[]')
    if not host or re.search(r'[\s/?#@\[\]]', host):
        raise URLError('%s: %r is not a host name or address' % (name, host))
    if ':' in host:
        host = '[%s]' % host
    return '%s://%s:%d' % (scheme, host, _port(port, 'port'))


def http_url(url, name='url'):
    """``url`` when it is an ``http://`` or ``https://`` URL with a host (without a trailing
    ``/``), else URLError: the check of every module's and the gate's server URL."""
    text = '' if url is None else str(url)
    scheme, sep, rest = text.partition('://')
    if not sep or scheme not in ('http', 'https') or not rest.split('/')[0] or _CONTROL_RE.search(text):
        raise URLError('%s: %r is not an http:// or https:// URL' % (name, url))
    try:
        urlsplit(text).port  # pylint: disable=expression-not-assigned
    except ValueError as exc:  # a bad bracket or port: refused before anything is asked
        raise URLError('%s: %r is not a URL that can be asked (%s)' % (name, url, exc))
    return text.rstrip('/')


def timeout_seconds(value, name):
    """``value`` as a float of seconds greater than 0, else URLError (a request or wait timeout)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = None
    # NaN compares false with everything: not greater than 0
    if isinstance(value, bool) or seconds is None or not seconds > 0:  # pylint: disable=unnecessary-negation
        raise URLError('%s: must be a number of seconds greater than 0, got %r' % (name, value))
    return seconds


def local_port(url, name='url'):
    """The TCP port of ``url`` when it points at this host (a loopback or wildcard address, or
    localhost), else None: a port of this host is what a listener check can look at."""
    try:
        parts = urlsplit(str(url))
        port = parts.port
    except ValueError as exc:
        raise URLError('%s: %r is not a URL: %s' % (name, url, exc))
    host = (parts.hostname or '').lower()
    if host != 'localhost' and host not in WILDCARD_ADDRESSES:
        try:
            if not _ip_address(host).is_loopback:
                return None
        except ValueError:
            return None
    if port is None:
        port = 443 if parts.scheme == 'https' else 80
    return port


def ollama_url(setting, name='OLLAMA_HOST'):
    """The API URL a client on the same host uses for an Ollama started with OLLAMA_HOST=``setting``.

    Read as Ollama's envconfig.Host() reads it: ``[scheme://]host[:port][/path]``; no setting means
    127.0.0.1:11434; no port means 11434, or 80/443 after an explicit http:// / https://.
    """
    text = OLLAMA_DEFAULT_HOST if setting is None else str(setting)
    if _CONTROL_RE.search(text):
        raise URLError('%s: %r contains control characters (a newline, say); write [http(s)://]host[:port] alone'
                       % (name, text))
    text = text.strip().strip('"\'')
    scheme, sep, hostport = text.partition('://')
    if not sep:
        scheme, hostport, default_port = 'http', text, 11434
    elif scheme in ('http', 'https'):
        default_port = 80 if scheme == 'http' else 443
    else:
        raise URLError('%s: scheme %r in %r is neither http nor https' % (name, scheme, text))
    hostport = hostport.partition('/')[0]
    match = re.match(r'^(\[[0-9A-Fa-f:.]+\]|[^:\[\]]*)(?::([0-9]+))?$', hostport)
    if match:
        host, port = match.group(1), match.group(2)
    elif _is_ipv6(hostport):  # a bare IPv6 address, no port
        host, port = hostport, None
    else:
        raise URLError('%s: cannot read %r as [http(s)://]host[:port]' % (name, text))
    if port is not None and not 1 <= int(port) <= 65535:
        raise URLError('%s: port %s in %r is outside 1-65535' % (name, port, text))
    return base_url(host, port or default_port, scheme, name=name)
