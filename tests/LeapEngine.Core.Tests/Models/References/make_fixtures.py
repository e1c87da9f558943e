#!/usr/bin/python3
"""Independent reference for sliding-window attention (Mistral, Qwen2), Llama 3.1 rope scaling, Phi-3 and Gemma 2.

Builds tiny random checkpoints in the Hugging Face layout (config.json + model.safetensors) and
writes expected.safetensors (input_ids, logits, one attention pattern) from a plain PyTorch
forward pass written from the transformers semantics (modeling_llama / modeling_mistral /
modeling_qwen2, modular_phi3, modeling_gemma2, rope_utils._compute_llama3_parameters, masking_utils.sliding_window_overlay).
It does not use LeapEngine. Needs only torch (Debian's python3-torch 1.13 is enough):

    /usr/bin/python3 make_fixtures.py    # rewrites ./mistral-window, ./qwen2-window, ./llama3-rope, ./phi3-window, ./gemma2-window
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENS = 12


def write_safetensors(path, tensors):
    """The safetensors format by hand: u64 LE header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        fmt = {torch.float32: "f", torch.int64: "q"}[t.dtype]
        data = struct.pack("<%d%s" % (t.numel(), fmt), *t.flatten().tolist())
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def inv_freq(cfg):
    """transformers rope_utils: default frequencies, then _compute_llama3_parameters for rope_type llama3."""
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    rs = cfg.get("rope_scaling")
    if rs is None:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    assert kind == "llama3", kind
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old_len = rs["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old_len / low, old_len / high
    wavelen = 2 * math.pi / inv
    inv_llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old_len / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, inv_llama)


def layer_windows(cfg):
    """Per layer: the sliding window or None (MistralConfig / Qwen2Config semantics)."""
    n = cfg["num_hidden_layers"]
    if cfg["model_type"] == "mistral":
        w = cfg.get("sliding_window", 4096)
        return [w] * n
    if cfg["model_type"] == "phi3":
        return [cfg.get("sliding_window")] * n                               # Phi3Config: None unless given
    if cfg["model_type"] == "qwen2":
        w = cfg.get("sliding_window", 4096) if cfg.get("use_sliding_window", False) else None
        types = cfg.get("layer_types") or [
            "sliding_attention" if w is not None and i >= cfg.get("max_window_layers", 28) else "full_attention"
            for i in range(n)]
        return [w if t == "sliding_attention" else None for t in types]
    return [None] * n


def rms_norm(x, weight, eps):
    x32 = x.to(torch.float32)
    x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x32.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(cfg, w, ids, windows=None, pattern_layer=None):
    """Logits [token, vocab] (and the softmaxed pattern [head, query, key] of pattern_layer)."""
    t = ids.shape[0]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or cfg["hidden_size"] // heads
    eps = cfg["rms_norm_eps"]
    windows = layer_windows(cfg) if windows is None else windows
    freqs = torch.arange(t).float()[:, None] * inv_freq(cfg)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()                                          # [token, d_head]
    x = w["model.embed_tokens.weight"][ids]
    q_idx, k_idx = torch.arange(t)[:, None], torch.arange(t)[None, :]
    pattern = None

    def lin(h, name):
        y = h @ w[name + ".weight"].T
        return y + w[name + ".bias"] if name + ".bias" in w else y

    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj").view(t, heads, dh).transpose(0, 1)
        k = lin(h, p + "self_attn.k_proj").view(t, kv, dh).transpose(0, 1)
        v = lin(h, p + "self_attn.v_proj").view(t, kv, dh).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv, dim=0)
        v = v.repeat_interleave(heads // kv, dim=0)
        allowed = k_idx <= q_idx
        if windows[i] is not None:
            allowed = allowed & (k_idx > q_idx - windows[i])                 # sliding_window_overlay
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        if i == pattern_layer:
            pattern = probs
        o = (probs @ v).transpose(0, 1).reshape(t, heads * dh)
        x = x + lin(o, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(lin(h, p + "mlp.gate_proj"))
        x = x + lin(g * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T, pattern


def phi3_forward(cfg, w, ids, windows=None, pattern_layer=None):
    """Phi-3 from its own checkpoint layout (modular_phi3): the fused qkv_proj is sliced q | k | v by
    rows, gate_up_proj is chunked gate | up, and the output is up * silu(gate). Full rotary, no biases."""
    t = ids.shape[0]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or cfg["hidden_size"] // heads
    eps = cfg["rms_norm_eps"]
    windows = layer_windows(cfg) if windows is None else windows
    pos = torch.arange(t).float()
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, dh, 2).float() / dh))
    angles = torch.outer(pos, inv)                                           # [token, d_head/2]
    x = w["model.embed_tokens.weight"][ids]
    pattern = None

    def rope(h):                                                             # h [head, token, d_head]
        first, second = h[..., : dh // 2], h[..., dh // 2:]
        c, s = angles.cos(), angles.sin()
        return torch.cat((first * c - second * s, second * c + first * s), dim=-1)

    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        qkv = h @ w[p + "self_attn.qkv_proj.weight"].T
        q = qkv[:, : heads * dh].reshape(t, heads, dh).permute(1, 0, 2)
        k = qkv[:, heads * dh: (heads + kv) * dh].reshape(t, kv, dh).permute(1, 0, 2)
        v = qkv[:, (heads + kv) * dh:].reshape(t, kv, dh).permute(1, 0, 2)
        q, k = rope(q), rope(k)
        group = heads // kv
        out = torch.empty(heads, t, dh)
        probs_all = torch.empty(heads, t, t)
        for head in range(heads):
            kh, vh = k[head // group], v[head // group]
            scores = q[head] @ kh.T / math.sqrt(dh)                          # [query, key]
            for qi in range(t):
                for ki in range(t):
                    if ki > qi or (windows[i] is not None and qi - ki >= windows[i]):
                        scores[qi, ki] = float("-inf")
            probs = torch.softmax(scores, dim=-1)
            probs_all[head] = probs
            out[head] = probs @ vh
        if i == pattern_layer:
            pattern = probs_all
        x = x + out.permute(1, 0, 2).reshape(t, heads * dh) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate, up = (h @ w[p + "mlp.gate_up_proj.weight"].T).chunk(2, dim=-1)
        x = x + (up * torch.nn.functional.silu(gate)) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w["lm_head.weight"].T, pattern


def phi3_weights(cfg, gen):
    """Random Phi-3 tensors in its fused layout."""
    d, heads, kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or d // heads
    m, vocab = cfg["intermediate_size"], cfg["vocab_size"]

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    w = {"model.embed_tokens.weight": randn(vocab, d)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = 1 + randn(d, scale=0.2)
        w[p + "post_attention_layernorm.weight"] = 1 + randn(d, scale=0.2)
        w[p + "self_attn.qkv_proj.weight"] = randn((heads + 2 * kv) * dh, d, scale=2.0 / math.sqrt(d))
        w[p + "self_attn.o_proj.weight"] = randn(d, heads * dh, scale=1.0 / math.sqrt(heads * dh))
        w[p + "mlp.gate_up_proj.weight"] = randn(2 * m, d, scale=1.0 / math.sqrt(d))
        w[p + "mlp.down_proj.weight"] = randn(d, m, scale=1.0 / math.sqrt(m))
    w["model.norm.weight"] = 1 + randn(d, scale=0.2)
    w["lm_head.weight"] = randn(vocab, d, scale=2.0 / math.sqrt(d))
    return w


def random_weights(cfg, gen):
    d, heads, kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or d // heads
    m, vocab = cfg["intermediate_size"], cfg["vocab_size"]
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    o_bias = cfg["model_type"] != "qwen2" and cfg.get("attention_bias", False)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    w = {"model.embed_tokens.weight": randn(vocab, d)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = 1 + randn(d, scale=0.2)
        w[p + "post_attention_layernorm.weight"] = 1 + randn(d, scale=0.2)
        # Larger than a trained model's q/k, so attention is peaked and a wrong mask shows.
        for name, rows in (("q_proj", heads * dh), ("k_proj", kv * dh), ("v_proj", kv * dh)):
            w[p + "self_attn.%s.weight" % name] = randn(rows, d, scale=2.0 / math.sqrt(d))
            if qkv_bias:
                w[p + "self_attn.%s.bias" % name] = randn(rows, scale=0.5)
        w[p + "self_attn.o_proj.weight"] = randn(d, heads * dh, scale=1.0 / math.sqrt(heads * dh))
        if o_bias:
            w[p + "self_attn.o_proj.bias"] = randn(d, scale=0.1)
        w[p + "mlp.gate_proj.weight"] = randn(m, d, scale=1.0 / math.sqrt(d))
        w[p + "mlp.up_proj.weight"] = randn(m, d, scale=1.0 / math.sqrt(d))
        w[p + "mlp.down_proj.weight"] = randn(d, m, scale=1.0 / math.sqrt(m))
    w["model.norm.weight"] = 1 + randn(d, scale=0.2)
    if not cfg.get("tie_word_embeddings", False):
        w["lm_head.weight"] = randn(vocab, d, scale=2.0 / math.sqrt(d))
    return w


def gemma2_layer_windows(cfg):
    """Gemma2Config: layer_types when given, else sliding_attention on the even layers (0, 2, ...),
    full_attention on the odd ones; sliding layers attend within sliding_window (None: no window)."""
    n = cfg["num_hidden_layers"]
    types = cfg.get("layer_types") or ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(n)]
    return [cfg.get("sliding_window", 4096) if t == "sliding_attention" else None for t in types]


def gemma2_forward(cfg, w, ids, windows=None, pattern_layer=None):
    """Gemma 2 from modeling_gemma2 / configuration_gemma2, written out by hand: embeddings times
    sqrt(hidden_size) (a tensor of the embedding dtype), RMSNorm x * (1 + w) in float32, four norms
    per block (the post-norms on the attention and MLP outputs, before the residual add), GeGLU with
    the tanh gelu, scores q k^T * query_pre_attn_scalar^-0.5 soft-capped as tanh(s / cap) * cap
    before the mask, sliding windows on the even layers, tied unembedding, final logit soft-capping.
    Returns logits [token, vocab] and a dict of hook values for the C# side's hook names."""
    t = ids.shape[0]
    d, heads, kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim", 256)
    eps = cfg.get("rms_norm_eps", 1e-6)
    scaling = cfg.get("query_pre_attn_scalar", 256) ** -0.5
    attn_cap = cfg.get("attn_logit_softcapping", 50.0)
    final_cap = cfg.get("final_logit_softcapping", 30.0)
    windows = gemma2_layer_windows(cfg) if windows is None else windows
    theta = cfg.get("rope_theta", 10000.0)
    angles = torch.outer(torch.arange(t).float(), 1.0 / (theta ** (torch.arange(0, dh, 2).float() / dh)))
    hooks = {}

    def norm(h, weight):
        h32 = h.float()
        out = h32 / torch.sqrt(h32.pow(2).mean(-1, keepdim=True) + eps)
        return (out * (1.0 + weight.float())).to(h.dtype)

    def gelu_tanh(h):
        return 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h.pow(3))))

    def rope(h):                                                             # h [head, token, d_head]
        first, second = h[..., : dh // 2], h[..., dh // 2:]
        c, s = angles.cos(), angles.sin()
        return torch.cat((first * c - second * s, second * c + first * s), dim=-1)

    embed = w["model.embed_tokens.weight"]
    x = embed[ids] * torch.tensor(d ** 0.5, dtype=embed.dtype)
    hooks["hook_embed"] = x
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = norm(x, w[p + "input_layernorm.weight"])
        q = rope((h @ w[p + "self_attn.q_proj.weight"].T).reshape(t, heads, dh).permute(1, 0, 2))
        k = rope((h @ w[p + "self_attn.k_proj.weight"].T).reshape(t, kv, dh).permute(1, 0, 2))
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(t, kv, dh).permute(1, 0, 2)
        group = heads // kv
        out = torch.empty(heads, t, dh)
        probs_all = torch.empty(heads, t, t)
        for head in range(heads):
            scores = (q[head] @ k[head // group].T) * scaling                # [query, key]
            if attn_cap is not None:
                scores = torch.tanh(scores / attn_cap) * attn_cap
            for qi in range(t):
                for ki in range(t):
                    if ki > qi or (windows[i] is not None and qi - ki >= windows[i]):
                        scores[qi, ki] = float("-inf")
            probs = torch.softmax(scores, dim=-1)
            probs_all[head] = probs
            out[head] = probs @ v[head // group]
        hooks["blocks.%d.attn.hook_pattern" % i] = probs_all
        attn = out.permute(1, 0, 2).reshape(t, heads * dh) @ w[p + "self_attn.o_proj.weight"].T
        attn = norm(attn, w[p + "post_attention_layernorm.weight"])
        hooks["blocks.%d.hook_attn_out" % i] = attn
        x = x + attn
        h = norm(x, w[p + "pre_feedforward_layernorm.weight"])
        gated = gelu_tanh(h @ w[p + "mlp.gate_proj.weight"].T) * (h @ w[p + "mlp.up_proj.weight"].T)
        mlp = norm(gated @ w[p + "mlp.down_proj.weight"].T, w[p + "post_feedforward_layernorm.weight"])
        hooks["blocks.%d.hook_mlp_out" % i] = mlp
        x = x + mlp
    x = norm(x, w["model.norm.weight"])
    logits = x @ w.get("lm_head.weight", embed).T
    if final_cap is not None:
        logits = torch.tanh(logits / final_cap) * final_cap
    return logits, hooks


def gemma2_weights(cfg, gen):
    """Random Gemma 2 tensors (tied: no lm_head). Norm weights are offsets from 1, as Gemma stores them."""
    d, heads, kv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh, m, vocab = cfg["head_dim"], cfg["intermediate_size"], cfg["vocab_size"]

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    w = {"model.embed_tokens.weight": randn(vocab, d, scale=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        for name in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"):
            w[p + name + ".weight"] = randn(d, scale=0.3)
        for name, rows in (("q_proj", heads * dh), ("k_proj", kv * dh), ("v_proj", kv * dh)):
            w[p + "self_attn.%s.weight" % name] = randn(rows, d, scale=2.0 / math.sqrt(d))
        w[p + "self_attn.o_proj.weight"] = randn(d, heads * dh, scale=1.0 / math.sqrt(heads * dh))
        w[p + "mlp.gate_proj.weight"] = randn(m, d, scale=1.0 / math.sqrt(d))
        w[p + "mlp.up_proj.weight"] = randn(m, d, scale=1.0 / math.sqrt(d))
        w[p + "mlp.down_proj.weight"] = randn(d, m, scale=1.0 / math.sqrt(m))
    w["model.norm.weight"] = randn(d, scale=0.3)
    return w


BASE = {
    "vocab_size": 96, "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 4,
    "num_key_value_heads": 2, "head_dim": 8, "rms_norm_eps": 1e-5, "hidden_act": "silu",
    "max_position_embeddings": 64, "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2,
}

CASES = {
    # Every layer windowed; window 4 < 12 tokens.
    "mistral-window": dict(BASE, model_type="mistral", architectures=["MistralForCausalLM"],
                           num_hidden_layers=2, sliding_window=4, tie_word_embeddings=False),
    # Layer 0 full attention, layers 1 and 2 windowed (max_window_layers 1), window 3; q/k/v bias, tied.
    "qwen2-window": dict(BASE, model_type="qwen2", architectures=["Qwen2ForCausalLM"], num_hidden_layers=3,
                         use_sliding_window=True, sliding_window=3, max_window_layers=1, tie_word_embeddings=True),
    # Llama 3.1 scaling with a tiny original context (8) so that positions 0..11 see it: with
    # d_head 8 and theta 10000 one frequency is interpolated, three divided by the factor.
    "llama3-rope": dict(BASE, model_type="llama", architectures=["LlamaForCausalLM"], num_hidden_layers=2,
                        tie_word_embeddings=False,
                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8}),
}


# A Phi-3-mini-4k config in miniature (its own keys included), with grouped-query attention and a window of 5.
PHI3 = dict(BASE, model_type="phi3", architectures=["Phi3ForCausalLM"], num_hidden_layers=2, sliding_window=5,
            tie_word_embeddings=False, rope_scaling=None, original_max_position_embeddings=64, resid_pdrop=0.0,
            embd_pdrop=0.0, attention_dropout=0.0, pad_token_id=95)


# gemma-2-2b's config.json in miniature, every key of the real file kept: 3 layers (0 and 2 sliding,
# 1 full), a window of 4 < 12 tokens, q/k heads of 8 with 4 heads (4 x 8 != hidden 24, as in Gemma 2),
# query_pre_attn_scalar 12 (not head_dim, as in gemma-2-27b) and soft caps small enough to bite.
GEMMA2 = {
    "architectures": ["Gemma2ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "attn_logit_softcapping": 4.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 95],
    "final_logit_softcapping": 3.0, "head_dim": 8, "hidden_act": "gelu_pytorch_tanh",
    "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 24, "initializer_range": 0.02, "intermediate_size": 48,
    "max_position_embeddings": 64, "model_type": "gemma2", "num_attention_heads": 4, "num_hidden_layers": 3,
    "num_key_value_heads": 2, "pad_token_id": 0, "query_pre_attn_scalar": 12, "rms_norm_eps": 1e-06,
    "rope_theta": 10000.0, "sliding_window": 4, "torch_dtype": "float32", "transformers_version": "4.42.4",
    "use_cache": True, "vocab_size": 96,
}


def write_case(name, cfg, w, ids, logits, hooks):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"), w)
    write_safetensors(os.path.join(out, "expected.safetensors"), dict({"input_ids": ids.to(torch.int64), "logits": logits}, **hooks))


def main():
    # Seeds by position in this list, Phi-3 and Gemma 2 last, so adding them left the older fixtures byte for byte as they were.
    cases = [(name, cfg, random_weights, forward) for name, cfg in sorted(CASES.items())]
    cases.append(("phi3-window", PHI3, phi3_weights, phi3_forward))
    for seed, (name, cfg, make_weights, run) in enumerate(cases):
        gen = torch.Generator().manual_seed(1000 + seed)
        w = make_weights(cfg, gen)
        ids = torch.randint(3, cfg["vocab_size"], (TOKENS,), generator=gen)
        with torch.no_grad():
            logits, pattern = run(cfg, w, ids, pattern_layer=1)
            # The feature must matter at these positions, or the fixture proves nothing.
            plain_cfg = {k: v for k, v in cfg.items() if k != "rope_scaling"}
            plain, _ = run(plain_cfg, w, ids, windows=[None] * cfg["num_hidden_layers"])
        effect = (logits - plain).abs().max().item()
        assert effect > 0.1, (name, effect)
        write_case(name, cfg, w, ids, logits, {"blocks.1.attn.hook_pattern": pattern})
        print("%s: logits %s, max |logits - logits without the feature| = %.3f" % (name, tuple(logits.shape), effect))

    gen = torch.Generator().manual_seed(1000 + len(cases))
    w = gemma2_weights(GEMMA2, gen)
    ids = torch.randint(3, GEMMA2["vocab_size"], (TOKENS,), generator=gen)
    with torch.no_grad():
        logits, hooks = gemma2_forward(GEMMA2, w, ids)
        # Each Gemma 2 feature must matter, or the fixture proves nothing about it.
        without = {
            "sliding window": gemma2_forward(GEMMA2, w, ids, windows=[None] * GEMMA2["num_hidden_layers"])[0],
            "attention soft cap": gemma2_forward(dict(GEMMA2, attn_logit_softcapping=None), w, ids)[0],
            "final soft cap": gemma2_forward(dict(GEMMA2, final_logit_softcapping=None), w, ids)[0],
            "query_pre_attn_scalar": gemma2_forward(dict(GEMMA2, query_pre_attn_scalar=GEMMA2["head_dim"]), w, ids)[0],
        }
    for feature, other in without.items():
        effect = (logits - other).abs().max().item()
        assert effect > 0.1, ("gemma2-window", feature, effect)
        print("gemma2-window: max |logits - logits without the %s| = %.3f" % (feature, effect))
    keep = ["hook_embed", "blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern", "blocks.0.hook_attn_out", "blocks.2.hook_mlp_out"]
    write_case("gemma2-window", GEMMA2, w, ids, logits, {k: hooks[k] for k in keep})

if __name__ == "__main__":
    main()
