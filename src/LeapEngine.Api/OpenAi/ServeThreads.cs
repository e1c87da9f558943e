using LeapEngine.Core.Runtime;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// The threads that run served completions' model work (<see cref="ModelThreads"/>), each with
/// Leap:OpenAi:IntraOpThreads libtorch threads; one set for the process, ended with it.
/// </summary>
public sealed class ServeThreads(IOptions<OpenAiOptions> options) : IDisposable
{
    private readonly ModelThreads _threads = new(options.Value.IntraOpThreads, "leap-serve");

    public Task RunAsync(Action work) => _threads.RunAsync(work);

    public void Dispose() => _threads.Dispose();
}
