using Routing.Memory;

await MemoryServiceHost.Build(args).RunAsync();
