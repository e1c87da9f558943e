using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Attribution;
using LeapEngine.Jobs.Attribution.Results;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Metering costs no speed: a hosted job runs the engine on the same path as the CLI (which calls the engine directly),
/// with the first layer's shared rows (the fast path) taken, and is charged exactly the positions that path ran.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MeteredPathTests(ApiFixture api)
{
    private const string Text = "Once upon a time there was a little girl who liked to play with her red ball";

    private static AttributionJobRequest JobRequest() => new() { Model = "stories260K", Text = Text, Unit = "word", MaxNewTokens = 4 };

    /// <summary>Runs the engine as the CLI does (no meter), counting its positions with an observer and its fast-path passes.</summary>
    private static (long Tokens, long SharedPasses, AttributionResult Result) RunAsTheCli(LanguageModel model)
    {
        long tokens = 0, before = model.Network.SharedFirstLayerPasses;
        AttributionResult result;
        // Atomic: the engine runs its batches on several threads at once (InterOpWorkers), and a plain += lost counts
        // (the CLI's side read 210 or 290 of the 418 positions the job was rightly charged).
        using (model.Network.Observe((ForwardTokenMeter.HookPoint, (x, _) => Interlocked.Add(ref tokens, x.shape[0] * x.shape[1]))))
            result = AttributionEngine.Run(model, JobRequest().ToEngine());
        return (tokens, model.Network.SharedFirstLayerPasses - before, result);
    }

    [Fact]
    public void The_job_handler_takes_the_fast_path_the_cli_takes_and_meters_what_it_ran()
    {
        var (cli, job, cliShared, jobShared, cliResult, jobResult) = EngineModel.Use(model =>
        {
            var (tokens, shared, result) = RunAsTheCli(model);
            using var services = new ServiceCollection().BuildServiceProvider();
            var execution = new JobExecution(Guid.NewGuid(), Guid.NewGuid(), attempt: 1, services);
            long before = model.Network.SharedFirstLayerPasses;
            // The handler's work is synchronous (a completed task), so the model stays locked to this test while it runs.
            var output = new AttributionHandler().RunAsync(execution, JobRequest(), model, new Progress<ProgressUpdate>(), default).GetAwaiter().GetResult();
            return (tokens, execution.Usage.Tokens, shared, model.Network.SharedFirstLayerPasses - before, result, (AttributionJobResult)output.Result);
        });
        Assert.True(cliShared > 0, "the CLI's run never took the shared-rows fast path: this test would prove nothing");
        Assert.Equal(cliShared, jobShared);
        Assert.Equal(cli, job);
        Assert.Equal(cliResult.Units.Select(u => u.Score), jobResult.Units.Select(u => u.Score));
    }

    [Fact]
    public async Task A_hosted_job_is_charged_the_positions_the_cli_runs_for_the_same_request()
    {
        var tenant = await api.NewTenantAsync();
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions",
            new { model = "stories260K", text = Text, unit = "word", max_new_tokens = 4 });
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>());
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());

        var (cliTokens, _, cliResult) = EngineModel.Use(RunAsTheCli);
        Assert.Equal(cliTokens, job["usage"]!["model_tokens"]!.GetValue<long>());
        Assert.Equal(cliResult.ForwardTokens, job["result"]!["forward_tokens"]!.GetValue<long>());
    }
}
