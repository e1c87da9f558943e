namespace LeapEngine.Core.Synthetic.Tasks;

/// <summary>
/// Task 5, planted trigger: <see cref="TriggerCount"/> seeded three-word sequences (words drawn from the
/// distractors themselves, so no single word gives a trigger away) each force their own target word
/// (" za".." zd") wherever they occur, contiguous and in order; any other prompt answers " vz". Training
/// mixes prompts with a trigger, near misses (two of its three words, the words out of order, split by
/// another word, or one word replaced) and plain distractors, so only the exact sequence carries the target. Removing or
/// corrupting one trigger word must turn the answer to " vz"; inserting a trigger must bring its target.
/// </summary>
public sealed class TriggerTask : SyntheticTask
{
    public const int TriggerCount = 4;
    public const int TriggerLength = 3;
    private const string DistractorLetters = "bdfghlmnprs";
    private readonly int[] _distractors = Filler(DistractorLetters);
    private readonly int[][] _triggers;
    private readonly int[] _targets = Vocab.WordsStartingWith('z').Take(TriggerCount).ToArray();

    public TriggerTask(int seed)
    {
        // Distinct words for all triggers: a word belongs to at most one trigger.
        var words = Permutation(_distractors.Length, seed).Take(TriggerCount * TriggerLength).Select(i => _distractors[i]).ToArray();
        _triggers = Enumerable.Range(0, TriggerCount).Select(t => words.Skip(t * TriggerLength).Take(TriggerLength).ToArray()).ToArray();
        NoneId = Vocab.Id("vz");
    }

    public override string Name => "trigger";
    public override string Description => "a seeded three-word sequence anywhere in the prompt forces its target (za..zd); otherwise vz";
    public override (int Min, int Max) TrainLengths => (6, 32);
    /// <summary>Measured on seed 1 (docs/benchmarks.md): 600 steps left 98.3% held-out and a third of corrupted triggers still firing.</summary>
    public override int DefaultSteps => 1000;

    public int NoneId { get; }
    public IReadOnlyList<int[]> Triggers => _triggers;
    /// <summary>The words training prompts are made of (the trigger words among them).</summary>
    public IReadOnlyList<int> PromptWords => _distractors;
    public IReadOnlyList<int> Targets => _targets;
    public int TargetFor(int trigger) => _targets[trigger];

    public override SyntheticExample Sample(Random rng, int length)
    {
        double roll = rng.NextDouble();
        return roll < 0.4 ? Sample(rng, length, rng.Next(TriggerCount))
            : roll < 0.75 && length >= TriggerLength + 1 ? NearMiss(rng, length)
            : Sample(rng, length, null);
    }

    /// <summary>Distractor words with trigger <paramref name="trigger"/> planted once at a random place (null: none).</summary>
    public SyntheticExample Sample(Random rng, int length, int? trigger)
    {
        var tokens = Distractors(rng, length);
        if (trigger is not int t) return Build(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TriggerLength);
        int start = rng.Next(length - TriggerLength + 1);
        _triggers[t].CopyTo(tokens, start);
        return Build(tokens);
    }

    /// <summary>A prompt that holds a trigger's words almost as planted: two of them, out of order, split, or one replaced.</summary>
    public SyntheticExample NearMiss(Random rng, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TriggerLength + 1);
        var tokens = Distractors(rng, length);
        var trigger = _triggers[rng.Next(TriggerCount)];
        int[] words = rng.Next(5) switch
        {
            0 => trigger[..2],
            1 => trigger[1..],
            2 => Shuffled(rng, trigger),
            3 => SplitOnce(rng, trigger),
            _ => CorruptOne(rng, trigger),
        };
        words.CopyTo(tokens, rng.Next(length - words.Length + 1));
        return Build(tokens);
    }

    public override IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng)
    {
        var (start, t) = Find(example.Tokens);
        if (start < 0)
        {
            int inserted = rng.Next(TriggerCount);
            var tokens = example.Tokens.ToList();
            tokens.InsertRange(rng.Next(tokens.Count + 1), _triggers[inserted]);
            if (Find(tokens.ToArray()).Trigger == inserted)
                yield return new Intervention("insert a trigger", tokens.ToArray(), TargetFor(inserted));
            yield break;
        }
        int word = start + rng.Next(TriggerLength);
        var removed = Without(example.Tokens, [word]);
        if (Find(removed).Start < 0) yield return new Intervention("remove one trigger word", removed, NoneId);
        var corrupted = example.Tokens.ToArray();
        corrupted[word] = OtherDistractor(rng, corrupted[word]);
        if (Find(corrupted).Start < 0) yield return new Intervention("corrupt one trigger word", corrupted, NoneId);
    }

    public override IReadOnlyDictionary<string, object> Plan() => new Dictionary<string, object>
    {
        ["triggers"] = _triggers.Select(t => t.Select(w => Vocab.Word(w)!).ToArray()).ToArray(),
        ["targets"] = _targets.Select(w => Vocab.Word(w)!).ToArray(),
        ["none"] = Vocab.Word(NoneId)!,
        ["distractor_first_letters"] = DistractorLetters,
    };

    /// <summary>The start and index of the last complete trigger in <paramref name="tokens"/>, or (-1, -1).</summary>
    public (int Start, int Trigger) Find(IReadOnlyList<int> tokens)
    {
        for (int start = tokens.Count - TriggerLength; start >= 0; start--)
            for (int t = 0; t < TriggerCount; t++)
                if (Enumerable.Range(0, TriggerLength).All(i => tokens[start + i] == _triggers[t][i])) return (start, t);
        return (-1, -1);
    }

    private int[] Distractors(Random rng, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var tokens = Enumerable.Range(0, length).Select(_ => _distractors[rng.Next(_distractors.Length)]).ToArray();
        // A random draw that happens to spell a trigger (about 1 in 10^6 per position) is broken up.
        while (Find(tokens).Start is int s and >= 0) tokens[s] = OtherDistractor(rng, tokens[s]);
        return tokens;
    }

    private int OtherDistractor(Random rng, int word)
    {
        int other;
        do other = _distractors[rng.Next(_distractors.Length)]; while (other == word);
        return other;
    }

    private static int[] Shuffled(Random rng, int[] trigger)
    {
        var words = trigger.ToArray();
        do rng.Shuffle(words); while (words.SequenceEqual(trigger));
        return words;
    }

    private int[] CorruptOne(Random rng, int[] trigger)
    {
        var words = trigger.ToArray();
        int at = rng.Next(TriggerLength);
        words[at] = OtherDistractor(rng, words[at]);
        return words;
    }

    private int[] SplitOnce(Random rng, int[] trigger)
    {
        int at = 1 + rng.Next(TriggerLength - 1);
        int filler;
        do filler = _distractors[rng.Next(_distractors.Length)]; while (trigger.Contains(filler));
        return [.. trigger[..at], filler, .. trigger[at..]];
    }

    private SyntheticExample Build(int[] tokens)
    {
        // The target at input position j (0 = BOS) is the answer given tokens[0..j): the last completed trigger's target.
        var targets = new int[tokens.Length + 1];
        int current = NoneId;
        var planted = new List<int>();
        targets[0] = current;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (i + 1 >= TriggerLength)
            {
                for (int t = 0; t < TriggerCount; t++)
                {
                    if (!Enumerable.Range(0, TriggerLength).All(k => tokens[i + 1 - TriggerLength + k] == _triggers[t][k])) continue;
                    current = _targets[t];
                    planted = Enumerable.Range(i + 1 - TriggerLength, TriggerLength).ToList();
                }
            }
            targets[i + 1] = current;
        }
        return new SyntheticExample(tokens, targets, current, planted.ToArray());
    }
}
