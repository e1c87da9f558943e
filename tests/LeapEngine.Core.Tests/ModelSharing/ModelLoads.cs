namespace LeapEngine.Core.Tests.ModelSharing;

/// <summary>
/// Counts the models this test assembly loads, so the cost of loading per test (instead of
/// once per assembly) stays visible: set LEAP_TEST_MODEL_LOADS to a file path and every load
/// appends one line "model&lt;TAB&gt;who asked" there.
/// </summary>
public static class ModelLoads
{
    private static readonly object FileGate = new();
    private static int _count;

    /// <summary>Loads made so far in this process.</summary>
    public static int Count => Volatile.Read(ref _count);

    /// <summary>Runs <paramref name="load"/> and records it under <paramref name="model"/> for <paramref name="caller"/>.</summary>
    public static T Record<T>(string model, string caller, Func<T> load)
    {
        var loaded = load();
        Interlocked.Increment(ref _count);
        var log = Environment.GetEnvironmentVariable("LEAP_TEST_MODEL_LOADS");
        if (!string.IsNullOrEmpty(log))
            lock (FileGate) File.AppendAllText(log, $"{model}\t{caller}{Environment.NewLine}");
        return loaded;
    }
}
