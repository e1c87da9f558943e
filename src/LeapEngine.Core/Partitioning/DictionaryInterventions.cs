using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>What an intervention did: the continuation and the target's log-probability, before and after.</summary>
public sealed record InterventionReport
{
    /// <summary>"steer" or "ablate".</summary>
    public string Kind { get; init; } = "";
    public int[] Regions { get; init; } = [];
    public double? Alpha { get; init; }
    public string Hook { get; init; } = "";
    public string Prompt { get; init; } = "";
    /// <summary>Greedy continuation without the intervention.</summary>
    public string Before { get; init; } = "";
    /// <summary>Greedy continuation with the intervention at every position.</summary>
    public string After { get; init; } = "";
    public string? Target { get; init; }
    /// <summary>Summed log-probability of the target continuation after the prompt.</summary>
    public double? TargetLogProbBefore { get; init; }
    public double? TargetLogProbAfter { get; init; }
    public double? TargetLogProbChange { get; init; }
    /// <summary>KL(before || after) of the next-token distribution after the prompt, in nats.</summary>
    public double NextTokenKl { get; init; }
}

public sealed partial class ExemplarDictionary
{
    /// <summary>Adds alpha times the region's direction at the dictionary's hook, every position; alpha defaults to |centre|.</summary>
    public InterventionReport Steer(LanguageModel model, string prompt, int region, double? alpha = null, string? target = null,
        int maxNewTokens = 32, CancellationToken ct = default)
    {
        RequireCompatible(model);
        RequireRegion(region);
        double a = alpha ?? Centre.norm().item<float>();
        if (double.IsNaN(a) || double.IsInfinity(a)) throw new ArgumentException($"alpha must be finite, got {a}");
        using var direction = Directions()[region].to(model.Device);
        HookFunction hook = (x, _) => Interventions.Steer(x.reshape(x.shape[0], x.shape[1], Width), direction, a).reshape(x.shape);
        return Measure(model, "steer", [region], a, hook, prompt, target, maxNewTokens, ct);
    }

    /// <summary>Projects the regions' directions out of a - c at the dictionary's hook, every position.</summary>
    public InterventionReport Ablate(LanguageModel model, string prompt, IReadOnlyList<int> regions, string? target = null,
        int maxNewTokens = 32, CancellationToken ct = default)
    {
        RequireCompatible(model);
        if (regions.Count == 0) throw new ArgumentException("give at least one region to ablate");
        foreach (var r in regions) RequireRegion(r);
        using var basis = AblationBasis(regions, model.Device);
        using var centre = Centre.to(model.Device);
        HookFunction hook = (x, _) => Interventions.Ablate(x.reshape(x.shape[0], x.shape[1], Width), centre, basis).reshape(x.shape);
        return Measure(model, "ablate", regions.Distinct().ToArray(), null, hook, prompt, target, maxNewTokens, ct);
    }

    /// <summary>Orthonormal basis [width, k] of the regions' directions.</summary>
    public Tensor AblationBasis(IReadOnlyList<int> regions, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var idx = tensor(regions.Distinct().Select(r => (long)r).ToArray());
        var basis = Interventions.OrthonormalBasis(Directions().index_select(0, idx));
        return (device is null ? basis : basis.to(device)).MoveToOuterDisposeScope();
    }

    private InterventionReport Measure(LanguageModel model, string kind, int[] regions, double? alpha, HookFunction hook,
        string prompt, string? target, int maxNewTokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (maxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {maxNewTokens}");
        var promptIds = model.PromptIds(prompt);
        var targetIds = target is null ? null : ContinuationIds(model, prompt, promptIds, target);
        if (targetIds is { Length: 0 }) throw new ArgumentException("the target continuation encodes to no tokens");
        if (promptIds.Length + (targetIds?.Length ?? 0) > model.Config.ContextLength)
            throw new ArgumentException($"prompt and target exceed the model's context length of {model.Config.ContextLength}");
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens };

        var before = TextGenerator.Generate(model.Network, promptIds, options, model.EosId, ct);
        using var logitsBefore = NextTokenLogProbs(model.Network, promptIds);
        double? lpBefore = targetIds is null ? null : Scoring.ContinuationLogProbs(model.Network, promptIds, targetIds).Sum();
        int[] after;
        double? lpAfter;
        double kl;
        using (model.Network.Attach((Info.Hook, hook)))
        {
            after = TextGenerator.Generate(model.Network, promptIds, options, model.EosId, ct);
            using var logitsAfter = NextTokenLogProbs(model.Network, promptIds);
            lpAfter = targetIds is null ? null : Scoring.ContinuationLogProbs(model.Network, promptIds, targetIds).Sum();
            using var p = logitsBefore.exp();
            kl = (p * (logitsBefore - logitsAfter)).sum().item<double>();
        }
        return new InterventionReport
        {
            Kind = kind, Regions = regions, Alpha = alpha, Hook = Info.Hook, Prompt = prompt,
            Before = Continuation(model, promptIds, before), After = Continuation(model, promptIds, after), Target = target,
            TargetLogProbBefore = lpBefore, TargetLogProbAfter = lpAfter, TargetLogProbChange = lpAfter - lpBefore,
            NextTokenKl = kl,
        };
    }

    /// <summary>
    /// Target tokens as they follow the prompt: encoding prompt + target and dropping the
    /// prompt's tokens keeps the tokenizer's spacing (SentencePiece would otherwise prefix a
    /// second space); falls back to encoding the target alone when the prompt's tokens change.
    /// </summary>
    private static int[] ContinuationIds(LanguageModel model, string prompt, int[] promptIds, string target)
    {
        var joint = model.Encode(prompt + target).Ids;
        if (joint.Count > promptIds.Length && joint.Take(promptIds.Length).SequenceEqual(promptIds))
            return joint.Skip(promptIds.Length).ToArray();
        return model.Encode(target, addBos: false).Ids.ToArray();
    }

    /// <summary>New tokens as text that reads on from the prompt (decoding them alone drops a leading space).</summary>
    private static string Continuation(LanguageModel model, int[] promptIds, int[] generated)
    {
        string head = model.Decode(promptIds), all = model.Decode(promptIds.Concat(generated));
        return all.StartsWith(head, StringComparison.Ordinal) ? all[head.Length..] : model.Decode(generated);
    }

    private static Tensor NextTokenLogProbs(TransformerModel network, int[] promptIds)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(promptIds.Select(i => (long)i).ToArray(), device: network.Device).unsqueeze(0);    // [1, tokens]
        var logits = network.Forward(ids, new ForwardOptions { LogitsFrom = -1 });                          // [1, 1, vocab]
        return logits[0, 0].to(ScalarType.Float64).log_softmax(-1).MoveToOuterDisposeScope();
    }
}
