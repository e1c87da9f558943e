using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Partitioning.Corpora;

/// <summary>
/// Out-of-distribution corpora for a dictionary built on stories: another kind of text
/// (dry technical and financial prose the story model never saw) and random-token strings.
/// </summary>
public static class OtherCorpora
{
    private static readonly string[] Subjects = ["The quarterly report", "The database migration", "The committee", "The compiler",
        "Revenue from operations", "The configuration file", "The regulatory filing", "The server cluster"];
    private static readonly string[] Verbs = ["indicates", "requires", "exceeded", "deprecates", "specifies", "reduced", "allocates", "invalidates"];
    private static readonly string[] Objects = ["the projected margin", "an index on the foreign key", "the statutory threshold",
        "the cache eviction policy", "fiscal year 2023 guidance", "the TLS certificate chain", "amortised capital expenditure",
        "the replication lag budget"];
    private static readonly string[] Tails = ["by 4.7 percent.", "before deployment.", "pursuant to section 12(b).", "under sustained load.",
        "as of the reporting date.", "without a schema change.", "net of currency effects.", "per the service agreement."];

    /// <summary>Technical, legal and financial sentences, 2 to 3 per text.</summary>
    public static IEnumerable<string> TechnicalText(int count, long seed = 0)
    {
        var rng = new Random(unchecked((int)seed) ^ 0x7ec4);
        for (int i = 0; i < count; i++)
        {
            int sentences = 2 + rng.Next(2);
            yield return string.Join(" ", Enumerable.Range(0, sentences).Select(_ =>
                $"{Pick(rng, Subjects)} {Pick(rng, Verbs)} {Pick(rng, Objects)} {Pick(rng, Tails)}"));
        }
    }

    /// <summary>Strings of uniformly random token ids (BOS/EOS excluded), decoded to text.</summary>
    public static IEnumerable<string> RandomTokens(LanguageModel model, int count, int tokens = 24, long seed = 0)
    {
        if (tokens < 1) throw new ArgumentException($"random strings need at least 1 token, got {tokens}");
        var rng = new Random(unchecked((int)seed) ^ 0x0a4d);
        int vocab = model.Tokenizer.VocabSize;
        for (int i = 0; i < count; i++)
        {
            var ids = new List<int>();
            while (ids.Count < tokens)
            {
                int id = rng.Next(vocab);
                if (id != model.BosId && id != model.EosId) ids.Add(id);
            }
            yield return model.Decode(ids);
        }
    }

    /// <summary>
    /// The model's own sampled stories (from BOS, temperature 0.8, up to 80 tokens): text in the
    /// distribution the model was trained on that no template produced, for an honest in-set.
    /// </summary>
    public static IEnumerable<string> ModelSamples(LanguageModel model, int count, long seed = 0)
    {
        const int batch = 32;
        var start = model.BosId ?? model.EosId ?? throw new ArgumentException("sampling needs a BOS or EOS token to start from");
        for (int done = 0; done < count; done += batch)
        {
            int n = Math.Min(batch, count - done);
            var prompts = Enumerable.Repeat((IReadOnlyList<int>)new[] { start }, n).ToList();
            var options = new GenerationOptions { MaxNewTokens = 80, Temperature = 0.8, Seed = seed * 1_000_003 + done };
            foreach (var ids in TextGenerator.GenerateBatch(model.Network, prompts, options, model.EosId))
                yield return model.Decode(ids.Where(id => id != model.EosId)).Trim();
        }
    }

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
