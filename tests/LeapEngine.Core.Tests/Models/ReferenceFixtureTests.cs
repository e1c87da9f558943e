using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Logits and hook activations against an independent PyTorch implementation
/// (../shared/fixtures), within 1e-4 absolute.
/// </summary>
public class ReferenceFixtureTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Gpt2_tiny_matches_reference_logits_and_hooks()
    {
        using var model = TransformerFactory.LoadHuggingFace(SharedFiles.Fixture("gpt2-tiny"));
        CompareWithFixture(model, SharedFiles.Fixture("gpt2-tiny", "expected.safetensors"));
    }

    [Fact]
    public void Stories260K_HuggingFace_layout_matches_reference()
    {
        using var model = TransformerFactory.LoadHuggingFace(SharedFiles.Model("stories260K-hf"));
        CompareWithFixture(model, SharedFiles.Fixture("stories260K", "expected.safetensors"));
    }

    [Fact]
    public void Stories260K_Llama2c_layout_matches_reference()
    {
        using var model = TransformerFactory.LoadLlama2c(SharedFiles.Model("stories260K", "stories260K.bin"));
        CompareWithFixture(model, SharedFiles.Fixture("stories260K", "expected.safetensors"));
    }

    internal static void CompareWithFixture(TransformerModel model, string fixturePath)
    {
        var expected = Safetensors.Load(fixturePath);
        try
        {
            var ids = expected["input_ids"].unsqueeze(0);                       // [1, tokens]
            var hookNames = expected.Keys.Where(k => k is not ("input_ids" or "logits")).ToList();
            Assert.NotEmpty(hookNames);
            var (logits, cache) = model.RunWithCache(ids, hookNames);
            using (cache)
            using (logits)
            {
                TensorAssert.Close(expected["logits"], logits.squeeze(0), Tolerance, "logits");
                foreach (var name in hookNames)
                    TensorAssert.Close(expected[name], cache[name].squeeze(0), Tolerance, name);
            }

            // The fused attention path (no pattern hook) must agree with the explicit one.
            using var plain = model.Forward(ids);
            TensorAssert.Close(expected["logits"], plain.squeeze(0), Tolerance, "logits without hooks");
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }
}
