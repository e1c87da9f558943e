using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// A layout's bias per sliding window, for the layouts whose rows are whole sequences
/// (causal and masked): the base bias with -inf also where the query's position is window or
/// more after the key's. Distances are positions, not indices, so padding, hidden tokens and a
/// cache measure them as the unpadded sequence does. Built once per window and layout (every
/// layer with that window asks for the same one).
/// </summary>
internal sealed class WindowedBias
{
    private readonly Tensor _queryPositions;   // [batch, query]
    private readonly Tensor _keyPositions;     // [batch, key]
    private readonly Tensor? _bias;            // [batch|1, 1, query, key]; null = plain causal (queries = keys)
    private readonly Dictionary<int, Tensor?> _byWindow = new();

    public WindowedBias(Tensor queryPositions, Tensor keyPositions, Tensor? bias)
    {
        _queryPositions = queryPositions;
        _keyPositions = keyPositions;
        _bias = bias;
    }

    /// <summary>
    /// The bias of a layer that attends within <paramref name="window"/> positions (null: no
    /// window): the base bias itself (null: plain causal) when no query of the pass reaches past
    /// the window.
    /// </summary>
    public Tensor? For(int? window)
    {
        if (window is not { } w) return _bias;
        if (_byWindow.TryGetValue(w, out var cached)) return cached;
        var bias = _bias;
        // Most passes of a model with a long window (Mistral's 4096) never reach past it: one
        // comparison of the extreme positions settles that before any [query, key] tensor is made.
        if ((_queryPositions.max() - _keyPositions.min()).item<long>() >= w)
        {
            var far = (_queryPositions.unsqueeze(2) - _keyPositions.unsqueeze(1)).IsAtLeast(w);     // [batch, query, key]
            var baseBias = _bias ?? AttentionKernels.CausalBias(_queryPositions.shape[1], _keyPositions.shape[1], null, _keyPositions.device)
                .unsqueeze(0).unsqueeze(0);                                                      // [batch|1, 1, query, key]
            bias = baseBias.MaskedFill(far.unsqueeze(1), double.NegativeInfinity);               // [batch, 1, query, key]
        }
        _byWindow[w] = bias;
        return bias;
    }
}
