# -*- coding: utf-8 -*-
# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ollama's environment rules by version (private to openclaw.gx10): one table, one parser.

Read from ollama/ollama's source at its release tags: ``envconfig/config.go`` (which
OLLAMA_* variables exist and how each parses), ``llm/server.go`` (v0.5.4-v0.24: KV cache
type and flash attention) and ``llm/llama_server.go`` (v0.30 on: every GGUF model runs in
llama.cpp's own llama-server).

Every value Ollama reads goes through ``envconfig.Var``: trimmed, then stripped of
surrounding quotes. Bools use strconv.ParseBool and count anything unparseable as TRUE;
uints use strconv.ParseUint, log a bad value and use the default; durations try
time.ParseDuration, then whole seconds, else SILENTLY the default (5m).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

# --- parsers (Go's rules) --------------------------------------------------------------------

# Go's time.unitMap, in nanoseconds; both spellings of "micro" are accepted by Go.
_UNITS = {
    'ns': 1,
    'us': 1000,
    u'\u00b5s': 1000,
    u'\u03bcs': 1000,
    'ms': 1000 * 1000,
    's': 1000 * 1000 * 1000,
    'm': 60 * 1000 * 1000 * 1000,
    'h': 3600 * 1000 * 1000 * 1000,
}
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_NS_PER_SECOND = 1000 * 1000 * 1000
_DIGITS = '0123456789'
GO_BOOL_VALUES = ('1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False')
_GO_TRUE = ('1', 't', 'T', 'TRUE', 'true', 'True')


class EnvValueError(ValueError):
    """A value that cannot be written as an Environment= value at all."""


def env_text(value):
    """The string an Environment= line carries for a scalar (booleans as true/false)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        raise EnvValueError('expected a string, number or boolean, got null')
    if isinstance(value, bytes):
        raise EnvValueError('expected a string, number or boolean, got bytes')
    if not isinstance(value, (str, int, float)):
        raise EnvValueError('expected a string, number or boolean, got %s' % type(value).__name__)
    try:
        return u'%s' % (value,)
    except ValueError as exc:
        # Python refuses to print ints of more than 4300 digits.
        raise EnvValueError('cannot write this number (%s)' % exc)


def _leading_int(s):
    """Go's time.leadingInt: (value, rest) or None on overflow."""
    x = 0
    i = 0
    while i < len(s) and s[i] in _DIGITS:
        if x > (1 << 63) // 10:
            return None
        x = x * 10 + ord(s[i]) - 48
        if x > 1 << 63:
            return None
        i += 1
    return x, s[i:]


def _leading_fraction(s):
    """Go's time.leadingFraction: digits past what fits in an int64 are read and ignored."""
    x = 0
    scale = 1.0
    overflow = False
    i = 0
    while i < len(s) and s[i] in _DIGITS:
        if not overflow:
            if x > _INT64_MAX // 10:
                overflow = True
            else:
                y = x * 10 + ord(s[i]) - 48
                if y > 1 << 63:
                    overflow = True
                else:
                    x = y
                    scale *= 10
        i += 1
    return x, scale, s[i:]


def go_duration_nanos(text):
    """Port of Go's time.ParseDuration: nanoseconds, or None where Go returns an error."""
    s = text
    neg = False
    if s and s[0] in '+-':
        neg = s[0] == '-'
        s = s[1:]
    if s == '0':
        return 0
    if not s:
        return None
    total = 0
    while s:
        if s[0] != '.' and s[0] not in _DIGITS:
            return None
        before = len(s)
        lead = _leading_int(s)
        if lead is None:
            return None
        value, s = lead
        pre = before != len(s)
        frac, scale, post = 0, 1.0, False
        if s.startswith('.'):
            s = s[1:]
            before = len(s)
            frac, scale, s = _leading_fraction(s)
            post = before != len(s)
        if not pre and not post:
            return None
        k = 0
        while k < len(s) and s[k] != '.' and s[k] not in _DIGITS:
            k += 1
        unit, s = s[:k], s[k:]
        if unit not in _UNITS:
            return None
        scale_ns = _UNITS[unit]
        if value > (1 << 63) // scale_ns:
            return None
        value *= scale_ns
        if frac > 0:
            # Go adds the fraction through float64 and truncates toward zero.
            value += int(float(frac) * (float(scale_ns) / scale))
            if value > 1 << 63:
                return None
        total += value
        if total > 1 << 63:
            return None
    if neg:
        return -total
    if total > _INT64_MAX:
        return None
    return total


def go_parse_int64(text):
    """strconv.ParseInt(text, 10, 64), or None on a syntax or range error."""
    body = text[1:] if text[:1] in ('+', '-') else text
    if not body or any(c not in _DIGITS for c in body):
        return None
    digits = body.lstrip('0') or '0'
    if len(digits) > 19:
        return None
    n = int(digits)
    if text[:1] == '-':
        n = -n
    if n > _INT64_MAX or n < -(1 << 63):
        return None
    return n


def go_parse_uint64(text):
    """strconv.ParseUint(text, 10, 64), or None on a syntax or range error."""
    if not text or any(c not in _DIGITS for c in text):
        return None
    digits = text.lstrip('0') or '0'
    if len(digits) > 20:
        return None
    n = int(digits)
    return n if n <= _UINT64_MAX else None


def go_parse_bool(text):
    """strconv.ParseBool: True, False, or None where Go returns an error."""
    if text in GO_BOOL_VALUES:
        return text in _GO_TRUE
    return None


def duration_seconds(value):
    """Seconds that Ollama reads from an OLLAMA_* duration setting, or None.

    Ollama tries time.ParseDuration, then strconv.ParseInt as seconds, and silently falls back
    to its default when both fail; None marks exactly that case. Whole seconds past what
    time.Duration holds wrap silently in Go: None too (refused, never guessed).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        seconds = value
    else:
        text = env_text(value)
        nanos = go_duration_nanos(text)
        if nanos is not None:
            # int / int is correctly rounded; float(nanos) first would not be.
            return nanos / _NS_PER_SECOND
        seconds = go_parse_int64(text)
        if seconds is None:
            return None
    if abs(seconds) > _INT64_MAX // _NS_PER_SECOND:
        return None
    return float(seconds)


def ollama_var(text):
    """envconfig.Var: strings.Trim(strings.TrimSpace(v), "\\"'")."""
    return text.strip().strip('"\'')


# --- versions ----------------------------------------------------------------------------------

_VERSION_RE = re.compile(r'(\d{1,6})\.(\d{1,6})\.(\d{1,6})([-+][0-9A-Za-z.+-]*)?')


def parse_version(text):
    """The version in `ollama -v` output or an /api/version value, or None.

    `ollama -v` prints "ollama version is X" (the running server) and, when it differs or no
    server answers, "Warning: client version is Y" (the installed binary): Y wins, since the
    binary is what a restart runs. Suffixes such as "-ipexllm-20250407" or "-rc2" are kept
    apart; a leading "v" is allowed.
    """
    if text is None:
        return None
    text = u'%s' % (text,)
    match = re.search(r'client version is\s+v?(\S+)', text)
    candidate = match.group(1) if match else text
    found = _VERSION_RE.search(candidate)
    if not found:
        return None
    numbers = tuple(int(n) for n in found.group(1, 2, 3))
    return {'text': found.group(0), 'version': '%d.%d.%d' % numbers, 'tuple': numbers,
            'suffix': found.group(4) or ''}


def _v(text):
    return tuple(int(n) for n in text.split('.'))


# The newest release whose source this table was read from (v0.33.0-rc2; v0.32.15 released).
NEWEST_KNOWN = (0, 33, 99)
OLDEST_KNOWN = (0, 5, 4)
NEWEST_KNOWN_TEXT = '0.33'

# name: kind, first version that reads it, first version that no longer does, why it went.
# Kinds: bool (ParseBool, unparseable = true), uint (ParseUint, bad = logged + default),
# duration, host, origins, string, list, debug, kv_cache_type.
VARIABLES = {
    'OLLAMA_DEBUG': {'kind': 'debug'},
    'OLLAMA_FLASH_ATTENTION': {'kind': 'bool'},
    'OLLAMA_KV_CACHE_TYPE': {'kind': 'kv_cache_type'},
    'OLLAMA_KEEP_ALIVE': {'kind': 'duration', 'default': '5m'},
    'OLLAMA_LOAD_TIMEOUT': {'kind': 'duration', 'default': '5m'},
    'OLLAMA_CONTEXT_LENGTH': {'kind': 'context_length', 'since': '0.5.13'},
    'OLLAMA_GPU_OVERHEAD': {'kind': 'uint', 'default': '0'},
    'OLLAMA_HOST': {'kind': 'host'},
    'OLLAMA_ORIGINS': {'kind': 'origins'},
    'OLLAMA_MODELS': {'kind': 'string'},
    'OLLAMA_LLM_LIBRARY': {'kind': 'string'},
    'OLLAMA_MAX_LOADED_MODELS': {'kind': 'uint', 'default': '0 (3 x GPUs)'},
    'OLLAMA_MAX_QUEUE': {'kind': 'uint', 'default': '512'},
    'OLLAMA_NUM_PARALLEL': {'kind': 'uint', 'default': '0 (auto) before v0.10.0, 1 from v0.10.0'},
    'OLLAMA_NOHISTORY': {'kind': 'bool'},
    'OLLAMA_NOPRUNE': {'kind': 'bool'},
    'OLLAMA_SCHED_SPREAD': {'kind': 'bool'},
    # Declared in envconfig up to v0.6.x but read by nothing in the server (only by
    # integration tests) at any version from v0.5.4 on; removed from envconfig in v0.7.0.
    'OLLAMA_MAX_VRAM': {'kind': 'uint', 'until': '0.0.0',
                        'why': 'it was declared but never read by the server, and was removed in v0.7.0;'
                               ' OLLAMA_GPU_OVERHEAD keeps memory free per GPU'},
    'OLLAMA_INTEL_GPU': {'kind': 'bool', 'until': '0.12.4', 'why': 'Intel GPU discovery was removed'},
    'OLLAMA_MULTIUSER_CACHE': {'kind': 'bool', 'until': '0.30.0',
                               'why': "llama.cpp's llama-server replaced Ollama's runners"},
    'OLLAMA_NEW_ENGINE': {'kind': 'bool', 'since': '0.5.12', 'until': '0.30.0',
                          'why': "llama.cpp's llama-server replaced Ollama's runners"},
    'OLLAMA_NEW_ESTIMATES': {'kind': 'bool', 'since': '0.11.5', 'until': '0.11.11',
                             'why': 'the new memory estimates became the only ones'},
    'OLLAMA_AUTH': {'kind': 'bool', 'since': '0.8.0'},
    'OLLAMA_REMOTES': {'kind': 'list', 'since': '0.12.0'},
    'OLLAMA_VULKAN': {'kind': 'bool', 'since': '0.12.11'},
    'OLLAMA_EDITOR': {'kind': 'string', 'since': '0.16.0'},
    'OLLAMA_NO_CLOUD': {'kind': 'bool', 'since': '0.16.2'},
    'OLLAMA_DEBUG_LOG_REQUESTS': {'kind': 'bool', 'since': '0.18.3'},
    'OLLAMA_MAX_TRANSFER_STREAMS': {'kind': 'uint', 'since': '0.23.3', 'default': '4'},
    'OLLAMA_GO_TEMPLATE': {'kind': 'bool', 'since': '0.30.0'},
    'OLLAMA_IGPU_ENABLE': {'kind': 'bool', 'since': '0.30.0'},
}

# KV cache types (lower-cased by Ollama before use).
KV_TYPES_OLD = ('f16', 'q8_0', 'q4_0')
KV_TYPES_LLAMA_SERVER = ('f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1')
KV_UNQUANTIZED = ('f32', 'f16', 'bf16')
# gin-contrib/cors (v1.7.2 in every release from v0.5.4 to v0.33) panics at start on an origin
# without one of these schemes; Ollama splits OLLAMA_ORIGINS on "," and trims nothing.
ORIGIN_SCHEMES = ('http://', 'https://', 'chrome-extension://', 'safari-extension://',
                  'moz-extension://', 'ms-browser-extension://')
_ORIGIN_RE = re.compile('^(' + '|'.join(re.escape(s) for s in ORIGIN_SCHEMES) + ')[^ ]+$')
_HOST_RE = re.compile(r'^((https?)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]*)(:([0-9]{1,5}))?(/.*)?$')
KEY_RE = re.compile(r'^OLLAMA_[A-Z0-9_]+$')
_CONTROL_RE = re.compile(u'[\x00-\x1f\x7f]')


def rules_for(version_text):
    """The rules for an installed version ("0.5.4-ipexllm-20250407", `ollama -v` output, None).

    Returns a dict: version (what was read, or None), tuple (the version whose rules apply),
    warning (None, or why the rules are assumed), llama_server (v0.30 on), kv_types,
    flash_attention_auto (unset means auto), context_default.
    """
    parsed = parse_version(version_text) if version_text not in (None, '') else None
    warning = None
    if parsed is None:
        applied = NEWEST_KNOWN
        if version_text in (None, ''):
            warning = ('the installed Ollama version could not be read (no `ollama -v`, no answer on'
                       ' /api/version): the rules of Ollama %s, the newest this role knows, are assumed'
                       % NEWEST_KNOWN_TEXT)
        else:
            warning = ('the Ollama version %r could not be parsed: the rules of Ollama %s, the newest'
                       ' this role knows, are assumed' % (u'%s' % (version_text,), NEWEST_KNOWN_TEXT))
        shown = None
    else:
        applied = parsed['tuple']
        shown = parsed['version'] + parsed['suffix']
        if applied == (0, 0, 0):
            applied = NEWEST_KNOWN
            warning = ('Ollama %s is a development build: the rules of Ollama %s, the newest this role'
                       ' knows, are assumed' % (shown, NEWEST_KNOWN_TEXT))
        elif applied > NEWEST_KNOWN:
            applied = NEWEST_KNOWN
            warning = ('Ollama %s is newer than any version this role knows: the rules of Ollama %s are'
                       ' assumed; check its release notes for changed OLLAMA_* variables'
                       % (shown, NEWEST_KNOWN_TEXT))
        elif applied < OLDEST_KNOWN:
            applied = OLDEST_KNOWN
            warning = ('Ollama %s is older than any version this role knows: the rules of Ollama 0.5.4'
                       ' are assumed; upgrade Ollama' % shown)
    llama_server = applied >= (0, 30, 0)
    if applied >= (0, 15, 5):
        context_default = '0: chosen from free GPU memory (4k, 32k, or 256k tokens from 47 GiB free, as on a GB10)'
    elif applied >= (0, 6, 7):
        context_default = '4096'
    else:
        context_default = '2048'
    return {
        'version': shown,
        'tuple': list(applied),
        'rules': 'Ollama %s' % (shown or NEWEST_KNOWN_TEXT),
        'warning': warning,
        'llama_server': llama_server,
        'kv_types': list(KV_TYPES_LLAMA_SERVER if llama_server else KV_TYPES_OLD),
        'flash_attention_auto': llama_server,
        'flash_attention_unset': ('auto (on where the GPU supports it, GB10 included)' if llama_server
                                  else 'the model\'s own choice (on for a few architectures only)'
                                  if applied >= (0, 12, 4) else 'off'),
        'context_default': context_default,
    }


def variable_exists(name, applied):
    """(exists, reason): whether the version whose rules apply reads OLLAMA_* variable `name`."""
    spec = VARIABLES.get(name)
    if spec is None:
        return None, None
    if 'since' in spec and tuple(applied) < _v(spec['since']):
        return False, 'it was added in v%s' % spec['since']
    if 'until' in spec and tuple(applied) >= _v(spec['until']):
        if spec['until'] == '0.0.0':
            return False, spec['why']
        return False, 'it is no longer read since v%s: %s' % (spec['until'], spec['why'])
    return True, None


def _quoted(value):
    return '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')


def _show(raw):
    """A value as a message shows it (never raises)."""
    if isinstance(raw, bool):
        return 'true' if raw else 'false'
    if raw is None:
        return 'null'
    if isinstance(raw, str):
        return _quoted(raw if len(raw) <= 80 else raw[:77] + '...')
    if isinstance(raw, (int, float)):
        try:
            text = u'%s' % (raw,)
        except ValueError:
            return 'a number of more than 4300 digits'
        return text if len(text) <= 80 else text[:77] + '...'
    return 'a %s' % type(raw).__name__


def check_environment(settings, environment=None, version_text=None, labels=None):
    """Check the settings a drop-in would write against the installed Ollama's rules.

    settings: {OLLAMA_NAME: value} set through the role's own variables (None: no line);
    labels: {OLLAMA_NAME: that role variable} for messages. environment: the further
    {OLLAMA_NAME: value} (ollama_environment); its keys may not repeat a labelled one.
    Returns {errors: [...], warnings: [...], rules: rules_for(version_text)}; every error
    names the variable, the Ollama version and why.
    """
    rules = rules_for(version_text)
    labels = labels or {}
    ver = rules['rules']
    errors = []
    warnings = []
    if rules['warning']:
        warnings.append(rules['warning'])
    texts = {}
    items = []
    for source in (settings or {}, environment or {}):
        if not isinstance(source, dict):
            raise EnvValueError('expected a mapping of OLLAMA_* names to values, got %s' % type(source).__name__)
    for key, raw in (settings or {}).items():
        if raw is not None:
            items.append((u'%s' % (key,), raw, labels.get(key, key), True))
    for key, raw in sorted((environment or {}).items(), key=lambda kv: u'%s' % (kv[0],)):
        items.append((u'%s' % (key,), raw, 'ollama_environment.%s' % (key,), False))
    for key, raw, label, own in items:
        head = '%s=%s is not accepted%s: ' % (label, _show(raw), ' for %s' % key if own else '')
        if not KEY_RE.match(key):
            errors.append(head + 'keys must match ^OLLAMA_[A-Z0-9_]+$ (upper case, digits and '
                                 'underscores; systemd would misread other characters).')
            continue
        if not own and key in labels:
            errors.append(head + 'set it with its own variable: %s.' % labels[key])
            continue
        try:
            text = env_text(raw)
        except EnvValueError as exc:
            errors.append(head + 'values must be strings, numbers or booleans (%s).' % exc)
            continue
        if _CONTROL_RE.search(text):
            errors.append(head + 'values may not contain newlines or other control characters.')
            continue
        if text != text.strip() or text[:1] in ('"', "'") or text[-1:] in ('"', "'"):
            errors.append(head + 'Ollama strips surrounding blanks and quotes: write the value without them.')
            continue
        texts[key] = text
        exists, reason = variable_exists(key, rules['tuple'])
        if exists is None:
            warnings.append('%s: %s does not read %s as far as this role knows (not in its envconfig);'
                            ' written as given: check the spelling.' % (label, ver, key))
            continue
        if not exists:
            errors.append(head + '%s does not read %s: %s. The line would change nothing; remove it.'
                          % (ver, key, reason))
            continue
        problem = _check_value(key, ollama_var(text), rules)
        if problem:
            errors.append(head + problem)
    errors.extend(_check_cache_and_attention(texts, rules, labels))
    return {'errors': errors, 'warnings': warnings, 'rules': rules}


def _check_value(key, value, rules):
    spec = VARIABLES[key]
    kind = spec['kind']
    ver = rules['rules']
    if kind == 'bool':
        if go_parse_bool(value) is None:
            return ('use one of %s: %s treats anything else as true.' % (', '.join(GO_BOOL_VALUES), ver))
    elif kind == 'debug':
        if go_parse_bool(value) is None:
            if tuple(rules['tuple']) < (0, 7, 0):
                return 'use one of %s: %s treats anything else as true.' % (', '.join(GO_BOOL_VALUES), ver)
            if go_parse_int64(value) is None:
                return ('use one of %s or a log level (2 = trace): %s silently ignores anything else.'
                        % (', '.join(GO_BOOL_VALUES), ver))
    elif kind == 'uint':
        if go_parse_uint64(value) is None:
            return ('use a whole number >= 0: %s logs "invalid environment variable, using default" and'
                    ' silently uses its default (%s) for anything else.' % (ver, spec.get('default', '0')))
    elif kind == 'context_length':
        return context_length_problem(value, rules)
    elif kind == 'duration':
        seconds = duration_seconds(value)
        if seconds is None:
            if re.match(r'^[+-]?[0-9]+$', value):
                return ('whole seconds must stay within about 292 years (time.Duration): %s would wrap'
                        ' the value to a different duration.' % ver)
            return ('use a Go duration such as "0", "90s", "5m", "2h", "1h30m" or "-1m" (forever), or whole'
                    ' seconds such as "300": %s would silently use its default %s for anything else'
                    ' (for example "2hours").' % (ver, spec.get('default', '5m')))
    elif kind == 'origins':
        # cors validates only origins without a "*" (measured on 0.5.4: "app://*" starts, "app://x" panics).
        bad = [o for o in value.split(',') if '*' not in o and not _ORIGIN_RE.match(o)]
        if bad:
            return ('each comma-separated origin (no spaces) must contain "*" or start with %s; %s refuses to'
                    ' start otherwise (gin-contrib/cors panics; bad: %s).'
                    % (', '.join(ORIGIN_SCHEMES), ver, ', '.join(_quoted(b) for b in bad)))
    elif kind == 'host':
        match = _HOST_RE.match(value)
        if not match or (match.group(5) and int(match.group(5)) > 65535):
            return ('use [http(s)://]host[:port] with a port up to 65535: %s silently listens on its'
                    ' default port otherwise.' % ver)
    elif kind == 'kv_cache_type':
        return kv_cache_type_problem(value, rules)
    return None


def context_length_problem(value, rules):
    """Why OLLAMA_CONTEXT_LENGTH=value is refused for these rules, or None."""
    ver = rules['rules']
    n = go_parse_uint64(value)
    if n is None:
        return ('use a whole number of tokens such as 8192 or 32768: %s logs "invalid environment'
                ' variable, using default" and uses its default context (%s).'
                % (ver, rules['context_default']))
    if n == 0:
        return ('0 is Ollama\'s own default (%s): leave the variable unset (null) instead.'
                % rules['context_default'])
    if n > _INT64_MAX:
        return ('%s converts it to a signed int, so a value this large turns negative; use at most the'
                ' model\'s context (e.g. 262144).' % ver)
    return None


def kv_cache_type_problem(value, rules):
    """Why OLLAMA_KV_CACHE_TYPE=value is refused for these rules, or None."""
    ver = rules['rules']
    kind = value.lower()
    if kind in rules['kv_types']:
        return None
    if rules['llama_server']:
        return ('use one of %s: %s passes the type to llama-server unchecked and EVERY model load fails'
                ' ("Unsupported cache type").' % (', '.join(rules['kv_types']), ver))
    more = ''
    if kind in KV_TYPES_LLAMA_SERVER:
        more = ' (%s loads only from v0.30, when Ollama began running models in llama-server)' % kind
    return ('use one of %s: %s logs "unsupported OLLAMA_KV_CACHE_TYPE" and silently uses f16%s.'
            % (', '.join(rules['kv_types']), ver, more))


def _check_cache_and_attention(texts, rules, labels):
    """Cross-checks of OLLAMA_KV_CACHE_TYPE with OLLAMA_FLASH_ATTENTION."""
    kv = texts.get('OLLAMA_KV_CACHE_TYPE')
    if kv is None:
        return []
    kind = ollama_var(kv).lower()
    if kind not in rules['kv_types'] or kind in KV_UNQUANTIZED:
        return []
    fa_text = texts.get('OLLAMA_FLASH_ATTENTION')
    fa = None if fa_text is None else go_parse_bool(ollama_var(fa_text))
    if fa_text is not None and fa is None:
        fa = True  # ParseBool error counts as true
    kv_label = labels.get('OLLAMA_KV_CACHE_TYPE', 'OLLAMA_KV_CACHE_TYPE')
    fa_label = labels.get('OLLAMA_FLASH_ATTENTION', 'OLLAMA_FLASH_ATTENTION')
    ver = rules['rules']
    if fa is True:
        return []
    if rules['llama_server']:
        if fa is False:
            return ['%s=%s needs flash attention, and %s=false forces it off: %s passes both to llama-server,'
                    ' which refuses a quantized V cache without flash attention, so EVERY model load fails.'
                    ' Set %s=true or leave it unset (auto), or use %s=f16.'
                    % (kv_label, kind, fa_label, ver, fa_label, kv_label)]
        return []  # auto: on where the GPU supports it
    state = 'false' if fa is False else 'unset (%s)' % rules['flash_attention_unset']
    return ['%s=%s needs %s=true: with flash attention %s, %s logs a warning and silently uses an f16 cache'
            ' (twice the memory). Set %s=true or %s=f16.'
            % (kv_label, kind, fa_label, state, ver, fa_label, kv_label)]
