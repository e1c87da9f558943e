using LeapEngine.Core.Tensors;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>One token's nearest region.</summary>
public sealed record TokenAssignment
{
    public int Index { get; init; }
    public string Token { get; init; } = "";
    public int Start { get; init; }
    public int Length { get; init; }
    public int Region { get; init; }
    public float Distance { get; init; }
    /// <summary>Whether the token lies inside its region (distance &lt;= theta).</summary>
    public bool WithinTheta { get; init; }
}

public sealed record TextAssignment
{
    public string Text { get; init; } = "";
    public List<TokenAssignment> Tokens { get; init; } = [];
}

/// <summary>Per-region readouts of each token: which region (binary), u.e (cosine), or (a - c).e (signed).</summary>
public enum ReadoutKind { Binary, Cosine, Signed }

public sealed partial class ExemplarDictionary
{
    /// <summary>Texts per forward pass when assigning and scoring.</summary>
    private const int UseBatchSize = 32;

    /// <summary>
    /// Token positions that reading <paramref name="texts"/> at <paramref name="positions"/> runs (as
    /// <see cref="Score"/> does; <see cref="Assign"/> and <see cref="Readouts"/> read one text at a time
    /// at all positions but BOS), padding included, from the dictionary's metadata alone: what a job reserves.
    /// </summary>
    public static long ForwardTokens(LanguageModel model, DictionaryInfo info, IEnumerable<string> texts, PartitionPositions positions) =>
        ActivationStream.ForwardPasses(model, texts, positions, info.ContextLength, UseBatchSize).Sum(p => p.Positions);

    /// <summary>Fails with what to fix when the model or hook is not the one the dictionary was built on.</summary>
    public void RequireCompatible(LanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Id != Info.ModelId)
            throw new ArgumentException(
                $"this dictionary was built on model '{Info.ModelId}' at '{Info.Hook}', but model '{model.Id}' was given; load '{Info.ModelId}'");
        if (!model.Network.HookPoints.ContainsKey(Info.Hook))
            throw new ArgumentException($"model '{model.Id}' has no hook point '{Info.Hook}' that this dictionary was built at");
    }

    /// <summary>Activations of texts at the dictionary's hook, every token but BOS (or only the last, as built).</summary>
    internal IEnumerable<ActivationBatch> Activations(LanguageModel model, IEnumerable<string> texts, PartitionPositions positions,
        CancellationToken ct)
    {
        RequireCompatible(model);
        foreach (var batch in ActivationStream.Stream(model, Info.Hook, texts, positions, Info.ContextLength, UseBatchSize, ct))
        {
            if (batch.Activations.shape[1] != Width)
            {
                batch.Dispose();
                throw new ArgumentException($"'{Info.Hook}' of model '{model.Id}' has width {batch.Activations.shape[1]}, the dictionary {Width}");
            }
            yield return batch;
        }
    }

    /// <summary>Nearest region and distance of every token of a text (BOS excluded).</summary>
    public TextAssignment Assign(LanguageModel model, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<TokenAssignment>();
        using var exemplars = Exemplars.to(model.Device);
        using var centre = Centre.to(model.Device);
        var onDevice = new ActivationNormaliser(Info.Metric, centre);
        foreach (var batch in Activations(model, [text], PartitionPositions.AllButBos, CancellationToken.None))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var (d, idx) = onDevice.Nearest(onDevice.Normalise(batch.Activations), exemplars);
            var dist = d.cpu().data<float>().ToArray();
            var region = idx.cpu().data<long>().ToArray();
            for (int r = 0; r < batch.Rows; r++)
            {
                var encoded = batch.Texts[batch.TextOfRow[r]];
                int t = batch.TokenOfRow[r];
                var span = encoded.Offsets[t];
                tokens.Add(new TokenAssignment
                {
                    Index = t, Token = text.Substring(span.Start, span.Length), Start = span.Start, Length = span.Length,
                    Region = (int)region[r], Distance = dist[r], WithinTheta = dist[r] <= Theta,
                });
            }
        }
        return new TextAssignment { Text = text, Tokens = tokens };
    }

    /// <summary>Readouts [tokens (BOS excluded), regions] of one text on the CPU.</summary>
    public Tensor Readouts(LanguageModel model, string text, ReadoutKind kind)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var scope = NewDisposeScope();
        var directions = Directions().to(model.Device);                            // [regions, width]
        var centre = Centre.to(model.Device);
        var onDevice = new ActivationNormaliser(Info.Metric, centre);
        var parts = new List<Tensor>();
        foreach (var batch in Activations(model, [text], PartitionPositions.AllButBos, CancellationToken.None))
        {
            using var owned = batch;
            var a = batch.Activations;
            parts.Add(kind switch
            {
                ReadoutKind.Binary => nn.functional.one_hot(onDevice.Nearest(onDevice.Normalise(a), Exemplars.to(model.Device)).Index, RegionCount)
                    .to(ScalarType.Float32),
                ReadoutKind.Cosine => Unit(a - centre).mm(directions.t()),
                ReadoutKind.Signed => (a - centre).mm(directions.t()),
                _ => throw new ArgumentException($"unknown readout kind {kind}"),
            });
        }
        var result = parts.Count == 0 ? zeros(0, RegionCount) : cat(parts.ToArray(), 0);
        return result.cpu().MoveToOuterDisposeScope();
    }

    private static Tensor Unit(Tensor x) => x / x.norm(1, keepdim: true).ClampMin(1e-12);
}
