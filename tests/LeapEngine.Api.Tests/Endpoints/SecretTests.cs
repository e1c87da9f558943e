using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests.BlackBox;
using LeapEngine.Jobs.Endpoints;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>
/// An endpoint's key and header values never leak: after every route has been used with them (registration with an
/// Idempotency-Key and its replay, reads, lists, a rotation, probes that succeed and one against an endpoint that quotes
/// the key back, a refused body that carried the key), none of them appears in any response, in any log line of any
/// category at Trace (EF Core's SQL with its parameter values included), or in plaintext in any text or binary column of
/// any table, on PostgreSQL and on SQLite. And what one API process encrypted, another on the same database decrypts.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SecretTests(ApiFixture api)
{
    public const string Redacted = "[redacted]";

    /// <summary>The secrets of one scenario and the fragments of them that must appear nowhere.</summary>
    private sealed record Secrets(string Key, string RotatedKey, string HeaderValue, string NameMarker)
    {
        public static Secrets New()
        {
            string g = Guid.NewGuid().ToString("N"), h = Guid.NewGuid().ToString("N"), r = Guid.NewGuid().ToString("N");
            return new($"sk-SECRET-{g}", $"sk-SECRET-{r}", $"hdr-SECRET-{h}", $"name-{Guid.NewGuid():N}");
        }

        /// <summary>Whole secrets and the random parts' halves (a masked quote keeps a prefix or a suffix).</summary>
        public IEnumerable<string> Forbidden => new[] { Key, RotatedKey, HeaderValue }
            .SelectMany(s => new[] { s, s[^32..], s[^32..^16], s[^16..] });
    }

    /// <summary>Uses every route with the secrets; returns every response's status line, headers and body.</summary>
    private static async Task<List<string>> ExerciseAsync(LeapApiFactory factory, Secrets s)
    {
        var tenant = await ApiFixture.NewTenantAsync(factory, "test");
        var seen = new List<string>();
        async Task<HttpResponseMessage> Keep(Task<HttpResponseMessage> call)
        {
            var response = await call;
            seen.Add($"{(int)response.StatusCode} {response.Headers} {response.Content.Headers} {await response.Content.ReadAsStringAsync()}");
            return response;
        }
        using var chat = new HandlerServer(new OpenAiChatDouble());
        using var quoting = new HandlerServer(new KeyQuotingEndpoint());
        var headers = new Dictionary<string, string> { ["X-Org"] = s.HeaderValue };
        var register = new HttpRequestMessage(HttpMethod.Post, "/v1/endpoints")
        {
            Content = JsonContent.Create(new { name = s.NameMarker, base_url = chat.BaseUrl, model = "gpt-4o-mini", api_key = s.Key, headers }),
        };
        register.Headers.Add("Idempotency-Key", "secret-test");
        var created = await Keep(tenant.Http.SendAsync(register));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var replay = new HttpRequestMessage(HttpMethod.Post, "/v1/endpoints")
        {
            Content = JsonContent.Create(new { name = s.NameMarker, base_url = chat.BaseUrl, model = "gpt-4o-mini", api_key = s.Key, headers }),
        };
        replay.Headers.Add("Idempotency-Key", "secret-test");
        Assert.Equal(HttpStatusCode.Created, (await Keep(tenant.Http.SendAsync(replay))).StatusCode);
        var quoted = await Keep(tenant.Http.PostAsJsonAsync("/v1/endpoints", new { base_url = quoting.BaseUrl, model = "m", api_key = s.Key, headers }));
        var quotedId = (await quoted.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        // Refused bodies that carry the secrets: the problem must not echo them.
        Assert.Equal(HttpStatusCode.BadRequest, (await Keep(tenant.Http.PostAsJsonAsync("/v1/endpoints",
            new { base_url = chat.BaseUrl, model = "m", api_key = s.Key, headers, max_concurrency = 0 }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Keep(tenant.Http.PostAsJsonAsync("/v1/endpoints",
            new { base_url = chat.BaseUrl, model = "m", api_key = s.Key + " x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Keep(tenant.Http.PostAsync($"/v1/endpoints/{id}/probe", null))).StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, (await Keep(tenant.Http.PostAsync($"/v1/endpoints/{quotedId}/probe", null))).StatusCode);
        await Keep(tenant.Http.GetAsync($"/v1/endpoints/{id}"));
        await Keep(tenant.Http.GetAsync("/v1/endpoints"));
        await Keep(tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { name = s.NameMarker + "-2" }));
        await Keep(tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { api_key = s.RotatedKey }));
        Assert.Equal(HttpStatusCode.OK, (await Keep(tenant.Http.PostAsync($"/v1/endpoints/{id}/probe", null))).StatusCode);
        await Keep(tenant.Http.GetAsync("/v1/usage"));
        // The secrets are really stored: a job would get them back.
        var stored = await factory.Services.GetRequiredService<ITenantEndpoints>()
            .FindAsync(PublicIds.Parse(tenant.Id, "ten")!.Value, id, CancellationToken.None);
        Assert.Equal(s.RotatedKey, stored!.Spec.ApiKey);
        Assert.Equal(s.HeaderValue, stored.Spec.Headers["X-Org"]);
        return seen;
    }

    private static void AssertNowhere(Secrets s, IEnumerable<string> texts, string where)
    {
        var all = texts.ToList();
        Assert.NotEmpty(all);
        foreach (var secret in s.Forbidden)
            if (all.FirstOrDefault(t => t.Contains(secret, StringComparison.Ordinal)) is { } leak)
                Assert.Fail($"{where}: '{secret}' appears in: {leak}");
    }

    [Fact]
    public async Task PostgreSQL_no_response_log_line_or_column_holds_an_endpoint_secret()
    {
        var hosts = await api.EndpointHostsAsync();
        var s = Secrets.New();
        var responses = await ExerciseAsync(hosts.Main, s);
        AssertNowhere(s, responses, "response");
        Assert.Contains(responses, r => r.Contains(Redacted));
        // The capture sees SQL with its parameter values: the positive control is the endpoint's name, which is stored in clear.
        var logs = hosts.Logs.Lines.ToList();
        Assert.Contains(logs, l => l.Contains(s.NameMarker));
        AssertNowhere(s, logs, "log");

        await using var db = new NpgsqlConnection(hosts.MainConnectionString);
        await db.OpenAsync();
        var columns = new List<(string Schema, string Table, string Column, string Type)>();
        await using (var list = new NpgsqlCommand("""
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'xml')
            """, db))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        Assert.Contains(columns, c => c.Table == "endpoints" && c.Column == "api_key_protected");
        Assert.Contains(columns, c => c.Table == "idempotency_records");
        async Task<List<string>> HitsAsync(string needle)
        {
            var hits = new List<string>();
            foreach (var (schema, table, column, type) in columns)
            {
                var text = type == "bytea" ? $"encode(\"{column}\", 'escape')" : $"\"{column}\"::text";
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".\"{table}\" WHERE strpos({text}, @needle) > 0", db);
                count.Parameters.AddWithValue("needle", needle);
                if ((long)(await count.ExecuteScalarAsync())! > 0) hits.Add($"{schema}.{table}.{column}");
            }
            return hits;
        }
        Assert.Contains("public.endpoints.name", await HitsAsync(s.NameMarker));
        foreach (var secret in s.Forbidden) Assert.Empty(await HitsAsync(secret));
    }

    [Fact]
    public async Task SQLite_no_response_log_line_or_column_holds_an_endpoint_secret()
    {
        var hosts = await api.EndpointHostsAsync();
        var s = Secrets.New();
        var responses = await ExerciseAsync(hosts.Sqlite, s);
        AssertNowhere(s, responses, "response");
        AssertNowhere(s, hosts.Logs.Lines, "log");

        await using var db = new SqliteConnection($"Data Source={hosts.SqlitePath}");
        await db.OpenAsync();
        var columns = new List<(string Table, string Column)>();
        var tables = new List<string>();
        await using (var list = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table'", db))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        foreach (var table in tables)
        {
            await using var info = new SqliteCommand($"SELECT name FROM pragma_table_info('{table}')", db);
            await using var reader = await info.ExecuteReaderAsync();
            while (await reader.ReadAsync()) columns.Add((table, reader.GetString(0)));
        }
        Assert.Contains(("endpoints", "headers_protected"), columns);
        Assert.Contains(columns, c => c.Table == "data_protection_keys");
        async Task<List<string>> HitsAsync(string needle)
        {
            var hits = new List<string>();
            foreach (var (table, column) in columns)
            {
                // Every SQLite value, whatever its storage class, compared as text (a BLOB's bytes as they are).
                await using var count = new SqliteCommand($"SELECT count(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), $needle) > 0", db);
                count.Parameters.AddWithValue("$needle", needle);
                if ((long)(await count.ExecuteScalarAsync())! > 0) hits.Add($"{table}.{column}");
            }
            return hits;
        }
        Assert.Contains("endpoints.name", await HitsAsync(s.NameMarker));
        foreach (var secret in s.Forbidden) Assert.Empty(await HitsAsync(secret));
    }

    [Fact]
    public async Task What_one_API_process_encrypts_another_on_the_same_database_decrypts()
    {
        var hosts = await api.EndpointHostsAsync();
        var tenant = await ApiFixture.NewTenantAsync(hosts.Main, "test");
        var tenantId = PublicIds.Parse(tenant.Id, "ten")!.Value;
        var key = $"sk-two-hosts-{Guid.NewGuid():N}";
        var created = await tenant.Http.PostAsJsonAsync("/v1/endpoints", new
        {
            base_url = "https://93.184.216.34/v1", model = "m", api_key = key, headers = new Dictionary<string, string> { ["X-A"] = "value-one-123" },
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        // The second process (a replica or a worker: both resolve ITenantEndpoints over the shared key ring) reads it.
        var fromSecond = await hosts.Second.Services.GetRequiredService<ITenantEndpoints>().FindAsync(tenantId, id, CancellationToken.None);
        Assert.Equal(key, fromSecond!.Spec.ApiKey);
        Assert.Equal("value-one-123", fromSecond.Spec.Headers["X-A"]);

        // The second process re-encrypts on a change (it decrypts the key to keep it), and the first reads that.
        var second = ApiFixture.Client(hosts.Second, tenant.Key);
        var patch = await second.PatchAsJsonAsync($"/v1/endpoints/{id}", new { headers = new Dictionary<string, string> { ["X-B"] = "value-two-456" } });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var fromMain = await hosts.Main.Services.GetRequiredService<ITenantEndpoints>().FindAsync(tenantId, id, CancellationToken.None);
        Assert.Equal(key, fromMain!.Spec.ApiKey);
        Assert.Equal(["X-B"], fromMain.Spec.Headers.Keys);
        Assert.Equal("value-two-456", fromMain.Spec.Headers["X-B"]);

        // A protected value moved to another tenant's row does not decrypt there (the purpose names tenant and endpoint).
        var secrets = hosts.Main.Services.GetRequiredService<EndpointSecrets>();
        var payload = secrets.ProtectKey(tenantId, PublicIdGuid(id), key)!;
        Assert.Equal(key, secrets.UnprotectKey(tenantId, PublicIdGuid(id), payload));
        Assert.Throws<EndpointSecretUnreadableException>(() => secrets.UnprotectKey(Guid.NewGuid(), PublicIdGuid(id), payload));
        Assert.Throws<EndpointSecretUnreadableException>(() => secrets.UnprotectKey(tenantId, Guid.NewGuid(), payload));
    }

    private static Guid PublicIdGuid(string id) => EndpointStore.ParsePublicId(id)!.Value;
}
