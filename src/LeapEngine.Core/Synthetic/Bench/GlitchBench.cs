using LeapEngine.Core.Models;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;
using static TorchSharp.torch;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// The glitch finder at one setting against the planted glitch words. <see cref="Flagged"/>: tokens it reports as
/// glitches (nearest or farthest from the centroid, and not repeated); precision and recall are of those against the
/// planted words. Its control: <see cref="ControlTested"/> random allowed tokens put through the same repeat test;
/// <see cref="ControlFlagged"/> of them failed it, <see cref="PlantedAmongControlFlagged"/> of those are planted: the
/// precision a random pick tested the same way reaches. <see cref="BaseRate"/>: planted words among all allowed tokens.
/// </summary>
public sealed record GlitchBenchRow(
    int Top, int ControlSample, int Planted, int AllowedTokens, int Tested, int Flagged, int PlantedFlagged,
    double Precision, double Recall, int PlantedAmongNearest, int ControlTested, int ControlFlagged,
    int PlantedAmongControlFlagged, double? ControlPrecision, double? ControlRepeatRate, double BaseRate);

/// <summary>
/// Whether "untrained" is still visible in the weights: how far AdamW moved the planted words' embedding rows from
/// their initial values (weight decay alone, since they never receive a gradient) against the trained rows, and
/// where the planted words rank by distance to the embedding centroid (1 = nearest), the finder's own ordering.
/// </summary>
public sealed record GlitchEmbeddingCheck(
    double PlantedMeanRelativeChange, double PlantedMaxRelativeChange, double TrainedMeanRelativeChange,
    double PlantedMeanNormRatio, double PlantedMeanCentroidRank, int PlantedWorstCentroidRank, int AllowedTokens);

/// <summary>Scores <see cref="GlitchFinder"/> against the words a glitch-task model never saw in training.</summary>
public static class GlitchBench
{
    /// <summary>The finder's default (Top 20) and tops below and above it, the planted count among them.</summary>
    public static IReadOnlyList<int> StandardTops { get; } = [8, GlitchTask.GlitchCount, new GlitchRequest().Top, 50];

    public static List<GlitchBenchRow> Run(LanguageModel model, GlitchTask task, IReadOnlyList<int> tops, int controlSample, long seed,
        CancellationToken ct = default)
    {
        var planted = task.Glitches.ToHashSet();
        int plantedAllowed = Vocabulary.Allowed(model, new GlitchRequest().Vocabulary).Count(planted.Contains);
        var rows = new List<GlitchBenchRow>();
        foreach (int top in tops)
        {
            var result = GlitchFinder.Find(model, new GlitchRequest { Top = top, ControlSample = controlSample, Seed = seed }, ct: ct);
            int flaggedPlanted = result.Glitches.Count(g => planted.Contains(g.Id));
            var controlFlagged = result.Control.Where(c => !c.Repeated).ToList();
            int plantedControl = controlFlagged.Count(c => planted.Contains(c.Id));
            rows.Add(new GlitchBenchRow(top, controlSample, planted.Count, result.AllowedTokens,
                result.Nearest.Count + result.Farthest.Count, result.Glitches.Count, flaggedPlanted,
                result.Glitches.Count == 0 ? 0 : (double)flaggedPlanted / result.Glitches.Count,
                plantedAllowed == 0 ? 0 : (double)flaggedPlanted / plantedAllowed,
                result.Nearest.Count(g => planted.Contains(g.Id)), result.Control.Count, controlFlagged.Count, plantedControl,
                controlFlagged.Count == 0 ? null : (double)plantedControl / controlFlagged.Count, result.ControlRepeatRate,
                (double)plantedAllowed / result.AllowedTokens));
        }
        return rows;
    }

    /// <summary>
    /// Compares the model's input embeddings with a fresh model built from the same seed (the trainer's initial
    /// weights: <see cref="TransformerFactory.CreateRandom"/> with the training seed) and ranks the planted words by
    /// distance to the centroid of the allowed embeddings.
    /// </summary>
    public static GlitchEmbeddingCheck Embeddings(LanguageModel model, GlitchTask task, int trainingSeed)
    {
        using var initial = TransformerFactory.CreateRandom(model.Config, trainingSeed);
        var planted = task.Glitches.ToHashSet();
        double[] change, norm;
        using (no_grad())
        using (NewDisposeScope())
        {
            var now = model.Network.TokenEmbeddings.to(ScalarType.Float64);     // [vocab, d_model]
            var before = initial.TokenEmbeddings.to(ScalarType.Float64);
            var beforeNorm = before.norm(1);                                   // [vocab]
            change = (now - before).norm(1).div(beforeNorm).data<double>().ToArray();
            norm = now.norm(1).div(beforeNorm).data<double>().ToArray();
        }
        var allowed = Vocabulary.Allowed(model, new GlitchRequest().Vocabulary);
        var distances = GlitchFinder.CentroidDistances(model, allowed);
        var rank = Enumerable.Range(0, allowed.Length).OrderBy(i => distances[i]).ThenBy(i => allowed[i])
            .Select((i, r) => (Id: allowed[i], Rank: r + 1)).ToDictionary(x => x.Id, x => x.Rank);
        var plantedIds = task.Glitches.ToArray();
        var trainedIds = task.Items.ToArray();
        var plantedRanks = plantedIds.Where(rank.ContainsKey).Select(id => rank[id]).ToList();
        return new GlitchEmbeddingCheck(
            plantedIds.Average(id => change[id]), plantedIds.Max(id => change[id]), trainedIds.Average(id => change[id]),
            plantedIds.Average(id => norm[id]), plantedRanks.Count == 0 ? double.NaN : plantedRanks.Average(),
            plantedRanks.Count == 0 ? -1 : plantedRanks.Max(), allowed.Length);
    }
}
