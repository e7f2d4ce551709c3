using System.Text.Json;

namespace Routing.Simulation.Server;

/// <summary>
/// An error answered in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c> with an HTTP status.
/// Thrown by request parsing and stepping, caught and written by the endpoint.
/// </summary>
public sealed class OpenAiError : Exception
{
    public OpenAiError(int status, string message, string type, string? param, string? code)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
    }

    public OpenAiError()
        : this(500, "Internal server error.", ServerError, null, null)
    {
    }

    public OpenAiError(string message)
        : this(400, message, InvalidRequest, null, null)
    {
    }

    public OpenAiError(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Type = ServerError;
    }

    /// <summary>OpenAI's error type for anything wrong with the request.</summary>
    public const string InvalidRequest = "invalid_request_error";

    /// <summary>OpenAI's error type for failures on the server's side.</summary>
    public const string ServerError = "server_error";

    public int Status { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    /// <summary>HTTP 400 naming the offending parameter.</summary>
    public static OpenAiError BadParam(string param, string message, string code = "invalid_value") =>
        new(400, message, InvalidRequest, param, code);

    /// <summary>HTTP 400 for a required parameter that is absent.</summary>
    public static OpenAiError Missing(string param) =>
        new(400, $"Missing required parameter: '{param}'.", InvalidRequest, param, "missing_required_parameter");

    /// <summary>Writes <c>{"error":{…}}</c>.</summary>
    public void WriteTo(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", Message);
        json.WriteString("type", Type);
        WriteNullable(json, "param", Param);
        WriteNullable(json, "code", Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
