using LeapEngine.Core.Tests;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// A worker's model pool keeps loaded weights within Leap:Models:MemoryBudgetMB by unloading the least
/// recently used idle instance, never one a job holds; a worker given Leap:Jobs:Classes loads only
/// models of its classes. stories260K and its HF-format copy are two models of equal size.
/// </summary>
public sealed class ModelPoolBudgetTests
{
    private const string A = "stories260K", B = "stories260K-hf";

    [Fact]
    public async Task Past_the_budget_the_least_recently_used_idle_model_is_unloaded_and_busy_ones_never()
    {
        long size;
        using (var unlimited = Pool(budgetMB: 0))
        {
            using (await unlimited.LeaseAsync(A, CancellationToken.None)) { }
            size = unlimited.Loaded.Bytes;
            using (await unlimited.LeaseAsync(B, CancellationToken.None)) { }
            Assert.Equal((2, 2 * size), unlimited.Loaded);   // no budget: both stay loaded
        }
        Assert.InRange(size, 256_000 * 4, 300_000 * 4);        // ~260K fp32 parameters

        // Room for one and a half models: one stays loaded.
        using var pool = Pool(budgetMB: 1.5 * size / (1024.0 * 1024.0));
        var first = await pool.LeaseAsync(A, CancellationToken.None);
        var firstModel = first.Model;
        first.Dispose();
        Assert.Equal((1, size), pool.Loaded);
        using (await pool.LeaseAsync(B, CancellationToken.None))
            Assert.Equal((1, size), pool.Loaded);              // loading B passed the budget: idle A was unloaded
        Assert.Equal((1, size), pool.Loaded);                  // B, returned, fits

        // A was unloaded (least recently used): leasing it again loads a new instance.
        using (var again = await pool.LeaseAsync(A, CancellationToken.None))
            Assert.NotSame(firstModel, again.Model);

        // Two busy instances pass the budget; neither is unloaded while held.
        var heldA = await pool.LeaseAsync(A, CancellationToken.None);
        var heldB = await pool.LeaseAsync(B, CancellationToken.None);
        Assert.Equal((2, 2 * size), pool.Loaded);
        var modelB = heldB.Model;
        heldB.Dispose();                                         // B idle, over budget: B is the only idle one, so it goes
        Assert.Equal((1, size), pool.Loaded);
        Assert.NotNull(heldA.Model.Network);                     // A, held, is still loaded and usable
        heldA.Dispose();
        using (var b = await pool.LeaseAsync(B, CancellationToken.None)) Assert.NotSame(modelB, b.Model);
    }

    [Fact]
    public async Task A_worker_for_one_class_refuses_to_load_another_class_model()
    {
        using var pool = Pool(budgetMB: 0, classes: [LeapEngine.Api.Tests.Infrastructure.LeapApiFactory.HfClass]);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.LeaseAsync(A, CancellationToken.None));
        Assert.Contains("class 'small'", e.Message);
        Assert.Equal((0, 0L), pool.Loaded);
        using (await pool.LeaseAsync(B, CancellationToken.None)) Assert.Equal(1, pool.Loaded.Instances);
    }

    private static ModelPool Pool(double budgetMB, string[]? classes = null) => new(
        Options.Create(new ModelsOptions
        {
            ModelsDir = SharedFiles.ModelsDir,
            MemoryBudgetMB = budgetMB,
            Served = [new() { Id = A, Class = "small" }, new() { Id = B, Class = LeapEngine.Api.Tests.Infrastructure.LeapApiFactory.HfClass }],
        }),
        Options.Create(new JobsOptions { Classes = classes ?? [] }),
        NullLogger<ModelPool>.Instance);
}
