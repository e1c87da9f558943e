using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Serving;

/// <summary>
/// The text of one choice as its tokens arrive: decoded in context (so SentencePiece keeps the
/// leading space), cut before the first stop sequence, and released in pieces that never need
/// taking back: a trailing incomplete character (U+FFFD until its last byte arrives) and a
/// trailing piece that could still become a stop sequence are held until they resolve.
/// </summary>
public sealed class ChoiceText
{
    /// <summary>Context tokens decoded with each continuation: enough for a leading space, no quadratic decode of a long prompt.</summary>
    private const int ContextTail = 8;

    private readonly LanguageModel _model;
    private readonly int[] _context;
    private readonly IReadOnlyList<string> _stops;
    private readonly List<int> _tokens = [];
    private string _text = "";
    private int _released;

    public ChoiceText(LanguageModel model, IReadOnlyList<int> context, IReadOnlyList<string> stops)
    {
        if (stops.Any(string.IsNullOrEmpty)) throw new ArgumentException("a stop sequence must not be empty");
        _model = model;
        _context = context.Skip(Math.Max(0, context.Count - ContextTail)).ToArray();
        _stops = stops;
    }

    /// <summary>A stop sequence appeared; the text ends before it.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The choice's text so far (final once generation ended or <see cref="Stopped"/>).</summary>
    public string Text => _text;

    /// <summary>Adds a token; returns the text that can be released now (may be empty).</summary>
    public string Add(int token)
    {
        if (Stopped) throw new InvalidOperationException("the choice already stopped");
        _tokens.Add(token);
        var full = _model.DecodeContinuation(_context, _tokens);
        int cut = FirstStop(full);
        if (cut >= 0)
        {
            Stopped = true;
            _text = full[..cut];
            return Release(_text.Length);
        }
        _text = full;
        return Release(Math.Max(_released, full.Length - Undecided(full)));
    }

    /// <summary>Whatever is still held once generation ends: the rest of the text.</summary>
    public string Flush() => Release(_text.Length);

    private string Release(int upTo)
    {
        if (upTo <= _released) return "";
        var piece = _text[_released..upTo];
        _released = upTo;
        return piece;
    }

    private int FirstStop(string text)
    {
        int first = -1;
        foreach (var stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /// <summary>Characters at the end that may still change: an incomplete character, or the start of a stop sequence.</summary>
    private int Undecided(string text)
    {
        int partial = 0;
        while (partial < text.Length && text[text.Length - 1 - partial] == '\uFFFD') partial++;
        var settled = text.AsSpan(0, text.Length - partial);
        int hold = 0;
        foreach (var stop in _stops)
            for (int length = Math.Min(stop.Length - 1, settled.Length); length > hold; length--)
                if (settled.EndsWith(stop.AsSpan(0, length), StringComparison.Ordinal))
                {
                    hold = length;
                    break;
                }
        return partial + hold;
    }
}
