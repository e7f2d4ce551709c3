using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Tracing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>Tracing is on exactly when an OTLP endpoint is configured through the standard variables, unless forced.</summary>
public sealed class TracingSetupTests
{
    [Fact]
    public async Task NoOtlpVariableMeansNoTracerProvider()
    {
        await using var app = Build([]);

        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData(TracingSetup.EndpointVariable)]
    [InlineData(TracingSetup.TracesEndpointVariable)]
    public async Task EitherOtlpEndpointVariableTurnsTracingOn(string variable)
    {
        await using var app = Build(new() { [variable] = "http://127.0.0.1:4317" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task EnabledFalseWinsOverAnEndpoint()
    {
        await using var app = Build(new() { [TracingSetup.EndpointVariable] = "http://127.0.0.1:4317", [TracingSetup.EnabledKey] = "false" });

        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task EnabledTrueTracesWithoutAnEndpoint()
    {
        await using var app = Build(new() { [TracingSetup.EnabledKey] = "true" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void AnEnabledValueThatIsNotABooleanNamesTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { [TracingSetup.EnabledKey] = "yes" }));

        Assert.Contains(TracingSetup.EnabledKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheServiceNameFollowsTheChartsDeploymentNames()
    {
        Assert.Equal("routing-executor", TracingSetup.ServiceName("Routing.Executor"));
    }

    /// <summary>A bare service host; the OTLP variables are blanked first, so the machine's environment cannot turn tracing on.</summary>
    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        var configuration = new Dictionary<string, string?> { [TracingSetup.EndpointVariable] = "", [TracingSetup.TracesEndpointVariable] = "" };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddServiceDefaults(0, 0);
        return builder.Build();
    }
}
