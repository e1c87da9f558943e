using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}

/// <summary>
/// One PostgreSQL cluster and one API (with an in-process worker) shared by the functional
/// tests; each test creates its own tenants, so tests do not see each other's jobs or quota.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    /// <summary>Every progress step of a job waits this long, so a running job can be observed and cancelled.</summary>
    public const int StepDelayMs = 20;

    public PostgresServer Postgres { get; private set; } = null!;
    public LeapApiFactory Factory { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Factory = new LeapApiFactory(await Postgres.CreateDatabaseAsync("leap_api"), runWorkerInProcess: true, StepDelayMs);
        Operator = Client(LeapApiFactory.OperatorKey);
    }

    /// <summary>
    /// A second API without an in-process worker, on a database of its own (production shape,
    /// for tests that run LeapEngine.Worker processes). Created on first use and kept until the
    /// end: Hangfire keeps process-wide state (its log provider) that must not outlive a host.
    /// </summary>
    public async Task<(LeapApiFactory Factory, string ConnectionString)> ProductionApiAsync()
    {
        if (_production is null)
        {
            var connection = await Postgres.CreateDatabaseAsync("leap_prod");
            // Nothing runs jobs here until a test starts a worker process, so jobs stay queued: a small
            // queue bound shows the engine's 503 when saturated.
            _production = (new LeapApiFactory(connection, runWorkerInProcess: false, stepDelayMs: 0,
                new Dictionary<string, string> { ["Leap:Jobs:MaxQueuedJobs"] = ProductionMaxQueuedJobs.ToString() }), connection);
        }
        return _production.Value;
    }

    private (LeapApiFactory, string)? _production;

    public const int ProductionMaxQueuedJobs = 3;

    /// <summary>A tenant of the production-shape API.</summary>
    public async Task<Tenant> NewProductionTenantAsync(string plan = "test")
    {
        var (factory, _) = await ProductionApiAsync();
        return await NewTenantAsync(factory, plan);
    }

    /// <summary>
    /// An API (no in-process worker) on a PostgreSQL cluster of its own that a test may stop and
    /// start; kept until the end like <see cref="ProductionApiAsync"/>.
    /// </summary>
    public async Task<(LeapApiFactory Factory, PostgresServer Server)> OutageApiAsync()
    {
        if (_outage is null)
        {
            var server = await PostgresServer.StartLocalAsync();
            var connection = await server.CreateDatabaseAsync("leap_outage");
            _outage = (new LeapApiFactory(connection, runWorkerInProcess: false, stepDelayMs: 0), server);
        }
        return _outage.Value;
    }

    private (LeapApiFactory, PostgresServer)? _outage;

    /// <summary>The fault-drill API (its own stoppable cluster, short recovery intervals); kept until the end like the others.</summary>
    public async Task<Lifecycle.FaultDrillApi> FaultDrillApiAsync() => _faultDrill ??= await Lifecycle.FaultDrillApi.StartAsync();

    private Lifecycle.FaultDrillApi? _faultDrill;

    /// <summary>
    /// An API without an in-process worker on a database of its own, with every EF Core command it
    /// sends counted: jobs stay queued, so streams and long-polls on them stay open for as long as
    /// a test needs. Kept until the end like <see cref="ProductionApiAsync"/>.
    /// </summary>
    public async Task<(LeapApiFactory Factory, DbCommandCounter Commands)> StreamsApiAsync()
    {
        if (_streams is null)
        {
            var counter = new DbCommandCounter();
            var connection = await Postgres.CreateDatabaseAsync("leap_streams");
            _streams = (new LeapApiFactory(connection, runWorkerInProcess: false, stepDelayMs: 0, null,
                s => s.ConfigureDbContext<PostgresLeapDbContext>(o => o.AddInterceptors(counter))), counter);
        }
        return _streams.Value;
    }

    private (LeapApiFactory, DbCommandCounter)? _streams;

    /// <summary>A tenant of the streams API.</summary>
    public async Task<Tenant> NewStreamsTenantAsync(string plan = "streams")
    {
        var (factory, _) = await StreamsApiAsync();
        return await NewTenantAsync(factory, plan);
    }

    /// <summary>A new tenant of another API than the shared one.</summary>
    public static Task<Tenant> NewTenantAsync(LeapApiFactory factory, string plan) =>
        NewTenantAsync(Client(factory, LeapApiFactory.OperatorKey), plan, key => Client(factory, key));

    /// <summary>A client of <paramref name="factory"/> sending <paramref name="key"/> as its bearer key (none when null).</summary>
    public static HttpClient Client(LeapApiFactory factory, string? key)
    {
        var c = factory.CreateClient();
        if (key is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return c;
    }

    /// <summary>A browser of the shared API signed in to the Hangfire dashboard as the operator (its own cookie jar).</summary>
    public HttpClient OperatorBrowser()
    {
        var browser = Factory.CreateClient();
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + LeapApiFactory.OperatorKey)));
        return browser;
    }

    /// <summary>
    /// An API (no in-process worker, database of its own) on real Kestrel, for what only a real
    /// server shows: request-line and header limits, malformed requests. Kept until the end like the others.
    /// </summary>
    public async Task<LeapApiFactory> KestrelApiAsync()
    {
        if (_kestrel is null)
        {
            _kestrel = new LeapApiFactory(await Postgres.CreateDatabaseAsync("leap_kestrel"), runWorkerInProcess: false, stepDelayMs: 0);
            _kestrel.UseKestrel(0);
            _kestrel.StartServer();
        }
        return _kestrel;
    }

    private LeapApiFactory? _kestrel;

    /// <summary>The endpoint tests' APIs (Endpoints/EndpointHosts.cs); kept until the end like the others.</summary>
    public async Task<Endpoints.EndpointHosts> EndpointHostsAsync() => _endpointHosts ??= await Endpoints.EndpointHosts.StartAsync(Postgres);

    private Endpoints.EndpointHosts? _endpointHosts;

    public async Task DisposeAsync()
    {
        if (_endpointHosts is not null) await _endpointHosts.DisposeAsync();
        if (_faultDrill is not null) await _faultDrill.DisposeAsync();
        if (_streams is { } st) await st.Item1.DisposeAsync();
        if (_kestrel is not null) await _kestrel.DisposeAsync();
        if (_outage is { } o)
        {
            await o.Item1.DisposeAsync();
            await o.Item2.DisposeAsync();
        }
        if (_production is { } p) await p.Item1.DisposeAsync();
        await Factory.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    public HttpClient Client(string? key)
    {
        var client = Factory.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A new tenant on <paramref name="plan"/> with a read+write key, through the operator API.</summary>
    public Task<Tenant> NewTenantAsync(string plan = "test") => NewTenantAsync(Operator, plan, Client);

    public static async Task<Tenant> NewTenantAsync(HttpClient operatorClient, string plan, Func<string?, HttpClient> client)
    {
        var created = await operatorClient.PostAsJsonAsync("/v1/admin/tenants", new { name = $"t-{Guid.NewGuid():N}"[..12], plan });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tenantId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var keyResponse = await operatorClient.PostAsync($"/v1/admin/tenants/{tenantId}/keys", Json(new { name = "test" }));
        Assert.Equal(HttpStatusCode.Created, keyResponse.StatusCode);
        var key = (await keyResponse.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
        return new Tenant(tenantId, key, client(key));
    }

    public T Db<T>(Func<LeapDbContext, T> query)
    {
        using var scope = Factory.Services.CreateScope();
        return query(scope.ServiceProvider.GetRequiredService<LeapDbContext>());
    }

    public async Task<T> DbAsync<T>(Func<LeapDbContext, Task<T>> query)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<LeapDbContext>());
    }

    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent RawJson(string body) => new(body, Encoding.UTF8, "application/json");
}

public sealed record Tenant(string Id, string Key, HttpClient Http);
