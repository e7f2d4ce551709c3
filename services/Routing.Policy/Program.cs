using Routing.Policy;

await PolicyServiceHost.Build(args).RunAsync();
