using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Jobs.Metering;
using static TorchSharp.torch;

namespace LeapEngine.Api.Tests;

/// <summary>The structural bound: a job's meter knows its reservation and refuses work past it, before that work runs.</summary>
public sealed class UsageMeterTests
{
    [Fact]
    public void The_meter_refuses_tokens_past_its_limit_and_counts_none_of_them()
    {
        var meter = new UsageMeter(limit: 10);
        meter.Add(6);
        meter.Add(4);
        var refused = Assert.Throws<UsageLimitReachedException>(() => meter.Add(1));
        Assert.Equal(10, meter.Tokens);
        Assert.Equal((10, 1, 10), (refused.Used, refused.Requested, refused.Limit));
        Assert.Contains("reservation of 10", refused.Message);
    }

    [Fact]
    public void Concurrent_adds_never_pass_the_limit()
    {
        var meter = new UsageMeter(limit: 1_000);
        int refused = 0;
        Parallel.For(0, 2_000, _ =>
        {
            try { meter.Add(1); }
            catch (UsageLimitReachedException) { Interlocked.Increment(ref refused); }
        });
        Assert.Equal(1_000, meter.Tokens);
        Assert.Equal(1_000, refused);
    }

    [Fact]
    public void A_forward_pass_past_the_reservation_is_stopped_before_it_computes()
    {
        EngineModel.Use(model =>
        {
            var meter = new UsageMeter(limit: 12);
            var ranLayers = 0;
            using var metered = ForwardTokenMeter.Attach(model, meter);
            using var seen = model.Network.Attach(("blocks.0.hook_resid_pre", (_, _) => { ranLayers++; return null; }));
            using var ids = tensor(new long[] { 1, 2, 3, 4, 5 }).reshape(1, 5);                 // [batch, token]
            model.Network.Forward(ids, new ForwardOptions { LogitsFrom = -1 }).Dispose();     // 5 of 12
            model.Network.Forward(ids, new ForwardOptions { LogitsFrom = -1 }).Dispose();     // 10 of 12
            Assert.Throws<UsageLimitReachedException>(() => model.Network.Forward(ids, new ForwardOptions { LogitsFrom = -1 }));
            Assert.Equal(10, meter.Tokens);
            Assert.Equal(2, ranLayers);   // the third pass never reached the first block
            return 0;
        });
    }

    [Fact]
    public void A_pass_with_gradients_counts_its_backward_too()
    {
        EngineModel.Use(model =>
        {
            var meter = new UsageMeter();
            using var metered = ForwardTokenMeter.Attach(model, meter);
            using var scope = NewDisposeScope();
            var embeddings = model.Network.TokenEmbeddings.index_select(0, tensor(new long[] { 1, 2, 3 })).unsqueeze(0)
                .detach().requires_grad_(true);                                                   // [1, token, d_model]
            model.Network.ForwardEmbeddings(embeddings, new ForwardOptions { LogitsFrom = -1 }).sum().backward();
            Assert.Equal(6, meter.Tokens);
            using (no_grad()) model.Network.ForwardEmbeddings(embeddings, new ForwardOptions { LogitsFrom = -1 });
            Assert.Equal(9, meter.Tokens);
            return 0;
        });
    }

    [Fact]
    public void An_optimisation_is_metered_within_its_cost_model()
    {
        // The job reserves OptimisationCost.MaxTotal; the meter must see no more than that on a real run.
        var request = new OptimisationRequest
        {
            Target = " zebra", Search = new AnchoredHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 } }, Length = 3, Steps = 6, Candidates = 4, Seed = 5,
        };
        var (metered, bound, work) = EngineModel.Use(model =>
        {
            var meter = new UsageMeter();
            OptimisationResult result;
            using (ForwardTokenMeter.Attach(model, meter)) result = PromptOptimiser.Run(model, request);
            return (meter.Tokens, OptimisationCost.For(model, request).MaxTotal(null), result.Work);
        });
        Assert.InRange(metered, 1, bound);
        Assert.True(work <= bound, $"counted work {work} over the cost model's bound {bound}");
    }
}
