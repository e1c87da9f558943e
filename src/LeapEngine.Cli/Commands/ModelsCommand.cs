using System.CommandLine;

namespace LeapEngine.Cli.Commands;

/// <summary>leap models — ids known, where each resolves, whether its files are present.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "List known model ids, where each resolves and whether its files are present");
        CliRunner.SetAction(command, (parse, _) =>
        {
            using var store = CliRunner.CreateStore(parse);
            var listings = store.List();
            Console.WriteLine($"models dir: {store.Options.ModelsDir}");
            Console.WriteLine($"cache dir:  {store.Options.CacheDir}{(store.Options.Offline ? "  (offline)" : "")}");
            Console.WriteLine();
            int width = Math.Max(8, listings.Count == 0 ? 0 : listings.Max(l => l.Id.Length));
            Console.WriteLine($"{"ID".PadRight(width)}  {"LAYOUT",-11}  {"WHERE",-9}  {"FILES",-8}  PATH");
            foreach (var l in listings)
            {
                var files = l.IsComplete ? "present" : "missing";
                Console.WriteLine($"{l.Id.PadRight(width)}  {l.Layout,-11}  {l.Location,-9}  {files,-8}  {l.Path}");
                if (!l.IsComplete && l.MissingFiles.Count > 0)
                    Console.WriteLine($"{"".PadRight(width)}  missing: {string.Join(", ", l.MissingFiles)}");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
