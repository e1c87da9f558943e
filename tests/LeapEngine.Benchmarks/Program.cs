using LeapEngine.Benchmarks;

// On-demand benchmarks (not run in CI): dotnet run -c Release --project tests/LeapEngine.Benchmarks -- <name> [options]
var benchmarks = BenchmarkRegistry.All.ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: LeapEngine.Benchmarks <name> [options]");
    foreach (var b in benchmarks.Values) Console.Error.WriteLine($"  {b.Name,-14} {b.Description}");
    return args.Length == 0 ? 0 : 2;
}
return benchmark.Run(args[1..]);
