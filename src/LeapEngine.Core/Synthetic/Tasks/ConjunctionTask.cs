namespace LeapEngine.Core.Synthetic.Tasks;

/// <summary>
/// Task 2, conjunction: the answer depends on two planted words jointly. One first word (" xa".." xc") and one
/// second word (" ya".." yc") among distractors select one of 9 answers (" va".." vi", a seeded table);
/// either alone, or neither, answers " vz". Removing either planted word must turn the answer to " vz".
/// </summary>
public sealed class ConjunctionTask : SyntheticTask
{
    public const int PerSide = 3;
    private readonly int[] _first = Vocab.WordsStartingWith('x').Take(PerSide).ToArray();
    private readonly int[] _second = Vocab.WordsStartingWith('y').Take(PerSide).ToArray();
    private readonly int[] _table;
    private readonly int[] _distractors = Filler("bdfhlmnprst");

    public ConjunctionTask(int seed)
    {
        var answerWords = Vocab.WordsStartingWith('v').Take(PerSide * PerSide).ToArray();
        _table = Permutation(PerSide * PerSide, seed).Select(i => answerWords[i]).ToArray();
        NoneId = Vocab.Id("vz");
    }

    public override string Name => "conjunction";
    public override string Description => "a first word (xa..xc) and a second word (ya..yc) together pick the answer; either alone answers vz";

    public int NoneId { get; }
    /// <summary>Measured: 200 steps left the 9-way table at about 56% (loss plateau near 0.43).</summary>
    public override int DefaultSteps => 600;

    public int AnswerFor(int first, int second) => _table[Array.IndexOf(_first, first) * PerSide + Array.IndexOf(_second, second)];

    public override SyntheticExample Sample(Random rng, int length)
    {
        double roll = rng.NextDouble();
        return Sample(rng, length, withFirst: roll < 0.75 || roll >= 0.95, withSecond: roll < 0.55 || roll >= 0.75 && roll < 0.95);
    }

    /// <summary>An example with or without each planted word (both: the answer is the table's).</summary>
    public SyntheticExample Sample(Random rng, int length, bool withFirst, bool withSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var tokens = Enumerable.Range(0, length).Select(_ => _distractors[rng.Next(_distractors.Length)]).ToArray();
        var positions = Positions(rng, length, 2);
        rng.Shuffle(positions);
        var planted = new List<int>();
        if (withFirst) { tokens[positions[0]] = _first[rng.Next(PerSide)]; planted.Add(positions[0]); }
        if (withSecond) { tokens[positions[1]] = _second[rng.Next(PerSide)]; planted.Add(positions[1]); }
        return Build(tokens, planted.Order().ToArray());
    }

    public override IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng)
    {
        int first = Array.FindIndex(example.Tokens, t => _first.Contains(t));
        int second = Array.FindIndex(example.Tokens, t => _second.Contains(t));
        if (first < 0 || second < 0) yield break;
        yield return new Intervention("remove the first word", Without(example.Tokens, [first]), NoneId);
        yield return new Intervention("remove the second word", Without(example.Tokens, [second]), NoneId);
        int other = _first.Where(f => f != example.Tokens[first]).ElementAt(rng.Next(PerSide - 1));
        var swapped = example.Tokens.ToArray();
        swapped[first] = other;
        yield return new Intervention("swap the first word", swapped, AnswerFor(other, example.Tokens[second]));
    }

    public override IReadOnlyDictionary<string, object> Plan() => new Dictionary<string, object>
    {
        ["first_words"] = _first.Select(w => Vocab.Word(w)!).ToArray(),
        ["second_words"] = _second.Select(w => Vocab.Word(w)!).ToArray(),
        ["answers_by_first_then_second"] = _table.Select(a => Vocab.Word(a)!).ToArray(),
        ["none"] = Vocab.Word(NoneId)!,
    };

    private SyntheticExample Build(int[] tokens, int[] planted)
    {
        var targets = new int[tokens.Length + 1];
        int first = -1, second = -1;
        targets[0] = NoneId;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (_first.Contains(tokens[i])) first = tokens[i];
            if (_second.Contains(tokens[i])) second = tokens[i];
            targets[i + 1] = first >= 0 && second >= 0 ? AnswerFor(first, second) : NoneId;
        }
        return new SyntheticExample(tokens, targets, targets[^1], planted);
    }
}
