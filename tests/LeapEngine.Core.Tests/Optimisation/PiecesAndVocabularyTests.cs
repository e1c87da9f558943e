using LeapEngine.Core.Optimisation;

namespace LeapEngine.Core.Tests.Optimisation;

public class PiecesAndVocabularyTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Theory]
    [InlineData(" ball")]
    [InlineData(" the park")]
    [InlineData("ball")]
    [InlineData(". The end")]
    public void Continuation_tokens_decode_back_to_the_text_after_other_tokens(string text)
    {
        var model = fixture.Model;
        var ids = model.ContinuationIds(text);
        var before = model.PromptIds("Once");
        Assert.Equal("Once" + text, model.Decode(before.Concat(ids)));
    }

    [Fact]
    public void Continuation_does_not_add_the_dummy_prefix_space()
    {
        // SentencePiece's own encoding of " ball" starts with an extra "▁" piece.
        var own = fixture.Model.Tokenizer.Encode(" ball").Ids;
        var continuation = fixture.Model.ContinuationIds(" ball");
        Assert.True(continuation.Length < own.Count, $"{continuation.Length} vs {own.Count}");
        Assert.Equal(" ball", string.Concat(continuation.Select(fixture.Model.Tokenizer.TokenText)));
    }

    [Fact]
    public void Printable_vocabulary_has_no_special_or_byte_tokens()
    {
        var model = fixture.Model;
        var allowed = Vocabulary.Allowed(model, VocabularyFilter.Printable);
        Assert.DoesNotContain(0, allowed);   // <unk>
        Assert.DoesNotContain(1, allowed);   // BOS
        Assert.DoesNotContain(2, allowed);   // EOS
        Assert.DoesNotContain(allowed, id => id is >= 3 and <= 258);   // byte-fallback pieces
        Assert.Contains(model.ContinuationIds(" the")[0], allowed);
        Assert.All(allowed, id => Assert.DoesNotContain(model.Tokenizer.TokenText(id), c => char.IsControl(c)));

        var noSpecial = Vocabulary.Allowed(model, VocabularyFilter.NoSpecial);
        Assert.Contains(13, noSpecial);      // <0x0A>, a newline, is not special
        Assert.DoesNotContain(1, noSpecial);
        Assert.True(noSpecial.Length > allowed.Length);
    }

    [Fact]
    public void Allowed_ids_intersect_with_the_filter() =>
        Assert.Equal([300, 301], Vocabulary.Allowed(fixture.Model, VocabularyFilter.Printable, [1, 13, 301, 300, 300]));

    [Theory]
    [InlineData(" ball. It was", " ball", false, true)]
    [InlineData(" balloon", " ball", false, false)]
    [InlineData("s cat named", " cat", false, true)]
    [InlineData(" catch the cat", " cat", false, true)]
    [InlineData(" catch", " cat", false, false)]
    [InlineData(" the ball", " ball", true, false)]
    [InlineData(" ball", " ball", true, true)]
    [InlineData("ball!", "ball", true, true)]
    [InlineData("sball", "ball", false, false)]
    [InlineData("", " ball", false, false)]
    public void Target_matches_only_whole_words(string continuation, string target, bool exact, bool expected) =>
        Assert.Equal(expected, TargetMatch.Appears(continuation, target, exact));
}
