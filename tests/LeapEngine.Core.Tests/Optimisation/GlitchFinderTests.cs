using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Optimisation;

public class GlitchFinderTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Fact]
    public void Tests_the_tokens_nearest_and_farthest_from_the_centroid()
    {
        var model = fixture.Model;
        var result = GlitchFinder.Find(model, new GlitchRequest { Top = 5, ControlSample = 0 });
        var allowed = Vocabulary.Allowed(model, VocabularyFilter.Printable);
        var distances = GlitchFinder.CentroidDistances(model, allowed);
        var sorted = distances.Order().ToArray();

        Assert.Equal(sorted.Take(5), result.Nearest.Select(t => t.DistanceToCentroid), new Tolerance());
        Assert.Equal(sorted.Reverse().Take(5), result.Farthest.Select(t => t.DistanceToCentroid), new Tolerance());
        Assert.All(result.Nearest.Concat(result.Farthest), t => Assert.Contains(t.Id, allowed));
        Assert.Empty(result.Control);
        Assert.Null(result.ControlRepeatRate);
        Assert.Equal(result.Nearest.Concat(result.Farthest).Where(t => !t.Repeated).Select(t => t.Id), result.Glitches.Select(t => t.Id));
    }

    [Fact]
    public void Repeated_means_the_greedy_next_token_is_the_token_itself()
    {
        var model = fixture.Model;
        // Every printable token as a control, so both outcomes occur.
        var result = GlitchFinder.Find(model, new GlitchRequest { Top = 1, ControlSample = 10_000 });
        Assert.Equal(result.AllowedTokens, result.Control.Count);
        Assert.Contains(result.Control, t => t.Repeated);
        Assert.Contains(result.Control, t => !t.Repeated);
        Assert.Equal(result.Control.Count(t => t.Repeated) / (double)result.Control.Count, result.ControlRepeatRate);

        var template = result.PromptTemplate;
        foreach (var token in result.Control.Where(t => t.Repeated).Take(2).Concat(result.Control.Where(t => !t.Repeated).Take(2)))
        {
            Assert.Equal(token.Repeated, token.GeneratedIds[0] == token.Id);
            Assert.Equal(model.Tokenizer.TokenText(token.Id), token.Text);
            // Our own greedy step from the same few-shot ids agrees.
            var prompt = GlitchPrompt(model, template, token.Id);
            Assert.Equal(token.GeneratedIds[0], TextGenerator.Generate(model.Network, prompt, new GenerationOptions { MaxNewTokens = 1 })[0]);
        }
    }

    [Fact]
    public void Bad_requests_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => GlitchFinder.Find(fixture.Model, new GlitchRequest { Top = 0 }));
        Assert.Throws<ArgumentException>(() => GlitchFinder.Find(fixture.Model, new GlitchRequest { ControlSample = -1 }));
    }

    /// <summary>The template is "w w\n" three times: rebuild its ids from the displayed text's words.</summary>
    private static int[] GlitchPrompt(LanguageModel model, string template, int id)
    {
        var lines = template.Split('\n')[..^1];
        var ids = new List<int>(model.PromptIds("")[..1]);
        var newline = model.ContinuationIds("\n");
        foreach (var line in lines)
        {
            var word = line.Trim().Split(' ')[0];
            var token = model.ContinuationIds(" " + word);
            ids.AddRange([.. token, .. token, .. newline]);
        }
        ids.Add(id);
        return ids.ToArray();
    }

    private sealed class Tolerance : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-9;
        public int GetHashCode(double obj) => 0;
    }
}
