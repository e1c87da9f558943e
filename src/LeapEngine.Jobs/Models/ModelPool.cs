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
/// the next job, up to <see cref="ModelsOptions.MaxInstancesPerModel"/> per model.
/// </summary>
public sealed class ModelPool : IDisposable
{
    private readonly ModelsOptions _options;
    private readonly ILogger<ModelPool> _log;
    private readonly Lazy<ModelStore> _store;
    private readonly Lazy<ModelStore> _diskOnly;
    private readonly Lazy<Device> _device;
    private readonly ConcurrentDictionary<string, Lazy<Task<LanguageModel>>> _validation = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.OrdinalIgnoreCase);

    public ModelPool(IOptions<ModelsOptions> options, ILogger<ModelPool> log)
    {
        _options = options.Value;
        _log = log;
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
    public async Task<ModelLease> LeaseAsync(string modelId, CancellationToken ct)
    {
        var served = _options.Find(modelId) ?? throw new ArgumentException($"model '{modelId}' is not served here");
        var slot = _slots.GetOrAdd(served.Id, _ => new Slot(_options.MaxInstancesPerModel));
        await slot.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!slot.Idle.TryPop(out var model))
            {
                _log.LogInformation("Loading model {Model} on {Device}", served.Id, _device.Value);
                try
                {
                    model = await LanguageModel.LoadAsync(Store, served.Id, _device.Value, ct: ct).ConfigureAwait(false);
                }
                catch (Exception e) when (ServedModelUnavailableException.IsMissingFiles(e))
                {
                    throw Unavailable(served.Id, e);
                }
            }
            return new ModelLease(model, () => { slot.Idle.Push(model); slot.Gate.Release(); });
        }
        catch
        {
            slot.Gate.Release();
            throw;
        }
    }

    private ServedModelUnavailableException Unavailable(string modelId, Exception cause)
    {
        // The store's own message names the server's folders: for the operator's log, not for the client.
        _log.LogWarning("Served model {Model} is not available: {Reason}", modelId, cause.Message);
        return ServedModelUnavailableException.From(modelId, cause, Offline);
    }

    public void Dispose()
    {
        foreach (var slot in _slots.Values)
            while (slot.Idle.TryPop(out var m)) m.Dispose();
        foreach (var load in _validation.Values)
            if (load.IsValueCreated && load.Value.IsCompletedSuccessfully) load.Value.Result.Dispose();
        if (_diskOnly.IsValueCreated) _diskOnly.Value.Dispose();
        if (_store.IsValueCreated) _store.Value.Dispose();
    }

    private sealed class Slot(int instances)
    {
        public SemaphoreSlim Gate { get; } = new(instances, instances);
        public ConcurrentStack<LanguageModel> Idle { get; } = new();
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
