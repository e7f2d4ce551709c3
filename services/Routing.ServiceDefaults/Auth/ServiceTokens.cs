using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Routing.ServiceDefaults.Auth;

/// <summary>
/// The current tokens of this process, read at start-up (a missing or bad directory stops it) and again by
/// <see cref="Reload"/>. A reload that fails keeps the tokens it had: a Secret half-way through an update, or
/// one edited by mistake, must not lock every service out.
/// </summary>
public sealed class ServiceTokens
{
    private readonly ServiceAuthOptions _options;
    private readonly ILogger<ServiceTokens> _logger;
    private TokenSet? _current;

    public ServiceTokens(IOptions<ServiceAuthOptions> options, ILogger<ServiceTokens> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        if (!_options.Enabled)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(_options.TokenDirectory))
        {
            throw new OptionsValidationException(ServiceAuthOptions.SectionName, typeof(ServiceAuthOptions),
                [$"{ServiceAuthOptions.SectionName}:TokenDirectory: Mode is Token, so a token directory is needed"]);
        }
        try
        {
            _current = TokenDirectory.Read(_options.TokenDirectory);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(ServiceAuthOptions.SectionName, typeof(ServiceAuthOptions), [exception.Message]);
        }
        _logger.LogInformation("service auth on: {Count} tokens accepted from {Directory}", _current.AcceptedCount, _options.TokenDirectory);
    }

    public bool Enabled => _options.Enabled;

    /// <summary>The tokens in force; null while auth is off.</summary>
    public TokenSet? Current => Volatile.Read(ref _current);

    /// <summary>Reads the directory again; true when the tokens changed.</summary>
    public bool Reload()
    {
        if (!Enabled)
        {
            return false;
        }
        try
        {
            var next = TokenDirectory.Read(_options.TokenDirectory);
            if (_current is not null && next.SameAs(_current))
            {
                return false;
            }
            Volatile.Write(ref _current, next);
            _logger.LogInformation("service tokens reloaded: {Count} accepted", next.AcceptedCount);
            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("service tokens not reloaded, the previous ones stay in force: {Reason}", exception.Message);
            return false;
        }
    }
}
