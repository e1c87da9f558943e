using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>Optional inputs of a forward pass beyond the tokens themselves.</summary>
public sealed class ForwardOptions
{
    /// <summary>
    /// [batch, tokens] of 1 (real token) and 0 (padding) for the NEW tokens of this pass.
    /// Left or right padding both work: positions count only real tokens, and no query
    /// attends to a padded key. Null means every token is real.
    /// </summary>
    public Tensor? AttentionMask { get; init; }

    /// <summary>[batch, tokens] explicit positions; by default derived from the mask.</summary>
    public Tensor? Positions { get; init; }

    /// <summary>
    /// Keys and values of earlier tokens; this pass appends its own to it (with
    /// <see cref="Packed"/>: a batch-1 cache that the sequences only read).
    /// </summary>
    public KvCache? Cache { get; init; }

    /// <summary>
    /// Several sequences packed into one row (input [1, tokens], explicit positions, no
    /// attention mask): no padding runs through the network. See <see cref="PackedSequences"/>.
    /// </summary>
    public PackedSequences? Packed { get; init; }

    /// <summary>
    /// Compute logits only from this token index on (e.g. the completion positions when
    /// scoring a continuation). The final norm and unembedding, the largest matmul, then
    /// run on fewer rows. Negative values count from the end.
    /// </summary>
    public int LogitsFrom { get; init; }
}
