using System.Net;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>An operator reading the Hangfire dashboard sees which job each row is (type and public id), not "JobRunner.RunAsync".</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardNamesTests(ApiFixture api)
{
    [Fact]
    public async Task The_dashboard_names_each_job_by_type_and_public_id()
    {
        var tenant = await api.NewTenantAsync();
        var job = await JobClient.RunAsync(tenant.Http, "/v1/generations", new { prompt = "Once", max_tokens = 2 });
        var id = job["id"]!.GetValue<string>();

        var page = await api.OperatorBrowser().GetAsync("/jobs-dashboard/jobs/succeeded");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"generation {id}", html);
    }
}
