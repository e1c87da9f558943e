using LeapEngine.Api.Auth;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// First start on an empty database: creates an operator key (unless one is configured) and a
/// researcher tenant on the default plan with a key, and prints both once. Only their hashes
/// are stored, so they are never shown again; a later start prints nothing.
/// </summary>
internal sealed class StandaloneBootstrap(IServiceScopeFactory scopes, IOptions<ApiOptions> api, IOptions<PlansOptions> plans,
    ILogger<StandaloneBootstrap> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        if (await db.ApiKeys.AnyAsync(ct) || await db.Tenants.AnyAsync(ct)) return;

        var lines = new List<string>();
        var now = DateTime.UtcNow;
        if (string.IsNullOrEmpty(api.Value.OperatorKey))
        {
            var op = ApiKeys.Generate();
            db.ApiKeys.Add(new ApiKeyRecord
            {
                Id = Guid.NewGuid(), IsOperator = true, Name = "operator (first start)", Prefix = op.Prefix, Hash = op.Hash,
                Scopes = "read write", CreatedAt = now,
            });
            lines.Add($"  operator key:  {op.Key}");
        }
        if (api.Value.BootstrapFreeKey)
        {
            var tenant = new Tenant { Id = Guid.NewGuid(), Name = "researcher", Plan = plans.Value.DefaultPlan, CreatedAt = now };
            var key = ApiKeys.Generate();
            db.Tenants.Add(tenant);
            db.ApiKeys.Add(new ApiKeyRecord
            {
                Id = Guid.NewGuid(), TenantId = tenant.Id, Name = "researcher (first start)", Prefix = key.Prefix, Hash = key.Hash,
                Scopes = "read write", CreatedAt = now,
            });
            lines.Add($"  {plans.Value.DefaultPlan}-tier key: {key.Key}");
        }
        if (lines.Count == 0) return;
        await db.SaveChangesAsync(ct);
        // Printed to the console, not only logged: this is the one time these secrets exist in clear. One write of
        // a framed block, so that log lines (written by the console logger's own thread) cannot land inside it.
        var rule = new string('=', 78);
        Console.Out.Write(string.Join(Environment.NewLine,
            ["", rule, "LeapEngine first start: keep these keys, they are shown only once.", .. lines, rule, "", ""]));
        Console.Out.Flush();
        log.LogInformation("Created first-start keys (shown on the console once)");
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
