using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// A decoder-only transformer with TransformerLens-named hook points. Subclasses (one per
/// architecture folder) supply the embedding, blocks and unembedding; this class owns
/// input validation, the forward context, the one layer loop and the hook index.
/// </summary>
public abstract class TransformerModel : nn.Module<Tensor, Tensor>
{
    private Dictionary<string, HookPoint> _hookPoints = new();
    private HookPoint[] _lastBlockHookPoints = [];

    protected TransformerModel(string name, ModelConfig config) : base(name)
    {
        config.Validate();
        Config = config;
    }

    public ModelConfig Config { get; }

    /// <summary>Every hook point by its TransformerLens name (module registration order).</summary>
    public IReadOnlyDictionary<string, HookPoint> HookPoints => _hookPoints;

    /// <summary>The input token embedding matrix W_E [vocab, d_model].</summary>
    public abstract Tensor TokenEmbeddings { get; }

    public Device Device => TokenEmbeddings.device;

    /// <summary>Call at the end of a subclass constructor, after RegisterComponents.</summary>
    protected void IndexHookPoints()
    {
        _hookPoints = new Dictionary<string, HookPoint>();
        foreach (var (name, module) in named_modules())
        {
            if (module is HookPoint point)
            {
                point.HookName = name;
                _hookPoints[name] = point;
            }
        }
        string lastBlock = $"blocks.{Config.NLayers - 1}.";
        _lastBlockHookPoints = _hookPoints.Where(p => p.Key.StartsWith(lastBlock, StringComparison.Ordinal)).Select(p => p.Value).ToArray();
    }

    /// <summary>
    /// Where the last block's queries start: only the logits' positions need it past its keys
    /// and values, unless a hook watches that block (then every hook sees every position).
    /// </summary>
    protected long LastBlockQueryStart(long logitsFrom) =>
        logitsFrom > 0 && !_lastBlockHookPoints.Any(h => h.HasHooks) ? logitsFrom : 0;

    /// <summary>Copies checkpoint tensors (Hugging Face names, either prefix style) into the parameters.</summary>
    public abstract void LoadCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, string source);

    /// <summary>The table from checkpoint names to this model's parameters (also used to export).</summary>
    public abstract WeightMap WeightNames();

    /// <summary>Frees every parameter from autograd: inference and input-gradient work never need them.</summary>
    public void Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>Removes every hook from every hook point.</summary>
    public void ResetHooks()
    {
        foreach (var point in _hookPoints.Values) point.RemoveAll();
    }

    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>Token ids [batch, tokens] (int64) to logits [batch, tokens', vocab].</summary>
    public Tensor Forward(Tensor inputIds, ForwardOptions? options = null)
    {
        ValidateIds(inputIds, options);
        using var scope = NewDisposeScope();
        var embeddings = TokenEmbeddings.index_select(0, inputIds.reshape(-1))
            .reshape(inputIds.shape[0], inputIds.shape[1], Config.DModel);       // [batch, token, d_model]
        return Run(embeddings, options, inputIds).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Input embeddings [batch, tokens, d_model] to logits, instead of token ids; gradients
    /// flow back to the embeddings (prompt optimisation).
    /// </summary>
    public Tensor ForwardEmbeddings(Tensor embeddings, ForwardOptions? options = null)
    {
        if (embeddings.dim() != 3 || embeddings.shape[2] != Config.DModel)
            throw new ArgumentException(
                $"input embeddings must be [batch, tokens, {Config.DModel}], got [{string.Join(", ", embeddings.shape)}]");
        if (!embeddings.is_floating_point())
            throw new ArgumentException("input embeddings must be a floating-point tensor");
        ValidateLength(embeddings.shape[0], embeddings.shape[1], options);
        using var scope = NewDisposeScope();
        return Run(embeddings.to(TokenEmbeddings.dtype), options).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The one layer loop of every family: embed, each block with its view of the pass, final
    /// norm and unembedding. The last block keeps only the logits' queries unless a hook watches it.
    /// </summary>
    private Tensor Run(Tensor tokenEmbeddings, ForwardOptions? options, Tensor? inputIds = null)
    {
        var pass = ForwardContext.Create(tokenEmbeddings.shape[0], tokenEmbeddings.shape[1], Device, options);
        long from = options?.LogitsFrom ?? 0;
        if (from < 0) from += pass.Tokens;
        if (from < 0 || from >= pass.Tokens)
            throw new ArgumentException($"LogitsFrom {options?.LogitsFrom} is outside the {pass.Tokens} tokens of this pass");
        var distinct = inputIds is null ? null : FirstLayerDistinct(inputIds.to(ScalarType.Int64), pass);
        long lastQueryStart = LastBlockQueryStart(from);
        int last = Config.NLayers - 1;
        // Every layer's view is built before any layer runs, so a layout that cannot keep the
        // asked queries (a packed row narrows only to its tails) refuses before any work.
        var layers = new LayerContext[Config.NLayers];
        for (int i = 0; i <= last; i++)
            layers[i] = pass.Layer(i, Config.WindowOf(i), i == last ? lastQueryStart : 0, i == 0 ? distinct : null);

        var x = Embed(tokenEmbeddings, pass);                                  // [batch, token, d_model]
        for (int i = 0; i <= last; i++) x = Block(i).call(x, layers[i]);
        if (from > lastQueryStart) x = x.narrow(1, from, pass.Tokens - from);
        return Unembed(x);                                                     // [batch, token - from, vocab]
    }

    /// <summary>
    /// The repeated rows of the first block's input, keyed by what that input depends on
    /// (token, and position where positions are added to the embeddings); null when nothing
    /// repeats enough, when an editing hook is attached anywhere (it could make equal tokens
    /// differ; observers cannot, so a metered pass keeps the shortcut), or for a one-token pass
    /// (a decoding step: nothing there is worth a search for repeats).
    /// </summary>
    private DistinctRows? FirstLayerDistinct(Tensor inputIds, ForwardContext pass)
    {
        if (pass.Tokens == 1 || _hookPoints.Values.Any(h => h.HasEditingHooks)) return null;
        var distinct = DistinctRows.Find(FirstLayerInputKeys(inputIds, pass));
        if (distinct is not null) Interlocked.Increment(ref _sharedFirstLayerPasses);
        return distinct;
    }

    private long _sharedFirstLayerPasses;

    /// <summary>Passes so far whose first layer ran once per distinct input row (the fast path); lets a host or test check it is taken.</summary>
    public long SharedFirstLayerPasses => Interlocked.Read(ref _sharedFirstLayerPasses);

    /// <summary>[batch, token] keys equal exactly where the first block's input rows are equal.</summary>
    protected abstract Tensor FirstLayerInputKeys(Tensor inputIds, ForwardContext pass);

    /// <summary>
    /// Token embeddings [batch, token, d_model] to the first block's input (hook_embed, and
    /// position embeddings where the family adds them).
    /// </summary>
    protected abstract Tensor Embed(Tensor tokenEmbeddings, ForwardContext pass);

    /// <summary>Block <paramref name="layer"/>: x [batch, token, d_model] to [batch, query, d_model], run with <c>.call</c>.</summary>
    protected abstract nn.Module<Tensor, LayerContext, Tensor> Block(int layer);

    /// <summary>The last block's output [batch, token', d_model] to logits [batch, token', vocab] (final norm, unembedding).</summary>
    protected abstract Tensor Unembed(Tensor x);

    private void ValidateIds(Tensor ids, ForwardOptions? options)
    {
        if (ids.dim() != 2)
            throw new ArgumentException($"input ids must be [batch, tokens], got [{string.Join(", ", ids.shape)}]");
        if (ids.dtype != ScalarType.Int64 && ids.dtype != ScalarType.Int32)
            throw new ArgumentException($"input ids must be integers, got {ids.dtype}");
        ValidateLength(ids.shape[0], ids.shape[1], options);
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= Config.VocabSize)
            throw new ArgumentException($"token ids must lie in [0, {Config.VocabSize}); got values from {min} to {max}");
    }

    private void ValidateLength(long batch, long tokens, ForwardOptions? options)
    {
        if (batch < 1 || tokens < 1)
            throw new ArgumentException($"input must hold at least one token in one sequence, got [{batch}, {tokens}]");
        if (options?.Positions is { } positions)
        {
            // Explicit positions (e.g. a masked cache that holds more keys than any row sees):
            // what must fit the context is the largest position, not the number of keys.
            if (positions.numel() > 0 && (positions.min().item<long>() < 0 || positions.max().item<long>() >= Config.ContextLength))
                throw new ArgumentException(
                    $"positions must lie in [0, {Config.ContextLength}) (the model's context length); got up to {positions.max().item<long>()}");
            return;
        }
        long total = tokens + (options?.Cache?.Length ?? 0);
        if (total > Config.ContextLength)
            throw new ArgumentException($"{total} tokens exceed the model's context length of {Config.ContextLength}");
    }
}
