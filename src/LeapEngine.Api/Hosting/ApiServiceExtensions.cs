using Hangfire;
using LeapEngine.Api.Apis;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.OpenAi;
using LeapEngine.Api.Limits;
using LeapEngine.Api.Streaming;
using LeapEngine.Api.Viewer;
using LeapEngine.Data;
using LeapEngine.Jobs;
using Microsoft.AspNetCore.Authentication;

namespace LeapEngine.Api.Hosting;

public static class ApiServiceExtensions
{
    /// <summary>Data, jobs (with an in-process worker when Leap:Api:RunWorkerInProcess), auth, problems, OpenAPI.</summary>
    public static WebApplicationBuilder AddLeapApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        ConsoleLogFormat.Apply(builder.Configuration);
        var api = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddLeapData(builder.Configuration).AddLeapPlans();
        services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(api.ShutdownDrainSeconds));
        services.AddHostedService<StandaloneBootstrap>();
        services.AddLeapJobs(builder.Configuration, runServer: api.RunWorkerInProcess);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddLeapLimits(builder.Configuration);
        services.AddSingleton<LeapEngine.Api.Capacity.QueueReaders>();
        services.AddLeapApiTelemetry(builder.Configuration);
        services.AddSingleton<AuthFailureLog>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthFailureLog>());
        // The base handler logs every failed attempt at Information; AuthFailureLog writes one summary line instead.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        services.AddAuthorizationBuilder()
            .AddPolicy(LeapClaims.ReadPolicy, p => p.RequireClaim(LeapClaims.TenantId).RequireClaim(LeapClaims.Scope, "read"))
            .AddPolicy(LeapClaims.WritePolicy, p => p.RequireClaim(LeapClaims.TenantId).RequireClaim(LeapClaims.Scope, "write"))
            .AddPolicy(LeapClaims.OperatorPolicy, p => p.RequireClaim(LeapClaims.Operator));
        // Hangfire's dashboard validates an antiforgery token on its POSTs when this service exists; no JSON route uses forms.
        services.AddAntiforgery();
        services.AddProblemDetails();
        services.AddExceptionHandler<ExceptionMapping>();
        services.AddSingleton(TimeProvider.System);
        services.AddLeapOpenApi();
        services.AddJobStreaming();
        services.AddLeapOpenAi();
        services.AddScoped<LeapEngine.Api.Endpoints.EndpointProbing>();
        builder.AddLeapViewer();
        // Kestrel answers its own limits with a bare status; set them above the app's so the app answers with a problem.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestLineSize = RequestTargetLimitMiddleware.KestrelLineBytes;
            k.Limits.MaxRequestHeadersTotalSize = RequestTargetLimitMiddleware.KestrelHeaderBytes;
            k.Limits.MaxRequestHeaderCount = RequestTargetLimitMiddleware.KestrelHeaderCount;
        });
        return builder;
    }

    /// <summary>The middleware pipeline and every route.</summary>
    public static WebApplication MapLeapApi(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(async ctx =>
        {
            // Whatever the framework answers without a body (405, an unmatched route) still gets a problem.
            var http = ctx.HttpContext;
            var problem = http.Response.StatusCode switch
            {
                404 => Problems.NotFound($"route '{http.Request.Path}'"),
                405 => Problems.Validation("this route does not accept that HTTP method"),
                413 => Problems.PayloadTooLarge(null),
                414 => Problems.UriTooLong(RequestTargetLimitMiddleware.MaxTargetChars),
                431 => Problems.HeadersTooLarge(RequestTargetLimitMiddleware.MaxHeaderBytes, RequestTargetLimitMiddleware.MaxHeaderCount),
                415 => Problems.UnsupportedMediaType(),
                >= 500 => Problems.Internal(),
                // Route and query values that fail to bind (?limit=abc) end here as a bare 400.
                400 => Problems.Validation("a route or query parameter is malformed (e.g. text where a number is expected)"),
                var other => Problems.Generic(other),
            };
            await Problems.WriteAsync(http, problem);
        });
        app.UseMiddleware<RequestTargetLimitMiddleware>();
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseLeapViewerSession();
        app.UseAuthentication();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseAuthorization();
        app.UseLeapOpenApi();
        app.MapHangfireDashboard("/jobs-dashboard", new DashboardOptions
        {
            Authorization = [new DashboardAuthorization()],
            DashboardTitle = "LeapEngine jobs",
        });

        app.MapLeapMetrics();
        app.MapHealthApi().MapModelsApi().MapUsageApi().MapKeysApi().MapJobsApi().MapAdminApi();
        app.MapGenerationsApi().MapAttributionsApi().MapDictionariesApi().MapChecksApi().MapOptimisationsApi();
        app.MapOpenAiApi();
        app.MapEndpointsApi();
        // Further method resources plug in here.
        app.MapLeapViewer();
        return app;
    }
}
