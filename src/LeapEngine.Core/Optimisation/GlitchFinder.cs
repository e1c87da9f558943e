using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>What to look for: how many tokens nearest and farthest from the embedding centroid to test.</summary>
public sealed record GlitchRequest
{
    /// <summary>Tokens tested at each end (nearest to and farthest from the centroid).</summary>
    public int Top { get; init; } = 20;
    public VocabularyFilter Vocabulary { get; init; } = VocabularyFilter.Printable;
    /// <summary>Random allowed tokens tested the same way, for the model's base repeat rate.</summary>
    public int ControlSample { get; init; } = 50;
    public long Seed { get; init; }

    public void Validate(LanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Top is < 1 or > 10_000) throw new ArgumentException($"--top must be 1 to 10000, got {Top}");
        if (ControlSample is < 0 or > 10_000) throw new ArgumentException($"the control sample must be 0 to 10000, got {ControlSample}");
        if (!Enum.IsDefined(Vocabulary)) throw new ArgumentException($"unknown vocabulary filter {Vocabulary}");
    }
}

/// <summary>One tested token: can the model repeat it after a few-shot "x x" pattern?</summary>
public sealed record GlitchToken
{
    public int Id { get; init; }
    public string Text { get; init; } = "";
    /// <summary>"nearest", "farthest" (from the centroid) or "control" (random).</summary>
    public string Group { get; init; } = "";
    /// <summary>Euclidean distance of its embedding from the centroid of the allowed embeddings.</summary>
    public double DistanceToCentroid { get; init; }
    /// <summary>Greedy next token was the token itself.</summary>
    public bool Repeated { get; init; }
    /// <summary>log p(token | few-shot prompt ending in it) at the repeat position.</summary>
    public double RepeatLogProb { get; init; }
    public int[] GeneratedIds { get; init; } = [];
    public string Generation { get; init; } = "";
}

public sealed record GlitchResult
{
    public string ModelId { get; init; } = "";
    /// <summary>The few-shot prompt with the tested token shown as {token}.</summary>
    public string PromptTemplate { get; init; } = "";
    public IReadOnlyList<GlitchToken> Nearest { get; init; } = [];
    public IReadOnlyList<GlitchToken> Farthest { get; init; } = [];
    /// <summary>Tokens near or far from the centroid that the model could not repeat.</summary>
    public IReadOnlyList<GlitchToken> Glitches { get; init; } = [];
    public IReadOnlyList<GlitchToken> Control { get; init; } = [];
    /// <summary>Share of the random control tokens the model repeats (the baseline to compare against).</summary>
    public double? ControlRepeatRate { get; init; }
    public int AllowedTokens { get; init; }
}

/// <summary>
/// Glitch-token candidates the SolidGoldMagikarp way: tokens whose embeddings sit nearest the
/// centroid of the embedding matrix (rarely trained, so barely moved from initialisation) and
/// farthest from it, each checked by asking the model to repeat it after a few-shot pattern
/// "a a / b b / c c / x" built from token ids (so no re-tokenisation blurs the test).
/// </summary>
public static class GlitchFinder
{
    private static readonly string[] ExampleWords = [" cat", " dog", " sun", " ball", " tree", " the", " and"];
    private const int Shots = 3;

    public static GlitchResult Find(LanguageModel model, GlitchRequest request, IProgress<ProgressUpdate>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate(model);
        var allowed = Vocabulary.Allowed(model, request.Vocabulary);
        int top = Math.Min(request.Top, allowed.Length);
        var distances = CentroidDistances(model, allowed);
        var order = Enumerable.Range(0, allowed.Length).OrderBy(i => distances[i]).ThenBy(i => allowed[i]).ToArray();
        var nearest = order.Take(top).Select(i => (allowed[i], distances[i], "nearest"));
        var farthest = order.Reverse().Take(top).Select(i => (allowed[i], distances[i], "farthest"));
        using var random = new SeededRandom(request.Seed);
        var control = random.Permutation(allowed.Length).Take(Math.Min(request.ControlSample, allowed.Length))
            .Select(i => (allowed[i], distances[i], "control"));
        var tests = nearest.Concat(farthest).Concat(control).ToList();

        var prefix = Template(model, allowed);
        var tested = new List<GlitchToken>();
        const int batch = 64;
        for (int start = 0; start < tests.Count; start += batch)
        {
            ct.ThrowIfCancellationRequested();
            tested.AddRange(Test(model, prefix, tests.Skip(start).Take(batch).ToList(), ct));
            progress?.Report(new ProgressUpdate(Math.Min(start + batch, tests.Count), tests.Count, "tokens", "repeat checks"));
        }
        var controls = tested.Where(t => t.Group == "control").ToList();
        var ends = tested.Where(t => t.Group != "control").ToList();
        return new GlitchResult
        {
            ModelId = model.Id,
            PromptTemplate = model.Decode(prefix) + "{token}",
            Nearest = ends.Where(t => t.Group == "nearest").ToList(),
            Farthest = ends.Where(t => t.Group == "farthest").ToList(),
            Glitches = ends.Where(t => !t.Repeated).ToList(),
            Control = controls,
            ControlRepeatRate = controls.Count > 0 ? controls.Count(t => t.Repeated) / (double)controls.Count : null,
            AllowedTokens = allowed.Length,
        };
    }

    /// <summary>Distance of each allowed token's embedding from the centroid of the allowed embeddings.</summary>
    public static double[] CentroidDistances(LanguageModel model, IReadOnlyList<int> allowed)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var index = tensor(allowed.Select(i => (long)i).ToArray(), device: model.Device);
        var rows = model.Network.TokenEmbeddings.index_select(0, index).to(ScalarType.Float64);   // [allowed, d_model]
        var centroid = rows.mean([0], keepdim: true);                                              // [1, d_model]
        return (rows - centroid).norm(1).cpu().data<double>().ToArray();
    }

    /// <summary>
    /// BOS (where used), then Shots examples "w w" each followed by a newline, as token ids; the
    /// tested token is appended and should come back as the next token.
    /// </summary>
    private static int[] Template(LanguageModel model, int[] allowed)
    {
        var allowedSet = allowed.ToHashSet();
        var examples = ExampleWords.Select(w => model.ContinuationIds(w))
            .Where(ids => ids.Length == 1 && allowedSet.Contains(ids[0])).Select(ids => ids[0]).Distinct().Take(Shots).ToList();
        // Models without these words as single tokens: evenly spaced allowed tokens instead.
        for (int i = 0; examples.Count < Shots && i < allowed.Length; i += Math.Max(1, allowed.Length / Shots))
            if (!examples.Contains(allowed[i])) examples.Add(allowed[i]);
        var separator = model.ContinuationIds("\n");
        var prefix = new List<int>(TextPieces.Context(model, ""));
        foreach (var e in examples) prefix.AddRange([e, e, .. separator]);
        return prefix.ToArray();
    }

    private static IEnumerable<GlitchToken> Test(LanguageModel model, int[] prefix, List<(int Id, double Distance, string Group)> tokens,
        CancellationToken ct)
    {
        var prompts = tokens.Select(t => (IReadOnlyList<int>)prefix.Append(t.Id).ToArray()).ToList();
        var generated = TextGenerator.GenerateBatch(model.Network, prompts, new GenerationOptions { MaxNewTokens = 3 }, model.EosId, ct);
        var logProbs = Scoring.ContinuationLogProbsBatch(model.Network,
            prompts.Select((p, i) => (p, (IReadOnlyList<int>)[tokens[i].Id])).ToList());
        for (int i = 0; i < tokens.Count; i++)
        {
            yield return new GlitchToken
            {
                Id = tokens[i].Id,
                Text = model.Tokenizer.TokenText(tokens[i].Id),
                Group = tokens[i].Group,
                DistanceToCentroid = tokens[i].Distance,
                Repeated = generated[i].Length > 0 && generated[i][0] == tokens[i].Id,
                RepeatLogProb = logProbs[i][0],
                GeneratedIds = generated[i],
                Generation = model.DecodeContinuation(prompts[i], generated[i]),
            };
        }
    }
}
