using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Routing.ServiceDefaults.Options;

namespace Routing.Backends.OpenAi;

/// <summary>
/// The <see cref="OpenAiChatBackend.HttpClientName"/> client: pooled sockets with a connect timeout, then a Polly
/// pipeline per backend authority (host:port) of bounded retries and a circuit breaker.
/// </summary>
/// <remarks>
/// The call deadline is not a Polly timeout: with a streamed (or header-first) answer the handler returns at the
/// headers, so a Polly timeout would not cover the generation; <see cref="OpenAiChatBackend"/> owns one deadline
/// from request to last byte instead. Retries are limited to failures that cannot have been billed, because the
/// executor reserved exactly one call's worst case: a timeout or a cut connection is never retried.
/// </remarks>
public static class BackendHttpRegistration
{
    /// <summary>
    /// Registers the client and <see cref="OpenAiBackendOptions"/>, bound from <paramref name="configuration"/>
    /// (the host's <see cref="IConfiguration"/> when null) and validated at start naming the key.
    /// </summary>
    public static IServiceCollection AddOpenAiBackendHttp(this IServiceCollection services, IConfiguration? configuration = null)
    {
        services.AddValidatedOptions<OpenAiBackendOptions>(OpenAiBackendOptions.SectionName, configuration);
        services.AddHttpClient(OpenAiChatBackend.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<OpenAiBackendOptions>>().Value.ConnectTimeout,

                // Backends behind Kubernetes Services and DNS: recycle connections so new pods get traffic.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                AutomaticDecompression = DecompressionMethods.All,
            })
            .AddResilienceHandler("routing-backend", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<OpenAiBackendOptions>>().Value;
                Configure(pipeline, options);
            })
            .SelectPipelineByAuthority();
        return services;
    }

    /// <summary>Retry (outermost, so a retry is refused by an open circuit) then circuit breaker.</summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, OpenAiBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(IsUnbilledRetryable(args.Outcome, options.MaxRetryAfter)),
            });
        }

        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            ShouldHandle = args => ValueTask.FromResult(IsBackendFailure(args.Outcome, args.Context)),
        });
    }

    /// <summary>
    /// What the circuit breaker counts as the backend failing: transient HTTP failures (5xx, 408, 429, transport
    /// errors) and a call whose deadline passed without headers (a hung backend), but not a caller that gave up.
    /// </summary>
    public static bool IsBackendFailure(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return true;
        }

        return outcome.Exception is OperationCanceledException
            && context.GetRequestMessage() is { } request
            && request.Options.TryGetValue(OpenAiChatBackend.CallerCancellation, out var caller)
            && !caller.IsCancellationRequested;
    }

    /// <summary>
    /// True only for failures where the backend did no work: a connect that failed or timed out (nothing was sent), or HTTP 429,
    /// 503 or Anthropic's 529 "overloaded" (the server refused before generating) whose <c>Retry-After</c>, if any, is at most
    /// <paramref name="maxRetryAfter"/>.
    /// </summary>
    public static bool IsUnbilledRetryable(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter)
    {
        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            or OperationCanceledException { InnerException: TimeoutException })
        {
            // Refused, unresolvable, or SocketsHttpHandler's connect timeout: no connection, nothing sent.
            return true;
        }

        if (outcome.Result is not { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or (HttpStatusCode)BackendHttpSender.Overloaded } response)
        {
            return false;
        }

        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.Zero);
        return wait <= maxRetryAfter;
    }
}
