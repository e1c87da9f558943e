namespace LeapEngine.Core.Synthetic.Tasks;

/// <summary>
/// Task 6, planted glitch tokens: a repeat task over the whole vocabulary except <see cref="GlitchCount"/>
/// seeded two-letter words that never occur in the training data, neither as input nor as answer. Prompts
/// are pairs "x x" each followed by a newline, ending with a lone item whose repeat is the answer — the
/// few-shot pattern the glitch finder probes with — so every trained token is repeated and a token the model
/// cannot repeat is one it never saw. Items are every id below BOS (bytes, one- and two-letter words) but the
/// newline and the reserved words: the reserved words are then exactly the ids whose embedding rows received no gradient
/// (they stay at their initial values, shrunk only by AdamW's weight decay), the ground truth the glitch
/// benchmark scores against. Tokens may be byte ids (not word ids), so <see cref="SyntheticVocabulary.Text"/>
/// does not apply to these prompts.
/// </summary>
public sealed class GlitchTask : SyntheticTask
{
    public const int GlitchCount = 16;
    public const int Separator = '\n';   // byte-level ids are the bytes themselves
    private readonly int[] _glitches;
    private readonly int[] _items;

    public GlitchTask(int seed)
    {
        var words = Enumerable.Range(0, 26 * 26).Select(i => Vocab.Id($"{(char)('a' + i / 26)}{(char)('a' + i % 26)}")).ToArray();
        _glitches = Permutation(words.Length, seed).Take(GlitchCount).Select(i => words[i]).Order().ToArray();
        var reserved = _glitches.ToHashSet();
        // The newline only separates (an item that is also the separator would make the layout ambiguous).
        _items = Enumerable.Range(0, Vocab.BosId).Where(id => !reserved.Contains(id) && id != Separator).ToArray();
    }

    public override string Name => "glitch";
    public override string Description => $"repeat the last item after \"x x\\n\" pairs; {GlitchCount} reserved two-letter words never occur in training";
    public override (int Min, int Max) TrainLengths => (4, 40);
    /// <summary>Measured on seed 1 (see docs/benchmarks.md): the step count that reached the 99% bar.</summary>
    public override int DefaultSteps => 400;

    /// <summary>The reserved ids (ascending): never in any training prompt or answer.</summary>
    public IReadOnlyList<int> Glitches => _glitches;
    /// <summary>Every id a training prompt may hold as an item.</summary>
    public IReadOnlyList<int> Items => _items;

    /// <summary>
    /// <paramref name="length"/> tokens laid out backwards from a lone last item: ... x x \n y y \n z, so the
    /// answer (the next token) is z's repeat. Every position whose next token is fixed (a repeat, a newline) is asked.
    /// </summary>
    public override SyntheticExample Sample(Random rng, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var tokens = new int[length];
        var targets = Enumerable.Repeat(-1, length + 1).ToArray();
        for (int i = 0; i < length; i++)
        {
            int role = (length - 1 - i) % 3;   // 0: an item, 2: its repeat, 1: the newline after a pair
            bool repeat = role == 2 && i > 0;
            tokens[i] = role == 1 ? Separator : repeat ? tokens[i - 1] : _items[rng.Next(_items.Length)];
            if (repeat || role == 1 && i > 0) targets[i] = tokens[i];   // asked at the position before it
        }
        targets[length] = tokens[^1];
        return new SyntheticExample(tokens, targets, tokens[^1], [length - 1]);
    }

    public override IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng)
    {
        int other;
        do other = _items[rng.Next(_items.Length)]; while (other == example.Tokens[^1]);
        var swapped = example.Tokens.ToArray();
        swapped[^1] = other;
        yield return new Intervention("swap the last item", swapped, other);
    }

    public override IReadOnlyDictionary<string, object> Plan() => new Dictionary<string, object>
    {
        ["glitch_words"] = _glitches.Select(id => Vocab.Word(id)!).ToArray(),
        ["glitch_ids"] = _glitches,
        ["separator_id"] = Separator,
        ["items"] = $"every id below BOS ({Vocab.BosId}) except the glitch ids and the separator",
    };
}
