using LeapEngine.Core.Hooks;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Jobs.Metering;

/// <summary>
/// Meters a method job in the model tokens it actually ran: every token position that enters
/// the network passes <c>hook_embed</c> once (a KV-cached generation step is one position, a
/// batched forward is rows x positions, padding included, because it was computed). Counting
/// at the network itself means no method has to report its own usage, and a run that stops
/// early (saturation, cancellation, failure) is charged only what it did.
/// </summary>
/// <remarks>
/// A pass whose input carries gradients (prompt optimisation) is followed by a backward pass
/// through the same positions, so it counts twice, up front: the meter then refuses the pair
/// before either runs when it would pass the job's reservation.
/// The meter is an observer, not a hook: it never edits the activation, so the model keeps its
/// shortcuts for unedited passes (<see cref="LeapEngine.Core.Models.Common.TransformerModel.SharedFirstLayerPasses"/>)
/// and a hosted job runs the same path as the CLI.
/// </remarks>
public static class ForwardTokenMeter
{
    public const string HookPoint = "hook_embed";

    /// <summary>Model tokens of one pass over [batch, token] positions: forward, and backward when <paramref name="withGradients"/>.</summary>
    public static long Tokens(long batch, long positions, bool withGradients) => batch * positions * (withGradients ? 2 : 1);

    /// <summary>
    /// Counts into <paramref name="usage"/> until disposed; throws <see cref="UsageLimitReachedException"/> from the hook
    /// (before the pass computes) once the reservation would be passed. The model is leased exclusively, so only this job's
    /// passes are counted.
    /// </summary>
    public static IDisposable Attach(LanguageModel model, UsageMeter usage) =>
        model.Network.Observe((HookPoint, (x, _) =>
            // A leaf that requires gradients fed under no_grad still says requires_grad: the grad mode decides.
            usage.Add(Tokens(x.shape[0], x.shape[1], x.requires_grad && TorchSharp.torch.is_grad_enabled()))));   // [batch, token, d_model]
}
