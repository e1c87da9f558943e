using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>How well EP's out-of-set scores separate one out-of-set corpus from fresh in-set task prompts.</summary>
public sealed record OodRow(string OutSet, string Difficulty, int InTexts, int OutTexts, double AurocMean, double AurocMax,
    double AurocBeyondTheta, double InMeanScore, double OutMeanScore);

/// <summary>
/// Out-of-set detection against contrasts of graded difficulty, all of the in-set's length:
/// easy — random words from the whole vocabulary, and key-retrieval prompts (another task's text);
/// hard — the in-set prompts with entity words from an unseen "category" (" ia".." if", never in training) in place
/// of theirs, and prompts mixing entities of two or three categories (a combination training never shows);
/// null — the in-set prompts shuffled: this task's entities sit at uniform random positions, so a shuffled prompt
/// is drawn from the training distribution itself and the right AUROC is 0.5 (a control, not a contrast).
/// </summary>
public static class PartitionOod
{
    public static List<OodRow> Run(LanguageModel model, LatentCategoryTask task, ExemplarDictionary dictionary,
        PartitionBenchOptions options, CancellationToken ct = default)
    {
        var vocab = SyntheticVocabulary.Instance;
        int n = options.OodPrompts, length = options.Length;
        var rng = options.Generator(PartitionBenchOptions.Stream.OutOfSet);
        // In-set prompts carry an entity (the out-of-set variants below are edits of such prompts).
        var inSet = Enumerable.Range(0, n).Select(_ => task.Sample(rng, length, rng.Next(LatentCategoryTask.CategoryCount), 1 + rng.Next(3))).ToList();
        var inScores = dictionary.Score(model, inSet.Select(e => vocab.Text(e.Tokens)).ToList(), ct: ct);

        var rows = new List<OodRow>();
        void Compare(string name, string difficulty, IEnumerable<int[]> outSet)
        {
            ct.ThrowIfCancellationRequested();
            var outScores = dictionary.Score(model, outSet.Select(vocab.Text).ToList(), ct: ct);
            var r = ExemplarDictionary.Compare(inScores, outScores);
            rows.Add(new OodRow(name, difficulty, r.InTexts, r.OutTexts, r.AurocMean, r.AurocMax, r.AurocFractionBeyondTheta, r.InMeanScore, r.OutMeanScore));
        }

        var allWords = Enumerable.Range(0, 26).SelectMany(i => vocab.WordsStartingWith((char)('a' + i))).ToArray();
        Compare("random words", "easy", Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => allWords[rng.Next(allWords.Length)]).ToArray()));
        var keyTask = new KeyRetrievalTask(options.Seed);
        Compare("key-retrieval prompts (another task)", "easy", Enumerable.Range(0, n).Select(_ => keyTask.Sample(rng, length).Tokens));
        Compare("unseen entity words (ia..if)", "hard", inSet.Select(e => ReplaceEntities(task, e, _ => task.UnseenWords[rng.Next(task.UnseenWords.Count)])));
        Compare("entities of 2-3 categories mixed", "hard", inSet.Select(e => MixCategories(task, e, rng, length)));
        Compare("shuffled in-set prompts", "null (same distribution)", inSet.Select(e =>
        {
            var words = e.Tokens.ToArray();
            rng.Shuffle(words);
            return words;
        }));
        return rows;
    }

    /// <summary>The prompt with every entity word replaced by <paramref name="replacement"/>'s pick.</summary>
    public static int[] ReplaceEntities(LatentCategoryTask task, SyntheticExample example, Func<int, int> replacement) =>
        example.Tokens.Select(w => task.CategoryOf(w) >= 0 ? replacement(w) : w).ToArray();

    /// <summary>A prompt of 2-3 entity words of at least two different categories among filler.</summary>
    public static int[] MixCategories(LatentCategoryTask task, SyntheticExample example, Random rng, int length)
    {
        var words = example.Tokens.ToArray();
        int count = 2 + rng.Next(2);
        var positions = Enumerable.Range(0, length).ToArray();
        rng.Shuffle(positions);
        var categories = Enumerable.Range(0, LatentCategoryTask.CategoryCount).ToArray();
        rng.Shuffle(categories);
        for (int i = 0; i < words.Length; i++)
            if (task.CategoryOf(words[i]) >= 0) words[i] = task.FillerWords[rng.Next(task.FillerWords.Count)];
        for (int k = 0; k < count; k++)
        {
            // The first two entities are of two different categories; a third is of either or a third one.
            int category = k < 2 ? categories[k] : categories[rng.Next(3)];
            words[positions[k]] = task.Categories[category][rng.Next(LatentCategoryTask.PerCategory)];
        }
        return words;
    }
}
