using System.Diagnostics;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// Builds an exemplar-partition dictionary: stream activations, fix the centre and theta on
/// the first batches, then leader-cluster every activation in stream order until the
/// dictionary saturates, the token budget is spent or the corpus ends.
/// </summary>
public static class ExemplarPartitioner
{
    /// <summary>
    /// Builds from a model and a corpus of texts. Progress is reported in tokens: Total is the
    /// MaxTokens budget, or the corpus's own token count when that is smaller and the corpus is a
    /// collection (a stream's length is unknown until it ends); cancellation is checked every batch.
    /// </summary>
    public static ExemplarDictionary Build(LanguageModel model, PartitionOptions options, IEnumerable<string> corpus,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        options.Validate();
        var hook = ActivationStream.ResolveHook(model.Network, options.Hook);
        var batches = ActivationStream.Stream(model, hook, corpus, options.Positions, options.ContextLength, options.BatchSize, ct);
        // Counting tokenizes the texts once more: cheap next to the forward passes, and a 335-token corpus then shows
        // 335 as its total rather than the 200,000-token budget.
        long total = corpus is IReadOnlyCollection<string> texts
            ? Math.Min(options.MaxTokens, ActivationStream.CountRows(model, texts, options.Positions, options.ContextLength))
            : options.MaxTokens;
        return BuildCore(batches, options, model.Id, hook, Math.Min(options.ContextLength, model.Config.ContextLength), progress, ct, total);
    }

    /// <summary>
    /// Upper bound of the token positions <see cref="Build"/> runs on this corpus, padding
    /// included, without running it: the calibration batches are always read, then batches
    /// until <see cref="PartitionOptions.MaxTokens"/> activations are clustered (saturation can
    /// only stop it sooner). Jobs reserve this.
    /// </summary>
    public static long MaxForwardTokens(LanguageModel model, PartitionOptions options, IEnumerable<string> corpus)
    {
        long positions = 0, rows = 0;
        int batches = 0;
        foreach (var pass in ActivationStream.ForwardPasses(model, corpus, options.Positions, options.ContextLength, options.BatchSize))
        {
            if (batches >= options.CalibrationBatches && rows >= options.MaxTokens) break;
            positions += pass.Positions;
            rows += pass.Rows;
            batches++;
        }
        return positions;
    }

    /// <summary>
    /// Builds from activation batches [rows, width] that the caller owns (e.g. constructed
    /// data, or activations captured elsewhere); regions then carry no text examples.
    /// </summary>
    public static ExemplarDictionary BuildFromActivations(IEnumerable<Tensor> batches, PartitionOptions options,
        string source = "activations", string hook = "", IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        var wrapped = batches.Select(b =>
        {
            if (b.dim() != 2) throw new ArgumentException($"activation batches must be [rows, width], got [{string.Join(", ", b.shape)}]");
            return new ActivationBatch(b.to(ScalarType.Float32).alias().DetachFromDisposeScope());
        });
        return BuildCore(wrapped, options, source, hook, options.ContextLength, progress, ct);
    }

    private static ExemplarDictionary BuildCore(IEnumerable<ActivationBatch> batches, PartitionOptions options, string modelId,
        string hook, int contextLength, IProgress<ProgressUpdate>? progress, CancellationToken ct, long? progressTotal = null)
    {
        long total = progressTotal ?? options.MaxTokens;
        var clock = Stopwatch.StartNew();
        using var stream = batches.GetEnumerator();
        var calibration = new List<ActivationBatch>();
        var calibrationU = new List<Tensor>();
        try
        {
            while (calibration.Count < options.CalibrationBatches && stream.MoveNext()) calibration.Add(stream.Current);
            long calibrationTokens = calibration.Sum(b => (long)b.Rows);
            if (calibrationTokens == 0)
                throw new ArgumentException("the corpus is empty: no text gave a token to partition (BOS is skipped); give non-empty texts");
            int width = (int)calibration[0].Activations.shape[1];
            if (calibration.Any(b => b.Activations.shape[1] != width))
                throw new ArgumentException("activation batches differ in width");

            using var centre = ActivationNormaliser.FitCentre(calibration.Select(b => b.Activations).ToList());
            var normaliser = new ActivationNormaliser(options.Metric, centre.to(calibration[0].Activations.device));
            calibrationU.AddRange(calibration.Select(b => normaliser.Normalise(b.Activations)));
            double theta = options.Theta ?? ThresholdCalibration.Percentile(normaliser, calibrationU, options.Percentile, options.Seed);

            using var clusterer = new LeaderClusterer(normaliser, theta, calibration[0].Activations.device);
            var examples = new RegionExampleTracker(options.ExamplesPerRegion);
            long seen = 0;
            int batchCount = 0, quiet = 0;
            string stop = "corpus exhausted";

            // The calibration batches are clustered first (their u is already computed), then the rest of the stream.
            IEnumerable<(ActivationBatch Batch, Tensor? U)> All()
            {
                for (int i = 0; i < calibration.Count; i++) yield return (calibration[i], calibrationU[i]);
                while (stream.MoveNext()) yield return (stream.Current, null);
            }

            foreach (var (batch, precomputed) in All())
            {
                using var owned = batch;
                ct.ThrowIfCancellationRequested();
                if (batch.Activations.shape[1] != width)
                    throw new ArgumentException($"activation batch {batchCount} has width {batch.Activations.shape[1]}, expected {width}");
                int rows = (int)Math.Min(batch.Rows, options.MaxTokens - seen);
                if (rows == 0) continue;
                using var scope = NewDisposeScope();
                var u = precomputed ?? normaliser.Normalise(batch.Activations);
                if (rows < batch.Rows) u = u.narrow(0, 0, rows);
                var assignment = clusterer.Add(u);
                examples.Observe(batch, assignment, rows);
                seen += rows;
                batchCount++;
                quiet = assignment.NewRegions == 0 ? quiet + 1 : 0;
                progress?.Report(new ProgressUpdate(seen, Math.Max(total, seen), "tokens", $"{clusterer.Matrix.Count} regions"));
                if (seen >= options.MaxTokens) { stop = "max tokens"; break; }
                if (options.SaturationBatches > 0 && quiet >= options.SaturationBatches) { stop = "saturated"; break; }
            }

            var matrix = clusterer.Matrix;
            var info = new DictionaryInfo
            {
                ModelId = modelId, Hook = hook, Metric = options.Metric, Positions = options.Positions, Width = width,
                Theta = theta, Percentile = options.Theta is null ? options.Percentile : null, ContextLength = contextLength,
                CorpusDescription = options.CorpusDescription,
                Build = new BuildStats
                {
                    Tokens = seen, Batches = batchCount, StopReason = stop, CalibrationTokens = calibrationTokens,
                    Seconds = clock.Elapsed.TotalSeconds, BufferGrowths = matrix.Growths,
                },
            };
            return new ExemplarDictionary(info, centre.cpu().clone().DetachFromDisposeScope(),
                matrix.Exemplars().cpu().clone().DetachFromDisposeScope(), matrix.Sums().DetachFromDisposeScope(),
                matrix.Counts.ToArray(), matrix.DistanceSums.ToArray(), examples.Sets);
        }
        finally
        {
            foreach (var u in calibrationU) u.Dispose();
            foreach (var b in calibration) b.Dispose();
        }
    }
}
