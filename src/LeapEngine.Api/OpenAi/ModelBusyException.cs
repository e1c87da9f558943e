namespace LeapEngine.Api.OpenAi;

/// <summary>No instance of the model came free within Leap:OpenAi:ModelWaitSeconds.</summary>
public sealed class ModelBusyException(string model, int seconds)
    : Exception($"every instance of model '{model}' stayed busy for {seconds} s; retry shortly, or submit the work as a job (POST /v1/generations)");
