using System.Text.Json;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>The entry point the job layer calls: validation, progress, cancellation, segments, JSON.</summary>
public class EngineTests
{
    [Fact]
    public void System_prompt_influence_is_the_drop_without_the_system_turn()
    {
        var model = AttributionModels.Stories();
        var request = new AttributionRequest { System = "Lily had a red ball.", Text = "One day, Lily", MaxNewTokens = 6 };
        var result = AttributionEngine.Run(model, request);
        var influence = result.SystemPrompt!;
        var withoutSystem = model.Encode("One day, Lily").Ids.ToArray();
        double expected = Scoring.ContinuationLogProbs(model.Network, withoutSystem, result.CompletionIds).Sum(x => (double)x);
        Assert.Equal(expected, influence.LogProbWithout, 1e-4);
        Assert.Equal(result.CompletionLogProb - influence.LogProbWithout, influence.LogProbDrop, 1e-9);
        Assert.Equal(["system", "user"], result.Segments.Select(s => s.Segment));
        Assert.Equal(1.0, result.Segments.Sum(s => s.Share), 1e-9);
        Assert.Equal(result.Segments[0].Share, influence.AttributionShare, 1e-9);
        Assert.Equal(result.Units.Where(u => u.Segment == "user").Sum(u => u.Score), result.Segments[1].Score, 1e-9);
        Assert.Equal("plain", result.Template);
        Assert.All(result.Units, u => Assert.Equal(u.Text, (u.Segment == "system" ? request.System : request.Text)!.Substring(u.Start, u.Length)));
        Assert.Null(AttributionEngine.Run(model, new AttributionRequest { Text = "One day, Lily", MaxNewTokens = 2 }).SystemPrompt);
    }

    [Fact]
    public void Progress_counts_forward_passes_up_to_the_plan()
    {
        var model = AttributionModels.Stories();
        var updates = new List<ProgressUpdate>();
        var result = AttributionEngine.Run(model, new AttributionRequest { Text = "The cat sat on the mat.", MaxNewTokens = 3 },
            new SyncProgress(updates.Add));
        Assert.All(updates, u => Assert.Equal("forward passes", u.Unit));
        Assert.Equal(result.Evaluations, updates[^1].Done);
        Assert.Equal(updates[^1].Total, updates[^1].Done);
        Assert.True(updates.Zip(updates.Skip(1)).All(p => p.Second.Done >= p.First.Done));
    }

    [Fact]
    public void Cancellation_stops_the_run()
    {
        var model = AttributionModels.Stories();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            AttributionEngine.Run(model, new AttributionRequest { Text = "The cat sat.", Completion = " It" }, ct: cts.Token));
    }

    [Fact]
    public void Result_round_trips_through_snake_case_Json()
    {
        var model = AttributionModels.Stories();
        var result = AttributionEngine.Run(model, new AttributionRequest
        {
            System = "Be brief.", Text = "The cat sat.", Completion = " The cat was happy.", Method = "hipe", Faithfulness = true,
            Perturbation = "nearest:1", Unit = "token",
        });
        Assert.False(result.CompletionGenerated);
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var json = JsonSerializer.Serialize(result, options);
        Assert.Contains("\"system_prompt\":", json);
        Assert.Contains("\"output_token_scores\":", json);
        var back = JsonSerializer.Deserialize<AttributionResult>(json, options)!;
        Assert.Equal(result.Units.Count, back.Units.Count);
        Assert.Equal(result.Units[2].Score, back.Units[2].Score);
        Assert.Equal(result.Faithfulness!.DeletionAuc, back.Faithfulness!.DeletionAuc);
        Assert.Equal("nearest:1", back.Perturbation);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { "empty", "empty" },
        { "long", "context" },
        { "unit", "unknown unit" },
        { "perturbation", "unknown perturbation" },
        { "completion", "tokenizes to nothing" },
        { "method", "unknown method" },
        { "segments", "used twice" },
        { "both", "not both" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_requests_get_a_clear_argument_exception(string what, string message)
    {
        var model = AttributionModels.Stories();
        var request = what switch
        {
            "empty" => new AttributionRequest { Text = "  " },
            "long" => new AttributionRequest { Text = string.Join(" ", Enumerable.Repeat("story", 600)) },
            "unit" => new AttributionRequest { Text = "Hi", Unit = "sentence" },
            "perturbation" => new AttributionRequest { Text = "Hi", Perturbation = "blur" },
            "completion" => new AttributionRequest { Text = "Hi", Completion = "" },
            "method" => new AttributionRequest { Text = "Hi", Method = "shap" },
            "segments" => new AttributionRequest { Segments = [new("user", "a"), new("user", "b")] },
            _ => new AttributionRequest { Text = "Hi", Segments = [new("user", "a")] },
        };
        var error = Assert.Throws<ArgumentException>(() => request.Validate(model));
        Assert.Contains(message, error.Message);
        Assert.Throws<ArgumentException>(() => AttributionEngine.Run(model, request));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the updates in order, now.</summary>
    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }
}
