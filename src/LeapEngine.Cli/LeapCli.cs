using System.CommandLine;
using LeapEngine.Cli.Commands;

namespace LeapEngine.Cli;

public static class LeapCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("leap — LeapEngine's interpretability engine on this machine (no server needed), and a client of a LeapEngine server (leap jobs, leap check)");
        foreach (var option in CommonOptions.Global) root.Options.Add(option);
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(AttributeCommand.Create());
        root.Subcommands.Add(PartitionCommand.Create());
        root.Subcommands.Add(OptimiseCommand.Create());
        root.Subcommands.Add(GlitchCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        return root;
    }
}
