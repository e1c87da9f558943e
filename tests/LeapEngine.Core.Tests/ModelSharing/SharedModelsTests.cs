using LeapEngine.Core.Hooks;
using LeapEngine.Core.Tests.Models;

namespace LeapEngine.Core.Tests.ModelSharing;

public class SharedModelsTests
{
    [Fact]
    public void Each_shared_model_is_one_instance_for_the_whole_assembly()
    {
        Assert.Same(SharedModels.Stories, SharedModels.Get("stories"));
        Assert.Same(SharedModels.Gpt2Tiny, SharedModels.Get("gpt2"));
        Assert.Same(SharedModels.Stories.Network, TestModels.Shared("stories"));
        Assert.Equal("stories260K", SharedModels.Stories.Id);
    }

    [Fact]
    public void An_unknown_short_name_says_which_names_exist()
    {
        var e = Assert.Throws<ArgumentException>(() => SharedModels.Get("llama"));
        Assert.Contains("\"stories\" or \"gpt2\"", e.Message);
    }

    [Fact]
    public void A_hook_left_on_a_network_is_refused_naming_its_point_and_a_clean_one_passes()
    {
        // An own instance: a hook on the shared one would reach the passes of classes running beside this one.
        using var model = TestModels.Gpt2Tiny();
        SharedModels.RequireNoHooks(model, "gpt2-tiny");
        using (model.Attach(("blocks.1.hook_mlp_out", (x, _) => x)))
        {
            var e = Assert.Throws<InvalidOperationException>(() => SharedModels.RequireNoHooks(model, "gpt2-tiny"));
            Assert.Contains("blocks.1.hook_mlp_out", e.Message);
            Assert.Contains("read-only", e.Message);
        }
        SharedModels.RequireNoHooks(model, "gpt2-tiny");
    }

    [Fact]
    public void A_disposed_network_is_refused_with_what_to_fix()
    {
        var model = TestModels.Gpt2Tiny();   // an own instance, disposed here on purpose
        SharedModels.RequireNotDisposed(model, "gpt2-tiny");
        model.Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => SharedModels.RequireNotDisposed(model, "gpt2-tiny"));
        Assert.Contains("no `using`", e.Message);
    }

    [Fact]
    public void Every_load_through_the_helpers_is_counted()
    {
        int before = ModelLoads.Count;
        using (TestModels.Gpt2Tiny()) { }
        Assert.True(ModelLoads.Count >= before + 1);   // other classes may load at the same time: at least this one
    }
}
