using LeapEngine.Core.Attribution;

namespace LeapEngine.Benchmarks;

/// <summary>
/// One benchmark prompt: natural filler sentences with a key sentence at a random sentence
/// boundary and a fixed cue at the end. Units (<see cref="Spans"/>) are the filler words and
/// the key words; the key sentence's frame and the cue are fixed text, never perturbed.
/// </summary>
public sealed record KeyWordPrompt(string Text, IReadOnlyList<UnitSpan> Spans, int[] KeyUnits, int[] FillerUnits, string Completion,
    string KeySentence, string Cue);

/// <summary>A key/cue family: "{0}" and "{1}" in <see cref="Key"/> are the two key words; the cue asks for the answer.</summary>
public sealed record KeyTemplate(string Key, string Cue, string Completion, string First, string Second);

/// <summary>
/// Builds the prompts of the HiPe-vs-ItP benchmark. Filler comes from a small pool of simple
/// TinyStories sentences without names, so nothing in it points at the answer.
/// </summary>
public static class KeyWordPrompts
{
    public static readonly string[] FillerPool =
    [
        "The sun was warm.", "They played in the garden.", "Mom made a big cake.", "The bird sang a song.",
        "The tree was very tall.", "The sky was blue.", "They had lots of fun.", "The flowers were pretty.",
        "It was a sunny day.", "They ate some cookies.", "The grass was green and soft.", "Everyone was happy.",
        "They walked to the park.", "The wind was cool.", "They laughed and ran.", "The house was quiet.",
    ];

    /// <summary>
    /// Candidate key/cue combinations; the benchmark keeps the prompts whose key words carry
    /// the answer. The answer is the two key words themselves ("red boat"), so each of them is
    /// part of what the model must produce; the frame ("She had a") is repeated by the cue.
    /// </summary>
    public static IEnumerable<KeyTemplate> Candidates()
    {
        var frames = new[] { ("She had a {0} {1}.", "She had a"), ("He saw a {0} {1}.", "He saw a"), ("Mom gave him a {0} {1}.", "Mom gave him a") };
        foreach (var (key, cue) in frames)
            foreach (var adjective in new[] { "red", "blue", "green", "yellow", "big", "little" })
                foreach (var noun in new[] { "ball", "car", "hat", "box", "kite", "boat" })
                    // The answer follows the cue after a space: " red boat" (a continuation, as AttributionRequest.Completion is read).
                    yield return new KeyTemplate(key, cue, $" {adjective} {noun}", adjective, noun);
    }

    /// <summary>
    /// A prompt with <paramref name="units"/> units of which the two key words are two; the
    /// filler is whole pool sentences drawn at random, the last one cut to fit.
    /// </summary>
    public static KeyWordPrompt Build(KeyTemplate template, int units, Random rng)
    {
        if (units < 2) throw new ArgumentException("a prompt needs at least the two key words");
        int fillerWords = units - 2;
        var filler = new List<string>();
        while (filler.Sum(s => s.Split(' ').Length) < fillerWords)
            filler.Add(FillerPool[rng.Next(FillerPool.Length)]);
        int excess = filler.Sum(s => s.Split(' ').Length) - fillerWords;
        if (excess > 0)
        {
            var words = filler[^1].Split(' ');
            filler[^1] = string.Join(' ', words.Take(words.Length - excess));
        }
        filler.RemoveAll(s => s.Length == 0);
        int at = rng.Next(filler.Count + 1);

        var text = new System.Text.StringBuilder();
        var spans = new List<(UnitSpan Span, bool Key)>();
        void Words(string sentence)
        {
            foreach (var w in sentence.Split(' '))
            {
                if (text.Length > 0) text.Append(' ');
                spans.Add((new UnitSpan("user", text.Length, w.Length), false));
                text.Append(w);
            }
        }
        void Key()
        {
            if (text.Length > 0) text.Append(' ');
            // The frame around {0} and {1} is fixed text; each key word is one unit.
            var parts = template.Key.Split(["{0}", "{1}"], StringSplitOptions.None);
            text.Append(parts[0]);
            spans.Add((new UnitSpan("user", text.Length, template.First.Length), true));
            text.Append(template.First).Append(parts[1]);
            spans.Add((new UnitSpan("user", text.Length, template.Second.Length), true));
            text.Append(template.Second).Append(parts[2]);
        }
        for (int i = 0; i <= filler.Count; i++)
        {
            if (i == at) Key();
            if (i < filler.Count) Words(filler[i]);
        }
        string body = text.ToString();
        string full = body + " " + template.Cue;
        return new KeyWordPrompt(full, spans.Select(s => s.Span).ToList(),
            spans.Select((s, i) => (s, i)).Where(x => x.s.Key).Select(x => x.i).ToArray(),
            spans.Select((s, i) => (s, i)).Where(x => !x.s.Key).Select(x => x.i).ToArray(),
            template.Completion, string.Format(template.Key, template.First, template.Second), template.Cue);
    }
}
