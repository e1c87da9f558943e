using System.Net;
using System.Text.Json.Nodes;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// An OpenAI-compatible endpoint over a local model (stories260K): completions with echo +
/// logprobs (tokens, token_logprobs, text_offset; BOS first) and vLLM's prompt_logprobs, computed by the
/// Core forward pass; greedy completions; chat rendered with the plain template (no
/// log-probs); /tokenize with token strings. <paramref name="hiddenPrompt"/> is prepended to
/// every prompt server-side and never echoed, as a hidden system prompt would be. Calls run one
/// at a time, as one model server would run them.
/// </summary>
public sealed class LocalModelEndpoint(LanguageModel model, string? hiddenPrompt = null) : JsonEndpoint
{
    private readonly SemaphoreSlim _model = new(1, 1);
    private readonly string _hidden = hiddenPrompt is null ? "" : hiddenPrompt + "\n\n";

    // Waiting asynchronously: a blocking lock would hold every queued call's pool thread (and starve the pool).
    protected override async Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct)
    {
        await _model.WaitAsync(ct);
        try
        {
            return path switch
            {
                "/v1/completions" => Completions(body),
                "/v1/chat/completions" => Chat(body),
                "/tokenize" => Tokenize(body),
                _ => Error(HttpStatusCode.NotFound, $"no route {path}"),
            };
        }
        finally { _model.Release(); }
    }

    private HttpResponseMessage Completions(JsonObject body)
    {
        string prompt = body["prompt"]!.GetValue<string>();
        int max = body["max_tokens"]?.GetValue<int>() ?? 16;
        bool echo = body["echo"]?.GetValue<bool>() == true;
        bool promptLogprobs = body["prompt_logprobs"] is not null;
        var encoded = model.Encode(_hidden + prompt);
        var ids = encoded.Ids.ToArray();
        var generated = TextGenerator.Generate(model.Network, ids, new GenerationOptions { MaxNewTokens = max, Temperature = 0 }, model.EosId);
        string text = model.DecodeContinuation(ids, generated);
        if (!echo && !promptLogprobs) return Json(new { choices = new[] { new { index = 0, text } } });

        // The caller's own tokens (the hidden prompt and BOS are not echoed), with the log-prob each got after everything before it.
        var own = Enumerable.Range(0, ids.Length).Where(i => encoded.Offsets[i].Length > 0 && encoded.Offsets[i].Start >= _hidden.Length).ToList();
        var logProbs = Scoring.ContinuationLogProbs(model.Network, ids[..own[0]], ids[own[0]..]);
        double?[] tokenLogprobs = own.Select(i => (double?)logProbs[i - own[0]]).ToArray();
        if (own[0] == 0) tokenLogprobs[0] = null;
        var tokenTexts = own.Select(i => (_hidden + prompt).Substring(encoded.Offsets[i].Start, encoded.Offsets[i].Length)).ToList();
        var offsets = own.Select(i => encoded.Offsets[i].Start - _hidden.Length).ToList();
        if (promptLogprobs)
        {
            // As vLLM: one entry per prompt token, BOS first (null, nothing before it).
            var entries = new List<Dictionary<string, object>?> { null };
            entries.AddRange(own.Select((i, k) => new Dictionary<string, object>
            {
                [ids[i].ToString()] = new { logprob = tokenLogprobs[k], rank = 1, decoded_token = tokenTexts[k] },
            }));
            return Json(new { choices = new[] { new { index = 0, text, prompt_logprobs = entries } } });
        }
        // Echo: the prompt's tokens, then the generated ones (their log-probs are not needed here: null-free is enough).
        var genLogProbs = Scoring.ContinuationLogProbs(model.Network, ids, generated);
        var genTexts = generated.Select(model.Tokenizer.TokenText).ToList();
        var genOffsets = new List<int>();
        int at = prompt.Length;
        foreach (var t in genTexts) { genOffsets.Add(at); at += t.Length; }
        // As LeapEngine's own endpoint: BOS is listed first (log-prob null, offset 0) unless a hidden prompt precedes.
        if (_hidden.Length == 0 && own[0] > 0)
        {
            tokenTexts.Insert(0, model.Tokenizer.TokenText(ids[0]));
            tokenLogprobs = [null, .. tokenLogprobs];
            offsets.Insert(0, 0);
        }
        return Json(new
        {
            choices = new[]
            {
                new
                {
                    index = 0, text = prompt + text,
                    logprobs = new
                    {
                        tokens = tokenTexts.Concat(genTexts).ToList(),
                        token_logprobs = tokenLogprobs.Concat(genLogProbs.Select(x => (double?)x)).ToList(),
                        text_offset = offsets.Concat(genOffsets).ToList(),
                    },
                },
            },
        });
    }

    private HttpResponseMessage Chat(JsonObject body)
    {
        var segments = body["messages"]!.AsArray().Select(m => new PromptSegment(m!["role"]!.GetValue<string>(), m["content"]!.GetValue<string>())).ToList();
        string prompt = _hidden + ChatTemplate.Plain.Render(segments).Text;
        int max = body["max_tokens"]?.GetValue<int>() ?? 16;
        var ids = model.Encode(prompt).Ids.ToArray();
        var generated = TextGenerator.Generate(model.Network, ids, new GenerationOptions { MaxNewTokens = max, Temperature = 0 }, model.EosId);
        return Json(new { choices = new[] { new { index = 0, message = new { role = "assistant", content = model.DecodeContinuation(ids, generated) } } } });
    }

    private HttpResponseMessage Tokenize(JsonObject body)
    {
        string prompt = body["prompt"]!.GetValue<string>();
        bool special = body["add_special_tokens"]?.GetValue<bool>() ?? true;
        var encoded = model.Encode(prompt, special ? null : false);
        var own = Enumerable.Range(0, encoded.Count).Where(i => encoded.Offsets[i].Length > 0).ToList();
        return Json(new
        {
            tokens = encoded.Ids,
            token_strs = own.Select(i => model.Tokenizer.TokenText(encoded.Ids[i])).ToList(),
        });
    }
}
