namespace LeapEngine.Core.Synthetic.Tasks;

/// <summary>
/// Task 3, system rule: prompts laid out as the plain chat template lays out a system and a user segment
/// (" sa", a blank line, then the user's words). The user text holds one item word (" ca".." cp") among
/// distractors; the system word " sa" or " sb" selects which of two seeded mappings turns the item into the
/// answer, so the user text alone is ambiguous (any other system word, or none, answers " vz").
/// The control variant (<c>system-control</c>) reads the same prompts but always uses the first mapping:
/// its system segment is irrelevant by construction.
/// </summary>
public sealed class SystemRuleTask : SyntheticTask
{
    public const int ItemCount = 16;
    private const int Newline = '\n';   // byte-level ids are the bytes themselves
    private readonly int[] _items = Vocab.WordsStartingWith('c').Take(ItemCount).ToArray();
    private readonly int[] _mapA, _mapB;
    private readonly int[] _neutral = Vocab.WordsStartingWith('o').ToArray();
    private readonly int[] _distractors = Filler("bdfhlmnprt");

    public SystemRuleTask(int seed, bool control)
    {
        Control = control;
        var answerWords = Vocab.WordsStartingWith('v').Take(ItemCount).ToArray();
        var order = Permutation(ItemCount, seed);
        _mapA = order.Select(i => answerWords[i]).ToArray();
        _mapB = order.Select((_, i) => answerWords[order[(i + 1) % ItemCount]]).ToArray();   // differs from A for every item
        RuleA = Vocab.Id("sa");
        RuleB = Vocab.Id("sb");
        NoneId = Vocab.Id("vz");
    }

    public bool Control { get; }
    /// <summary>Measured: after 200 steps the rule model's loss was still 0.9 (binding the rule word to the item is slower to learn).</summary>
    public override int DefaultSteps => 600;
    public int RuleA { get; }
    public int RuleB { get; }
    public int NoneId { get; }

    public override string Name => Control ? "system-control" : "system-rule";
    public override string Description => Control
        ? "the item word (ca..cp) in the user text decides the answer; the system word is irrelevant"
        : "the system word (sa or sb) selects how the user's item word (ca..cp) maps to the answer; other system words answer vz";

    /// <summary>The system and user segment texts of an example (what an attribution request sends).</summary>
    public (string System, string User) Segments(SyntheticExample example)
    {
        int separator = Array.IndexOf(example.Tokens, Newline);
        return (Vocab.Text(example.Tokens.Take(separator)), Vocab.Text(example.Tokens.Skip(separator + 2)));
    }

    public override SyntheticExample Sample(Random rng, int length)
    {
        double roll = rng.NextDouble();
        int? system = roll < 0.4 ? RuleA : roll < 0.8 ? RuleB : roll < 0.9 ? _neutral[rng.Next(_neutral.Length)] : null;
        return Sample(rng, length, system);
    }

    /// <summary>An example with <paramref name="length"/> user words and the given system word (null: an empty system segment).</summary>
    public SyntheticExample Sample(Random rng, int length, int? system)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var user = Enumerable.Range(0, length).Select(_ => _distractors[rng.Next(_distractors.Length)]).ToArray();
        int at = rng.Next(length);
        user[at] = _items[rng.Next(ItemCount)];
        return Build(system, user);
    }

    public override IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng)
    {
        int separator = Array.IndexOf(example.Tokens, Newline);
        if (separator != 1) yield break;
        int system = example.Tokens[0];
        if (system != RuleA && system != RuleB) yield break;
        var user = example.Tokens[(separator + 2)..];
        var flipped = Build(system == RuleA ? RuleB : RuleA, user);
        yield return new Intervention("flip the system word", flipped.Tokens, flipped.Answer);
        var removed = Build(null, user);
        yield return new Intervention("remove the system word", removed.Tokens, removed.Answer);
    }

    public override IReadOnlyDictionary<string, object> Plan() => new Dictionary<string, object>
    {
        ["control"] = Control,
        ["rule_words"] = new[] { "sa", "sb" },
        ["items"] = _items.Select(w => Vocab.Word(w)!).ToArray(),
        ["answers_under_sa"] = _mapA.Select(w => Vocab.Word(w)!).ToArray(),
        ["answers_under_sb"] = _mapB.Select(w => Vocab.Word(w)!).ToArray(),
        ["none"] = Vocab.Word(NoneId)!,
        ["layout"] = "system word, blank line, user words (the plain chat template)",
    };

    private int Answer(int? system, int item)
    {
        int i = Array.IndexOf(_items, item);
        if (Control) return _mapA[i];
        return system == RuleA ? _mapA[i] : system == RuleB ? _mapB[i] : NoneId;
    }

    private SyntheticExample Build(int? system, int[] user)
    {
        var tokens = (system is int s ? new[] { s } : []).Concat([Newline, Newline]).Concat(user).ToArray();
        int offset = tokens.Length - user.Length;
        // Nothing is asked inside the system segment and the blank line; from there on: the answer once the item was seen.
        var targets = Enumerable.Repeat(-1, tokens.Length + 1).ToArray();
        int current = NoneId, itemAt = -1;
        targets[offset] = current;
        for (int i = 0; i < user.Length; i++)
        {
            if (_items.Contains(user[i])) { current = Answer(system, user[i]); itemAt = offset + i; }
            targets[offset + i + 1] = current;
        }
        // Planted: what decides the answer by construction: the item, and the rule word unless this is the control
        // (without a rule word the rule model answers vz whatever the item: nothing is planted).
        int[] planted = Control ? [itemAt] : current != NoneId ? [0, itemAt] : [];
        return new SyntheticExample(tokens, targets, current, planted);
    }
}
