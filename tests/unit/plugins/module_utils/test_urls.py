# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.openclaw.gx10.plugins.module_utils._urls import URLError, base_url, http_url, local_port, ollama_url


@pytest.mark.parametrize('host,port,expected', [
    ('127.0.0.1', 8000, 'http://127.0.0.1:8000'),
    ('0.0.0.0', 8000, 'http://127.0.0.1:8000'),
    ('::', '8000', 'http://127.0.0.1:8000'),
    ('', 8000, 'http://127.0.0.1:8000'),
    (None, 8000, 'http://127.0.0.1:8000'),
    ('::1', 8000, 'http://[::1]:8000'),
    ('[fd00::5]', 8001, 'http://[fd00::5]:8001'),
    ('gx10-1.lab', 65535, 'http://gx10-1.lab:65535'),
])
def test_base_url(host, port, expected):
    assert base_url(host, port) == expected


def test_base_url_https():
    assert base_url('::1', 443, 'https') == 'https://[::1]:443'


@pytest.mark.parametrize('host,port,fragment', [
    ('127.0.0.1', 0, "port: 0 is not a TCP port"),
    ('127.0.0.1', 70000, 'not a TCP port'),
    ('127.0.0.1', 'http', 'not a TCP port'),
    ('127.0.0.1', True, 'not a TCP port'),
    ('a b', 80, 'not a host'),
    ('host/path', 80, 'not a host'),
    ('127.0.0.1\n', 80, 'control characters'),
])
def test_base_url_refuses(host, port, fragment):
    with pytest.raises(URLError, match=fragment):
        base_url(host, port, name='vllm_bind_address')


def test_base_url_refuses_scheme():
    with pytest.raises(URLError, match='neither http nor https'):
        base_url('127.0.0.1', 80, 'ftp')


# OLLAMA_HOST as Ollama's envconfig.Host() reads it, then reached from the same host.
@pytest.mark.parametrize('setting,expected', [
    (None, 'http://127.0.0.1:11434'),
    ('', 'http://127.0.0.1:11434'),
    ('127.0.0.1:11434', 'http://127.0.0.1:11434'),
    ('127.0.0.1:11500', 'http://127.0.0.1:11500'),
    ('0.0.0.0:11500', 'http://127.0.0.1:11500'),
    (':11500', 'http://127.0.0.1:11500'),
    ('0.0.0.0', 'http://127.0.0.1:11434'),
    ('gx10-1.lab', 'http://gx10-1.lab:11434'),
    ('http://gx10-1.lab', 'http://gx10-1.lab:80'),
    ('https://gx10-1.lab', 'https://gx10-1.lab:443'),
    ('https://gx10-1.lab:8443/ollama', 'https://gx10-1.lab:8443'),
    ('[::1]:11500', 'http://[::1]:11500'),
    ('[::1]', 'http://[::1]:11434'),
    ('::1', 'http://[::1]:11434'),
    ('[::]:11434', 'http://127.0.0.1:11434'),
    ('"127.0.0.1:11500"', 'http://127.0.0.1:11500'),  # Ollama strips quotes
])
def test_ollama_url(setting, expected):
    assert ollama_url(setting) == expected


@pytest.mark.parametrize('setting,fragment', [
    ('ftp://host', 'neither http nor https'),
    ('127.0.0.1:70000', 'outside 1-65535'),
    ('127.0.0.1:0', 'outside 1-65535'),
    ('a:b:c', 'cannot read'),
    ('0.0.0.0\nEvil=1', 'control characters'),  # would inject a line into the systemd drop-in
])
def test_ollama_url_refuses_naming_the_variable(setting, fragment):
    with pytest.raises(URLError, match=fragment) as err:
        ollama_url(setting, name='ollama_environment.OLLAMA_HOST')
    assert str(err.value).startswith('ollama_environment.OLLAMA_HOST: ')


@pytest.mark.parametrize('url, expected', [
    ('http://127.0.0.1:11434', 11434),
    ('http://localhost:8000/v1', 8000),
    ('http://[::1]:11434', 11434),
    ('http://0.0.0.0:11434', 11434),
    ('http://127.0.0.1', 80),
    ('https://localhost', 443),
    ('http://10.0.0.5:11434', None),       # another host: no port of ours to look at
    ('http://gx10-a.lan:11434', None),
])
def test_local_port(url, expected):
    assert local_port(url) == expected


def test_local_port_refuses_naming_the_variable():
    with pytest.raises(URLError, match='ollama_url: .* is not a URL'):
        local_port('http://127.0.0.1:99999', 'ollama_url')


@pytest.mark.parametrize('url', ['http://127.0.0.1:8000/', 'https://[::1]:8443', 'http://localhost'])
def test_http_url_takes(url):
    assert http_url(url) == url.rstrip('/')


@pytest.mark.parametrize('url, fragment', [
    ('ftp://host/x', 'not an http:// or https:// URL'),
    ('http://', 'not an http:// or https:// URL'),
    ('http://[::1:8000/x', 'Invalid IPv6 URL'),      # a bracket left open
    ('http://127.0.0.1:99999', 'out of range'),     # urlsplit reads the port only when asked
    ('http://127.0.0.1:abc', 'abc'),
])
def test_http_url_refuses_naming_the_variable(url, fragment):
    with pytest.raises(URLError) as info:
        http_url(url, 'vllm_url')
    assert info.value.args[0].startswith('vllm_url: ') and fragment in info.value.args[0]
