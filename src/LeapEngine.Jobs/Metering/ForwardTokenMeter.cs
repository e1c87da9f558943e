using LeapEngine.Core.Hooks;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Metering;

/// <summary>
/// Meters a method job in the model tokens it actually ran: every token position that enters
/// the network passes <c>hook_embed</c> once (a KV-cached generation step is one position, a
/// batched forward is rows x positions, padding included, because it was computed). Counting
/// at the network itself means no method has to report its own usage, and a run that stops
/// early (saturation, cancellation) is charged only what it did.
/// </summary>
public static class ForwardTokenMeter
{
    public const string HookPoint = "hook_embed";

    /// <summary>Counts into <paramref name="usage"/> until disposed. The model is leased exclusively, so only this job's forwards are counted.</summary>
    public static IDisposable Attach(LanguageModel model, UsageMeter usage) =>
        model.Network.Attach((HookPoint, (x, _) =>
        {
            usage.Add(x.shape[0] * x.shape[1]);   // [batch, token, d_model]
            return null;
        }));
}
