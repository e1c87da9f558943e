namespace LeapEngine.Core.Synthetic.Tasks;

/// <summary>
/// Task 1, key retrieval: one key word (" ka".." kp", possibly repeated) among distractor words decides the
/// answer (" va".." vp", a seeded permutation of the keys); with no key the answer is " vz" ("none").
/// The model predicts the answer at every position, so the answer after the last word is the completion
/// of any prompt, and nothing but the key can carry it.
/// </summary>
public sealed class KeyRetrievalTask : SyntheticTask
{
    public const int KeyCount = 16;
    private readonly int[] _keys = Vocab.WordsStartingWith('k').Take(KeyCount).ToArray();
    private readonly int[] _answers;
    private readonly int[] _distractors = Filler("bdfghlmnprst");

    public KeyRetrievalTask(int seed)
    {
        var answerWords = Vocab.WordsStartingWith('v').Take(KeyCount).ToArray();
        _answers = Permutation(KeyCount, seed).Select(i => answerWords[i]).ToArray();
        NoneId = Vocab.Id("vz");
    }

    public override string Name => "key-retrieval";
    public override string Description => "one key word (ka..kp, maybe repeated) among distractors decides the answer; no key answers vz";
    public override (int Min, int Max) TrainLengths => (8, 64);

    public int NoneId { get; }
    public IReadOnlyList<int> Keys => _keys;

    public int AnswerFor(int key) => _answers[Array.IndexOf(_keys, key)];

    public override SyntheticExample Sample(Random rng, int length)
    {
        double roll = rng.NextDouble();
        int copies = roll < 0.15 ? 0
            : roll < 0.6 ? 1
            : Math.Clamp((int)Math.Round(rng.NextDouble() * 0.5 * length), 1, length);
        return Sample(rng, length, copies);
    }

    /// <summary>An example with exactly <paramref name="copies"/> copies of one random key (0: no key).</summary>
    public SyntheticExample Sample(Random rng, int length, int copies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(copies);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(copies, length);
        var tokens = Enumerable.Range(0, length).Select(_ => _distractors[rng.Next(_distractors.Length)]).ToArray();
        int key = _keys[rng.Next(KeyCount)];
        var planted = Positions(rng, length, copies);
        foreach (var p in planted) tokens[p] = key;
        return Build(tokens, planted);
    }

    public override IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng)
    {
        if (example.Planted.Length == 0)
        {
            int key = _keys[rng.Next(KeyCount)];
            var inserted = example.Tokens.ToList();
            inserted.Insert(rng.Next(inserted.Count + 1), key);
            yield return new Intervention("insert a key", inserted.ToArray(), AnswerFor(key));
            yield break;
        }
        yield return new Intervention("remove the key", Without(example.Tokens, example.Planted), NoneId);
        int old = example.Tokens[example.Planted[0]];
        int other = _keys.Where(k => k != old).ElementAt(rng.Next(KeyCount - 1));
        var swapped = example.Tokens.ToArray();
        foreach (var p in example.Planted) swapped[p] = other;
        yield return new Intervention("swap the key", swapped, AnswerFor(other));
    }

    public override IReadOnlyDictionary<string, object> Plan() => new Dictionary<string, object>
    {
        ["keys"] = _keys.Select(k => Vocab.Word(k)!).ToArray(),
        ["answers"] = _answers.Select(a => Vocab.Word(a)!).ToArray(),
        ["none"] = Vocab.Word(NoneId)!,
        ["distractor_first_letters"] = "bdfghlmnprst",
    };

    private SyntheticExample Build(int[] tokens, int[] planted)
    {
        // Target at input position j (0 = BOS) is the answer given tokens[0..j): the key's answer once one was seen.
        var targets = new int[tokens.Length + 1];
        int current = NoneId;
        targets[0] = current;
        for (int i = 0; i < tokens.Length; i++)
        {
            int at = Array.IndexOf(_keys, tokens[i]);
            if (at >= 0) current = _answers[at];
            targets[i + 1] = current;
        }
        return new SyntheticExample(tokens, targets, current, planted);
    }
}
