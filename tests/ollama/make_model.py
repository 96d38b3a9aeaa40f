# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a random-weight llama model as a GGUF file that a real Ollama server loads.

    python tests/ollama/make_model.py --out tiny.gguf [--kind llama|embedding]
        [--size tiny|mid|big] [--seed N] [--n-layers N] [--n-embd N] [--n-ff N] [--n-head N]

Sizes (f32 weights):
  tiny  n_embd 64,   4 heads,  n_ff 256,  1 layer   about 0.4 MB, loads in well under a second
  mid   n_embd 2048, 16 heads, n_ff 8192, 2 layers  about 0.55 GB
  big   n_embd 2048, 16 heads, n_ff 8192, 8 layers  about 2.15 GB; the server holds ~2.1 GiB
The vocabulary is SentencePiece-style (<unk> <s> </s>, 256 byte tokens <0x00>..<0xFF>, some
words), so llama.cpp's SPM tokenizer accepts any prompt. Different seeds give different weights
and therefore different Ollama digests. `--kind embedding` adds `llama.pooling_type`, which makes
Ollama treat the model as embedding-only ("does not support generate").

Importable: ``write_model(path, kind="llama", size="tiny", seed=0, **overrides)``.
Needs the PyPI package ``gguf`` (pinned in tests/requirements-ollama.txt) and numpy.
"""
from __future__ import annotations

import argparse
import os
import sys

SIZES = {
    "tiny": {"n_embd": 64, "n_head": 4, "n_ff": 256, "n_layers": 1},
    "mid": {"n_embd": 2048, "n_head": 16, "n_ff": 8192, "n_layers": 2},
    "big": {"n_embd": 2048, "n_head": 16, "n_ff": 8192, "n_layers": 8},
}
CONTEXT_LENGTH = 2048
POOLING_MEAN = 1

_WORDS = ["the", "a", "and", "of", "to", "in", "is", "it", "hello", "world", "model", "test",
          "ollama", "memory", "server", "un", "load", "ing", "ed", "er", "s"]


def _vocab():
    """(tokens, scores, types) for a small SentencePiece-style vocabulary."""
    import gguf

    tokens = ["<unk>", "<s>", "</s>"]
    scores = [0.0, 0.0, 0.0]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    for b in range(256):
        tokens.append("<0x%02X>" % b)
        scores.append(0.0)
        types.append(gguf.TokenType.BYTE)
    pieces = ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += ["\u2581" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += ["\u2581" + w for w in _WORDS] + [w for w in _WORDS if len(w) > 1]
    seen = set(tokens)
    for i, p in enumerate(pieces):
        if p in seen:
            continue
        seen.add(p)
        tokens.append(p)
        scores.append(-1.0 - i * 0.01 if len(p) == 1 else -0.5 * i / len(p))
        types.append(gguf.TokenType.NORMAL)
    return tokens, scores, [int(t) for t in types]


def write_model(path, kind="llama", size="tiny", seed=0, n_layers=None, n_embd=None,
                n_ff=None, n_head=None):
    """Write the model to ``path`` (atomically, via a temporary file). Returns the path."""
    import numpy as np
    import gguf

    if kind not in ("llama", "embedding"):
        raise ValueError("kind must be llama or embedding, not %r" % (kind,))
    if size not in SIZES:
        raise ValueError("size must be one of %s, not %r" % (", ".join(SIZES), size))
    p = dict(SIZES[size])
    for key, val in (("n_layers", n_layers), ("n_embd", n_embd), ("n_ff", n_ff),
                     ("n_head", n_head)):
        if val is not None:
            p[key] = int(val)
    if p["n_embd"] % p["n_head"]:
        raise ValueError("n_embd %(n_embd)d is not a multiple of n_head %(n_head)d" % p)
    d, h, ff, nl = p["n_embd"], p["n_head"], p["n_ff"], p["n_layers"]
    head_dim = d // h

    tokens, scores, types = _vocab()
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)

    # numpy shapes are GGUF/ggml shapes reversed: ggml {n_embd, n_vocab} == numpy (n_vocab, n_embd)
    tensors = [("token_embd.weight", (n_vocab, d)), ("output_norm.weight", (d,)),
               ("output.weight", (n_vocab, d))]
    for i in range(nl):
        b = "blk.%d." % i
        tensors += [(b + "attn_norm.weight", (d,)), (b + "attn_q.weight", (d, d)),
                    (b + "attn_k.weight", (d, d)), (b + "attn_v.weight", (d, d)),
                    (b + "attn_output.weight", (d, d)), (b + "ffn_norm.weight", (d,)),
                    (b + "ffn_gate.weight", (ff, d)), (b + "ffn_down.weight", (d, ff)),
                    (b + "ffn_up.weight", (ff, d))]

    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        w = gguf.GGUFWriter(tmp, "llama")
        w.add_name("openclaw-test-%s-%s-seed%d" % (kind, size, seed))
        w.add_description("random weights for tests; not a real model")
        w.add_file_type(0)  # all F32
        w.add_context_length(CONTEXT_LENGTH)
        w.add_embedding_length(d)
        w.add_block_count(nl)
        w.add_feed_forward_length(ff)
        w.add_head_count(h)
        w.add_head_count_kv(h)
        w.add_rope_dimension_count(head_dim)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_vocab_size(n_vocab)
        if kind == "embedding":
            w.add_pooling_type(gguf.PoolingType(POOLING_MEAN))
        w.add_tokenizer_model("llama")
        w.add_token_list(tokens)
        w.add_token_scores(scores)
        w.add_token_types(types)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_unk_token_id(0)
        w.add_add_bos_token(True)
        w.add_add_eos_token(False)
        for name, shape in tensors:
            w.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_ti_data_to_file()
        # Stream the weights tensor by tensor: the big model never sits in memory at once.
        for name, shape in tensors:
            if name.endswith("norm.weight"):
                arr = np.ones(shape, dtype=np.float32)
            else:
                arr = rng.random(shape, dtype=np.float32)
                arr -= 0.5
                arr *= 0.04
            w.write_tensor_data(arr)
        w.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    ap.add_argument("--out", required=True, help="GGUF file to write")
    ap.add_argument("--kind", choices=("llama", "embedding"), default="llama")
    ap.add_argument("--size", choices=sorted(SIZES), default="tiny")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-layers", type=int)
    ap.add_argument("--n-embd", type=int)
    ap.add_argument("--n-ff", type=int)
    ap.add_argument("--n-head", type=int)
    a = ap.parse_args(argv)
    try:
        write_model(a.out, kind=a.kind, size=a.size, seed=a.seed, n_layers=a.n_layers,
                    n_embd=a.n_embd, n_ff=a.n_ff, n_head=a.n_head)
    except ImportError as exc:
        sys.exit("make_model.py: ERROR: %s (pip install -r tests/requirements-ollama.txt)" % exc)
    except ValueError as exc:
        sys.exit("make_model.py: ERROR: %s" % exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
