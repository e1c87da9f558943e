using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using Tenant = LeapEngine.Api.Tests.Infrastructure.Tenant;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Scheduling;
using LeapEngine.Jobs.Submission;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>
/// An API with an in-process worker on a PostgreSQL cluster of its own (a test may stop it),
/// with the fault-drill job type, a scheduler that can be told to fail, and every recovery
/// interval short, so the lifecycle invariants can be driven in seconds.
/// </summary>
public sealed class FaultDrillApi : IAsyncDisposable
{
    public static readonly Dictionary<string, string> Timings = new()
    {
        ["Leap:Jobs:RetryDelaysSeconds:0"] = "0.2",
        ["Leap:Jobs:SchedulePollingIntervalSeconds"] = "0.2",
        ["Leap:Jobs:ReconcileIntervalSeconds"] = "0.5",
        ["Leap:Jobs:EnqueueGraceSeconds"] = "0.5",
        ["Leap:Jobs:OrphanCheckAfterSeconds"] = "1",
        ["Leap:Jobs:CancelGraceSeconds"] = "1",
        ["Leap:Jobs:IdempotencyTakeoverSeconds"] = "2",
    };

    private FaultDrillApi(LeapApiFactory factory, PostgresServer server)
    {
        Factory = factory;
        Server = server;
    }

    public LeapApiFactory Factory { get; }
    public PostgresServer Server { get; }

    public static async Task<FaultDrillApi> StartAsync()
    {
        var server = await PostgresServer.StartLocalAsync();
        var factory = new LeapApiFactory(await server.CreateDatabaseAsync("leap_faults"), runWorkerInProcess: true, stepDelayMs: 0, Timings,
            services =>
            {
                services.AddJobHandler<FaultDrillRequest, FaultDrillHandler>(FaultDrillHandler.Type);
                var real = services.Single(d => d.ServiceType == typeof(IJobScheduler));
                services.Remove(real);
                services.AddSingleton<IJobScheduler>(sp =>
                    new FlakyScheduler((IJobScheduler)ActivatorUtilities.CreateInstance(sp, real.ImplementationType!)));
            });
        factory.CreateClient().Dispose();   // start the host (and its worker) now
        return new FaultDrillApi(factory, server);
    }

    public Task<Tenant> NewTenantAsync(string plan = "test") => ApiFixture.NewTenantAsync(Factory, plan);

    /// <summary>Submits a job of any registered type for <paramref name="tenant"/>, as the API would.</summary>
    public async Task<Guid> SubmitAsync(Tenant tenant, string type, IJobRequest request, string? idempotencyKey = null)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var row = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == TenantId(tenant));
        var plan = scope.ServiceProvider.GetRequiredService<IOptions<PlansOptions>>().Value.Find(row.Plan)!;
        var job = await scope.ServiceProvider.GetRequiredService<JobSubmitter>().SubmitAsync(row, plan, type, request, idempotencyKey,
            CancellationToken.None);
        return job.Id;
    }

    public static Guid TenantId(Tenant tenant) => Guid.ParseExact(tenant.Id["ten_".Length..], "N");

    public async Task<T> DbAsync<T>(Func<LeapDbContext, Task<T>> query)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<LeapDbContext>());
    }

    public Task<JobRecord> JobAsync(Guid id) => DbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id));

    /// <summary>Polls the row until it is final; fails the test after <paramref name="timeout"/> (a job left unfinished).</summary>
    public async Task<JobRecord> WaitFinalAsync(Guid id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var job = await JobAsync(id);
                if (JobStatus.IsFinal(job.Status)) return job;
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"job {id} still {job.Status} (attempt {job.Attempt}, hangfire {job.HangfireJobId}) after {timeout}");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                // The database is down in an outage drill: keep polling.
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The tenant's ledger and slots: what every lifecycle test checks after the job ends.</summary>
    public async Task<(UsageMonth Usage, int ActiveJobs)> LedgerAsync(Tenant tenant)
    {
        var id = TenantId(tenant);
        return await DbAsync(async db => (await db.UsageMonths.AsNoTracking().SingleAsync(u => u.TenantId == id),
            (await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == id)).ActiveJobs));
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Server.DisposeAsync();
    }
}
