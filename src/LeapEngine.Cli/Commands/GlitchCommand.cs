using System.CommandLine;
using LeapEngine.Core.Optimisation;

namespace LeapEngine.Cli.Commands;

/// <summary>leap glitch — tokens nearest/farthest from the embedding centroid that the model cannot repeat.</summary>
public static class GlitchCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var top = new Option<int>("--top") { Description = "Tokens tested at each end (nearest to and farthest from the centroid)", DefaultValueFactory = _ => 20 };
        var control = new Option<int>("--control") { Description = "Random tokens tested for the base repeat rate", DefaultValueFactory = _ => 50 };
        var vocabulary = new Option<string>("--vocabulary") { Description = "printable or no_special", DefaultValueFactory = _ => "printable" };
        var json = new Option<string?>("--json") { Description = "Also write the full result as JSON to this file" };
        var seed = CommonOptions.Seed();
        var command = new Command("glitch", "Find glitch-token candidates: embeddings nearest/farthest from the centroid that the model cannot repeat")
        {
            model, top, control, vocabulary, json, seed,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var request = new GlitchRequest
            {
                Top = parse.GetValue(top),
                ControlSample = parse.GetValue(control),
                Vocabulary = EnumOption.Parse<VocabularyFilter>(parse.GetValue(vocabulary), "--vocabulary"),
                Seed = parse.GetValue(seed),
            };
            using var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model)!, ct);
            request.Validate(lm);
            var result = GlitchFinder.Find(lm, request, null, ct);
            Console.WriteLine($"repeat test: {OptimiseCommand.Quote(result.PromptTemplate)} -> the token again; {result.AllowedTokens} allowed tokens");
            if (result.ControlRepeatRate is { } rate)
                Console.WriteLine($"random control tokens repeated: {rate:P0} of {result.Control.Count}");
            foreach (var (title, tokens) in new[] { ("nearest the centroid", result.Nearest), ("farthest from the centroid", result.Farthest) })
            {
                Console.WriteLine($"{title}:");
                foreach (var t in tokens)
                    Console.WriteLine($"  {t.Id,6} {OptimiseCommand.Quote(t.Text),-16} distance {t.DistanceToCentroid:F3}  " +
                                      $"{(t.Repeated ? "repeats" : "CANNOT REPEAT")}  (log p {t.RepeatLogProb:F2}, said {OptimiseCommand.Quote(t.Generation)})");
            }
            Console.WriteLine($"{result.Glitches.Count} of {result.Nearest.Count + result.Farthest.Count} tested tokens could not be repeated");
            if (parse.GetValue(json) is { } path) OptimiseCommand.WriteJson(path, result);
            return 0;
        });
        return command;
    }
}
