using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>GPT-2 multi-head causal self-attention (fused q/k/v projection, learned positions upstream).</summary>
public sealed class Gpt2Attention : nn.Module<Tensor, LayerContext, Tensor>
{
    private readonly Linear c_attn;
    private readonly HookPoint hook_q = new();
    private readonly HookPoint hook_k = new();
    private readonly HookPoint hook_v = new();
    private readonly HookPoint hook_pattern = new();
    private readonly HookPoint hook_z = new();
    private readonly Linear c_proj;
    private readonly int _heads;
    private readonly int _dHead;

    public Gpt2Attention(ModelConfig config) : base(nameof(Gpt2Attention))
    {
        c_attn = nn.Linear(config.DModel, 3 * config.DModel, hasBias: true);
        c_proj = nn.Linear(config.DModel, config.DModel, hasBias: true);
        _heads = config.NHeads;
        _dHead = config.DHead;
        RegisterComponents();
    }

    public Linear QkvProjection => c_attn;
    public Linear OutputProjection => c_proj;

    /// <summary>
    /// x [batch, token, d_model] to [batch, query, d_model]: keys and values from every token,
    /// queries (and the output) only from the layer's query start on. With the layer's distinct
    /// rows, q/k/v are projected once per distinct row of x.
    /// </summary>
    public override Tensor forward(Tensor x, LayerContext layer)
    {
        long batch = x.shape[0], tokens = x.shape[1], d = x.shape[2], queryFrom = layer.QueryStart, queries = layer.Queries;
        Tensor qPart, kPart, vPart;                                                // [batch, query|token, d_model]
        if (queryFrom == 0)
        {
            var distinct = layer.Distinct;
            var qkv = (distinct is null ? c_attn.call(x) : distinct.Apply(c_attn.call, x)).split(d, -1); // 3 x [batch, token, d_model]
            (qPart, kPart, vPart) = (qkv[0], qkv[1], qkv[2]);
        }
        else
        {
            // Only the last queries are wanted: project keys/values from every token but queries
            // from those alone (c_attn's weight is [3 d_model, d_model], rows q | k | v).
            var kv = nn.functional.linear(x, c_attn.weight!.narrow(0, d, 2 * d), c_attn.bias!.narrow(0, d, 2 * d)).split(d, -1);
            qPart = nn.functional.linear(layer.KeptQueries(x), c_attn.weight!.narrow(0, 0, d), c_attn.bias!.narrow(0, 0, d));
            (kPart, vPart) = (kv[0], kv[1]);
        }
        var q = hook_q.call(qPart.reshape(batch, queries, _heads, _dHead));       // [batch, query, head, d_head]
        var k = hook_k.call(kPart.reshape(batch, tokens, _heads, _dHead));
        var v = hook_v.call(vPart.reshape(batch, tokens, _heads, _dHead));
        var z = layer.Attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), hook_pattern) // [batch, head, query, d_head]
            .transpose(1, 2);                                                      // [batch, query, head, d_head]
        z = hook_z.call(z);
        return c_proj.call(z.reshape(batch, queries, d));                          // [batch, query, d_model]
    }
}
