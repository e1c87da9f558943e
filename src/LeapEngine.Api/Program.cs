using LeapEngine.Api.Hosting;
using LeapEngine.Jobs;

// LeapEngine API. Standalone (default): SQLite under ~/.local/share/leapengine, an in-process
// worker, stories260K from LEAP_MODELS_DIR; the first start prints an operator key and a
// free-tier key. Production: Leap__Database__Provider=postgres, Leap__Api__RunWorkerInProcess=false,
// and LeapEngine.Worker processes on the same database (see docker-compose.yml and deploy/).
// Settings (appsettings*.json) come from the program's own folder whatever the working directory, which
// stays the caller's: relative paths in settings and environment variables resolve against it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = HostContentRoot.For(args) });
builder.AddLeapApi();

var app = builder.Build();
app.MapLeapApi();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the functional tests.</summary>
public partial class Program;
