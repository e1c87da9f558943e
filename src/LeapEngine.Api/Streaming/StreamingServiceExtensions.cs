namespace LeapEngine.Api.Streaming;

public static class StreamingServiceExtensions
{
    /// <summary>Held-connection slots, the job watch and its one shared poller, and their options (Leap:Api:Streams).</summary>
    public static IServiceCollection AddJobStreaming(this IServiceCollection services)
    {
        services.AddOptions<StreamOptions>().BindConfiguration(StreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HeldConnections>();
        services.AddSingleton<JobWatch>();
        services.AddHostedService<JobWatchPoller>();
        return services;
    }
}
