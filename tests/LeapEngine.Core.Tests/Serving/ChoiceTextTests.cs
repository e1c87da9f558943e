using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Serving;

/// <summary>A choice's text as tokens arrive: released pieces add up to the decoded text, cut before a stop sequence.</summary>
public sealed class ChoiceTextTests
{
    private static readonly Lazy<LanguageModel> Model = new(() => SharedModels.Stories);   // the shared read-only instance

    private static (string Released, ChoiceText Text) Feed(string continuation, params string[] stops)
    {
        var model = Model.Value;
        var context = model.PromptIds("Once upon a time");
        var text = new ChoiceText(model, context, stops);
        var released = new System.Text.StringBuilder();
        foreach (var id in model.ContinuationIds(continuation))
        {
            if (text.Stopped) break;
            released.Append(text.Add(id));
        }
        released.Append(text.Flush());
        return (released.ToString(), text);
    }

    [Fact]
    public void Without_stops_the_pieces_add_up_to_the_decoded_continuation()
    {
        var (released, text) = Feed(" there was a dog. The dog ran.");
        Assert.Equal(" there was a dog. The dog ran.", released);
        Assert.Equal(released, text.Text);
        Assert.False(text.Stopped);
    }

    [Fact]
    public void The_text_ends_before_the_earliest_stop_and_a_possible_stop_is_held_back()
    {
        var (released, text) = Feed(" there was a dog. The dog ran.", "dog ran", ". The");
        Assert.Equal(" there was a dog", released);
        Assert.True(text.Stopped);

        var model = Model.Value;
        var partial = new ChoiceText(model, model.PromptIds("Once upon a time"), ["END"]);
        var pieces = model.ContinuationIds(" the EN").Select(partial.Add).ToList();
        Assert.Equal(" the ", string.Concat(pieces));   // "EN" may still become "END"
        Assert.Equal(" the EN", string.Concat(pieces) + partial.Flush());
        Assert.Throws<ArgumentException>(() => new ChoiceText(model, [1], [""]));
    }
}
