using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>Units map back to the characters of their segment's own text, through any template.</summary>
public class UnitsAndTemplatesTests
{
    private static readonly PromptSegment[] Chat = [new("system", "You are kind."), new("user", "Tell  me a story\nabout Tom.")];

    [Fact]
    public void Templates_render_their_markers_and_track_segment_spans()
    {
        var chatml = ChatTemplate.ChatMl.Render(Chat);
        Assert.Equal("<|im_start|>system\nYou are kind.<|im_end|>\n<|im_start|>user\nTell  me a story\nabout Tom.<|im_end|>\n<|im_start|>assistant\n", chatml.Text);
        var llama3 = ChatTemplate.Llama3.Render(Chat);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are kind.<|eot_id|>", llama3.Text);
        Assert.EndsWith("<|start_header_id|>assistant<|end_header_id|>\n\n", llama3.Text);
        Assert.True(llama3.StartsWithBos);
        Assert.Equal("You are kind.\n\nTell  me a story\nabout Tom.", ChatTemplate.Plain.Render(Chat).Text);
        foreach (var rendered in new[] { chatml, llama3, ChatTemplate.Plain.Render(Chat) })
            foreach (var (span, segment) in rendered.Segments.Zip(Chat))
                Assert.Equal(segment.Text, rendered.Text.Substring(span.Start, span.Length));
    }

    [Theory]
    [InlineData("stories", "token")]
    [InlineData("stories", "word")]
    [InlineData("stories", "chunk:3")]
    [InlineData("gpt2", "word")]
    [InlineData("gpt2", "token")]
    public void Units_point_into_their_segments_own_text(string name, string unit)
    {
        var model = AttributionModels.Load(name);
        foreach (var template in new[] { ChatTemplate.Plain, ChatTemplate.ChatMl, ChatTemplate.Llama3 })
        {
            var rendered = template.Render(Chat);
            var encoded = model.Encode(rendered.Text, rendered.StartsWithBos ? false : null);
            var units = UnitBuilder.Build(encoded, rendered, UnitSpec.Parse(unit));
            foreach (var u in units)
            {
                var text = Chat.Single(s => s.Name == u.Segment).Text;
                Assert.Equal(text.Substring(u.Start, u.Length), u.Text);
                Assert.DoesNotContain("<|", u.Text);
            }
            // Every unit's tokens lie inside the rendered span of its segment; no token is in two units.
            var all = units.SelectMany(u => u.Tokens).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.Equal(units.Select(u => u.Index), Enumerable.Range(0, units.Count));
            if (unit == "word")
                Assert.Equal(["You", "are", "kind.", "Tell", "me", "a", "story", "about", "Tom."], units.Select(u => u.Text));
        }
    }

    [Fact]
    public void Chunks_and_caller_spans()
    {
        var model = AttributionModels.Stories();
        var rendered = ChatTemplate.Plain.Render([new PromptSegment("user", "The cat sat on the mat.")]);
        var encoded = model.Encode(rendered.Text);
        var chunks = UnitBuilder.Build(encoded, rendered, UnitSpec.Parse("chunk:2"));
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(2, c.Tokens.Length));
        Assert.Equal(encoded.Count - 1, chunks.Sum(c => c.Tokens.Length));   // every token but BOS
        var spans = UnitBuilder.Build(encoded, rendered, UnitSpec.Parse("spans"), [new UnitSpan("user", 4, 3), new UnitSpan("user", 19, 4)]);
        Assert.Equal(["cat", "mat."], spans.Select(s => s.Text));
        Assert.Throws<ArgumentException>(() => UnitBuilder.Build(encoded, rendered, UnitSpec.Parse("spans"), [new UnitSpan("user", 20, 40)]));
        Assert.Throws<ArgumentException>(() => UnitBuilder.Build(encoded, rendered, UnitSpec.Parse("spans"), [new UnitSpan("system", 0, 2)]));
        Assert.Throws<ArgumentException>(() => UnitBuilder.Build(encoded, rendered, UnitSpec.Parse("spans"),
            [new UnitSpan("user", 4, 3), new UnitSpan("user", 5, 3)]));
    }

    [Theory]
    [InlineData("chunk:0")]
    [InlineData("chunk:x")]
    [InlineData("sentence")]
    public void Unknown_units_are_rejected(string unit) =>
        Assert.Contains("unit", Assert.Throws<ArgumentException>(() => UnitSpec.Parse(unit)).Message);

    [Theory]
    [InlineData("nearest:0")]
    [InlineData("token:")]
    [InlineData("blur")]
    public void Unknown_perturbations_are_rejected(string perturbation) =>
        Assert.Contains("perturbation", Assert.Throws<ArgumentException>(() => PerturbationSpec.Parse(perturbation)).Message);

    [Fact]
    public void Auto_template_is_plain_for_base_models()
    {
        var model = AttributionModels.Stories();
        Assert.Same(ChatTemplate.Plain, ChatTemplate.Resolve("auto", model));
        Assert.Same(ChatTemplate.ChatMl, ChatTemplate.Resolve("ChatML", model));
        Assert.Throws<ArgumentException>(() => ChatTemplate.Resolve("alpaca", model));
    }
}
