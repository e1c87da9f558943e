using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;

namespace LeapEngine.Benchmarks;

/// <summary>
/// Calls and wall time of black-box ItP vs HiPe on a 200-word prompt at endpoint concurrency
/// 1, 4 and 16, against an in-process teacher-forcing endpoint with a fixed latency per call
/// (no model: what is measured is the client's scheduling, not a server's compute). The yardstick
/// is the issue's: calls / concurrency x one call's latency; HiPe's stages run one after
/// another, so its own floor is the sum over stages of ceil(stage calls / concurrency) x latency.
/// </summary>
public sealed class EndpointConcurrencyBenchmark : IBenchmark
{
    public string Name => "endpoint-concurrency";
    public string Description => "black-box ItP vs HiPe over a fixed-latency endpoint, 200 words, concurrency 1/4/16 (--latency-ms 50 --words 200 --concurrency 1,4,16)";

    public int Run(string[] args)
    {
        int latencyMs = Measure.IntArg(args, "--latency-ms", 50), words = Measure.IntArg(args, "--words", 200);
        var levels = Measure.ListArg(args, "--concurrency", "1,4,16");
        var random = new Random(7);
        var filler = new[] { "the", "a", "little", "dog", "ran", "over", "hill", "and", "saw", "tree", "in", "park", "with", "sun" };
        var text = string.Join(' ', Enumerable.Range(0, words).Select(i => i == words / 5 ? "alpha" : i == words / 2 ? "bravo" : i == 4 * words / 5 ? "charlie" : filler[random.Next(filler.Length)]));
        var capabilities = new EndpointCapabilities
        {
            ChatLogprobs = false, TopLogprobs = 0, CompletionsEcho = true, PromptLogprobs = false, Tokenize = false,
            DeterministicAtTemperatureZero = true, Notes = [], Calls = 0,
        };
        Console.WriteLine($"latency {latencyMs} ms per call; {words}-word prompt, 3 key words; load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine("| method | concurrency | calls | wall s | calls/concurrency x latency, s | ratio | stage-aware floor, s | ratio |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var method in new[] { "itp", "hipe" })
            foreach (int concurrency in levels)
            {
                var endpoint = new LatencyEndpoint(TimeSpan.FromMilliseconds(latencyMs));
                var client = new EndpointClient(new HttpClient(endpoint), new EndpointSpec
                {
                    BaseUrl = new Uri("http://bench.test/v1"), Model = "bench", MaxConcurrency = concurrency,
                }, CallBudget.Unlimited);
                var request = new BlackBoxAttributionRequest
                {
                    Messages = [new ChatMessage("user", text)], Completion = " yes", Method = method, NoiseSamples = 0,
                };
                var watch = Stopwatch.StartNew();
                var result = BlackBoxAttribution.Run(client, capabilities, request);
                double wall = watch.Elapsed.TotalSeconds;
                double ideal = CallSchedule.IdealSeconds(result, concurrency, latencyMs / 1000.0);
                double floor = CallSchedule.FloorSeconds(result, concurrency, latencyMs / 1000.0);
                var top = string.Join(",", result.Units.OrderByDescending(u => u.Score).Take(3).Select(u => u.Text).OrderBy(t => t));
                Console.WriteLine($"| {method} | {concurrency} | {result.Calls} | {wall:F2} | {ideal:F2} | {wall / ideal:F2} | {floor:F2} | {wall / floor:F2} |  top 3: {top}");
            }
        return 0;
    }

    /// <summary>
    /// Completions with echo: whitespace tokens with offsets; the completion's one token scores
    /// -0.1 - 1.5 per key word missing from the prompt. Answers after a fixed delay, any number at once.
    /// </summary>
    private sealed class LatencyEndpoint(TimeSpan latency) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(ct))!;
            string prompt = body["prompt"]!.GetValue<string>();
            await Task.Delay(latency, ct);
            var tokens = new List<string>();
            var offsets = new List<int>();
            int at = 0;
            foreach (var piece in System.Text.RegularExpressions.Regex.Matches(prompt, @"\s*\S+").Select(m => m.Value))
            {
                tokens.Add(piece);
                offsets.Add(at);
                at += piece.Length;
            }
            int missing = new[] { "alpha", "bravo", "charlie" }.Count(k => !prompt.Contains(k));
            var logprobs = tokens.Select((_, i) => i == 0 ? (double?)null : -1.0).ToList();
            logprobs[^1] = -0.1 - 1.5 * missing;
            var answer = new { choices = new[] { new { text = prompt, logprobs = new { tokens, token_logprobs = logprobs, text_offset = offsets } } } };
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(JsonSerializer.Serialize(answer, OpenAiJson.Options), Encoding.UTF8, "application/json"),
            };
        }
    }
}
