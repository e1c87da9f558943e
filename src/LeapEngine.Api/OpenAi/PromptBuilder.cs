using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Generation;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// Turns what the client sent into the token ids the model reads, with an alias's hidden system prompt
/// in front and the boundary after it recorded, so that nothing before it is ever returned.
/// </summary>
public static class PromptBuilder
{
    /// <summary>Between a hidden prompt and a completions prompt: a paragraph break, which most tokenizers do not merge across.</summary>
    public const string HiddenSeparator = "\n\n";

    /// <summary>A completions text prompt: encoded as the model's default (BOS for Llama-family models), hidden prompt first.</summary>
    public static PreparedPrompt FromText(LanguageModel model, ServedTarget target, string text)
    {
        if (text.Length > GenerationHandler.MaxPromptChars)
            throw new OpenAiRequestException("prompt", $"a prompt has {text.Length} characters; at most {GenerationHandler.MaxPromptChars} are accepted");
        string prefix = target.HiddenSystemPrompt.Length > 0 ? target.HiddenSystemPrompt + HiddenSeparator : "";
        var encoded = model.Encode(prefix + text);
        if (encoded.Count == 0) return new PreparedPrompt(model.PromptIds(""), 0, text, [0]);
        var ids = encoded.Ids.ToArray();
        int visibleFrom = 0;
        while (visibleFrom < ids.Length && (prefix.Length > 0 && encoded.Offsets[visibleFrom].Start < prefix.Length)) visibleFrom++;
        var offsets = Enumerable.Range(visibleFrom, ids.Length - visibleFrom).Select(i => encoded.Offsets[i].Start - prefix.Length).ToArray();
        return new PreparedPrompt(ids, visibleFrom, text, offsets);
    }

    /// <summary>
    /// A completions token-id prompt: the ids as given (no BOS added), after an alias's hidden prompt. Offsets
    /// count the tokens' texts (vLLM's convention for text_offset).
    /// </summary>
    public static PreparedPrompt FromIds(LanguageModel model, ServedTarget target, IReadOnlyList<int> ids, string param)
    {
        if (ids.Count == 0) throw new OpenAiRequestException(param, "a token-id prompt must hold at least one id");
        int vocab = Math.Min(model.Config.VocabSize, model.Tokenizer.VocabSize);
        foreach (var id in ids)
            if (id < 0 || id >= vocab) throw new OpenAiRequestException(param, $"token id {id} is outside the model's vocabulary (0 to {vocab - 1})");
        var hidden = target.HiddenSystemPrompt.Length > 0 ? model.PromptIds(target.HiddenSystemPrompt + HiddenSeparator) : [];
        var offsets = new int[ids.Count];
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < ids.Count; i++)
        {
            offsets[i] = text.Length;
            text.Append(model.Tokenizer.TokenText(ids[i]));
        }
        return new PreparedPrompt([.. hidden, .. ids], hidden.Length, model.Decode(ids), offsets);
    }

    /// <summary>Chat messages rendered with the model's chat template (ChatTemplate.ForModel), the hidden prompt as the first system message.</summary>
    public static PreparedPrompt FromMessages(LanguageModel model, ServedTarget target, IReadOnlyList<ChatMessage>? messages)
    {
        if (messages is null || messages.Count == 0) throw new OpenAiRequestException("messages", "messages must hold at least one message");
        var segments = new List<PromptSegment>();
        if (target.HiddenSystemPrompt.Length > 0) segments.Add(new PromptSegment("system", target.HiddenSystemPrompt));
        int chars = 0;
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            string role = m.Role switch
            {
                "system" or "developer" => "system",
                "user" or "assistant" => m.Role,
                _ => throw new OpenAiRequestException($"messages[{i}].role",
                    $"role '{m.Role}' is not supported; use system, developer, user or assistant (tools are not supported)"),
            };
            if (m.Content is null) throw new OpenAiRequestException($"messages[{i}].content", "content is required");
            chars += m.Content.Text.Length;
            segments.Add(new PromptSegment(role, m.Content.Text));
        }
        if (chars > GenerationHandler.MaxPromptChars)
            throw new OpenAiRequestException("messages", $"the messages have {chars} characters; at most {GenerationHandler.MaxPromptChars} are accepted");
        var rendered = ChatTemplate.ForModel(model).Render(segments);
        var ids = model.Encode(rendered.Text, rendered.StartsWithBos ? false : null).Ids.ToArray();
        if (ids.Length == 0) ids = model.PromptIds("");
        return new PreparedPrompt(ids, ids.Length, "", []);
    }
}
