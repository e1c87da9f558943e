using System.Threading.Channels;
using LeapEngine.Core.Serving;
using LeapEngine.Jobs.Metering;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// Runs a plan synchronously on an instance leased from the same <see cref="ModelPool"/> the job
/// handlers use (so a completion never shares an instance with a job), on a long-lived thread of its own
/// (<see cref="ServeThreads"/>, with Leap:OpenAi:IntraOpThreads libtorch threads): the model's seconds of
/// CPU or GPU work hold no thread-pool thread that other requests need. Events
/// cross to the request through a channel. Cancelling (the client went away) stops generation at the
/// next token, and the lease is given back only once the generation thread has let go of the model.
/// Prompts go through the process's <see cref="PromptCache"/> (in the plan's tenant-and-model scope): a prompt that
/// repeats a recent one's first tokens runs only the rest, which is what a black-box attribution's perturbed prompts do.
/// </summary>
public sealed class CompletionRunner(ModelPool pool, ServeThreads threads, PromptCache prompts, IOptions<OpenAiOptions> options)
{
    /// <param name="usage">Counts the model tokens run and refuses a pass past the reservation (its limit).</param>
    /// <param name="leased">Runs once an instance is leased, before generation: a stream starts here, so that a busy model
    /// is still answered with a 503 problem rather than inside a stream.</param>
    public async Task RunAsync(ServePlan plan, UsageMeter usage, Func<ServeEvent, ValueTask> sink, CancellationToken ct,
        Func<Task>? leased = null)
    {
        int waitSeconds = options.Value.ModelWaitSeconds;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(waitSeconds));
        ModelLease lease;
        try
        {
            lease = await pool.LeaseAsync(plan.ModelId, wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ModelBusyException(plan.ModelId, waitSeconds);
        }

        using (lease)
        {
            if (leased is not null) await leased();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var events = Channel.CreateUnbounded<ServeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var work = threads.RunAsync(() =>
            {
                try
                {
                    using var tensors = TorchSharp.torch.NewDisposeScope();
                    using var meter = ForwardTokenMeter.Attach(lease.Model, usage);
                    ServeGeneration.Run(lease.Model, plan, prompts, e => events.Writer.TryWrite(e), stop.Token);
                    events.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    events.Writer.TryComplete(e);
                }
            });
            try
            {
                await foreach (var e in events.Reader.ReadAllAsync(ct)) await sink(e);
            }
            finally
            {
                // Whatever ended the reading (the end, an error, the client gone), the model is not given back while in use.
                await stop.CancelAsync();
                await work;
            }
        }
    }
}
