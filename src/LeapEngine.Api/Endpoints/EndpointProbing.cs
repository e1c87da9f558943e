using LeapEngine.Api.Errors;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Endpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Endpoints;

/// <summary>
/// POST /v1/endpoints/{id}/probe: runs Core's <see cref="EndpointProbe"/> through the process's outbound caller (the
/// SSRF policy applies where the socket connects), metered in endpoint calls like the black-box jobs (the probe reserves
/// its most calls, <see cref="EndpointProbe.MaxCalls"/>, and is charged the calls it made), bounded in time, and turns every
/// way the endpoint can fail into a problem answer: a refused address 422, the endpoint's own refusal or errors 502,
/// too slow 504. What comes back from the endpoint is stored and shown only with the endpoint's secrets redacted.
/// </summary>
public sealed class EndpointProbing(EndpointCalls calls, EndpointSecrets secrets, IOptions<OutboundOptions> outbound, TimeProvider clock)
{
    /// <summary>A probe answers a person waiting on it: one quick retry, never a minute's backoff.</summary>
    private static readonly EndpointClientOptions ProbeRetries = new()
    {
        MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(5), MaxResponseBytes = 1024 * 1024,
    };

    /// <summary>Probes <paramref name="row"/> (tracked by <paramref name="db"/>) and stores what it found; the problem when it could not.</summary>
    public async Task<ProblemResult?> ProbeAsync(LeapDbContext db, EndpointRecord row, PlanLimits plan, string planName, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!await QuotaLedger.ReserveEndpointCallsAsync(db, row.TenantId, plan, EndpointProbe.MaxCalls, now, ct))
            return Problems.QuotaExceeded($"a probe may make up to {EndpointProbe.MaxCalls} endpoint calls, more than is left of the '{planName}' plan's " +
                                          $"{plan.EndpointCallsPerMonth} per month (GET /v1/usage shows what is left)");
        var budget = new CallBudget(EndpointProbe.MaxCalls);
        EndpointSpec spec;
        try { spec = EndpointStore.Spec(row, secrets); }
        catch (EndpointSecretUnreadableException e)
        {
            await SettleAsync(db, row.TenantId, now, 0);
            return Problems.Conflict(e.Message);
        }
        var secretValues = SecretRedaction.SecretsOf(spec);
        string Clean(string text) => SecretRedaction.Redact(text, secretValues);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(outbound.Value.ProbeTimeoutSeconds));
        try
        {
            var client = calls.Client(new TenantEndpoint(EndpointStore.PublicId(row.Id), spec, null), budget, ProbeRetries);
            var found = await EndpointProbe.RunAsync(client, deadline.Token);
            found = SecretRedaction.Redact(found, spec);
            if (!EndpointStore.Usable(found))
                return Problems.EndpointFailed("no chat or completions route of the endpoint gave a usable answer; the first refusal: " +
                                               found.Notes.FirstOrDefault(), "endpoint_rejected", null, found.Notes);
            row.CapabilitiesJson = EndpointStore.WriteCapabilities(found);
            row.ProbedAt = now;
            // One UPDATE, not the change tracker (the ledger clears it), and only while the endpoint still has the model
            // it was probed with: a PATCH to another model during the probe voids this result.
            string json = row.CapabilitiesJson, model = row.Model;
            int stored = await db.Endpoints.Where(e => e.Id == row.Id && e.Model == model)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CapabilitiesJson, json).SetProperty(e => e.ProbedAt, now), CancellationToken.None);
            return stored == 1 ? null : Problems.Conflict("the endpoint was changed or deleted while it was probed; probe it again");
        }
        catch (EndpointException e)
        {
            return e.Failure == EndpointFailure.Refused
                ? Problems.EndpointRefused(Clean(e.Message))
                : Problems.EndpointFailed(Clean(e.Message), e.Code, e.Status);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return Problems.EndpointTimeout($"the probe did not finish within {outbound.Value.ProbeTimeoutSeconds} s " +
                                            $"(each call may take up to the endpoint's timeout_seconds, {row.TimeoutSeconds}); check the endpoint is up");
        }
        finally
        {
            await SettleAsync(db, row.TenantId, now, budget.Used);
        }
    }

    private static Task SettleAsync(LeapDbContext db, Guid tenantId, DateTime reservedAt, long used) =>
        QuotaLedger.SettleEndpointCallsAsync(db, tenantId, QuotaLedger.MonthOf(reservedAt), EndpointProbe.MaxCalls, used, CancellationToken.None);
}
