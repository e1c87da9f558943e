using Hangfire;
using Hangfire.PostgreSql;
using LeapEngine.Data;
using LeapEngine.Jobs.Attribution;
using LeapEngine.Jobs.BlackBox;
using LeapEngine.Jobs.Endpoints;
using LeapEngine.Jobs.Checks;
using LeapEngine.Jobs.Dictionaries;
using LeapEngine.Jobs.Execution;
using LeapEngine.Jobs.Generation;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Maintenance;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Optimisation;
using LeapEngine.Jobs.Scheduling;
using LeapEngine.Jobs.Submission;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Job machinery: Hangfire storage (PostgreSQL when the database is, else in memory with the
    /// jobs table as the durable record), the scheduler, the submitter, the model pool and the
    /// job types. With <paramref name="runServer"/> this process also runs jobs (the worker, or
    /// the API in standalone mode).
    /// </summary>
    public static IServiceCollection AddLeapJobs(this IServiceCollection services, IConfiguration configuration, bool runServer)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations()
            .Validate(j => j.RetryDelaysSeconds.All(d => double.IsFinite(d) && d is >= 0 and <= 86_400),
                "Leap:Jobs:RetryDelaysSeconds must be seconds between 0 and 86400")
            .Validate<IOptions<ModelsOptions>>((j, m) => j.Classes.All(c => m.Value.Served.Any(s => s.Class == c)),
                "every Leap:Jobs:Classes entry must be the Class of a model in Leap:Models:Served (a worker for a class nobody serves would never get a job)")
            .ValidateOnStart();
        services.AddOptions<ModelsOptions>().BindConfiguration(ModelsOptions.Section).ValidateDataAnnotations()
            .Validate(m => m.Served.Count > 0, "Leap:Models:Served is empty: serve at least one model (appsettings.json in the " +
                "app's content root, i.e. the folder it is started from, or Leap__Models__Served__0__Id / __Class)")
            .Validate(m => m.Served.All(s => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(s, new(s), null, true)),
                "every Leap:Models:Served entry needs an Id and a Class of lowercase letters and digits")
            .ValidateOnStart();

        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        services.AddHangfire(cfg =>
        {
            cfg.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (data.IsPostgres)
                cfg.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(data.ResolvedConnectionString()), new PostgreSqlStorageOptions
                {
                    QueuePollInterval = TimeSpan.FromSeconds(jobs.QueuePollIntervalSeconds),
                    InvisibilityTimeout = TimeSpan.FromSeconds(jobs.InvisibilityTimeoutSeconds),
                    // The fetched row's timestamp is refreshed while the worker lives, so only a dead worker's job reappears.
                    UseSlidingInvisibilityTimeout = true,
                    // LISTEN/NOTIFY: an enqueue wakes an idle worker at once instead of at its next poll; the poll
                    // interval stays as the fallback (a dropped listener connection, Hangfire.PostgreSql issue 410).
                    EnableLongPolling = jobs.QueueNotifications,
                    PrepareSchemaIfNecessary = true,
                });
            else
                // Guid ids: a restart must not hand out ids the jobs table still names for entries of the last process.
                cfg.UseInMemoryStorage(new Hangfire.InMemory.InMemoryStorageOptions { IdType = Hangfire.InMemory.InMemoryStorageIdType.Guid });
        });

        services.AddLeapEndpoints();
        services.AddSingleton<ModelPool>();
        services.AddSingleton<IJobScheduler, HangfireJobScheduler>();
        services.AddScoped<JobSubmitter>();
        services.AddTransient<JobRunner>();
        // Every process with the job machinery repairs what crashes leave behind, workers or not.
        services.AddSingleton<JobReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<JobReconciler>());
        services.AddJobHandler<GenerationRequest, GenerationHandler>("generation");
        services.AddJobHandler<AttributionJobRequest, AttributionHandler>("attribution");
        services.AddJobHandler<InfluenceCheckRequest, InfluenceCheckHandler>("system_prompt_influence");
        services.AddJobHandler<DictionaryBuildRequest, DictionaryBuildHandler>("dictionary_build");
        services.AddJobHandler<DictionaryAssignRequest, DictionaryAssignHandler>("dictionary_assign");
        services.AddJobHandler<DictionaryScoreRequest, DictionaryScoreHandler>("dictionary_score");
        services.AddJobHandler<DictionarySteerRequest, DictionarySteerHandler>("dictionary_steer");
        services.AddJobHandler<DictionaryAblateRequest, DictionaryAblateHandler>("dictionary_ablate");
        services.AddJobHandler<DictionaryMatchRequest, DictionaryMatchHandler>("dictionary_match");
        services.AddJobHandler<PromptOptimisationJobRequest, PromptOptimisationHandler>("prompt_optimisation");
        // Black-box jobs: they call a tenant's endpoint (POST /v1/attributions or the check with endpoint) and load no model.
        services.AddEndpointJobHandler<BlackBoxAttributionJobRequest, BlackBoxAttributionHandler>("blackbox_attribution");
        services.AddEndpointJobHandler<BlackBoxInfluenceCheckRequest, BlackBoxInfluenceCheckHandler>("blackbox_system_prompt_influence");
        // Further method jobs plug in here (see JobHandlerRegistration.AddJobHandler).

        if (runServer)
        {
            services.AddHangfireServer((sp, o) =>
            {
                var models = sp.GetRequiredService<IOptions<ModelsOptions>>().Value;
                o.Queues = JobQueues.All(models, jobs.Classes, jobs.ServeBlackBox);
                o.WorkerCount = jobs.WorkerCount;
                o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
                // SIGTERM: stop fetching at once; a running job gets the grace period, then its cancellation token
                // fires and the runner hands it back; the server waits a little longer for that hand-back to land.
                o.StopTimeout = TimeSpan.FromSeconds(jobs.ShutdownGraceSeconds);
                o.ShutdownTimeout = TimeSpan.FromSeconds(jobs.ShutdownGraceSeconds + 10);
                o.HeartbeatInterval = TimeSpan.FromSeconds(5);
                o.ServerCheckInterval = TimeSpan.FromSeconds(30);
                o.ServerTimeout = TimeSpan.FromSeconds(60);
                o.SchedulePollingInterval = TimeSpan.FromSeconds(jobs.SchedulePollingIntervalSeconds);
            });
            // The host must wait for the grace period and the hand-back, not cut them off at its default 30 s.
            services.PostConfigure<Microsoft.Extensions.Hosting.HostOptions>(h => h.ShutdownTimeout =
                TimeSpan.FromSeconds(Math.Max(h.ShutdownTimeout.TotalSeconds, jobs.ShutdownGraceSeconds + 15)));
            services.AddHostedService<RetentionSweeper>();
            if (!data.IsPostgres) services.AddHostedService<UnfinishedJobRecovery>();
        }
        return services;
    }
}
