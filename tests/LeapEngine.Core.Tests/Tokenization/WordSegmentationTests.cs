using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

public class WordSegmentationTests
{
    [Fact]
    public void Pieces_of_a_split_character_belong_to_its_word()
    {
        // GPT-2 cuts the emoji of "a 😀" into " \xF0\x9F\x98" and "\x80": both are the second word.
        var encoded = Gpt2Tokenizer.FromTiktokenData().Encode("a 😀");
        Assert.Equal([0, 1, 1], encoded.WordOfToken);
    }

    [Fact]
    public void Handles_offsets_that_go_back_after_the_last_word()
    {
        var words = WordSegmentation.Words("ab cd ");
        var wordOfToken = WordSegmentation.AssignTokensToWords(words, [new(3, 2), new(5, 1), new(0, 2)]);
        Assert.Equal([1, -1, 0], wordOfToken);
    }
}
