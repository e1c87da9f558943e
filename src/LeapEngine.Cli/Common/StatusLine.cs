namespace LeapEngine.Cli;

/// <summary>
/// Progress on stderr. On a terminal it redraws one line in place (carriage return and erase-line);
/// when stderr is a file or a pipe (CI logs, `2> log.txt`) it writes plain lines with no control
/// characters, at most one a second, so the log stays readable.
/// </summary>
public sealed class StatusLine
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly TextWriter _writer;
    private readonly bool _inPlace;
    private DateTime _lastDrawn = DateTime.MinValue;
    private DateTime _lastPlain = DateTime.MinValue;
    private string? _lastText;
    private bool _drawn;

    public StatusLine() : this(Console.Error, inPlace: !Console.IsErrorRedirected) { }

    /// <param name="inPlace">Redraw with escape codes (a terminal), or write plain lines.</param>
    public StatusLine(TextWriter writer, bool inPlace)
    {
        _writer = writer;
        _inPlace = inPlace;
    }

    /// <summary>Shows <paramref name="text"/> as the current progress.</summary>
    public void Show(string text)
    {
        if (_inPlace)
        {
            // A method may report thousands of steps a second; a terminal needs only a few redraws.
            if (DateTime.UtcNow - _lastDrawn < RedrawInterval) return;
            _lastDrawn = DateTime.UtcNow;
            _writer.Write($"\r{text}\u001b[K");
            _drawn = true;
            return;
        }
        var now = DateTime.UtcNow;
        if (text == _lastText || now - _lastPlain < PlainInterval) return;
        _lastPlain = now;
        _lastText = text;
        _writer.WriteLine(text);
    }

    /// <summary>Progress reports shown here, drawn on the reporting thread (Progress&lt;T&gt; would post to the thread
    /// pool, and lag or interleave with the result).</summary>
    public IProgress<T> For<T>(Func<T, string> format) => new Reporter<T>(this, format);

    /// <summary>Ends the progress display: erases the line on a terminal, writes nothing otherwise.</summary>
    public void Clear()
    {
        if (_inPlace && _drawn) _writer.Write("\r\u001b[K");
        _drawn = false;
    }

    private sealed class Reporter<T>(StatusLine line, Func<T, string> format) : IProgress<T>
    {
        public void Report(T value) => line.Show(format(value));
    }
}
