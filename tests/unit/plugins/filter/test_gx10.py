# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.openclaw.gx10.plugins.filter.gx10 import (
    go_duration_seconds, systemd_env_value, systemd_quote,
)

NS = 1e-9

# Accepted by Go's time.ParseDuration (cases from Go's own time_test.go) or strconv.ParseInt.
ACCEPTED = [
    ('0', 0), ('-0', 0), ('+0', 0), ('5s', 5), ('30s', 30), ('1478s', 1478), ('-5s', -5),
    ('+5s', 5), ('5.0s', 5), ('5.6s', 5.6), ('5.s', 5), ('.5s', 0.5), ('1.004s', 1.004),
    ('100.00100s', 100.001), ('10ns', 10 * NS), ('11us', 11e-6), (u'12\u00b5s', 12e-6),
    (u'12\u03bcs', 12e-6), ('13ms', 0.013), ('15m', 900), ('16h', 57600), ('3h30m', 12600),
    ('10.5s4m', 250.5), ('-2m3.4s', -123.4), ('1h2m3s4ms5us6ns', 3723.004005006),
    ('39h9m14.425s', 140954.425), ('52763797000ns', 52.763797), ('0.3333333333333333333h', 1200),
    ('9223372036854775807ns', 9223372036.854775807), ('-9223372036854775808ns', -9223372036.854775808),
    ('2h', 7200), ('-1m', -60), ('300', 300), ('-1', -1), ('+7', 7), ('9223372036', 9223372036),
    (0, 0), (300, 300),
]

# Go errors on these and Ollama silently uses its default (5m for OLLAMA_KEEP_ALIVE).
REFUSED = [
    '', '-', 's', '.', '-.', '.s', '+.s', '1d', '2hours', '1hr', '5 m', ' 5m', '5m ', '3.5',
    '9223372036854775808ns', '9223372037', '-9223372037', '1e3', '0x10', '"5m"', 'forever',
    True, None,
]


@pytest.mark.parametrize('text,seconds', ACCEPTED)
def test_go_duration_accepted(text, seconds):
    assert go_duration_seconds(text) == pytest.approx(seconds, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize('text', REFUSED)
def test_go_duration_refused(text):
    assert go_duration_seconds(text) is None


def test_env_value_booleans_and_numbers():
    assert systemd_env_value(True) == 'true'
    assert systemd_env_value(False) == 'false'
    assert systemd_env_value(2) == '2'
    assert systemd_env_value('q8_0') == 'q8_0'


def test_quote_escapes_what_systemd_would_interpret():
    assert systemd_quote('a"b') == 'a\\"b'
    assert systemd_quote('c:\\x') == 'c:\\\\x'
    # %h would expand to the home directory.
    assert systemd_quote('http://x,%h') == 'http://x,%%h'
