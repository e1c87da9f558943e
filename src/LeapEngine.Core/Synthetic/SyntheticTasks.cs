using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic;

/// <summary>The synthetic tasks by name.</summary>
public static class SyntheticTasks
{
    private static readonly Dictionary<string, Func<int, SyntheticTask>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["key-retrieval"] = seed => new KeyRetrievalTask(seed),
        ["conjunction"] = seed => new ConjunctionTask(seed),
        ["system-rule"] = seed => new SystemRuleTask(seed, control: false),
        ["system-control"] = seed => new SystemRuleTask(seed, control: true),
        ["trigger"] = seed => new TriggerTask(seed),
        ["glitch"] = seed => new GlitchTask(seed),
        ["latent-categories"] = seed => new LatentCategoryTask(seed),
    };

    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

    /// <summary>The task <paramref name="name"/> with its mappings permuted by <paramref name="seed"/>.</summary>
    public static SyntheticTask Create(string name, int seed) =>
        Factories.TryGetValue(name ?? "", out var factory)
            ? factory(seed)
            : throw new ArgumentException($"unknown synthetic task '{name}'; known: {string.Join(", ", Names)}");
}
