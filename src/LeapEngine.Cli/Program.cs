using LeapEngine.Cli;

// leap: the engine on this machine, no server. Each command lives in Commands/.
return await LeapCli.Build().Parse(args).InvokeAsync();
