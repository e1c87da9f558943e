using LeapEngine.Api.Streaming;

namespace LeapEngine.Api.Tests;

/// <summary>The held-connection counter alone: exact under contention, each slot given back once.</summary>
public sealed class HeldConnectionsTests
{
    [Fact]
    public async Task Parallel_takers_get_exactly_the_limit()
    {
        var held = new HeldConnections();
        var tenant = Guid.NewGuid();
        using var start = new ManualResetEventSlim();
        var takers = Enumerable.Range(0, 64).Select(_ => Task.Run(() => { start.Wait(); return held.TryTake(tenant, 10); })).ToList();
        start.Set();
        var slots = await Task.WhenAll(takers);
        Assert.Equal(10, slots.Count(s => s is not null));
        Assert.Equal(10, held.HeldBy(tenant));
        Assert.NotNull(held.TryTake(Guid.NewGuid(), 10));   // another tenant is counted apart
        foreach (var s in slots) s?.Dispose();
        Assert.Equal(0, held.HeldBy(tenant));
    }

    [Fact]
    public void A_slot_disposed_twice_is_given_back_once()
    {
        var held = new HeldConnections();
        var tenant = Guid.NewGuid();
        var a = held.TryTake(tenant, 2)!;
        var b = held.TryTake(tenant, 2)!;
        a.Dispose();
        a.Dispose();
        Assert.Equal(1, held.HeldBy(tenant));
        Assert.Null(held.TryTake(tenant, 1));
        b.Dispose();
        Assert.Equal(0, held.HeldBy(tenant));
    }
}
