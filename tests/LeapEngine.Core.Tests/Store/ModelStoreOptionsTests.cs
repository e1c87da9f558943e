using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Store;

public class ModelStoreOptionsTests
{
    private static ModelStoreOptions From(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return ModelStoreOptions.FromEnvironment(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void Defaults_use_home_cache_and_the_public_hub()
    {
        var options = From(("HOME", "/home/u"));
        Assert.Equal("/home/u/.cache/leapengine/hub", options.CacheDir);
        Assert.Equal("https://huggingface.co", options.HubEndpoint);
        Assert.Equal("main", options.Revision);
        Assert.False(options.Offline);
        Assert.Null(options.HubToken);
    }

    [Fact]
    public void Leap_variables_win_over_hugging_face_ones()
    {
        var options = From(
            ("LEAP_MODELS_DIR", "/m"), ("LEAP_CACHE_DIR", "/c"),
            ("LEAP_HUB_ENDPOINT", "http://mirror.local/"), ("HF_ENDPOINT", "http://other"),
            ("LEAP_HUB_TOKEN", "leap-token"), ("HF_TOKEN", "hf-token"));
        Assert.Equal("/m", options.ModelsDir);
        Assert.Equal("/c", options.CacheDir);
        Assert.Equal("http://mirror.local", options.HubEndpoint);
        Assert.Equal("leap-token", options.HubToken);
    }

    [Fact]
    public void Hugging_face_variables_are_honoured()
    {
        var options = From(("HF_ENDPOINT", "http://hf-mirror"), ("HF_TOKEN", "hf-token"), ("HF_HUB_OFFLINE", "1"));
        Assert.Equal("http://hf-mirror", options.HubEndpoint);
        Assert.Equal("hf-token", options.HubToken);
        Assert.True(options.Offline);
        Assert.True(From(("LEAP_OFFLINE", "1")).Offline);
        Assert.False(From(("LEAP_OFFLINE", "0")).Offline);
    }

    [Fact]
    public void ToString_hides_the_token()
    {
        var text = From(("HF_TOKEN", "secret-token")).ToString();
        Assert.DoesNotContain("secret-token", text);
        Assert.Contains("***", text);
    }
}
