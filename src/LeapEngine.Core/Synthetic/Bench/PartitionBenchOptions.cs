namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>Settings of the Exemplar Partitioning benchmark on a latent-categories model.</summary>
public sealed record PartitionBenchOptions
{
    /// <summary>The hook points a dictionary is built at, one dictionary each.</summary>
    public IReadOnlyList<string> Hooks { get; init; } = ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post"];
    /// <summary>Task prompts the dictionary is built on.</summary>
    public int CorpusPrompts { get; init; } = 400;
    /// <summary>Words per prompt, for every prompt the benchmark draws.</summary>
    public int Length { get; init; } = 32;
    /// <summary>EP's threshold percentile (the dictionary default is 5).</summary>
    public double Percentile { get; init; } = 5;
    /// <summary>Fresh labelled prompts whose positions are assigned to regions (agreement figures and region matching).</summary>
    public int ProbePrompts { get; init; } = 300;
    /// <summary>Fresh prompts per category the ablations are measured on.</summary>
    public int AblationPromptsPerCategory { get; init; } = 50;
    /// <summary>At most this many regions are ablated for one category (the ones holding most of its entity tokens).</summary>
    public int MaxAblatedRegions { get; init; } = 4;
    /// <summary>Texts per side of each out-of-set comparison.</summary>
    public int OodPrompts { get; init; } = 100;
    /// <summary>Seed of every prompt the benchmark draws (the build corpus, probes, ablation and out-of-set sets are separate streams of it).</summary>
    public int Seed { get; init; } = 7;

    /// <summary>The prompt streams of one benchmark run, each its own generator.</summary>
    public enum Stream { Corpus = 1, Probes = 2, Ablation = 3, OutOfSet = 4 }

    /// <summary>A generator for one stream, from the seed alone: the same on every run and machine.</summary>
    public Random Generator(Stream stream) => BenchRandom.For(Seed, (int)stream);

    public void Validate()
    {
        void Range(int value, int min, int max, string name)
        {
            if (value < min || value > max) throw new ArgumentException($"{name} must be in [{min}, {max}], got {value}");
        }
        if (Hooks.Count == 0) throw new ArgumentException("give at least one hook point");
        Range(CorpusPrompts, 4, 100_000, "corpus prompts");
        Range(Length, 4, 1000, "prompt length");
        Range(ProbePrompts, 1, 100_000, "probe prompts");
        Range(AblationPromptsPerCategory, 1, 10_000, "ablation prompts per category");
        Range(MaxAblatedRegions, 1, 64, "max ablated regions");
        Range(OodPrompts, 2, 100_000, "out-of-set prompts");
        if (!(Percentile > 0 && Percentile < 100)) throw new ArgumentException($"percentile must lie in (0, 100), got {Percentile}");
    }
}
