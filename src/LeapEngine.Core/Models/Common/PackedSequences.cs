namespace LeapEngine.Core.Models.Common;

/// <summary>
/// Several sequences run in ONE row of a pass, with no padding: each continues the first
/// <see cref="CachedPrefix"/> positions of a shared batch-1 cache (read, never appended) and
/// attends only to that prefix and to its own tokens. Every sequence's last <see cref="Tail"/>
/// tokens (the ones whose logits are wanted) are placed after all the sequences' other tokens,
/// so the pass's last <c>Sequences x Tail</c> positions are the tails in order and
/// <see cref="TailsStart"/> can be given as <c>LogitsFrom</c>: the last block then runs its
/// queries, and the network its logits, on those positions alone. Layout of the row:
/// body 0, body 1, ..., body n-1, tail 0, tail 1, ..., tail n-1.
/// </summary>
public sealed class PackedSequences
{
    private readonly int[] _lengths;
    private readonly int[] _cachedPrefix;
    private readonly int[] _bodyStarts;

    /// <param name="lengths">New tokens of each sequence (each at least <paramref name="tail"/>).</param>
    /// <param name="cachedPrefix">Positions of the shared cache each sequence continues (0 = none).</param>
    /// <param name="tail">Tokens at the end of every sequence placed in the tails block.</param>
    public PackedSequences(IReadOnlyList<int> lengths, IReadOnlyList<int> cachedPrefix, int tail)
    {
        if (lengths.Count == 0) throw new ArgumentException("at least one packed sequence is needed");
        if (lengths.Count != cachedPrefix.Count)
            throw new ArgumentException($"{lengths.Count} sequence lengths but {cachedPrefix.Count} cached-prefix lengths");
        if (tail < 1) throw new ArgumentException($"the tail must hold at least one token, got {tail}");
        for (int s = 0; s < lengths.Count; s++)
        {
            if (lengths[s] < tail) throw new ArgumentException($"packed sequence {s} has {lengths[s]} tokens, fewer than the tail of {tail}");
            if (cachedPrefix[s] < 0) throw new ArgumentException($"packed sequence {s} has a negative cached prefix");
        }
        _lengths = lengths.ToArray();
        _cachedPrefix = cachedPrefix.ToArray();
        Tail = tail;
        _bodyStarts = new int[_lengths.Length];
        int at = 0;
        for (int s = 0; s < _lengths.Length; s++)
        {
            _bodyStarts[s] = at;
            at += BodyLength(s);
        }
        TailsStart = at;
        Tokens = at + Count * tail;
    }

    public int Count => _lengths.Length;
    public int Tail { get; }
    /// <summary>Positions in the row: the sum of the sequences' lengths.</summary>
    public int Tokens { get; }
    /// <summary>Row index of tail 0: pass it as LogitsFrom to get [sequence x tail] logits.</summary>
    public int TailsStart { get; }

    public int Length(int sequence) => _lengths[sequence];
    public int CachedPrefix(int sequence) => _cachedPrefix[sequence];
    public int BodyLength(int sequence) => _lengths[sequence] - Tail;
    public int BodyStart(int sequence) => _bodyStarts[sequence];
    public int TailStart(int sequence) => TailsStart + sequence * Tail;

    /// <summary>Row index of token <paramref name="index"/> (0-based, in order) of a sequence.</summary>
    public int RowIndex(int sequence, int index)
    {
        if (index < 0 || index >= _lengths[sequence])
            throw new ArgumentOutOfRangeException(nameof(index), $"sequence {sequence} has {_lengths[sequence]} tokens");
        int body = BodyLength(sequence);
        return index < body ? _bodyStarts[sequence] + index : TailStart(sequence) + index - body;
    }
}
