using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Prompt;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>Units over message contents and what perturbing them does to the text.</summary>
public class MessagePromptTests
{
    private static readonly ChatMessage[] Messages =
    [
        new("system", "You are terse. Never lie!"),
        new("user", "What is the capital of France? Answer in one word."),
    ];

    [Fact]
    public void Words_sentences_and_messages_cover_the_contents()
    {
        var words = MessageUnits.Build(Messages, MessageUnitKind.Word);
        Assert.Equal(["You", "are", "terse.", "Never", "lie!", "What", "is", "the", "capital", "of", "France?", "Answer", "in", "one", "word."], words.Select(u => u.Text));
        Assert.All(words, u => Assert.Equal(u.Text, Messages[u.Message].Content.Substring(u.Start, u.Length)));
        Assert.Equal(Enumerable.Range(0, words.Count), words.Select(u => u.Index));
        Assert.Equal(["system", "user"], words.Select(u => u.Role).Distinct());

        var sentences = MessageUnits.Build(Messages, MessageUnitKind.Sentence);
        Assert.Equal(["You are terse.", "Never lie!", "What is the capital of France?", "Answer in one word."], sentences.Select(u => u.Text));
        Assert.Equal(["line one", "line two."], MessageUnits.Build([new ChatMessage("user", "line one\n  line two.")], MessageUnitKind.Sentence).Select(u => u.Text));

        var messages = MessageUnits.Build(Messages, MessageUnitKind.Message);
        Assert.Equal(Messages.Select(m => m.Content), messages.Select(u => u.Text));
    }

    [Fact]
    public void Spans_are_checked_against_their_message()
    {
        var units = MessageUnits.Build(Messages, MessageUnitKind.Spans, [new MessageSpan(1, 23, 6), new MessageSpan(0, 0, 3)]);
        Assert.Equal(["You", "France"], units.Select(u => u.Text));
        Assert.Contains("outside message 1", Assert.Throws<ArgumentException>(() => MessageUnits.Build(Messages, MessageUnitKind.Spans, [new MessageSpan(1, 40, 100)])).Message);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => MessageUnits.Build(Messages, MessageUnitKind.Spans, [new MessageSpan(1, 0, 5), new MessageSpan(1, 3, 4)])).Message);
        Assert.Contains("numbered 0 to 1", Assert.Throws<ArgumentException>(() => MessageUnits.Build(Messages, MessageUnitKind.Spans, [new MessageSpan(7, 0, 1)])).Message);
        Assert.Contains("endpoint_token", Assert.Throws<ArgumentException>(() => MessageUnits.Parse("syllable")).Message);
        Assert.Contains("tokenize route", Assert.Throws<ArgumentException>(() => MessageUnits.Build(Messages, MessageUnitKind.EndpointToken)).Message);
    }

    [Fact]
    public void Removing_a_word_takes_one_separator_with_it()
    {
        var units = MessageUnits.Build(Messages, MessageUnitKind.Word);
        int Find(string text) => units.First(u => u.Text == text).Index;
        var removed = TextPerturbation.Remove.Apply(Messages, units, [Find("France?"), Find("What"), Find("terse.")]);
        Assert.Equal("You are Never lie!", removed[0].Content);
        Assert.Equal("is the capital of Answer in one word.", removed[1].Content);
        // A message left empty goes with its role.
        var noSystem = TextPerturbation.Remove.Apply(Messages, units, units.Where(u => u.Role == "system").Select(u => u.Index));
        Assert.Equal(["user"], noSystem.Select(m => m.Role));
        Assert.Same(Messages, TextPerturbation.Remove.Apply(Messages, units, []));
    }

    [Fact]
    public void Replacing_puts_the_fixed_text_in_each_units_place()
    {
        var units = MessageUnits.Build(Messages, MessageUnitKind.Word);
        var perturbation = TextPerturbation.Parse("replace:___");
        var replaced = perturbation.Apply(Messages, units, units.Where(u => u.Text is "capital" or "France?").Select(u => u.Index));
        Assert.Equal("What is the ___ of ___ Answer in one word.", replaced[1].Content);
        Assert.Equal("replace:___", perturbation.ToString());
        Assert.Contains("replace:TEXT", Assert.Throws<ArgumentException>(() => TextPerturbation.Parse("token:5")).Message);
        Assert.Contains("needs a text", Assert.Throws<ArgumentException>(() => TextPerturbation.Parse("replace:")).Message);
    }

    [Fact]
    public void Endpoint_tokens_are_matched_back_to_characters()
    {
        Assert.Equal([new TextSpan(0, 4), new TextSpan(4, 3), new TextSpan(7, 2), new TextSpan(9, 5)],
            EndpointTokens.Match("Once upon time", ["▁Once", "▁up", "on", "▁time"]));
        Assert.Equal([new TextSpan(0, 5), new TextSpan(5, 6)], EndpointTokens.Match("Hello world", ["Hello", "Ġworld"]));
        Assert.Contains("does not match", Assert.Throws<ArgumentException>(() => EndpointTokens.Match("héllo", ["h", "<0xC3>", "<0xA9>", "llo"])).Message);
    }
}
