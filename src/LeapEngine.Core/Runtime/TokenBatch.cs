using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>Packs token sequences of different lengths into one padded batch with a mask.</summary>
public static class TokenBatch
{
    /// <summary>Right padding: ids [batch, longest], mask 1 on real tokens. Pad id is 0.</summary>
    public static (Tensor Ids, Tensor Mask) RightPadded(IReadOnlyList<IReadOnlyList<int>> sequences, Device device) =>
        Pack(sequences, device, left: false);

    /// <summary>Left padding (for generation: every sequence's last token is the last column).</summary>
    public static (Tensor Ids, Tensor Mask) LeftPadded(IReadOnlyList<IReadOnlyList<int>> sequences, Device device) =>
        Pack(sequences, device, left: true);

    private static (Tensor, Tensor) Pack(IReadOnlyList<IReadOnlyList<int>> sequences, Device device, bool left)
    {
        if (sequences.Count == 0) throw new ArgumentException("no sequences to batch");
        int longest = sequences.Max(s => s.Count);
        if (longest == 0) throw new ArgumentException("every sequence is empty");
        var ids = new long[sequences.Count, longest];
        var mask = new long[sequences.Count, longest];
        for (int b = 0; b < sequences.Count; b++)
        {
            var s = sequences[b];
            int offset = left ? longest - s.Count : 0;
            for (int t = 0; t < s.Count; t++)
            {
                ids[b, offset + t] = s[t];
                mask[b, offset + t] = 1;
            }
        }
        return (tensor(ids, device: device), tensor(mask, device: device));
    }
}
