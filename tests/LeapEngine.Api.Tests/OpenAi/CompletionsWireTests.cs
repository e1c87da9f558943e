using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using static LeapEngine.Api.Tests.OpenAi.OpenAiWire;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// POST /v1/completions on the wire: teacher-forced prompt log-probs (echo + logprobs, vLLM's prompt_logprobs) against
/// the model's own forward pass computed here, greedy text against the engine's generator, streaming against the
/// whole answer, seeds, the hidden-prompt alias, metering, and bad input in OpenAI's error shape.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CompletionsWireTests(ApiFixture api)
{
    private const string Text = "Once upon a time, there was a little girl named Lily.";

    [Fact]
    public async Task Echo_with_logprobs_scores_every_prompt_token_as_the_models_forward_pass_does()
    {
        var tenant = await api.NewTenantAsync();
        var (response, body) = await PostAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = Text, echo = true, logprobs = 3, max_tokens = 0 });
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        var choice = body["choices"]![0]!;
        Assert.Equal(Text, choice["text"]!.GetValue<string>());
        var logprobs = choice["logprobs"]!;
        var ids = Encode(Text);
        var expected = ForwardLogProbs(ids);
        var tokenLogprobs = logprobs["token_logprobs"]!.AsArray();
        Assert.Equal(ids.Length, tokenLogprobs.Count);
        Assert.Null(tokenLogprobs[0]);   // BOS: nothing before it
        for (int i = 1; i < ids.Length; i++)
            Assert.True(Math.Abs(expected[i - 1][ids[i]] - tokenLogprobs[i]!.GetValue<float>()) < 1e-4,
                $"token {i}: forward {expected[i - 1][ids[i]]}, served {tokenLogprobs[i]}");
        // Each position's top map holds the 3 likeliest tokens (by the forward pass) and the token itself.
        var top = logprobs["top_logprobs"]!.AsArray();
        Assert.Null(top[0]);
        var best = expected[0].Max();
        Assert.Contains(top[1]!.AsObject(), kv => Math.Abs(kv.Value!.GetValue<float>() - best) < 1e-4);
        Assert.InRange(top[1]!.AsObject().Count, 3, 4);
        Assert.Equal(ids.Length, body["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(0, body["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Prompt_logprobs_follow_vllms_shape_with_ranks_from_the_forward_pass()
    {
        var tenant = await api.NewTenantAsync();
        var ids = Encode(Text);
        // Token ids are used as given (the BOS is the caller's, as on vLLM).
        var (response, body) = await PostAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = ids, prompt_logprobs = 2, max_tokens = 1, temperature = 0 });
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        var entries = body["choices"]![0]!["prompt_logprobs"]!.AsArray();
        var expected = ForwardLogProbs(ids);
        Assert.Equal(ids.Length, entries.Count);
        Assert.Null(entries[0]);
        for (int i = 1; i < ids.Length; i++)
        {
            var entry = entries[i]!.AsObject();
            var own = entry[ids[i].ToString()]!;
            var row = expected[i - 1];
            Assert.True(Math.Abs(row[ids[i]] - own["logprob"]!.GetValue<float>()) < 1e-4, $"position {i}");
            Assert.Equal(row.Count(v => v > row[ids[i]]) + 1, own["rank"]!.GetValue<int>());
            Assert.False(string.IsNullOrEmpty(own["decoded_token"]!.GetValue<string>()));
            Assert.InRange(entry.Count, 2, 3);   // the token and the 2 likeliest (one of which may be it)
        }
    }

    [Fact]
    public async Task Greedy_text_is_the_engines_own_and_streaming_sends_the_same_text_and_logprobs()
    {
        var tenant = await api.NewTenantAsync();
        var request = new { model = "stories260K", prompt = Text, max_tokens = 24, temperature = 0, logprobs = 1 };
        var (_, whole) = await PostAsync(tenant.Http, "/v1/completions", request);
        var prompt = Encode(Text);
        var tokens = Greedy(prompt, 24);
        var text = whole["choices"]![0]!["text"]!.GetValue<string>();
        Assert.Equal(DecodeAfter(prompt, tokens), text);

        var chunks = await StreamAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = Text, max_tokens = 24, temperature = 0, logprobs = 1, stream = true,
                stream_options = new { include_usage = true } });
        var streamed = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["text"]!.GetValue<string>()));
        Assert.Equal(text, streamed);
        var streamedLogprobs = chunks.SelectMany(c => c["choices"]!.AsArray())
            .SelectMany(c => c!["logprobs"]?["token_logprobs"]?.AsArray() ?? []).Select(v => v!.GetValue<float>()).ToList();
        var wholeLogprobs = whole["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray().Select(v => v!.GetValue<float>()).ToList();
        // The second request finds the first one's prompt in the prompt cache and runs its last token only: equal to rounding.
        Assert.Equal(wholeLogprobs.Count, streamedLogprobs.Count);
        for (int i = 0; i < wholeLogprobs.Count; i++) Assert.True(Math.Abs(wholeLogprobs[i] - streamedLogprobs[i]) < 1e-4, $"token {i}");
        Assert.Equal(whole["choices"]![0]!["finish_reason"]!.GetValue<string>(),
            chunks.SelectMany(c => c["choices"]!.AsArray()).Last()!["finish_reason"]!.GetValue<string>());
        var usage = chunks[^1]["usage"]!;
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        foreach (var field in new[] { "prompt_tokens", "completion_tokens", "total_tokens" })
            Assert.Equal(whole["usage"]![field]!.GetValue<int>(), usage[field]!.GetValue<int>());
        Assert.Equal(0, whole["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(prompt.Length - 1, usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_samples_and_n_choices_differ()
    {
        var tenant = await api.NewTenantAsync();
        var request = new { model = "stories260K", prompt = "Once upon a time", max_tokens = 16, temperature = 1.0, n = 3, seed = 1234 };
        var (_, first) = await PostAsync(tenant.Http, "/v1/completions", request);
        var (_, second) = await PostAsync(tenant.Http, "/v1/completions", request);
        var a = first["choices"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()).ToList();
        var b = second["choices"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(3, a.Count);
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 1, "three samples at temperature 1 were all the same: " + string.Join(" | ", a));
        Assert.Equal(new[] { 0, 1, 2 }, first["choices"]!.AsArray().Select(c => c!["index"]!.GetValue<int>()));
        var (_, other) = await PostAsync(tenant.Http, "/v1/completions", new { model = "stories260K", prompt = "Once upon a time",
            max_tokens = 16, temperature = 1.0, n = 3, seed = 99 });
        Assert.NotEqual(a, other["choices"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()).ToList());
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it_streamed_or_not()
    {
        var tenant = await api.NewTenantAsync();
        var prompt = Encode(Text);
        var free = DecodeAfter(prompt, Greedy(prompt, 40));
        // A stop taken from the greedy text itself, so it is certain to appear.
        var words = free.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var stop = words[Math.Min(3, words.Length - 1)];
        int cut = free.IndexOf(stop, StringComparison.Ordinal);
        var request = new { model = "stories260K", prompt = Text, max_tokens = 40, temperature = 0, stop = new[] { stop } };
        var (_, whole) = await PostAsync(tenant.Http, "/v1/completions", request);
        Assert.Equal(free[..cut], whole["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("stop", whole["choices"]![0]!["finish_reason"]!.GetValue<string>());
        var chunks = await StreamAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = Text, max_tokens = 40, temperature = 0, stop = stop, stream = true });
        Assert.Equal(free[..cut], string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["text"]!.GetValue<string>())));
    }

    [Fact]
    public async Task The_alias_runs_its_hidden_prompt_and_never_returns_it()
    {
        var tenant = await api.NewTenantAsync();
        const string visible = "The little dog ran to the park.";
        var (response, body) = await PostAsync(tenant.Http, "/v1/completions", new
        {
            model = LeapApiFactory.HiddenAlias, prompt = visible, echo = true, logprobs = 0, prompt_logprobs = 0, max_tokens = 4, temperature = 0,
        });
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        Assert.DoesNotContain("Zog", body.ToJsonString());
        Assert.Equal(LeapApiFactory.HiddenAlias, body["model"]!.GetValue<string>());
        var choice = body["choices"]![0]!;
        Assert.StartsWith(visible, choice["text"]!.GetValue<string>());

        // The model read the hidden prompt: the visible tokens' log-probs are those of the whole text's forward pass.
        var prefix = LeapApiFactory.HiddenPrompt + "\n\n";
        var full = Encode(prefix + visible);
        var expected = ForwardLogProbs(full);
        int hidden = EngineModel.Use(m => m.Encode(prefix + visible).Offsets.Count(o => o.Start < prefix.Length));
        var served = choice["prompt_logprobs"]!.AsArray();
        Assert.Equal(full.Length - hidden, served.Count);
        for (int i = 0; i < served.Count; i++)
        {
            int at = hidden + i;
            var entry = served[i]!.AsObject()[full[at].ToString()]!;
            Assert.True(Math.Abs(expected[at - 1][full[at]] - entry["logprob"]!.GetValue<float>()) < 1e-4, $"visible token {i}");
        }
        var echoed = choice["logprobs"]!["tokens"]!.AsArray().Take(served.Count).Select(t => t!.GetValue<string>());
        Assert.Equal(visible, string.Concat(echoed).TrimStart());
        // The hidden prompt is billed: the model read it.
        Assert.Equal(full.Length, body["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_concurrent_burst_of_scoring_calls_equals_single_forward_passes_and_settles_usage_exactly()
    {
        // What a black-box ItP sends at concurrency 16: the prompt with one word removed, each scored by echo at once.
        var tenant = await api.NewTenantAsync();
        var before = await UsedTokensAsync(tenant.Http);
        var words = Text.Split(' ');
        var prompts = Enumerable.Range(0, words.Length).Select(i => string.Join(' ', words.Where((_, j) => j != i))).ToArray();
        var answers = await Task.WhenAll(prompts.Select(p => PostAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = p, echo = true, logprobs = 1, max_tokens = 0 })));
        long expectedTokens = 0;
        for (int k = 0; k < prompts.Length; k++)
        {
            var (response, body) = answers[k];
            Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
            var ids = Encode(prompts[k]);
            // Tokens from the prompt cache (another prompt of the burst that shares the first words) are not run, not charged.
            int cached = body["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>();
            Assert.InRange(cached, 0, ids.Length - 1);
            expectedTokens += ids.Length - cached;
            var expected = ForwardLogProbs(ids);
            var served = body["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray();
            Assert.Equal(ids.Length, served.Count);
            for (int i = 1; i < ids.Length; i++)
                Assert.True(Math.Abs(expected[i - 1][ids[i]] - served[i]!.GetValue<float>()) < 1e-4, $"prompt {k}, token {i}");
        }
        // Every prompt ran once and was charged for the tokens it ran; no reservation is left behind.
        Assert.Equal(expectedTokens, await UsedTokensAsync(tenant.Http) - before);
        Assert.Equal(0, await ReservedTokensAsync(tenant.Http));
    }

    /// <summary>
    /// Invariant: the prompt cache is shared within a tenant only (a hit's speed would tell one tenant another's prompt),
    /// and a tenant is charged the tokens that ran: a perturbed prompt after its original runs from its first change.
    /// </summary>
    [Fact]
    public async Task A_perturbed_prompt_reuses_its_tenants_original_only_and_is_charged_what_ran()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var original = Text + " The end of the story.";
        var perturbed = original.Replace(" The end", " end");
        object Score(string prompt) => new { model = "stories260K", prompt, echo = true, logprobs = 1, max_tokens = 0 };
        var (_, first) = await PostAsync(owner.Http, "/v1/completions", Score(original));
        Assert.Equal(0, first["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());

        var before = await UsedTokensAsync(other.Http);
        var (_, stranger) = await PostAsync(other.Http, "/v1/completions", Score(perturbed));
        Assert.Equal(0, stranger["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        var ids = Encode(perturbed);
        Assert.Equal(ids.Length, await UsedTokensAsync(other.Http) - before);

        before = await UsedTokensAsync(owner.Http);
        var (_, again) = await PostAsync(owner.Http, "/v1/completions", Score(perturbed));
        var originalIds = Encode(original);
        int firstChange = Enumerable.Range(0, ids.Length).First(i => ids[i] != originalIds[i]);
        Assert.Equal(firstChange - 1, again["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(ids.Length - (firstChange - 1), await UsedTokensAsync(owner.Http) - before);
        Assert.Equal(0, await ReservedTokensAsync(owner.Http));
        // The answer is the uncached one: the other tenant's (which ran every token) to rounding.
        var mine = again["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray();
        var theirs = stranger["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray();
        Assert.Equal(theirs.Count, mine.Count);
        for (int i = 1; i < mine.Count; i++)
            Assert.True(Math.Abs(theirs[i]!.GetValue<float>() - mine[i]!.GetValue<float>()) < 1e-4, $"token {i}");
    }

    [Fact]
    public async Task The_tokens_run_are_charged_and_the_reservation_is_returned()
    {
        var tenant = await api.NewTenantAsync();
        var before = await UsedTokensAsync(tenant.Http);
        var (_, body) = await PostAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = Text, max_tokens = 5, n = 2, temperature = 0.8, seed = 7 });
        var choices = body["choices"]!.AsArray();
        int prompt = Encode(Text).Length;
        int completion = body["usage"]!["completion_tokens"]!.GetValue<int>();
        // The prompt runs once; each choice's first token comes from it, every later token is one more position.
        long expected = prompt + (completion - choices.Count);
        Assert.Equal(expected, await UsedTokensAsync(tenant.Http) - before);
        Assert.Equal(0, await ReservedTokensAsync(tenant.Http));
    }

    [Fact]
    public async Task Work_over_the_synchronous_bound_is_pointed_at_the_jobs_api()
    {
        var tenant = await api.NewTenantAsync();
        var (response, body) = await PostAsync(tenant.Http, "/v1/completions",
            new { model = "stories260K", prompt = Enumerable.Repeat(Text, 16).ToArray(), max_tokens = 400, n = 8 });   // 16 x (16 + 8 x 400)
        var error = AssertError(response, body, 400, "invalid_request_error");
        Assert.Equal("max_tokens", error["param"]!.GetValue<string>());
        Assert.Contains("POST /v1/generations", error["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"model":"stories260K","prompt":"x","temperature":3}""", "temperature")]
    [InlineData("""{"model":"stories260K","prompt":"x","logprobs":21}""", "logprobs")]
    [InlineData("""{"model":"stories260K","prompt":"x","n":0}""", "n")]
    [InlineData("""{"model":"stories260K","prompt":[1,99999]}""", "prompt")]
    [InlineData("""{"model":"stories260K","prompt":"x","max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"stories260K","prompt":"x","stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"model":"stories260K","prompt":"x","frequency_penalty":0.5}""", "frequency_penalty")]
    [InlineData("""{"model":"stories260K","prompt":"x","max_tokens":600}""", "max_tokens")]
    [InlineData("""{"model":"stories260K","prompt":{"a":1}}""", "prompt")]
    [InlineData("""{"model":"stories260K","prompt":"x","bogus":1}""", "bogus")]
    public async Task Bad_input_is_a_400_in_openais_error_shape_naming_the_field(string json, string param)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/completions", ApiFixture.RawJson(json));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var error = AssertError(response, body, 400, "invalid_request_error");
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Equal("/problems/invalid-request", body["type"]!.GetValue<string>());   // still the API's problem too
    }

    [Fact]
    public async Task Unknown_models_missing_keys_and_spent_quota_answer_in_openais_shape()
    {
        var tenant = await api.NewTenantAsync();
        var (r1, b1) = await PostAsync(tenant.Http, "/v1/completions", new { model = "gpt-4o", prompt = "x" });
        Assert.Equal("model_not_found", AssertError(r1, b1, 404, "invalid_request_error")["code"]!.GetValue<string>());
        var (r2, b2) = await PostAsync(api.Client(null), "/v1/completions", new { model = "stories260K", prompt = "x" });
        AssertError(r2, b2, 401, "authentication_error");
        var poor = await api.NewTenantAsync("compute");   // 100 model tokens a month
        var (r3, b3) = await PostAsync(poor.Http, "/v1/completions", new { model = "stories260K", prompt = Text, max_tokens = 100 });
        AssertError(r3, b3, 402, "insufficient_quota");
        Assert.Equal(0, await ReservedTokensAsync(poor.Http));
    }
}
