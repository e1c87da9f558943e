using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;
using LeapEngine.Core.Tests.ModelSharing;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Serving;

/// <summary>
/// The serving sampler against the engine's own generator and forward pass: the prompt scored by teacher forcing,
/// greedy and seeded choices as TextGenerator makes them, n choices sharing one prompt cache.
/// </summary>
public sealed class CompletionSamplerTests
{
    private static readonly Lazy<LanguageModel> Model = new(() => SharedModels.Stories);   // the shared read-only instance
    private static readonly object Gate = new();
    private const string Text = "Once upon a time, there was a little girl named Lily.";

    private static (IReadOnlyList<PromptTokenScore>? Scores, List<SampledToken> Tokens) Run(ServingRequest request)
    {
        lock (Gate)
        {
            var tokens = new List<SampledToken>();
            var scores = CompletionSampler.Run(Model.Value.Network, request, Model.Value.EosId, null, t => { tokens.Add(t); return true; });
            return (scores, tokens);
        }
    }

    [Fact]
    public void Prompt_scores_are_the_forward_pass_log_softmax_with_ranks_and_top_tokens()
    {
        var ids = Model.Value.PromptIds(Text);
        var (scores, tokens) = Run(new ServingRequest { PromptIds = ids, MaxNewTokens = 0, PromptLogProbs = 3 });
        Assert.Empty(tokens);
        float[][] expected;
        lock (Gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var lp = Model.Value.Network.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0].log_softmax(-1);
            expected = Enumerable.Range(0, ids.Length).Select(i => lp[i].data<float>().ToArray()).ToArray();
        }
        Assert.Null(scores![0].LogProb);
        for (int i = 1; i < ids.Length; i++)
        {
            var row = expected[i - 1];
            Assert.Equal(row[ids[i]], scores[i].LogProb!.Value, 4);
            Assert.Equal(row.Count(v => v > row[ids[i]]) + 1, scores[i].Rank);
            var best = row.Select((v, id) => (v, id)).OrderByDescending(p => p.v).Take(3).Select(p => p.id);
            Assert.Equal(best, scores[i].Top.Select(t => t.Id));
        }
    }

    [Fact]
    public void Greedy_choices_are_the_generators_tokens_with_their_own_log_probs()
    {
        var ids = Model.Value.PromptIds(Text);
        var (_, tokens) = Run(new ServingRequest { PromptIds = ids, MaxNewTokens = 20, Temperature = 0, Choices = 2, TopLogProbs = 2 });
        int[] reference;
        lock (Gate) reference = TextGenerator.Generate(Model.Value.Network, ids, new GenerationOptions { MaxNewTokens = 20 }, Model.Value.EosId);
        foreach (var choice in new[] { 0, 1 })
        {
            var mine = tokens.Where(t => t.Choice == choice).ToList();
            Assert.Equal(reference, mine.Select(t => t.Id));
            Assert.All(mine, t => Assert.Equal(t.Top[0].LogProb, t.LogProb, 5));   // greedy: the likeliest token
        }
    }

    [Fact]
    public void A_seeded_single_choice_samples_what_the_generator_samples_and_n_choices_differ()
    {
        var ids = Model.Value.PromptIds("Once upon a time");
        var (_, one) = Run(new ServingRequest { PromptIds = ids, MaxNewTokens = 12, Temperature = 0.9, TopP = 0.95, Seed = 42 });
        int[] reference;
        lock (Gate)
            reference = TextGenerator.Generate(Model.Value.Network, ids,
                new GenerationOptions { MaxNewTokens = 12, Temperature = 0.9, TopP = 0.95, Seed = 42 }, Model.Value.EosId);
        Assert.Equal(reference, one.Select(t => t.Id));
        var (_, many) = Run(new ServingRequest { PromptIds = ids, MaxNewTokens = 12, Temperature = 1, Seed = 42, Choices = 4 });
        var texts = Enumerable.Range(0, 4).Select(c => string.Join(",", many.Where(t => t.Choice == c).Select(t => t.Id))).ToList();
        Assert.True(texts.Distinct().Count() > 1);
    }

    [Fact]
    public void Returning_false_ends_a_choice_and_bad_requests_are_refused_before_the_network_runs()
    {
        var ids = Model.Value.PromptIds(Text);
        var seen = new List<SampledToken>();
        lock (Gate)
            CompletionSampler.Run(Model.Value.Network, new ServingRequest { PromptIds = ids, MaxNewTokens = 10, Temperature = 0, Choices = 2 },
                Model.Value.EosId, null, t => { seen.Add(t); return t.Choice == 1; });
        Assert.Single(seen, t => t.Choice == 0);
        Assert.Equal(10, seen.Count(t => t.Choice == 1));

        var vocab = Model.Value.Config.VocabSize;
        Assert.Throws<ArgumentException>(() => Run(new ServingRequest { PromptIds = [1, vocab] }));
        Assert.Throws<ArgumentException>(() => Run(new ServingRequest { PromptIds = [] }));
        Assert.Throws<ArgumentException>(() => Run(new ServingRequest { PromptIds = [1], MaxNewTokens = Model.Value.Config.ContextLength }));
        Assert.Throws<ArgumentException>(() => Run(new ServingRequest { PromptIds = [1], TopLogProbs = 21 }));
    }
}
