# Copyright: (c) 2026, openclaw.gx10 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a tiny random-weight Llama in Hugging Face format (about 1.4 MB).

Run with the vLLM venv's Python (it needs torch, transformers, tokenizers):

    python tiny_model.py OUT_DIR

2 layers, hidden 128, 2 heads of 64 (the CPU attention backend refuses head_dim
16), a 100-token WordLevel tokenizer with a chat template, float32 weights.
"""

import json
import sys


def write(out_dir):
    # pylint: disable=import-outside-toplevel,import-error
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<unk>", "<s>", "</s>", "<pad>"]
    words = ["w%d" % i for i in range(100 - len(specials) - 6)]
    words += ["hello", "one", "two", "three", "user", "assistant"]
    vocab = {tok: i for i, tok in enumerate(specials + words)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>",
                                   eos_token="</s>", pad_token="<pad>")
    fast.chat_template = ("{% for m in messages %}{{ m['role'] }} {{ m['content'] }} "
                          "{% endfor %}{% if add_generation_prompt %}assistant {% endif %}")
    fast.save_pretrained(out_dir)

    config = LlamaConfig(vocab_size=len(vocab), hidden_size=128, intermediate_size=256,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         head_dim=64, max_position_embeddings=512, bos_token_id=1,
                         eos_token_id=2, pad_token_id=3, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.float32)
    model.save_pretrained(out_dir, safe_serialization=True)
    with open("%s/generation_config.json" % out_dir, "w", encoding="utf-8") as handle:
        json.dump({"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 3}, handle)


if __name__ == "__main__":
    write(sys.argv[1])
