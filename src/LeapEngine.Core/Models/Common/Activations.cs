using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>The MLP activations a config may name (GPT-2's activation_function, Llama's hidden_act, Gemma 2's hidden_activation).</summary>
public static class Activations
{
    public static Func<Tensor, Tensor> For(string name) => name switch
    {
        // gelu_new / gelu_pytorch_tanh / gelu_fast are all the tanh approximation.
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "gelu" => x => nn.functional.gelu(x),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw new NotSupportedException($"activation_function '{name}' is not supported (gelu_new, gelu, relu, silu)"),
    };
}
