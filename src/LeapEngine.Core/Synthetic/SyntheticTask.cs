namespace LeapEngine.Core.Synthetic;

/// <summary>
/// One training or test sequence of a synthetic task. <see cref="Tokens"/> are word ids (no BOS);
/// <see cref="Targets"/> has one entry per input position of [BOS, tokens...]: the id the model must
/// predict next there, or -1 where nothing is asked. <see cref="Answer"/> is the prediction after the
/// last token; <see cref="Planted"/> the positions in <see cref="Tokens"/> that decide it by construction.
/// </summary>
public sealed record SyntheticExample(int[] Tokens, int[] Targets, int Answer, int[] Planted);

/// <summary>A changed prompt and the answer the planted mechanism implies for it (a causal check).</summary>
public sealed record Intervention(string Name, int[] Tokens, int ExpectedAnswer);

/// <summary>
/// A task whose answer is known by construction. Every word lives in <see cref="SyntheticVocabulary"/>;
/// a task decides which words play which role, and permutes its mappings by the seed so that two seeds
/// are two different models.
/// </summary>
public abstract class SyntheticTask
{
    protected static SyntheticVocabulary Vocab => SyntheticVocabulary.Instance;

    /// <summary>The name used by <c>leap synth train --task</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line: what decides the answer.</summary>
    public abstract string Description { get; }

    /// <summary>Prompt lengths (words) the model is trained on by default.</summary>
    public virtual (int Min, int Max) TrainLengths => (8, 64);

    /// <summary>Training steps that reach the 99% bar on this machine's measurements (the CLI's default).</summary>
    public virtual int DefaultSteps => 200;

    /// <summary>A fresh example of <paramref name="length"/> words.</summary>
    public abstract SyntheticExample Sample(Random rng, int length);

    /// <summary>Changes to the example whose answers the mechanism fixes (e.g. the key removed: "none").</summary>
    public abstract IEnumerable<Intervention> Interventions(SyntheticExample example, Random rng);

    /// <summary>The planted structure, written to synth.json for benchmarks and readers.</summary>
    public abstract IReadOnlyDictionary<string, object> Plan();

    /// <summary>The words that are never planted (distractors, filler), for samplers.</summary>
    protected static int[] Filler(string firstLetters) => firstLetters.SelectMany(Vocab.WordsStartingWith).ToArray();

    /// <summary>A seeded permutation of 0..n-1.</summary>
    protected static int[] Permutation(int n, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>Distinct random positions in [0, length), sorted.</summary>
    protected static int[] Positions(Random rng, int length, int count)
    {
        var all = Enumerable.Range(0, length).ToArray();
        rng.Shuffle(all);
        return all.Take(count).Order().ToArray();
    }

    /// <summary>The tokens without the given positions.</summary>
    protected static int[] Without(int[] tokens, IEnumerable<int> positions)
    {
        var drop = positions.ToHashSet();
        return tokens.Where((_, i) => !drop.Contains(i)).ToArray();
    }
}
