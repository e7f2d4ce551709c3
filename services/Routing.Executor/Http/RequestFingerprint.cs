using System.Security.Cryptography;
using System.Text.Json;

namespace Routing.Executor.Http;

/// <summary>
/// SHA-256 of a request body in canonical JSON (object keys sorted, no whitespace), so that a retry of the same
/// request matches its <c>Idempotency-Key</c>'s first use however the client spaced or ordered it, and another
/// request under the same key does not (the IETF Idempotency-Key draft, draft-ietf-httpapi-idempotency-key-header §2.4).
/// <c>stream</c> and <c>stream_options</c> are left out: they choose how the one answer is delivered, so a retry that
/// no longer streams replays the streamed step.
/// </summary>
public static class RequestFingerprint
{
    private static readonly string[] Delivery = ["stream", "stream_options"];

    public static string Of(JsonElement body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (body.ValueKind == JsonValueKind.Object)
            {
                json.WriteStartObject();
                foreach (var property in body.EnumerateObject().Where(p => !Delivery.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    json.WritePropertyName(property.Name);
                    WriteCanonical(json, property.Value);
                }
                json.WriteEndObject();
            }
            else
            {
                WriteCanonical(json, body);
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <summary>Writes <paramref name="element"/> with every object's properties in ordinal order.</summary>
    public static void WriteCanonical(Utf8JsonWriter json, JsonElement element)
    {
        ArgumentNullException.ThrowIfNull(json);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                json.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    json.WritePropertyName(property.Name);
                    WriteCanonical(json, property.Value);
                }
                json.WriteEndObject();
                break;
            case JsonValueKind.Array:
                json.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(json, item);
                }
                json.WriteEndArray();
                break;
            default:
                element.WriteTo(json);
                break;
        }
    }
}
