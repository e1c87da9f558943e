using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>
/// Llama attention: separate q/k/v projections, grouped-query heads, rotary positions. Gemma 2's is the same with
/// two config values Llama leaves unset: scores scaled by query_pre_attn_scalar^-0.5 instead of d_head^-0.5, and
/// soft-capped (attn_logit_softcapping); its layer's sliding window is applied by the layout.
/// </summary>
public sealed class LlamaAttention : nn.Module<Tensor, LayerContext, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly HookPoint hook_q = new();
    private readonly HookPoint hook_k = new();
    private readonly HookPoint hook_v = new();
    private readonly HookPoint hook_rot_q = new();
    private readonly HookPoint hook_rot_k = new();
    private readonly HookPoint hook_pattern = new();
    private readonly HookPoint hook_z = new();
    private readonly Linear o_proj;
    private readonly ModelConfig _config;
    private readonly double _queryScale;

    public LlamaAttention(ModelConfig config) : base(nameof(LlamaAttention))
    {
        q_proj = nn.Linear(config.DModel, config.NHeads * config.DHead, hasBias: config.AttentionBias);
        k_proj = nn.Linear(config.DModel, config.DKv, hasBias: config.AttentionBias);
        v_proj = nn.Linear(config.DModel, config.DKv, hasBias: config.AttentionBias);
        // Qwen2 has q/k/v bias but none on the output; Llama's attention_bias covers all four.
        o_proj = nn.Linear(config.NHeads * config.DHead, config.DModel,
            hasBias: config.AttentionBias && config.ModelType != "qwen2");
        _config = config;
        // The layouts divide scores by sqrt(d_head) (TorchSharp's fused kernel takes no scale), so the queries
        // carry the rest of a query_pre_attn_scalar scale: sqrt(d_head) / sqrt(query_pre_attn_scalar).
        _queryScale = config.QueryPreAttnScalar is { } scalar ? Math.Sqrt(config.DHead) / Math.Sqrt(scalar) : 1.0;
        RegisterComponents();
    }

    public Linear Q => q_proj;
    public Linear K => k_proj;
    public Linear V => v_proj;
    public Linear O => o_proj;

    /// <summary>
    /// x [batch, token, d_model] to [batch, query, d_model]: keys and values from every token,
    /// queries (and the output) only from the layer's query start on; rotary tables from the
    /// pass's positions. With the layer's distinct rows, q/k/v are projected once per distinct row of x.
    /// </summary>
    public override Tensor forward(Tensor x, LayerContext layer)
    {
        long batch = x.shape[0], tokens = x.shape[1], queryFrom = layer.QueryStart, queries = layer.Queries;
        int heads = _config.NHeads, kvHeads = _config.NKvHeads, dHead = _config.DHead;
        var (cos, sin) = layer.Pass.Rotary(_config, x.dtype);                      // [batch, 1, token, d_head]
        // The distinct rows are gathered once for all three projections.
        var distinct = layer.Distinct;
        var compact = distinct?.Compact(x);                                        // [distinct, d_model]
        Tensor Project(Linear projection, Tensor input) =>
            compact is null ? projection.call(input) : distinct!.Expand(projection.call(compact), batch, tokens);
        var q = hook_q.call(Project(q_proj, layer.KeptQueries(x)).view(batch, queries, heads, dHead)); // [batch, query, head, d_head]
        var k = hook_k.call(Project(k_proj, x).view(batch, tokens, kvHeads, dHead));   // [batch, token, kv_head, d_head]
        var v = hook_v.call(Project(v_proj, x).view(batch, tokens, kvHeads, dHead));
        var qr = RotaryEmbedding.Apply(q.transpose(1, 2),                          // [batch, head, query, d_head]
            cos.narrow(2, queryFrom, queries), sin.narrow(2, queryFrom, queries));
        var kr = RotaryEmbedding.Apply(k.transpose(1, 2), cos, sin);               // [batch, kv_head, token, d_head]
        qr = hook_rot_q.call(qr.transpose(1, 2)).transpose(1, 2);
        kr = hook_rot_k.call(kr.transpose(1, 2)).transpose(1, 2);
        var scaled = _queryScale == 1.0 ? qr : qr.Times(_queryScale);
        var z = hook_z.call(layer.Attend(scaled, kr, v.transpose(1, 2), hook_pattern, _config.AttnLogitSoftcapping) // [batch, head, query, d_head]
            .transpose(1, 2));                                                     // [batch, query, head, d_head]
        return o_proj.call(z.reshape(batch, queries, heads * dHead));              // [batch, query, d_model]
    }
}
