using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox.Scoring;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>How each scoring mode reads an answer, and how the mode is chosen from the probe.</summary>
public class ScoringReadersTests
{
    private static ChatTokenLogprob At(string token, double lp, params (string, double)[] top) =>
        new() { Token = token, Logprob = lp, TopLogprobs = top.Select(t => new TopLogprob(t.Item1, t.Item2)).ToList() };

    [Fact]
    public void Regenerate_looks_tokens_up_and_charges_the_floor_after_divergence()
    {
        string[] original = ["A", "B", "C", "D"];
        // Same path: the tokens' own log-probs.
        Assert.Equal([-0.1, -0.2, -0.3, -0.4], RegenerateReader.LookUp(original,
            [At("A", -0.1, ("A", -0.1), ("x", -3)), At("B", -0.2), At("C", -0.3), At("D", -0.4)]));
        // B is second choice at position 1: its log-prob there; after the divergence, the floor seen at position 1 (-5).
        Assert.Equal([-0.1, -1.5, -5, -5], RegenerateReader.LookUp(original,
            [At("A", -0.1, ("A", -0.1)), At("Q", -0.3, ("Q", -0.3), ("B", -1.5), ("Z", -5)), At("R", -0.1, ("R", -0.1)), At("S", -0.1)]));
        // B outside the top-k: the lowest log-prob returned there.
        Assert.Equal([-0.1, -4, -4, -4], RegenerateReader.LookUp(original,
            [At("A", -0.1), At("Q", -0.3, ("Q", -0.3), ("Z", -4))]));
        // The regeneration stopped early: positions past its end take the last floor.
        Assert.Equal([-0.1, -0.2, -0.9, -0.9], RegenerateReader.LookUp(original, [At("A", -0.1), At("B", -0.2, ("B", -0.2), ("y", -0.9))]));
        Assert.All(RegenerateReader.LookUp(original, []), v => Assert.Equal(RegenerateReader.EmptyFloor, v));
    }

    [Fact]
    public void Text_similarity_is_word_lcs_f1()
    {
        Assert.Equal(1, TextSimilarityReader.Similarity("the cat sat", "the cat sat"));
        // LCS "cat sat" (2 words) over 3 + 6 words.
        Assert.Equal(2.0 * 2 / 9, TextSimilarityReader.Similarity("the cat sat", "a cat that the dog sat"), 12);
        Assert.Equal(0, TextSimilarityReader.Similarity("abc", "xyz"));
        Assert.Equal(Math.Log(TextSimilarityReader.MinSimilarity), TextSimilarityReader.LogSimilarity("abc", "xyz"), 12);
    }

    [Fact]
    public void Echo_answers_are_read_from_the_completions_offset()
    {
        var choice = new CompletionChoice
        {
            Logprobs = new CompletionLogprobs
            {
                Tokens = ["Hello", " world", " and", " more", "!"],
                TokenLogprobs = [null, -1.0, -2.0, -3.0, -9.0],
                TextOffset = [0, 5, 11, 15, 20],
            },
        };
        var (tokens, values) = TeacherForcedReader.FromEcho(choice, 11, 9);
        Assert.Equal([" and", " more"], tokens);
        Assert.Equal([-2.0, -3.0], values);
        Assert.Contains("start the completion with a space", Assert.Throws<EndpointException>(() => TeacherForcedReader.FromEcho(choice, 13, 7)).Message);
        Assert.Equal(EndpointFailure.BadResponse, Assert.Throws<EndpointException>(() => TeacherForcedReader.FromEcho(new CompletionChoice(), 1, 1)).Failure);
        // BOS first (null, offset 0) and an empty prompt: the completion starts at the first real token.
        var bos = new CompletionChoice
        {
            Logprobs = new CompletionLogprobs { Tokens = ["<s>", " and", " more"], TokenLogprobs = [null, -2.0, -3.0], TextOffset = [0, 0, 4] },
        };
        Assert.Equal([-2.0, -3.0], TeacherForcedReader.FromEcho(bos, 0, 9).Item2);
        // A SentencePiece dummy prefix (what LeapEngine's own endpoint echoes for stories260K when the text starts with a
        // space): a whitespace token at the completion's first offset with the next token at the same offset spells
        // nothing of the text and is not one of the completion's tokens.
        var dummy = new CompletionChoice
        {
            Logprobs = new CompletionLogprobs { Tokens = ["<s>", " ", " and", " more"], TokenLogprobs = [null, -0.5, -2.0, -3.0], TextOffset = [0, 0, 0, 4] },
        };
        Assert.Equal([" and", " more"], TeacherForcedReader.FromEcho(dummy, 0, 9).Item1);
        Assert.Equal([-2.0, -3.0], TeacherForcedReader.FromEcho(dummy, 0, 9).Item2);
        // Byte-fallback pieces of one character share an offset too, but are not whitespace: they stay completion tokens.
        var bytes = new CompletionChoice
        {
            Logprobs = new CompletionLogprobs { Tokens = ["<s>", "\uFFFD", "\uFFFD", " more"], TokenLogprobs = [null, -1.0, -2.0, -3.0], TextOffset = [0, 0, 0, 2] },
        };
        Assert.Equal([-1.0, -2.0, -3.0], TeacherForcedReader.FromEcho(bytes, 0, 7).Item2);
    }

    [Fact]
    public void Prompt_logprobs_are_read_from_the_end()
    {
        var choice = new CompletionChoice
        {
            PromptLogprobs =
            [
                null,
                new() { ["9"] = new PromptLogprob { Logprob = -1, DecodedToken = " world" } },
                new() { ["7"] = new PromptLogprob { Logprob = -2, DecodedToken = " and" } },
                new() { ["8"] = new PromptLogprob { Logprob = -3, DecodedToken = " more" } },
            ],
        };
        var (tokens, values) = TeacherForcedReader.FromPromptLogprobs(choice, 9);
        Assert.Equal([" and", " more"], tokens);
        Assert.Equal([-2.0, -3.0], values);
        Assert.Throws<EndpointException>(() => TeacherForcedReader.FromPromptLogprobs(choice, 7));
    }

    private static EndpointCapabilities Caps(bool echo = false, bool prompt = false, bool chat = false, int top = 0) => new()
    {
        ChatLogprobs = chat, TopLogprobs = top, CompletionsEcho = echo, PromptLogprobs = prompt, Tokenize = false,
        DeterministicAtTemperatureZero = true, Notes = [], Calls = 0,
    };

    [Fact]
    public void The_mode_is_the_best_the_probe_found_or_the_one_asked_for()
    {
        var request = new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", "hi there")] };
        Assert.Equal(ScoringMode.TeacherForced, BlackBoxAttribution.ChooseMode(request, Caps(echo: true, chat: true, top: 20)).Mode);
        Assert.Equal(ScoringMode.TeacherForced, BlackBoxAttribution.ChooseMode(request, Caps(prompt: true)).Mode);
        Assert.Equal(ScoringMode.RegenerateTopLogprobs, BlackBoxAttribution.ChooseMode(request, Caps(chat: true, top: 20)).Mode);
        Assert.Equal(ScoringMode.TextSimilarity, BlackBoxAttribution.ChooseMode(request, Caps()).Mode);
        var asked = new BlackBoxAttributionRequest { Messages = request.Messages, Scoring = "teacher_forced" };
        Assert.Contains("echo or prompt_logprobs", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.ChooseMode(asked, Caps(chat: true, top: 20))).Message);
        Assert.Equal("requested", BlackBoxAttribution.ChooseMode(asked, Caps(echo: true)).Reason);
        var given = new BlackBoxAttributionRequest { Messages = request.Messages, Completion = " yes" };
        Assert.Contains("leave the completion out", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.ChooseMode(given, Caps(chat: true, top: 5))).Message);
        Assert.Contains("unknown scoring", Assert.Throws<ArgumentException>(() => new BlackBoxAttributionRequest { Messages = request.Messages, Scoring = "exact" }.Validate()).Message);
    }
}
