using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Routing.ServiceDefaults.Options;

/// <summary>
/// Data-annotation validation whose messages name the configuration key (<c>Routing:Budget:MaxLeaseSeconds</c>),
/// so that an operator reading a failed start-up knows exactly which setting to fix.
/// </summary>
public sealed class KeyNamingOptionsValidator<TOptions>(string sectionPath) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? result.MemberNames : [""];
            foreach (var member in members)
            {
                var key = member.Length == 0 ? sectionPath : $"{sectionPath}:{member}";
                failures.Add($"{key}: {result.ErrorMessage}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
