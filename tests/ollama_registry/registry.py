# Copyright (c) openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local stand-in for an Ollama model registry: Ollama's pull protocol over plain HTTP.

What a real Ollama (0.5.4 read: server/images.go, server/download.go) asks for and gets:
  GET  /v2/<ns>/<model>/manifests/<tag>   the manifest, Accept
       application/vnd.docker.distribution.manifest.v2+json; the body is Go's json.Marshal
       encoding (what Ollama writes back to disk), so the digest /api/tags lists is the sha256
       of the body served here (Docker-Content-Digest)
  HEAD /v2/<ns>/<model>/blobs/sha256:<hex> Content-Length (Ollama sizes its download parts)
  GET  /v2/<ns>/<model>/blobs/sha256:<hex> 307 to the "direct URL" on another host name
       (Ollama stops at the first redirect to another host, as to a CDN), where it fetches the
       bytes with Range requests
  GET  /v2/                                200 {}
Unknown model or tag: 404 {"errors": [{"code": "MANIFEST_UNKNOWN", ...}]} (Ollama: "file does
not exist").

Layers of a published model: the GGUF (application/vnd.ollama.image.model), a template
(...image.template), optional parameters (...image.params) and the config blob
(application/vnd.docker.container.image.v1+json), as `ollama push` writes them.

Faults, for tests: fail(path_regex, status, message) answers matching requests with that status
and a registry error body; truncate(digest, after_bytes) sends that many bytes of the blob, closes
the connection, and from then on closes every connection asking for that blob's bytes without an
answer (a registry that died mid-transfer; Ollama retries with growing pauses); clear_faults().

    reg = Registry().start()                 # 127.0.0.1, free port; reg.host ("127.0.0.1:PORT")
    reg.publish("library/tiny:latest", gguf_path)   # returns the manifest digest
    ... ollama pull {reg.host}/library/tiny with insecure=True ...
    reg.requests()                           # [(method, path), ...]
    reg.stop()

Standard library only: it also runs inside a Molecule target (python3 registry.py --port P
--model library/tiny:latest=/path/tiny.gguf ...).
"""
from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import re
import socket
import threading

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model"
TEMPLATE_MEDIA_TYPE = "application/vnd.ollama.image.template"
PARAMS_MEDIA_TYPE = "application/vnd.ollama.image.params"

DEFAULT_TEMPLATE = "{{ .Prompt }}"

_MANIFEST_RE = re.compile(r"^/v2/(?P<repo>[^/]+/[^/]+)/manifests/(?P<ref>[^/]+)$")
_BLOB_RE = re.compile(r"^/v2/(?P<repo>[^/]+/[^/]+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$")
_DIRECT_RE = re.compile(r"^/direct/(?P<digest>sha256:[0-9a-f]{64})$")
_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d*)$")


def _go_json(obj):
    """json.Marshal's compact form (the manifest fields are plain ASCII)."""
    return json.dumps(obj, separators=(",", ":"))


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


class _Blob:
    def __init__(self, data=None, path=None):
        self.data = data
        self.path = path
        self.size = len(data) if data is not None else os.path.getsize(path)

    def read(self, start, end):
        """Bytes [start, end)."""
        if self.data is not None:
            return self.data[start:end]
        with open(self.path, "rb") as handle:
            handle.seek(start)
            return handle.read(end - start)


class Registry:
    """The registry stand-in. Thread-safe; publish/fault methods may be called while it serves."""

    def __init__(self, host="127.0.0.1", port=0, direct_host="localhost"):
        self._bind = (host, port)
        self.direct_host = direct_host
        self._lock = threading.Lock()
        self._blobs = {}       # digest -> _Blob
        self._manifests = {}   # "ns/model:tag" -> bytes
        self._faults = []      # (compiled regex, status, message)
        self._truncate = {}    # digest -> bytes sent before the connection is closed
        self._cut = set()      # digests whose truncated transfer happened
        self._log = []
        self._server = None
        self._thread = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self):
        registry = self

        class Handler(_Handler):
            reg = registry

        self._server = http.server.ThreadingHTTPServer(self._bind, Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="ollama-registry", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def host(self):
        """host:port, the registry part of a model name."""
        return "%s:%d" % (self._server.server_address[0], self.port)

    def name(self, repo_tag):
        """The model name Ollama pulls: "<host:port>/<ns>/<model>:<tag>"."""
        return "%s/%s" % (self.host, repo_tag)

    # -- content --------------------------------------------------------------------------
    def add_blob(self, data=None, path=None):
        blob = _Blob(data=data, path=path)
        digest = "sha256:" + hashlib.sha256(data).hexdigest() if data is not None else _sha256_file(path)
        with self._lock:
            self._blobs[digest] = blob
        return digest, blob.size

    def publish(self, repo_tag, gguf_path, template=DEFAULT_TEMPLATE, params=None, family="llama"):
        """Serve a model built from a GGUF file under "ns/model:tag"; returns the manifest digest."""
        if ":" not in repo_tag.rsplit("/", 1)[-1]:
            repo_tag += ":latest"
        if repo_tag.count("/") != 1:
            raise ValueError("repo_tag must be namespace/model[:tag], not %r" % repo_tag)
        model_digest, model_size = self.add_blob(path=str(gguf_path))
        template_digest, template_size = self.add_blob(data=template.encode())
        layers = [
            {"mediaType": MODEL_MEDIA_TYPE, "digest": model_digest, "size": model_size},
            {"mediaType": TEMPLATE_MEDIA_TYPE, "digest": template_digest, "size": template_size},
        ]
        if params:
            params_digest, params_size = self.add_blob(data=_go_json(params).encode())
            layers.append({"mediaType": PARAMS_MEDIA_TYPE, "digest": params_digest, "size": params_size})
        config = {"model_format": "gguf", "model_family": family, "model_families": [family],
                  "model_type": "1M", "file_type": "F32", "architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in layers]}}
        config_digest, config_size = self.add_blob(data=_go_json(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config_size},
            "layers": layers,
        }
        body = _go_json(manifest).encode()
        with self._lock:
            self._manifests[repo_tag] = body
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def layers(self, repo_tag):
        """The digests of a published model's layers (model, template[, params]), then its config."""
        if ":" not in repo_tag.rsplit("/", 1)[-1]:
            repo_tag += ":latest"
        manifest = json.loads(self._manifests[repo_tag])
        return [layer["digest"] for layer in manifest["layers"]] + [manifest["config"]["digest"]]

    def size(self, repo_tag):
        """Bytes of a published model's layers and config (what a pull reports as its total)."""
        with self._lock:
            return sum(self._blobs[digest].size for digest in self.layers(repo_tag))

    def unpublish(self, repo_tag):
        with self._lock:
            self._manifests.pop(repo_tag if ":" in repo_tag.rsplit("/", 1)[-1] else repo_tag + ":latest", None)

    # -- faults ---------------------------------------------------------------------------
    def fail(self, path_regex, status=500, message="registry stand-in: injected failure"):
        with self._lock:
            self._faults.append((re.compile(path_regex), int(status), message))

    def truncate(self, digest, after_bytes):
        with self._lock:
            self._truncate[digest] = int(after_bytes)

    def clear_faults(self):
        with self._lock:
            self._faults = []
            self._truncate = {}
            self._cut = set()

    # -- log ------------------------------------------------------------------------------
    def requests(self):
        with self._lock:
            return list(self._log)

    def clear_log(self):
        with self._lock:
            self._log = []

    # used by the handler
    def _record(self, method, path):
        with self._lock:
            self._log.append((method, path))

    def _fault(self, path):
        with self._lock:
            for regex, status, message in self._faults:
                if regex.search(path):
                    return status, message
        return None

    def _manifest(self, repo, ref):
        key = "%s:%s" % (repo, ref)
        with self._lock:
            return self._manifests.get(key)

    def _cut_done(self, digest):
        """True when the blob's one truncated transfer already happened (marks it otherwise)."""
        with self._lock:
            done = digest in self._cut
            self._cut.add(digest)
            return done

    def _blob(self, digest):
        with self._lock:
            return self._blobs.get(digest), self._truncate.get(digest)


class _Handler(http.server.BaseHTTPRequestHandler):
    reg = None  # set by Registry.start()
    protocol_version = "HTTP/1.1"
    server_version = "openclaw-ollama-registry/1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass  # the registry keeps its own request log

    def _send(self, status, body=b"", content_type="application/json", headers=None, head=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _error(self, status, code, message, head=False):
        body = _go_json({"errors": [{"code": code, "message": message}]}).encode()
        self._send(status, body, head=head)

    def do_HEAD(self):  # noqa: N802 (http.server's naming)
        self._handle(head=True)

    def do_GET(self):  # noqa: N802
        self._handle(head=False)

    def _handle(self, head):
        path = self.path.split("?", 1)[0]
        self.reg._record(self.command, path)
        fault = self.reg._fault(path)
        if fault is not None:
            status, message = fault
            return self._error(status, "UNKNOWN", message, head=head)
        if path in ("/v2", "/v2/"):
            return self._send(200, b"{}", head=head)
        match = _MANIFEST_RE.match(path)
        if match:
            body = self.reg._manifest(match.group("repo"), match.group("ref"))
            if body is None:
                return self._error(404, "MANIFEST_UNKNOWN", "manifest unknown", head=head)
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            return self._send(200, body, MANIFEST_MEDIA_TYPE, {"Docker-Content-Digest": digest}, head=head)
        match = _BLOB_RE.match(path)
        if match:
            digest = match.group("digest")
            blob, _cut = self.reg._blob(digest)
            if blob is None:
                return self._error(404, "BLOB_UNKNOWN", "blob unknown to registry", head=head)
            if head:
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(blob.size))
                self.send_header("Docker-Content-Digest", digest)
                self.end_headers()
                return None
            if self.headers.get("Range"):
                return self._serve_bytes(digest, head)
            port = self.server.server_address[1]
            location = "http://%s:%d/direct/%s" % (self.reg.direct_host, port, digest)
            return self._send(307, b"", headers={"Location": location})
        match = _DIRECT_RE.match(path)
        if match:
            return self._serve_bytes(match.group("digest"), head)
        return self._error(404, "NAME_UNKNOWN", "no route for %s" % path, head=head)

    def _serve_bytes(self, digest, head):
        blob, cut = self.reg._blob(digest)
        if blob is None:
            return self._error(404, "BLOB_UNKNOWN", "blob unknown to registry", head=head)
        if cut is not None and not head and self.reg._cut_done(digest):
            self.close_connection = True
            return None  # dead since the cut transfer: no answer at all
        start, end = 0, blob.size
        status = 200
        match = _RANGE_RE.match(self.headers.get("Range") or "")
        if match:
            start = int(match.group(1))
            end = min(blob.size, int(match.group(2)) + 1) if match.group(2) else blob.size
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, blob.size))
        self.end_headers()
        if head:
            return None
        if cut is not None:
            end = min(end, start + cut)
        position = start
        while position < end:
            chunk = blob.read(position, min(end, position + (1 << 20)))
            if not chunk:
                break
            self.wfile.write(chunk)
            position += len(chunk)
        if cut is not None:
            # a registry dying mid-transfer: the client got fewer bytes than announced
            self.wfile.flush()
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_connection = True
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--direct-host", default="localhost",
                        help="host name of the blob download URL (must differ from --host)")
    parser.add_argument("--model", action="append", default=[], metavar="NS/MODEL:TAG=GGUF",
                        help="publish a GGUF file under that name (repeatable)")
    args = parser.parse_args(argv)
    reg = Registry(args.host, args.port, args.direct_host)
    for spec in args.model:
        repo_tag, _sep, path = spec.partition("=")
        reg.publish(repo_tag, path)
    reg.start()
    print("listening on %s" % reg.host, flush=True)
    try:
        reg._thread.join()
    except KeyboardInterrupt:
        reg.stop()


if __name__ == "__main__":
    main()
