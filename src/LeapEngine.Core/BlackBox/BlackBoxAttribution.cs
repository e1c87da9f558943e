using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox.Prompt;
using LeapEngine.Core.BlackBox.Scoring;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Core.BlackBox;

/// <summary>The size of a checked black-box request: its mode, units and the most calls it can make (what a job reserves).</summary>
public sealed record BlackBoxPlan(ScoringMode Mode, string ModeReason, int Units, long PlannedCalls)
{
    /// <summary>A call budget with room for retries: planned calls and half again (at least 10 more).</summary>
    public long CallBudget => PlannedCalls + Math.Max(10, PlannedCalls / 2);
}

/// <summary>
/// "Why did the endpoint say that?": the black-box counterpart of <see cref="AttributionEngine"/>.
/// The same methods run on an <see cref="EndpointScorer"/>; progress is reported in calls.
/// </summary>
public static class BlackBoxAttribution
{
    /// <summary>
    /// Validates the request against what the endpoint offers and says how many calls it may make.
    /// Endpoint-token units are counted at their upper bound (one per non-space character).
    /// </summary>
    public static BlackBoxPlan Plan(BlackBoxAttributionRequest request, EndpointCapabilities capabilities)
    {
        request.Validate();
        var (mode, reason) = ChooseMode(request, capabilities);
        var kind = MessageUnits.Parse(request.Unit);
        if (kind == MessageUnitKind.EndpointToken && !capabilities.Tokenize)
            throw new ArgumentException("unit 'endpoint_token' needs the endpoint's tokenize route; the probe found none, use word, sentence or message");
        int units = kind == MessageUnitKind.EndpointToken
            ? request.Messages.Sum(m => m.Content.Count(c => !char.IsWhiteSpace(c)))
            : MessageUnits.Build(request.Messages, kind, request.Spans).Count;
        long calls = EstablishCalls(mode, request.Completion is not null) + request.NoiseSamples
                     + AttributionMethods.Get(request.Method).MaxEvaluations(units, new MethodSettings(request.Hipe))
                     + (request.Messages.Any(IsUser) ? 1 : 0) + (request.Messages.Any(IsSystem) ? 1 : 0)
                     + (kind == MessageUnitKind.EndpointToken ? request.Messages.Count : 0);
        return new BlackBoxPlan(mode, reason, units, calls);
    }

    /// <summary>
    /// <see cref="Run"/> on a thread of its own: the methods are synchronous and block while a batch
    /// of calls is in flight, and a blocked thread-pool thread would slow the calls' own continuations.
    /// </summary>
    public static Task<BlackBoxAttributionResult> RunAsync(EndpointClient client, EndpointCapabilities capabilities, BlackBoxAttributionRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => Run(client, capabilities, request, progress, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static BlackBoxAttributionResult Run(EndpointClient client, EndpointCapabilities capabilities, BlackBoxAttributionRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var plan = Plan(request, capabilities);
        var perturbation = TextPerturbation.Parse(request.Perturbation);
        var messages = request.Messages;
        var kind = MessageUnits.Parse(request.Unit);
        var tokenSpans = kind == MessageUnitKind.EndpointToken ? EndpointTokens.SpansAsync(client, messages, ct).GetAwaiter().GetResult() : null;
        var units = MessageUnits.Build(messages, kind, request.Spans, tokenSpans);
        var reader = CreateReader(plan.Mode, client, capabilities, request);
        var method = AttributionMethods.Get(request.Method);
        long callsBefore = client.Budget.Used, retriesBefore = client.Retries;

        var tracker = new EvaluationProgress(progress, EvaluationProgress.Calls);
        int establish = reader.EstablishCalls(request.Completion is not null);
        tracker.Plan(establish, "reading the completion");
        var completion = reader.EstablishAsync(messages, request.Completion, request.MaxNewTokens, ct).GetAwaiter().GetResult();
        tracker.Advance(establish);
        var scorer = new EndpointScorer(reader, messages, units, perturbation, completion, tracker, ct);

        double noise = 0;
        if (request.NoiseSamples > 0)
            noise = scorer.Evaluate(Enumerable.Repeat(messages, request.NoiseSamples).ToList(), "noise floor: the unperturbed messages again")
                .Max(r => Math.Abs(r.Sum() - scorer.BaseLogProb));

        var outcome = method.Run(scorer, new MethodSettings(request.Hipe));
        var attributed = units.Select((u, i) => new BlackBoxUnitAttribution
        {
            Index = u.Index, Message = u.Message, Role = u.Role, Start = u.Start, Length = u.Length, Text = u.Text,
            Score = outcome.Units[i].Total, OutputTokenScores = outcome.Units[i].LogProb, ProbabilityDrop = outcome.Units[i].ProbabilityTotal,
            BelowNoise = Math.Abs(outcome.Units[i].Total) <= noise,
        }).ToList();

        return new BlackBoxAttributionResult
        {
            Endpoint = client.Spec.BaseUrl.ToString(),
            Model = client.Spec.Model,
            ScoringMode = SnakeCase.Name(plan.Mode),
            ScoringReason = plan.ModeReason,
            Method = method.Name,
            Unit = SnakeCase.Name(kind),
            Perturbation = perturbation.ToString(),
            Template = plan.Mode == ScoringMode.TeacherForced ? request.ParsedTemplate().Name : null,
            CompletionText = completion.Text,
            CompletionTokens = completion.Tokens,
            CompletionGenerated = completion.Generated,
            CompletionLogProb = scorer.BaseLogProb,
            CompletionTokenLogProbs = completion.LogProbs,
            Units = attributed,
            Roles = RoleTotals(attributed),
            SystemPrompt = SystemInfluence(scorer, messages, attributed),
            UserText = UserExplanation(scorer, units),
            NoiseFloor = noise,
            NoiseSamples = request.NoiseSamples,
            Evaluations = scorer.Evaluations,
            Calls = client.Budget.Used - callsBefore,
            Retries = client.Retries - retriesBefore,
            PlannedCalls = plan.PlannedCalls,
            Hipe = outcome.Hipe,
            HipeStages = outcome.Stages,
            HipeChunks = outcome.Chunks,
        };
    }

    /// <summary>The requested mode if the endpoint supports it, else (auto) the best one it supports.</summary>
    public static (ScoringMode Mode, string Reason) ChooseMode(BlackBoxAttributionRequest request, EndpointCapabilities capabilities)
    {
        if (request.ParsedScoring() is { } asked)
            return capabilities.Unsupported(asked) is { } why ? throw new ArgumentException(why) : (asked, "requested");
        var best = capabilities.BestMode;
        if (best == ScoringMode.RegenerateTopLogprobs && request.Completion is not null)
            throw new ArgumentException("this endpoint offers no prompt log-probs, so it can only explain its own completion " +
                                        "(regenerate_top_logprobs): leave the completion out, or ask for scoring text_similarity");
        string reason = best switch
        {
            ScoringMode.TeacherForced => capabilities.CompletionsEcho ? "the endpoint echoes prompt log-probs (completions echo)" : "the endpoint offers prompt_logprobs",
            ScoringMode.RegenerateTopLogprobs => $"no prompt log-probs; chat completions offer top_logprobs up to {capabilities.TopLogprobs}",
            _ => "the endpoint offers no log-probs at all",
        };
        return (best, reason);
    }

    private static int EstablishCalls(ScoringMode mode, bool given) => mode == ScoringMode.TeacherForced && !given ? 2 : 1;

    private static ICompletionReader CreateReader(ScoringMode mode, EndpointClient client, EndpointCapabilities caps, BlackBoxAttributionRequest request) => mode switch
    {
        ScoringMode.TeacherForced => new TeacherForcedReader(client, request.ParsedTemplate(),
            caps.CompletionsEcho ? PromptLogprobRoute.Echo : PromptLogprobRoute.PromptLogprobs),
        ScoringMode.RegenerateTopLogprobs => new RegenerateReader(client, caps.TopLogprobs),
        _ => new TextSimilarityReader(client),
    };

    private static bool IsSystem(ChatMessage m) => m.Role.Equals("system", StringComparison.OrdinalIgnoreCase)
                                                   || m.Role.Equals("developer", StringComparison.OrdinalIgnoreCase);
    private static bool IsUser(ChatMessage m) => m.Role.Equals("user", StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyList<RoleTotal> RoleTotals(List<BlackBoxUnitAttribution> units)
    {
        double mass = units.Sum(u => Math.Abs(u.Score));
        return units.GroupBy(u => u.Role).Select(g =>
        {
            double abs = g.Sum(u => Math.Abs(u.Score));
            return new RoleTotal(g.Key, g.Count(), g.Sum(u => u.Score), abs, mass > 0 ? abs / mass : 0);
        }).ToList();
    }

    /// <summary>The completion scored with every system (or developer) message left out.</summary>
    private static SystemPromptInfluence? SystemInfluence(EndpointScorer scorer, IReadOnlyList<ChatMessage> messages, List<BlackBoxUnitAttribution> units)
    {
        if (!messages.Any(IsSystem)) return null;
        var rest = messages.Where(m => !IsSystem(m)).ToList();
        if (rest.Count == 0) rest.Add(new ChatMessage("user", ""));
        double without = scorer.Evaluate([rest], "system messages removed")[0].Sum();
        double mass = units.Sum(u => Math.Abs(u.Score));
        return new SystemPromptInfluence
        {
            LogProbDrop = scorer.BaseLogProb - without,
            LogProbWithout = without,
            AttributionShare = mass > 0 ? units.Where(u => IsSystem(new ChatMessage(u.Role, ""))).Sum(u => Math.Abs(u.Score)) / mass : 0,
        };
    }

    /// <summary>Every user unit perturbed at once (see <see cref="UserTextExplanation"/>).</summary>
    private static UserTextExplanation? UserExplanation(EndpointScorer scorer, IReadOnlyList<MessageUnit> units)
    {
        var user = units.Where(u => u.Role.Equals("user", StringComparison.OrdinalIgnoreCase)).Select(u => u.Index).ToList();
        if (user.Count == 0) return null;
        var drop = scorer.Score([user], "all user text perturbed")[0];
        double without = scorer.BaseLogProb - drop.Total;
        return new UserTextExplanation(drop.Total, without, drop.Total / drop.LogProb.Length);
    }
}
