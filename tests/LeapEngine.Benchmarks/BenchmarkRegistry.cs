namespace LeapEngine.Benchmarks;

/// <summary>One on-demand benchmark; each lives in its own file and reports ratios measured in one run.</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    int Run(string[] args);
}

public static class BenchmarkRegistry
{
    public static IReadOnlyList<IBenchmark> All { get; } =
    [
        new ForwardThroughputBenchmark(),
        new AttributionCostBenchmark(),
        new HipeVsItpBenchmark(),
        new PartitionBuildBenchmark(),
        new PromptOptimisationBenchmark(),
        new EndpointConcurrencyBenchmark(),
        new OwnEndpointBenchmark(),
        new ServePassBenchmark(),
    ];
}
