using Routing.Budget;

await BudgetServiceHost.Build(args).RunAsync();
