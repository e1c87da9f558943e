using LeapEngine.Jobs.Endpoints;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>What an endpoint sends back loses every run of a secret long enough to be one, whole or masked.</summary>
public sealed class SecretRedactionTests
{
    private const string Key = "sk-proj-Abc123XyZ987";

    [Theory]
    [InlineData("Incorrect API key provided: sk-proj-Abc123XyZ987.", "Incorrect API key provided: [redacted].")]
    [InlineData("Incorrect API key provided: sk-proj-********Z987.", "Incorrect API key provided: [redacted]********Z987.")]
    [InlineData("key ends in 123XyZ987", "key ends in [redacted]")]
    [InlineData("no secret here: model not found", "no secret here: model not found")]
    [InlineData("", "")]
    public void Runs_of_the_key_are_replaced(string text, string expected) =>
        Assert.Equal(expected, SecretRedaction.Redact(text, [Key]));

    [Fact]
    public void Short_or_missing_secrets_change_nothing_and_every_secret_is_applied()
    {
        Assert.Equal("EMPTY key", SecretRedaction.Redact("EMPTY key", ["EMPTY", null]));
        Assert.Equal("[redacted] and [redacted]", SecretRedaction.Redact("org-998877 and sk-proj-Abc1", [Key, "org-998877"]));
    }
}
