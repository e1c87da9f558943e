using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Benchmarks;

/// <summary>Checks, without any attribution method, that a prompt's key words carry its answer for the model.</summary>
public static class KeyWordProbe
{
    /// <summary>The text with the given units deleted (and the spaces around them collapsed).</summary>
    public static string Without(KeyWordPrompt p, IEnumerable<int> units)
    {
        var chars = p.Text.ToCharArray();
        foreach (int u in units)
            for (int c = p.Spans[u].Start; c < p.Spans[u].Start + p.Spans[u].Length; c++) chars[c] = '\0';
        var s = new string(chars.Where(c => c != '\0').ToArray());
        while (s.Contains("  ", StringComparison.Ordinal)) s = s.Replace("  ", " ", StringComparison.Ordinal);
        return s.Trim();
    }

    public static double LogProb(LanguageModel lm, string prompt, string completion) =>
        Scoring.ContinuationLogProbs(lm.Network, lm.PromptIds(prompt), lm.ContinuationIds(completion)).Sum(x => (double)x);

    public static bool GreedyCompletes(LanguageModel lm, KeyWordPrompt p)
    {
        var want = lm.ContinuationIds(p.Completion);
        var got = lm.Generate(p.Text, new GenerationOptions { MaxNewTokens = want.Length });
        return got.SequenceEqual(want);
    }

    /// <summary>(log-prob of the answer, its drop when the key words go, its drop when all filler goes).</summary>
    public static (double LogProb, double KeyDrop, double FillerDrop) Drops(LanguageModel lm, KeyWordPrompt p)
    {
        double full = LogProb(lm, p.Text, p.Completion);
        return (full, full - LogProb(lm, Without(p, p.KeyUnits), p.Completion), full - LogProb(lm, Without(p, p.FillerUnits), p.Completion));
    }
}
