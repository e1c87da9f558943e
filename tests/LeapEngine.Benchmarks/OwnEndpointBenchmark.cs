using System.Diagnostics;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox.Scoring;

namespace LeapEngine.Benchmarks;

/// <summary>
/// The issue's endpoint benchmark: calls and wall time of black-box ItP vs HiPe on a 200-word prompt at concurrency
/// 1, 4 and 16 against LeapEngine's OWN OpenAI-compatible endpoint (the API started as a separate process, stories260K,
/// teacher-forced over /v1/completions with echo), with an optional added round-trip latency standing for the network
/// between a client and a remote endpoint. One call's latency is measured in the same run (median of sequential
/// calls of the method made one at a time, its concurrency-1 run), and each wall time is set against calls / concurrency x that latency and
/// against the stage-aware floor (<see cref="CallSchedule"/>); calls / concurrency x the run's own median latency says
/// whether the client kept its calls in flight, and cores busy whether the machine (endpoint and client share it) was saturated.
/// </summary>
public sealed class OwnEndpointBenchmark : IBenchmark
{
    public string Name => "own-endpoint";
    public string Description => "black-box ItP vs HiPe against LeapEngine's own /v1 server, 200 words, concurrency 1/4/16 (--latency-ms 0,50 --words 200 --concurrency 1,4,16 --database sqlite|postgres)";

    private static readonly string[] Sentences =
    [
        "Lily went to the park with her mom.", "She saw a big red ball under a tree.", "Tom was sad because his toy was lost.",
        "The sun was warm and the sky was blue.", "They played with the dog all day.", "A little bird sang a happy song.",
        "Mom gave them a cake and some milk.", "The cat jumped on the bed and slept.", "Ben found a shiny stone by the river.",
        "They laughed and ran to the big house.",
    ];

    public int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var latencies = Measure.ListArg(args, "--latency-ms", "0,50");
        var levels = Measure.ListArg(args, "--concurrency", "1,4,16");
        if (!levels.Contains(1)) throw new ArgumentException("--concurrency must include 1: one call's latency is measured in the concurrency-1 run");
        int words = Measure.IntArg(args, "--words", 200);
        const string completion = " They were very happy.";

        bool postgres = Measure.WordArg(args, "--database", "sqlite") switch
        {
            "sqlite" => false, "postgres" => true,
            var other => throw new ArgumentException($"--database is sqlite or postgres, not '{other}'"),
        };
        await using var server = await ApiServerProcess.StartAsync(postgres);
        Console.WriteLine($"LeapEngine API (separate process {server.ProcessId}, {(postgres ? "PostgreSQL, a throwaway local cluster" : "standalone SQLite")}) at {server.BaseUrl}; model stories260K; {words}-word prompt; " +
                          $"load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; {Environment.ProcessorCount} cores");
        int seed = 11;
        foreach (int latencyMs in latencies)
        {
            // The probe warms the model up and says what the endpoint offers (teacher forcing through echo).
            var caps = await EndpointProbe.RunAsync(Client(server, latencyMs, 4));
            var repeat = await RepeatedCallAsync(server, Client(server, latencyMs, 1), [new ChatMessage("user", Prompt(words, seed++))], completion);
            // A server runs for days: its hot paths are compiled again after their first calls (tiered compilation), which
            // takes a few hundred calls at concurrency; one whole unmeasured run of each method on its own prompt first.
            foreach (var method in new[] { "itp", "hipe" })
                await BlackBoxAttribution.RunAsync(Client(server, latencyMs, levels.Max()), caps, Request(Prompt(words, seed++), completion, method));
            Console.WriteLine();
            Console.WriteLine($"added round-trip latency {latencyMs} ms; the same unperturbed call repeated (median of {OneCall.Measured} sequential, " +
                              $"after 40 warm-up calls; a prompt-cache hit after the first): {repeat.MedianSeconds * 1000:F1} ms, server CPU " +
                              $"{repeat.ServerCpuMs:F1} ms per call, client CPU {repeat.ClientCpuMs:F1} ms per call; scoring {caps.BestMode}");
            Console.WriteLine("one call = the median latency of the method's own calls made one at a time (its concurrency-1 run); every run explains a prompt of its own");
            Console.WriteLine("in-run = the median latency of this run's own calls (what the endpoint gave under this load); cores busy = (server + client CPU) / (cores × wall)");
            Console.WriteLine("| method | concurrency | units | calls | one call, ms | wall s | calls/concurrency × latency, s | ratio | stage-aware floor, s | ratio | in-run latency, ms | ratio to in-run | calls/s | server CPU ms/call | client CPU ms/call | cores busy |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var method in new[] { "itp", "hipe" })
            {
                double? latency = null;
                foreach (int concurrency in levels.Order())
                {
                    var timing = new CallTiming();
                    var client = Client(server, latencyMs, concurrency, timing);
                    var request = Request(Prompt(words, seed++), completion, method);
                    var serverCpu = server.CpuTime();
                    var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var result = await BlackBoxAttribution.RunAsync(client, caps, request);
                    double wall = watch.Elapsed.TotalSeconds;
                    double serverMs = (server.CpuTime() - serverCpu).TotalMilliseconds / result.Calls;
                    double clientMs = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMilliseconds / result.Calls;
                    latency ??= timing.MedianSeconds;
                    double ideal = CallSchedule.IdealSeconds(result, concurrency, latency.Value);
                    double floor = CallSchedule.FloorSeconds(result, concurrency, latency.Value);
                    // The same yardsticks with this run's own median latency: how well the client keeps its calls in flight,
                    // whatever the endpoint's latency under that load (a saturated endpoint answers every call later).
                    double inRun = timing.MedianSeconds;
                    double busy = (serverMs + clientMs) * result.Calls / 1000 / (Environment.ProcessorCount * wall);
                    Console.WriteLine($"| {method} | {concurrency} | {result.Units.Count} | {result.Calls} | {latency * 1000:F1} | {wall:F2} | {ideal:F2} | {wall / ideal:F2} | {floor:F2} | {wall / floor:F2} | " +
                                      $"{inRun * 1000:F1} | {wall / CallSchedule.IdealSeconds(result, concurrency, inRun):F2} | " +
                                      $"{result.Calls / wall:F1} | {serverMs:F1} | {clientMs:F1} | {busy:P0} |");
                }
            }
        }
        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return 0;
    }

    private static BlackBoxAttributionRequest Request(string text, string completion, string method) => new()
    {
        Messages = [new ChatMessage("user", text)], Completion = completion, Method = method, Unit = "word", NoiseSamples = 0,
    };

    /// <summary>One sequential call: its median wall time, and the CPU the server and this client spent per call.</summary>
    private sealed record OneCall(double MedianSeconds, double ServerCpuMs, double ClientCpuMs)
    {
        public const int Measured = 41;
    }

    /// <summary>
    /// Median seconds of one teacher-forced call on the unperturbed prompt, the same call made one after another, after
    /// 40 unmeasured ones. Since the server keeps prompts (its prompt cache) every call after the first runs one token:
    /// a floor for a call, not the yardstick (a perturbed prompt runs from its first change on). CPU per call is the
    /// processes' CPU time over the measured calls divided by their number: under load, wall time includes waiting for
    /// a core, CPU time does not.
    /// </summary>
    private static async Task<OneCall> RepeatedCallAsync(ApiServerProcess server, EndpointClient client, IReadOnlyList<ChatMessage> messages,
        string completion)
    {
        var reader = new TeacherForcedReader(client, ChatTemplate.Plain, PromptLogprobRoute.Echo);
        for (int i = 0; i < 40; i++) await reader.EstablishAsync(messages, completion, 1, CancellationToken.None);
        var times = new List<double>();
        var serverCpu = server.CpuTime();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < OneCall.Measured; i++)
        {
            var watch = Stopwatch.StartNew();
            await reader.EstablishAsync(messages, completion, 1, CancellationToken.None);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        double serverMs = (server.CpuTime() - serverCpu).TotalMilliseconds / OneCall.Measured;
        double clientMs = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMilliseconds / OneCall.Measured;
        times.Sort();
        return new OneCall(times[times.Count / 2], serverMs, clientMs);
    }

    private static EndpointClient Client(ApiServerProcess server, int latencyMs, int concurrency, CallTiming? timing = null)
    {
        HttpMessageHandler handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (latencyMs > 0) handler = new RoundTripDelay(TimeSpan.FromMilliseconds(latencyMs)) { InnerHandler = handler };
        if (timing is not null) handler = new TimedCalls(timing) { InnerHandler = handler };
        var http = new HttpClient(handler);
        return new EndpointClient(http, new EndpointSpec
        {
            BaseUrl = new Uri(server.BaseUrl, "v1"), Model = "stories260K", ApiKey = server.Key, MaxConcurrency = concurrency,
        }, CallBudget.Unlimited);
    }

    /// <summary>A prompt of its own for every run (<paramref name="seed"/>), so that no run finds another's prompts in the server's cache.</summary>
    private static string Prompt(int words, int seed)
    {
        var random = new Random(seed);
        var list = new List<string>();
        while (list.Count < words) list.AddRange(Sentences[random.Next(Sentences.Length)].Split(' '));
        return string.Join(' ', list.Take(words));
    }

    /// <summary>Every call's latency as the client sees it (added delay included).</summary>
    private sealed class CallTiming
    {
        private readonly List<double> _seconds = [];

        public void Add(double seconds)
        {
            lock (_seconds) _seconds.Add(seconds);
        }

        public double MedianSeconds
        {
            get
            {
                lock (_seconds)
                {
                    var sorted = _seconds.Order().ToList();
                    return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
                }
            }
        }
    }

    private sealed class TimedCalls(CallTiming timing) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var watch = Stopwatch.StartNew();
            var response = await base.SendAsync(request, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            timing.Add(watch.Elapsed.TotalSeconds);
            return response;
        }
    }

    /// <summary>A network between client and endpoint: every call waits this long before it is sent (any number at once).</summary>
    private sealed class RoundTripDelay(TimeSpan delay) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            await Task.Delay(delay, ct);
            return await base.SendAsync(request, ct);
        }
    }
}
