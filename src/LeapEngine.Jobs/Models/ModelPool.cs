using System.Collections.Concurrent;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace LeapEngine.Jobs.Models;

/// <summary>
/// Loaded models of this process, on its device. A job leases an instance exclusively (methods
/// attach hooks to the network, so two jobs must never share one); idle instances are kept for
/// the next job, up to <see cref="ModelsOptions.MaxInstancesPerModel"/> per model, and within
/// <see cref="ModelsOptions.MemoryBudgetMB"/> (least recently used idle instances are unloaded
/// first). A worker given Leap:Jobs:Classes loads only models of those classes.
/// </summary>
public sealed class ModelPool : IDisposable
{
    private readonly ModelsOptions _options;
    private readonly ILogger<ModelPool> _log;
    private readonly Lazy<ModelStore> _store;
    private readonly Lazy<ModelStore> _diskOnly;
    private readonly Lazy<Device> _device;
    private readonly ConcurrentDictionary<string, Lazy<Task<LanguageModel>>> _validation = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly LoadedModels _loaded;
    private readonly HashSet<string>? _classes;

    public ModelPool(IOptions<ModelsOptions> options, IOptions<JobsOptions> jobs, ILogger<ModelPool> log)
    {
        _options = options.Value;
        _log = log;
        _classes = jobs.Value.Classes is { Length: > 0 } classes ? new HashSet<string>(classes, StringComparer.Ordinal) : null;
        _loaded = new LoadedModels((long)(_options.MemoryBudgetMB * 1024 * 1024), log);
        _store = new(() =>
        {
            var env = ModelStoreOptions.FromEnvironment();
            return new ModelStore(env with
            {
                ModelsDir = string.IsNullOrWhiteSpace(_options.ModelsDir) ? env.ModelsDir : _options.ModelsDir,
                Offline = env.Offline || _options.Offline,
            });
        });
        // The same folders, never downloading: answers "is it on disk?" without side effects.
        _diskOnly = new(() => new ModelStore(_store.Value.Options with { Offline = true }));
        _device = new(() => DeviceSetting.Parse(_options.Device));
    }

    public ModelStore Store => _store.Value;

    /// <summary>Whether downloads are allowed here (neither Leap:Models:Offline nor LEAP_OFFLINE/HF_HUB_OFFLINE).</summary>
    public bool Offline => Store.Options.Offline;

    /// <summary>Whether a served model can run without a download; reads the disk only.</summary>
    public async Task<ModelAvailability> AvailabilityAsync(string modelId, CancellationToken ct)
    {
        try
        {
            var model = await _diskOnly.Value.ResolveAsync(modelId, ct: ct).ConfigureAwait(false);
            return new ModelAvailability(modelId, true, model.Location, false, null);
        }
        catch (Exception e) when (ServedModelUnavailableException.IsMissingFiles(e) || e is ArgumentException)
        {
            // Only a built-in id or an owner/name id has a hub repository to come from.
            bool fromHub = BuiltInModels.Find(modelId) is not null || modelId.Contains('/');
            if (!Offline && fromHub && e is ModelNotAvailableException)
                return new ModelAvailability(modelId, false, null, true,
                    $"model '{modelId}' is not on this server yet; it is downloaded from the hub on first use");
            // Not logged: readiness probes ask this every few seconds.
            return new ModelAvailability(modelId, false, null, false, ServedModelUnavailableException.From(modelId, e, Offline).Message);
        }
    }

    /// <summary>
    /// A shared instance for validation only (tokenising, reading the config): never run or
    /// hooked, so the API can share it between requests while workers hold leased instances.
    /// </summary>
    public async Task<LanguageModel> ForValidationAsync(string modelId, CancellationToken ct)
    {
        var served = _options.Find(modelId) ?? throw new ArgumentException($"model '{modelId}' is not served here");
        var load = _validation.GetOrAdd(served.Id, id => new Lazy<Task<LanguageModel>>(
            () => LanguageModel.LoadAsync(Store, id, DeviceSetting.Parse("cpu"))));
        try
        {
            return await load.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (load.Value.IsFaulted)
        {
            _validation.TryRemove(served.Id, out _);   // let a later request try again (files may be provisioned meanwhile)
            if (ServedModelUnavailableException.IsMissingFiles(e)) throw Unavailable(served.Id, e);
            throw;
        }
    }

    /// <summary>Leases a loaded instance of a served model; dispose the lease to give it back.</summary>
    /// <exception cref="InvalidOperationException">
    /// The model's class is not one this worker serves (Leap:Jobs:Classes): the job reached the wrong pool, and the
    /// runner's retry puts it back on its own queue, where a worker of its class takes it.
    /// </exception>
    public async Task<ModelLease> LeaseAsync(string modelId, CancellationToken ct)
    {
        var served = _options.Find(modelId) ?? throw new ArgumentException($"model '{modelId}' is not served here");
        if (_classes is { Count: > 0 } && !_classes.Contains(served.Class))
            throw new InvalidOperationException($"model '{served.Id}' is of class '{served.Class}'; this worker serves {string.Join(", ", _classes)} only");
        var gate = _gates.GetOrAdd(served.Id, _ => new SemaphoreSlim(_options.MaxInstancesPerModel, _options.MaxInstancesPerModel));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var instance = _loaded.TakeIdle(served.Id);
            if (instance is null)
            {
                _log.LogInformation("Loading model {Model} on {Device}", served.Id, _device.Value);
                try
                {
                    instance = _loaded.Add(served.Id, await LanguageModel.LoadAsync(Store, served.Id, _device.Value, ct: ct).ConfigureAwait(false));
                }
                catch (Exception e) when (ServedModelUnavailableException.IsMissingFiles(e))
                {
                    throw Unavailable(served.Id, e);
                }
            }
            return new ModelLease(instance.Model, () => { _loaded.Return(instance); gate.Release(); });
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    /// <summary>Loaded instances (busy and idle) and their bytes: what the memory budget governs.</summary>
    public (int Instances, long Bytes) Loaded => _loaded.Totals;

    private ServedModelUnavailableException Unavailable(string modelId, Exception cause)
    {
        // The store's own message names the server's folders: for the operator's log, not for the client.
        _log.LogWarning("Served model {Model} is not available: {Reason}", modelId, cause.Message);
        return ServedModelUnavailableException.From(modelId, cause, Offline);
    }

    public void Dispose()
    {
        _loaded.Dispose();
        foreach (var load in _validation.Values)
            if (load.IsValueCreated && load.Value.IsCompletedSuccessfully) load.Value.Result.Dispose();
        if (_diskOnly.IsValueCreated) _diskOnly.Value.Dispose();
        if (_store.IsValueCreated) _store.Value.Dispose();
    }
}

/// <summary>Exclusive use of one loaded model until disposed.</summary>
public sealed class ModelLease(LanguageModel model, Action release) : IDisposable
{
    private int _released;
    public LanguageModel Model { get; } = model;
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) release();
    }
}
