using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.BlackBox.Prompt;

/// <summary>
/// What perturbing a unit does to the text: "remove" (delete it with the whitespace that
/// separated it from its neighbour) or "replace:TEXT" (put a fixed text in its place, e.g.
/// "replace:___"). Text, not tokens: the endpoint tokenizes the result itself.
/// </summary>
public sealed record TextPerturbation(string? Replacement)
{
    public static TextPerturbation Remove { get; } = new((string?)null);

    public static TextPerturbation Parse(string? text)
    {
        var s = text ?? "remove";
        if (s.Trim().Equals("remove", StringComparison.OrdinalIgnoreCase)) return Remove;
        if (s.StartsWith("replace:", StringComparison.OrdinalIgnoreCase))
        {
            var replacement = s["replace:".Length..];
            if (replacement.Length == 0) throw new ArgumentException("perturbation 'replace:TEXT' needs a text after the colon, e.g. replace:___");
            return new TextPerturbation(replacement);
        }
        throw new ArgumentException($"unknown perturbation '{text}'; use remove or replace:TEXT (black-box perturbations work on text)");
    }

    /// <summary>
    /// The messages with <paramref name="perturbed"/> units changed. A removed unit takes the
    /// whitespace before it (or, first in its message, the whitespace after it), so removing a
    /// word leaves the text a tokenizer would have produced without it. A message left without
    /// text is dropped with its role (unless it is the only one left).
    /// </summary>
    public IReadOnlyList<ChatMessage> Apply(IReadOnlyList<ChatMessage> messages, IReadOnlyList<MessageUnit> units, IEnumerable<int> perturbed)
    {
        var byMessage = perturbed.Distinct().Select(i => units[i]).GroupBy(u => u.Message).ToDictionary(g => g.Key, g => g.OrderBy(u => u.Start).ToList());
        if (byMessage.Count == 0) return messages;
        var result = new List<ChatMessage>();
        for (int m = 0; m < messages.Count; m++)
        {
            if (!byMessage.TryGetValue(m, out var own)) { result.Add(messages[m]); continue; }
            string content = Replacement is null ? RemoveUnits(messages[m].Content, own) : ReplaceUnits(messages[m].Content, own);
            if (Replacement is null && string.IsNullOrWhiteSpace(content)) continue;
            result.Add(messages[m] with { Content = content });
        }
        if (result.Count == 0) result.Add(messages[^1] with { Content = "" });
        return result;
    }

    private static string RemoveUnits(string text, List<MessageUnit> units)
    {
        var cut = new bool[text.Length];
        foreach (var u in units)
        {
            int start = u.Start, end = u.End;
            while (start > 0 && char.IsWhiteSpace(text[start - 1])) start--;
            // Nothing kept before it: the unit now opens the text, so the separator after it goes instead.
            bool opens = Enumerable.Range(0, start).All(i => cut[i] || char.IsWhiteSpace(text[i]));
            if (opens)
            {
                start = u.Start;
                while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            }
            for (int i = start; i < end; i++) cut[i] = true;
        }
        return string.Concat(text.Where((_, i) => !cut[i]));
    }

    private string ReplaceUnits(string text, List<MessageUnit> units)
    {
        var b = new System.Text.StringBuilder();
        int at = 0;
        foreach (var u in units)
        {
            b.Append(text, at, u.Start - at).Append(Replacement);
            at = u.End;
        }
        return b.Append(text, at, text.Length - at).ToString();
    }

    public override string ToString() => Replacement is null ? "remove" : $"replace:{Replacement}";
}
