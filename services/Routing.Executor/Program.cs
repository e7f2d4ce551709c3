using Routing.Executor;

await ExecutorServiceHost.Build(args).RunAsync();
