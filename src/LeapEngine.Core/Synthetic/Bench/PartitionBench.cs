using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;
using static TorchSharp.torch;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>How well a dictionary's regions agree with one labelling of token positions.</summary>
public sealed record AgreementRow(string Labels, int Items, int RegionsUsed, double Purity, double Ami);

/// <summary>Everything the partition benchmark measured at one hook point.</summary>
public sealed record PartitionBenchResult(
    string Hook, int Regions, double Theta, long BuildTokens, string StopReason, double BuildSeconds,
    IReadOnlyList<AgreementRow> Agreement, IReadOnlyList<AblationRow> Ablation, IReadOnlyList<OodRow> Ood);

/// <summary>
/// Exemplar Partitioning against the planted categories of a latent-categories model, per hook point:
/// a dictionary is built on task prompts; fresh prompts' token positions are assigned to regions and compared
/// with the planted labels (purity and AMI: the entity's category at entity positions, and the answer state —
/// the latest entity's category, or none — at every position); the regions holding most of each category's
/// entity tokens are ablated (<see cref="PartitionAblation"/>); and out-of-set texts, easy and hard, are scored
/// (<see cref="PartitionOod"/>). Every set of prompts is its own stream of the benchmark seed, so none is the
/// build corpus.
/// </summary>
public static class PartitionBench
{
    public static List<PartitionBenchResult> Run(LanguageModel model, LatentCategoryTask task, PartitionBenchOptions options,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        if (options.Length + 1 > model.Config.ContextLength)
            throw new ArgumentException($"prompt length {options.Length} plus BOS does not fit the model's context length {model.Config.ContextLength}");
        var hooks = options.Hooks.Select(h => ActivationStream.ResolveHook(model.Network, h)).ToList();
        var corpus = Prompts(task, options.Generator(PartitionBenchOptions.Stream.Corpus), options.CorpusPrompts, options.Length);
        var probes = Prompts(task, options.Generator(PartitionBenchOptions.Stream.Probes), options.ProbePrompts, options.Length);
        var vocab = SyntheticVocabulary.Instance;
        var results = new List<PartitionBenchResult>();
        foreach (var hook in hooks)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Report($"{hook}: building the dictionary");
            using var dictionary = ExemplarPartitioner.Build(model, new PartitionOptions
            {
                Hook = hook, Percentile = options.Percentile, ContextLength = options.Length + 1, Seed = options.Seed,
                CorpusDescription = $"{options.CorpusPrompts} {task.Name} prompts of {options.Length} words, seed {options.Seed}",
            }, corpus.Select(e => vocab.Text(e.Tokens)).ToList(), ct: ct);

            progress?.Report($"{hook}: assigning probe prompts");
            var regions = AssignRegions(model, dictionary, probes, ct);
            var (entityRegions, entityLabels, stateRegions, stateLabels) = Labelled(task, probes, regions);
            var agreement = new List<AgreementRow>
            {
                Agreement("entity category at entity positions", entityRegions, entityLabels),
                Agreement("answer state at every position (latest entity's category, or none)", stateRegions, stateLabels),
            };

            progress?.Report($"{hook}: ablations");
            var ablation = PartitionAblation.Run(model, task, dictionary, entityRegions, entityLabels, options, ct);
            progress?.Report($"{hook}: out-of-set texts");
            var ood = PartitionOod.Run(model, task, dictionary, options, ct);
            results.Add(new PartitionBenchResult(hook, dictionary.RegionCount, dictionary.Theta, dictionary.Info.Build.Tokens,
                dictionary.Info.Build.StopReason, dictionary.Info.Build.Seconds, agreement, ablation, ood));
        }
        return results;
    }

    /// <summary><paramref name="count"/> task prompts of <paramref name="length"/> words (the task's own mix: 10% without an entity).</summary>
    public static List<SyntheticExample> Prompts(LatentCategoryTask task, Random rng, int count, int length) =>
        Enumerable.Range(0, count).Select(_ => task.Sample(rng, length)).ToList();

    /// <summary>
    /// The nearest region of every word of every prompt ([prompt][word]), read at the dictionary's hook. Each word is one
    /// token after BOS in the synthetic vocabulary; a prompt that encodes otherwise is an error, not a silent misalignment.
    /// </summary>
    public static int[][] AssignRegions(LanguageModel model, ExemplarDictionary dictionary, IReadOnlyList<SyntheticExample> prompts,
        CancellationToken ct = default)
    {
        var vocab = SyntheticVocabulary.Instance;
        var result = prompts.Select(p => Enumerable.Repeat(-1, p.Tokens.Length).ToArray()).ToArray();
        using var exemplars = dictionary.Exemplars.to(model.Device);
        using var centre = dictionary.Centre.to(model.Device);
        var normaliser = new ActivationNormaliser(dictionary.Info.Metric, centre);
        foreach (var batch in dictionary.Activations(model, prompts.Select(p => vocab.Text(p.Tokens)), PartitionPositions.AllButBos, ct))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var nearest = normaliser.Nearest(normaliser.Normalise(batch.Activations), exemplars).Index.cpu().data<long>().ToArray();
            for (int r = 0; r < batch.Rows; r++)
            {
                int text = batch.CorpusIndex[batch.TextOfRow[r]];
                int word = batch.TokenOfRow[r] - 1;   // token 0 is BOS
                if (word < 0 || word >= result[text].Length || batch.Texts[batch.TextOfRow[r]].Count != prompts[text].Tokens.Length + 1)
                    throw new InvalidOperationException($"prompt {text} does not encode to BOS + one token per word; is this a synthetic model's tokenizer?");
                result[text][word] = (int)nearest[r];
            }
        }
        if (result.Any(r => r.Contains(-1))) throw new InvalidOperationException("some words got no region (a prompt longer than the dictionary's context?)");
        return result;
    }

    /// <summary>(region, label) pairs: entity positions with their category; every position with its answer state (-1: none yet).</summary>
    public static (List<int> EntityRegions, List<int> EntityLabels, List<int> StateRegions, List<int> StateLabels) Labelled(
        LatentCategoryTask task, IReadOnlyList<SyntheticExample> prompts, int[][] regions)
    {
        List<int> er = [], el = [], sr = [], sl = [];
        for (int p = 0; p < prompts.Count; p++)
            for (int i = 0; i < prompts[p].Tokens.Length; i++)
            {
                int category = task.CategoryOf(prompts[p].Tokens[i]);
                if (category >= 0) { er.Add(regions[p][i]); el.Add(category); }
                sr.Add(regions[p][i]);
                sl.Add(task.CategoryOfAnswer(prompts[p].Targets[i + 1]));
            }
        return (er, el, sr, sl);
    }

    private static AgreementRow Agreement(string labels, List<int> regions, List<int> truth)
    {
        if (regions.Count == 0) return new AgreementRow(labels, 0, 0, double.NaN, double.NaN);
        var table = ClusterAgreement.Contingency(regions, truth);
        return new AgreementRow(labels, regions.Count, table.GetLength(0), ClusterAgreement.Purity(table), ClusterAgreement.AdjustedMutualInformation(table));
    }
}
