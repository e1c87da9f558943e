using System.Text.RegularExpressions;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.BlackBox.Prompt;

/// <summary>
/// One unit of a black-box prompt: characters [Start, Start + Length) of message
/// <paramref name="Message"/>'s content. Units never cross messages and never overlap.
/// </summary>
public sealed record MessageUnit(int Index, int Message, string Role, int Start, int Length, string Text)
{
    public int End => Start + Length;
}

/// <summary>A caller-given unit: characters [Start, Start + Length) of message <paramref name="Message"/> (0-based).</summary>
public sealed record MessageSpan(int Message, int Start, int Length);

public enum MessageUnitKind { Word, Sentence, Message, Spans, EndpointToken }

/// <summary>Cuts message contents into units: whitespace words, sentences, whole messages or given spans.</summary>
public static partial class MessageUnits
{
    public static IReadOnlyList<string> Names => ["word", "sentence", "message", "spans", "endpoint_token"];

    public static MessageUnitKind Parse(string? text) => (text ?? "word").Trim().ToLowerInvariant() switch
    {
        "word" => MessageUnitKind.Word,
        "sentence" => MessageUnitKind.Sentence,
        "message" => MessageUnitKind.Message,
        "spans" => MessageUnitKind.Spans,
        "endpoint_token" or "token" => MessageUnitKind.EndpointToken,
        _ => throw new ArgumentException($"unknown unit '{text}'; use {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// Units of every message's content. Endpoint tokens come from <paramref name="tokenSpans"/>
    /// (the character spans of each message's tokens, from the endpoint's tokenize route).
    /// </summary>
    public static IReadOnlyList<MessageUnit> Build(IReadOnlyList<ChatMessage> messages, MessageUnitKind kind,
        IReadOnlyList<MessageSpan>? spans = null, IReadOnlyList<IReadOnlyList<TextSpan>>? tokenSpans = null)
    {
        if (kind == MessageUnitKind.Spans && spans is not { Count: > 0 }) throw new ArgumentException("unit 'spans' needs at least one span");
        if (kind == MessageUnitKind.EndpointToken && tokenSpans is null)
            throw new ArgumentException("unit 'endpoint_token' needs the endpoint's tokenize route; the probe found none, use word, sentence or message");
        var units = new List<MessageUnit>();
        for (int m = 0; m < messages.Count; m++)
        {
            string content = messages[m].Content;
            IEnumerable<TextSpan> pieces = kind switch
            {
                MessageUnitKind.Word => WordSegmentation.Words(content),
                MessageUnitKind.Sentence => Sentences(content),
                MessageUnitKind.Message => string.IsNullOrWhiteSpace(content) ? [] : [new TextSpan(0, content.Length)],
                MessageUnitKind.EndpointToken => tokenSpans![m].Where(t => t.Length > 0 && !string.IsNullOrWhiteSpace(content.Substring(t.Start, t.Length))),
                _ => SpansOf(spans!, m, content),
            };
            foreach (var p in pieces)
                units.Add(new MessageUnit(units.Count, m, messages[m].Role, p.Start, p.Length, content.Substring(p.Start, p.Length)));
        }
        if (kind == MessageUnitKind.Spans)
            foreach (var s in spans!)
                if (s.Message < 0 || s.Message >= messages.Count)
                    throw new ArgumentException($"a span refers to message {s.Message}; messages are numbered 0 to {messages.Count - 1}");
        if (units.Count == 0) throw new ArgumentException("the messages have no text to attribute");
        return units;
    }

    /// <summary>Sentences: runs ending in . ! ? (with closing quotes/brackets) or a line break; surrounding spaces excluded.</summary>
    public static IEnumerable<TextSpan> Sentences(string text)
    {
        foreach (Match m in SentencePattern().Matches(text))
        {
            int start = m.Index, end = m.Index + m.Length;
            while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
            if (end > start) yield return new TextSpan(start, end - start);
        }
    }

    [GeneratedRegex(@"\S.*?(?:[.!?]+[""')\]]*(?=\s|$)|(?=\n)|$)", RegexOptions.Singleline)]
    private static partial Regex SentencePattern();

    private static IEnumerable<TextSpan> SpansOf(IReadOnlyList<MessageSpan> spans, int message, string content)
    {
        var own = spans.Where(s => s.Message == message).OrderBy(s => s.Start).ToList();
        int end = 0;
        foreach (var s in own)
        {
            if (s.Start < 0 || s.Length <= 0 || s.Start + s.Length > content.Length)
                throw new ArgumentException($"span [{s.Start}, {s.Start + s.Length}) lies outside message {message} ({content.Length} characters) or is empty");
            if (s.Start < end) throw new ArgumentException($"spans of message {message} overlap at character {s.Start}; spans must not overlap");
            end = s.Start + s.Length;
            yield return new TextSpan(s.Start, s.Length);
        }
    }
}
