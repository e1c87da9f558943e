using LeapEngine.Core.Attribution;
using LeapEngine.Core.Synthetic;
using Xunit.Abstractions;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>The CI short version: a key-retrieval model trains here (asserted under 120 s of wall time on a loaded machine), solves its task, and ItP finds the key.</summary>
public class KeyRetrievalTests(KeyRetrievalModelFixture fixture, ITestOutputHelper output) : IClassFixture<KeyRetrievalModelFixture>
{
    [Fact]
    public void Trains_here_and_solves_held_out_prompts_through_the_store()
    {
        output.WriteLine($"trained in {fixture.Log.Seconds:F1} s on {fixture.Log.Threads} threads, final loss {fixture.Log.Losses[^1].Loss:F4}");
        Assert.True(fixture.Log.Seconds < 120, $"training took {fixture.Log.Seconds:F1} s");
        // Evaluated again on the model the store loaded: what was written is what was trained.
        var report = SyntheticEvaluator.Evaluate(fixture.Model.Network, fixture.Task, seed: 2000, lengths: [8, 64, 128], perLength: 100);
        foreach (var l in report.Lengths) output.WriteLine($"length {l.Length}: {l.Correct}/{l.Total}");
        Assert.True(report.Accuracy >= 0.99, $"held-out accuracy {report.Accuracy:P1}");
        Assert.Equal(fixture.TrainedReport.Lengths, SyntheticEvaluator.Evaluate(fixture.Model.Network, fixture.Task, 1000 + KeyRetrievalModelFixture.Seed, [8, 64], 50).Lengths);
        foreach (var check in report.Interventions)
        {
            output.WriteLine($"{check.Name}: {check.Agreed}/{check.Total} agree, {check.Changed} changed the answer");
            Assert.True(check.Rate >= 0.99, $"{check.Name}: the answer followed the mechanism in {check.Rate:P1}");
        }
        Assert.Contains(report.Interventions, c => c.Name == "remove the key");
    }

    [Fact]
    public void Itp_ranks_the_planted_key_first_on_fresh_prompts()
    {
        var rng = new Random(3000);
        var vocab = SyntheticVocabulary.Instance;
        for (int i = 0; i < 8; i++)
        {
            var example = fixture.Task.Sample(rng, length: 24, copies: 1);
            var result = AttributionEngine.Run(fixture.Model, new AttributionRequest
            {
                Text = vocab.Text(example.Tokens), Method = "itp", Unit = "word", MaxNewTokens = 1,
            });
            Assert.Equal(" " + vocab.Word(example.Answer), result.CompletionText);
            Assert.Equal(example.Tokens.Length, result.Units.Count);
            var top = result.Units.OrderByDescending(u => u.Score).First();
            output.WriteLine($"{result.PromptText} -> {result.CompletionText}: top {top.Text} ({top.Score:F2})");
            Assert.Equal(example.Planted[0], top.Index);
        }
    }
}
