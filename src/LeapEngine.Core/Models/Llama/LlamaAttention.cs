using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>Llama attention: separate q/k/v projections, grouped-query heads, rotary positions.</summary>
public sealed class LlamaAttention : nn.Module<Tensor, ForwardContext, Tensor>
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
    private readonly int _layer;

    public LlamaAttention(ModelConfig config, int layer) : base(nameof(LlamaAttention))
    {
        q_proj = nn.Linear(config.DModel, config.NHeads * config.DHead, hasBias: config.AttentionBias);
        k_proj = nn.Linear(config.DModel, config.DKv, hasBias: config.AttentionBias);
        v_proj = nn.Linear(config.DModel, config.DKv, hasBias: config.AttentionBias);
        // Qwen2 has q/k/v bias but none on the output; Llama's attention_bias covers all four.
        o_proj = nn.Linear(config.NHeads * config.DHead, config.DModel,
            hasBias: config.AttentionBias && config.ModelType != "qwen2");
        _config = config;
        _layer = layer;
        RegisterComponents();
    }

    public Linear Q => q_proj;
    public Linear K => k_proj;
    public Linear V => v_proj;
    public Linear O => o_proj;

    /// <summary>
    /// x [batch, token, d_model]; cos/sin tables come through the context's positions. Keys and
    /// values come from every token; queries (and the output) only from <paramref name="queryFrom"/> on.
    /// With <paramref name="distinct"/> (and every query wanted), q/k/v are projected once per distinct row of x.
    /// </summary>
    public Tensor Forward(Tensor x, ForwardContext ctx, Tensor cos, Tensor sin, long queryFrom = 0, DistinctRows? distinct = null)
    {
        long batch = x.shape[0], tokens = x.shape[1], queries = tokens - queryFrom;
        int heads = _config.NHeads, kvHeads = _config.NKvHeads, dHead = _config.DHead;
        var xq = queryFrom > 0 ? x.narrow(1, queryFrom, queries) : x;              // [batch, query, d_model]
        // The distinct rows are gathered once for all three projections (only when every query is wanted).
        var compact = queryFrom == 0 ? distinct?.Compact(x) : null;                 // [distinct, d_model]
        Tensor Project(Linear projection, Tensor input) =>
            compact is null ? projection.call(input) : distinct!.Expand(projection.call(compact), batch, tokens);
        var q = hook_q.call(Project(q_proj, xq).view(batch, queries, heads, dHead));   // [batch, query, head, d_head]
        var k = hook_k.call(Project(k_proj, x).view(batch, tokens, kvHeads, dHead));   // [batch, token, kv_head, d_head]
        var v = hook_v.call(Project(v_proj, x).view(batch, tokens, kvHeads, dHead));
        var qr = RotaryEmbedding.Apply(q.transpose(1, 2),                          // [batch, head, query, d_head]
            cos.narrow(2, queryFrom, queries), sin.narrow(2, queryFrom, queries));
        var kr = RotaryEmbedding.Apply(k.transpose(1, 2), cos, sin);               // [batch, kv_head, token, d_head]
        qr = hook_rot_q.call(qr.transpose(1, 2)).transpose(1, 2);
        kr = hook_rot_k.call(kr.transpose(1, 2)).transpose(1, 2);
        var vt = v.transpose(1, 2);                                                // [batch, kv_head, token, d_head]
        var z = hook_z.call(Attention.AttendInPass(qr, kr, vt, _layer, ctx, queryFrom, hook_pattern, _config.WindowOf(_layer)) // [batch, head, query, d_head]
            .transpose(1, 2));                                                     // [batch, query, head, d_head]
        return o_proj.call(z.reshape(batch, queries, heads * dHead));              // [batch, query, d_model]
    }

    public override Tensor forward(Tensor x, ForwardContext ctx) =>
        throw new InvalidOperationException("call Forward(x, ctx, cos, sin): attention needs the rotary tables");
}
