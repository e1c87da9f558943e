using System.Diagnostics.Metrics;
using LeapEngine.Core.Serving;
using LeapEngine.Jobs.Telemetry;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// What the served prompt cache (<see cref="PromptCache"/>) holds and saves, read when metrics are collected (a scrape of
/// /metrics): leap.prompt_cache.size (bytes of keys/values kept), leap.prompt_cache.entries, leap.prompt_cache.lookups
/// {result: hit|miss} and leap.prompt_cache.reused_tokens (prompt tokens that did not run). An operator sizes
/// Leap:OpenAi:PromptCacheMegabytes from them: a low hit rate with the size at its bound asks for more room.
/// </summary>
/// <remarks>A hosted service only so that it exists from the start (as QueueDepthGauge); its meter comes from the host's
/// factory, so a host that stops takes its callbacks with it.</remarks>
public sealed class PromptCacheGauges : IHostedService
{
    public PromptCacheGauges(IMeterFactory meters, PromptCache cache)
    {
        var meter = meters.Create(LeapTelemetry.Name);
        meter.CreateObservableGauge("leap.prompt_cache.size", () => cache.Bytes, unit: "By",
            description: "Bytes of prompts' keys/values the served prompt cache holds");
        meter.CreateObservableGauge("leap.prompt_cache.entries", () => cache.Count, description: "Prompts the served prompt cache holds");
        meter.CreateObservableCounter("leap.prompt_cache.lookups", () => new[]
        {
            new Measurement<long>(cache.Hits, new KeyValuePair<string, object?>("result", "hit")),
            new Measurement<long>(cache.Misses, new KeyValuePair<string, object?>("result", "miss")),
        }, description: "Served prompts looked up in the prompt cache, by whether some of their tokens were reused");
        meter.CreateObservableCounter("leap.prompt_cache.reused_tokens", () => cache.ReusedTokens,
            description: "Prompt tokens taken from the prompt cache instead of run");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
