using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Attribution;

/// <summary>One named part of a prompt (e.g. "system", "user") with its own text.</summary>
public sealed record PromptSegment(string Name, string Text);

/// <summary>Where a segment's own text sits inside the rendered prompt.</summary>
public sealed record SegmentSpan(string Name, string Text, int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>The prompt text as the model sees it, and where each segment's text went.</summary>
public sealed record RenderedPrompt(string Text, IReadOnlyList<SegmentSpan> Segments, bool StartsWithBos);

/// <summary>
/// Joins segments the way a chat model was trained to read them. Each segment's text is
/// copied verbatim between the template's markers, so its characters keep a known offset in
/// the rendered text: that is how units map back to the segment's own text.
/// </summary>
public sealed class ChatTemplate
{
    private readonly string _begin;
    private readonly Func<string, string> _turnStart;
    private readonly string _turnEnd;
    private readonly string _generationPrompt;

    private ChatTemplate(string name, string begin, Func<string, string> turnStart, string turnEnd, string generationPrompt, bool startsWithBos)
    {
        Name = name;
        _begin = begin;
        _turnStart = turnStart;
        _turnEnd = turnEnd;
        _generationPrompt = generationPrompt;
        StartsWithBos = startsWithBos;
    }

    public string Name { get; }

    /// <summary>Whether the template writes the BOS marker itself (then the tokenizer must not add one).</summary>
    public bool StartsWithBos { get; }

    /// <summary>Segments separated by a blank line, no markers: base models (stories260K, GPT-2).</summary>
    public static ChatTemplate Plain { get; } = new("plain", "", _ => "", "", "", false);

    /// <summary>ChatML (Qwen, many fine-tunes): &lt;|im_start|&gt;role\ntext&lt;|im_end|&gt;\n.</summary>
    public static ChatTemplate ChatMl { get; } =
        new("chatml", "", role => $"<|im_start|>{role}\n", "<|im_end|>\n", "<|im_start|>assistant\n", false);

    /// <summary>Llama 3 instruct: header ids around the role, &lt;|eot_id|&gt; after each turn.</summary>
    public static ChatTemplate Llama3 { get; } = new("llama3", "<|begin_of_text|>",
        role => $"<|start_header_id|>{role}<|end_header_id|>\n\n", "<|eot_id|>",
        "<|start_header_id|>assistant<|end_header_id|>\n\n", true);

    public static IReadOnlyList<string> Names => ["auto", "plain", "chatml", "llama3"];

    /// <summary>A template by name; "auto" (or null) picks from the model's tokenizer.</summary>
    public static ChatTemplate Resolve(string? name, LanguageModel model) => (name ?? "auto").Trim().ToLowerInvariant() switch
    {
        "auto" or "" => ForModel(model),
        "plain" => Plain,
        "chatml" => ChatMl,
        "llama3" or "llama-3" => Llama3,
        _ => throw new ArgumentException($"unknown chat template '{name}'; use one of {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// The template whose markers the tokenizer knows as single tokens; a base model whose
    /// tokenizer knows neither gets plain text.
    /// </summary>
    public static ChatTemplate ForModel(LanguageModel model)
    {
        bool Single(string marker) => model.Tokenizer.Encode(marker, addBos: false).Count == 1;
        if (Single("<|start_header_id|>") && Single("<|eot_id|>")) return Llama3;
        if (Single("<|im_start|>") && Single("<|im_end|>")) return ChatMl;
        return Plain;
    }

    public RenderedPrompt Render(IReadOnlyList<PromptSegment> segments)
    {
        if (segments.Count == 0) throw new ArgumentException("the prompt has no segments");
        var text = new System.Text.StringBuilder(_begin);
        var spans = new List<SegmentSpan>();
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            if (this == Plain && i > 0) text.Append("\n\n");
            text.Append(_turnStart(s.Name));
            spans.Add(new SegmentSpan(s.Name, s.Text, text.Length, s.Text.Length));
            text.Append(s.Text).Append(_turnEnd);
        }
        text.Append(_generationPrompt);
        return new RenderedPrompt(text.ToString(), spans, StartsWithBos);
    }
}
