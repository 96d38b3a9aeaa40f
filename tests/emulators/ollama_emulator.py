# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A faithful emulator of Ollama's HTTP API, with fault injection.

It answers as Ollama does (read from ollama/ollama v0.33's server/routes.go and server/sched.go,
and measured on a real 0.5.4 server):

* ``GET /api/ps`` lists runners with name, model, size, size_vram, digest,
  details, expires_at (RFC 3339) and context_length.
* ``POST /api/generate {"model": M, "keep_alive": 0}`` without a prompt replies
  at once with ``done_reason: "unload"``; the runner leaves ``/api/ps`` only
  ``unload_delay`` seconds LATER (the reply comes before the eviction).
* Unloading a model that is not loaded: 200 "unload".  Unknown model: 404
  ``{"error": "model 'X' not found"}``.  A model deleted while loaded: 404 and
  it stays listed.
* Embedding-only models: generate with a prompt is a 400 "does not support
  generate", but generate with keep_alive 0 still evicts them.  ``/api/embed``
  LOADS the model (even with keep_alive 0, which then evicts it afterwards).
* Two names for one model file share one runner (they evict each other).
* A string keep_alive without a unit ("10") is a 400 "missing unit in duration".

Fault modes (``--mode`` or ``set_mode()``):

``normal``     eviction ``unload_delay`` (default 5 ms) after the reply.
``slow``       eviction ``slow_delay`` (default 2 s) after the reply.
``stuck``      the runner stays listed as "Stopping..." (expires_at in the past)
               until the process restarts (``POST /_emu/restart`` or a new process).
``hung``       every /api request is accepted and never answered.
``http500``    /api requests answer 500 ``{"error": ...}``.
``malformed``  /api requests answer 200 with a truncated JSON body.
``deleted``    ``--preload`` models are deleted while loaded: 404 and they stay listed.

``fault_paths`` limits hung/http500/malformed to some paths (e.g. only
``/api/generate``, so that ``/api/ps`` still answers).

Control endpoints (test use only): ``GET /_emu/state``, ``GET /_emu/log``,
``POST /_emu/config {"mode":..., "unload_delay":..., "slow_delay":..., "fault_paths": [...],
"version": "0.24.0"}`` (``version``: what ``GET /api/version`` answers, default 0.33.0),
``POST /_emu/load {"model": M, "keep_alive": ...}``, ``POST /_emu/delete {"model": M}``,
``POST /_emu/restart``.

Run: ``python3 ollama_emulator.py --port 11434 --mode stuck --preload tiny-a``.
Import: ``OllamaEmulator(mode=...).start()``; ``.url``; ``.stop()``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = '0.33.0'
MODES = ('normal', 'slow', 'stuck', 'hung', 'http500', 'malformed', 'deleted')
DEFAULT_KEEP_ALIVE = 300.0  # OLLAMA_KEEP_ALIVE default: 5m
FOREVER = float('inf')


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


# name -> (file key, size in bytes, embedding-only, family)
DEFAULT_CATALOG = {
    'tiny-a:latest': ('tiny', 310_000_000, False, 'llama'),
    'tiny-alias:latest': ('tiny', 310_000_000, False, 'llama'),
    'tiny-b:latest': ('tiny-b', 420_000_000, False, 'llama'),
    'embed:latest': ('embed', 120_000_000, True, 'bert'),
    'big:latest': ('big', 19_500_000_000, False, 'qwen3'),
}


def normalize(name):
    name = (name or '').strip()
    if not name:
        return name
    last = name.rsplit('/', 1)[-1]
    if ':' not in last:
        name += ':latest'
    return name


_DURATION_RE = re.compile(r'(-?[0-9.]+)(ns|us|µs|ms|s|m|h)')
_UNIT_SECONDS = {'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0}


class BadRequest(Exception):
    pass


def parse_keep_alive(value):
    """Seconds (inf = forever, 0 = unload now) the way Ollama reads a request's keep_alive."""
    if value is None:
        return DEFAULT_KEEP_ALIVE
    if isinstance(value, bool):
        raise BadRequest('json: cannot unmarshal bool into Go value of type api.Duration')
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        if text in ('0', '-0'):
            seconds = 0.0
        elif re.fullmatch(r'-?[0-9.]+', text):
            raise BadRequest('time: missing unit in duration "%s"' % text)
        else:
            negative = text.startswith('-')
            body = text.lstrip('+-')
            pos = 0
            seconds = 0.0
            for match in _DURATION_RE.finditer(body):
                if match.start() != pos:
                    raise BadRequest('time: invalid duration "%s"' % text)
                seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
                pos = match.end()
            if pos != len(body) or not body:
                raise BadRequest('time: invalid duration "%s"' % text)
            if negative:
                seconds = -seconds
    if seconds < 0:
        return FOREVER
    return seconds


def _rfc3339(ts):
    if ts == FOREVER:
        # Ollama reports a far-future time for "forever"
        return '2318-01-01T00:00:00Z'
    dt = datetime.datetime.fromtimestamp(ts).astimezone()
    return dt.isoformat(timespec='microseconds')


class Runner:
    def __init__(self, name, file_key, size, embedding, family, keep_alive, context_length):
        self.name = name
        self.file_key = file_key
        self.size = size
        self.embedding = embedding
        self.family = family
        self.expires = time.time() + keep_alive if keep_alive != FOREVER else FOREVER
        self.context_length = context_length
        self.stopping = False
        self.loaded_at = time.time()

    def as_ps(self):
        return {
            'name': self.name,
            'model': self.name,
            'size': self.size,
            'digest': _digest(self.file_key),
            'details': {
                'parent_model': '',
                'format': 'gguf',
                'family': self.family,
                'families': [self.family],
                'parameter_size': '%.1fM' % (self.size / 2e6),
                'quantization_level': 'F16',
            },
            'expires_at': _rfc3339(self.expires),
            'size_vram': self.size,  # unified memory: all of it counts as "VRAM"
            'context_length': self.context_length,
        }


class EmulatorState:
    def __init__(self, mode='normal', unload_delay=0.005, slow_delay=2.0, catalog=None,
                 version=VERSION, fault_paths=None, context_length=4096):
        self.lock = threading.RLock()
        self.catalog = dict(catalog or DEFAULT_CATALOG)
        self.runners = {}  # file_key -> Runner
        self.mode = mode
        self.unload_delay = unload_delay
        self.slow_delay = slow_delay
        self.version = version
        self.fault_paths = set(fault_paths) if fault_paths else None
        self.context_length = context_length
        self.log = []  # (method, path, body)
        self.headers_log = []  # request headers, in the order of self.log
        self.generation = 0  # bumped on restart: pending evictions from before are void
        self.stop_event = threading.Event()

    # --- model operations -------------------------------------------------
    def _lookup(self, name):
        name = normalize(name)
        if name not in self.catalog:
            raise KeyError(name)
        return name, self.catalog[name]

    def load(self, name, keep_alive=None):
        seconds = parse_keep_alive(keep_alive)
        with self.lock:
            name, (file_key, size, embedding, family) = self._lookup(name)
            runner = self.runners.get(file_key)
            if runner is None or runner.stopping:
                runner = Runner(name, file_key, size, embedding, family,
                                seconds if seconds > 0 else 0, self.context_length)
                self.runners[file_key] = runner
            else:
                runner.expires = time.time() + seconds if seconds != FOREVER else FOREVER
            if seconds == 0:
                self._schedule_unload(runner)
            return runner

    def _schedule_unload(self, runner):
        """Called with the lock held: start evicting ``runner`` after the reply."""
        runner.expires = time.time()
        if self.mode == 'stuck':
            runner.stopping = True  # "Stopping..." forever
            return
        if runner.stopping:
            return
        runner.stopping = True
        delay = self.slow_delay if self.mode == 'slow' else self.unload_delay
        generation = self.generation

        def evict():
            with self.lock:
                if self.generation == generation and self.runners.get(runner.file_key) is runner:
                    del self.runners[runner.file_key]
        timer = threading.Timer(delay, evict)
        timer.daemon = True
        timer.start()

    def unload(self, name):
        """The generate-with-keep_alive-0 path.  Raises KeyError for unknown names."""
        with self.lock:
            name = normalize(name)
            if name not in self.catalog:
                raise KeyError(name)
            file_key = self.catalog[name][0]
            runner = self.runners.get(file_key)
            if runner is not None:
                self._schedule_unload(runner)

    def delete(self, name):
        with self.lock:
            self.catalog.pop(normalize(name), None)

    def restart(self):
        """What a process restart does: every runner is gone, stuck ones included."""
        with self.lock:
            self.generation += 1
            self.runners.clear()

    def ps(self):
        with self.lock:
            return [r.as_ps() for r in sorted(self.runners.values(), key=lambda r: r.loaded_at)]

    def resident(self):
        with self.lock:
            return sorted(r.name for r in self.runners.values())

    def faulty(self, path):
        if self.mode not in ('hung', 'http500', 'malformed'):
            return None
        if self.fault_paths is not None and path not in self.fault_paths:
            return None
        return self.mode


class Handler(BaseHTTPRequestHandler):
    server_version = 'ollama-emulator'
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # noqa: A002 - silence stderr logging
        if getattr(self.server, 'verbose', False):
            sys.stderr.write('%s - %s\n' % (self.address_string(), format % args))

    @property
    def state(self):
        return self.server.state

    def _send(self, status, payload=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        return raw

    def _fault(self, path):
        fault = self.state.faulty(path)
        if fault == 'hung':
            # accept, never answer (until the emulator stops)
            self.state.stop_event.wait()
            self.close_connection = True
            return True
        if fault == 'http500':
            self._send(500, {'error': 'llama runner process has terminated: signal: killed'})
            return True
        if fault == 'malformed':
            self._send(200, raw=b'{"models": [{"name": "tiny-a:latest", "size": ')
            return True
        return False

    def do_GET(self):
        path = self.path.split('?', 1)[0]
        self.state.log.append(('GET', path, None))
        self.state.headers_log.append(dict(self.headers.items()))
        if path == '/_emu/state':
            return self._send(200, {'mode': self.state.mode, 'resident': self.state.resident(),
                                    'catalog': sorted(self.state.catalog)})
        if path == '/_emu/log':
            return self._send(200, {'log': [list(x) for x in self.state.log]})
        if path.startswith('/api/') and self._fault(path):
            return None
        if path == '/api/version':
            return self._send(200, {'version': self.state.version})
        if path == '/api/ps':
            return self._send(200, {'models': self.state.ps()})
        if path == '/api/tags':
            with self.state.lock:
                models = [{'name': n, 'model': n, 'size': v[1], 'digest': _digest(v[0])}
                          for n, v in sorted(self.state.catalog.items())]
            return self._send(200, {'models': models})
        if path == '/':
            body = b'Ollama is running'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return self._send(404, {'error': 'not found'})

    def do_POST(self):
        path = self.path.split('?', 1)[0]
        raw = self._body()
        self.state.log.append(('POST', path, raw.decode('utf-8', 'replace')))
        self.state.headers_log.append(dict(self.headers.items()))
        try:
            req = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self._send(400, {'error': 'invalid character in JSON body'})
        if path.startswith('/_emu/'):
            return self._control(path, req)
        if path.startswith('/api/') and self._fault(path):
            return None
        if path == '/api/generate':
            return self._generate(req)
        if path == '/api/embed':
            return self._embed(req)
        return self._send(404, {'error': 'not found'})

    def _control(self, path, req):
        st = self.state
        if path == '/_emu/config':
            with st.lock:
                if 'mode' in req:
                    if req['mode'] not in MODES:
                        return self._send(400, {'error': 'unknown mode %r' % req['mode']})
                    st.mode = req['mode']
                for key in ('unload_delay', 'slow_delay'):
                    if key in req:
                        setattr(st, key, float(req[key]))
                if 'fault_paths' in req:
                    st.fault_paths = set(req['fault_paths']) if req['fault_paths'] else None
                if 'version' in req:
                    st.version = str(req['version'])
            return self._send(200, {'mode': st.mode, 'version': st.version})
        if path == '/_emu/load':
            try:
                st.load(req.get('model'), req.get('keep_alive'))
            except KeyError as exc:
                return self._send(404, {'error': "model '%s' not found" % exc.args[0]})
            return self._send(200, {'resident': st.resident()})
        if path == '/_emu/delete':
            st.delete(req.get('model'))
            return self._send(200, {'resident': st.resident()})
        if path == '/_emu/restart':
            st.restart()
            return self._send(200, {'resident': st.resident()})
        return self._send(404, {'error': 'not found'})

    def _generate(self, req):
        st = self.state
        name = req.get('model')
        if not name:
            return self._send(400, {'error': 'model is required'})
        try:
            keep_alive = parse_keep_alive(req.get('keep_alive'))
        except BadRequest as exc:
            return self._send(400, {'error': str(exc)})
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        with st.lock:
            if normalize(name) not in st.catalog:
                return self._send(404, {'error': "model '%s' not found" % name})
            embedding = st.catalog[normalize(name)][2]
        prompt = req.get('prompt')
        if not prompt and keep_alive == 0:
            st.unload(name)  # reply first, eviction follows
            return self._send(200, {'model': name, 'created_at': now, 'response': '',
                                    'done': True, 'done_reason': 'unload'})
        if prompt and embedding:
            return self._send(400, {'error': '"%s" does not support generate' % name})
        st.load(name, req.get('keep_alive'))
        if not prompt:
            return self._send(200, {'model': name, 'created_at': now, 'response': '',
                                    'done': True, 'done_reason': 'load'})
        return self._send(200, {'model': name, 'created_at': now, 'response': 'hello',
                                'done': True, 'done_reason': 'stop', 'total_duration': 1000000,
                                'eval_count': 1})

    def _embed(self, req):
        st = self.state
        name = req.get('model')
        try:
            parse_keep_alive(req.get('keep_alive'))
        except BadRequest as exc:
            return self._send(400, {'error': str(exc)})
        with st.lock:
            if normalize(name) not in st.catalog:
                return self._send(404, {'error': "model '%s' not found" % name})
        # /api/embed LOADS the model first (even with keep_alive 0)
        st.load(name, req.get('keep_alive'))
        inputs = req.get('input') or ''
        count = len(inputs) if isinstance(inputs, list) else 1
        return self._send(200, {'model': name, 'embeddings': [[0.1, 0.2, 0.3]] * count})


class OllamaEmulator:
    """An emulator on a thread of this process.  ``with OllamaEmulator() as emu: emu.url``."""

    def __init__(self, host='127.0.0.1', port=0, mode='normal', unload_delay=0.005, slow_delay=2.0,
                 catalog=None, version=VERSION, fault_paths=None, preload=(), verbose=False):
        if mode not in MODES:
            raise ValueError('unknown mode %r (one of %s)' % (mode, ', '.join(MODES)))
        self.state = EmulatorState(mode='normal', unload_delay=unload_delay, slow_delay=slow_delay,
                                   catalog=catalog, version=version, fault_paths=fault_paths)
        for name in preload:
            self.state.load(name, -1)
        if mode == 'deleted':
            for name in preload:
                self.state.delete(name)
        self.state.mode = mode
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.httpd.verbose = verbose
        self.thread = None

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return 'http://%s:%d' % (self.httpd.server_address[0], self.port)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05},
                                       name='ollama-emulator', daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.state.stop_event.set()  # releases hung handlers
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # conveniences for tests (in-process, no HTTP)
    def load(self, *names, keep_alive=-1):
        for name in names:
            self.state.load(name, keep_alive)

    def set_mode(self, mode, fault_paths=None, **delays):
        if mode not in MODES:
            raise ValueError('unknown mode %r' % mode)
        with self.state.lock:
            self.state.mode = mode
            self.state.fault_paths = set(fault_paths) if fault_paths else None
            for key, value in delays.items():
                setattr(self.state, key, float(value))

    def set_version(self, version):
        """What GET /api/version answers from now on (e.g. "0.24.0", "0.5.4-ipexllm-20250407")."""
        with self.state.lock:
            self.state.version = str(version)

    def delete(self, name):
        self.state.delete(name)

    def restart(self):
        self.state.restart()

    def resident(self):
        return self.state.resident()

    def requests(self):
        return list(self.state.log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=11434)
    parser.add_argument('--mode', choices=MODES, default='normal')
    parser.add_argument('--unload-delay', type=float, default=0.005)
    parser.add_argument('--slow-delay', type=float, default=2.0)
    parser.add_argument('--preload', action='append', default=[], help='model to load at start (repeatable)')
    parser.add_argument('--fault-path', action='append', default=[], help='limit hung/http500/malformed to this path')
    parser.add_argument('--ollama-version', default=VERSION, help='what GET /api/version answers')
    parser.add_argument('--verbose', action='store_true')
    args = parser.parse_args(argv)
    emu = OllamaEmulator(host=args.host, port=args.port, mode=args.mode, unload_delay=args.unload_delay,
                         slow_delay=args.slow_delay, preload=args.preload, fault_paths=args.fault_path or None,
                         version=args.ollama_version, verbose=args.verbose)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    emu.start()
    print('ollama emulator %s listening on %s mode=%s' % (args.ollama_version, emu.url, args.mode), flush=True)
    done.wait()
    emu.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
