using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// Runs a <see cref="ServePlan"/> on a leased model, on the calling (dedicated) thread: each prompt
/// through <see cref="CompletionSampler"/>, each choice's text through <see cref="ChoiceText"/> (which
/// finds the stop sequences), every step reported as a <see cref="ServeEvent"/>.
/// </summary>
public static class ServeGeneration
{
    public static void Run(LanguageModel model, ServePlan plan, PromptCache? cache, Action<ServeEvent> emit, CancellationToken ct)
    {
        for (int p = 0; p < plan.Prompts.Count; p++)
        {
            int promptIndex = p;
            var prompt = plan.Prompts[p];
            var texts = Enumerable.Range(0, plan.Choices).Select(_ => new ChoiceText(model, prompt.Ids, plan.Stops)).ToArray();
            var counts = new int[plan.Choices];
            var ended = new bool[plan.Choices];
            var request = new ServingRequest
            {
                PromptIds = prompt.Ids, Choices = plan.Choices, MaxNewTokens = plan.MaxTokens, Temperature = plan.Temperature,
                TopP = plan.TopP, Seed = plan.Seed + p, TopLogProbs = plan.TopLogprobs, PromptLogProbs = plan.PromptLogprobs,
            };
            CompletionSampler.Run(model.Network, request, model.EosId, scores => emit(new PromptScored(promptIndex, scores)), token =>
            {
                int c = token.Choice;
                counts[c]++;
                bool eos = token.Id == model.EosId;
                int offset = texts[c].Text.Length;
                var released = eos ? "" : texts[c].Add(token.Id);
                emit(new TokenSampled(promptIndex, token, released, offset));
                if (!eos && !texts[c].Stopped) return true;
                ended[c] = true;
                emit(new ChoiceEnded(promptIndex, c, "stop", texts[c].Flush(), counts[c]));
                return false;
            }, ct, cache, plan.CacheScope, reused => emit(new PromptRead(promptIndex, reused)));
            for (int c = 0; c < plan.Choices; c++)
                if (!ended[c]) emit(new ChoiceEnded(promptIndex, c, "length", texts[c].Flush(), counts[c]));
        }
    }
}
