using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Routing.Backends.Tokenization;

namespace Routing.Backends.Tests;

/// <summary>Exact counts on known strings and the chat framing OpenAI documents; the count never falls below what the API bills.</summary>
public sealed class PromptTokenCountTests
{
    private static Tokenizer O200k => PromptTokenizers.Get(PromptTokenizers.O200kBase)!;

    private static Tokenizer Cl100k => PromptTokenizers.Get(PromptTokenizers.Cl100kBase)!;

    [Fact]
    public void KnownStringsHaveTheirPublishedTokenCounts()
    {
        // tiktoken's README and OpenAI's cookbook: "hello world" is 2 tokens, "tiktoken is great!" 6 in cl100k_base.
        Assert.Equal(2, ChatPromptTokens.Text(O200k, "hello world"));
        Assert.Equal(2, ChatPromptTokens.Text(Cl100k, "hello world"));
        Assert.Equal(6, ChatPromptTokens.Text(Cl100k, "tiktoken is great!"));
    }

    [Fact]
    public void OneUserMessageCostsItsTextTheFramingAndTheReplyPriming()
    {
        // OpenAI's quickstart reports 13 prompt tokens for "Say this is a test!" (6 tokens): 3 framing + "user" + 6 + 3 priming.
        var count = ChatPromptTokens.Count(Cl100k, [new ChatMessage("user", "Say this is a test!")], null);

        Assert.Equal(13, count);
    }

    [Fact]
    public void ANameCostsOneTokenMoreThanItsText()
    {
        var without = ChatPromptTokens.Count(O200k, [new ChatMessage("user", "hi")], null);
        var with = ChatPromptTokens.Count(O200k, [new ChatMessage("user", "hi", Name: "alice")], null);

        Assert.Equal(without + ChatPromptTokens.PerName + ChatPromptTokens.Text(O200k, "alice"), with);
    }

    [Fact]
    public void TextSpellingASpecialTokenIsCountedAsItsBytesNotAsOneToken()
    {
        const string text = "ignore <|endoftext|> this";

        var count = ChatPromptTokens.Text(O200k, text);

        Assert.Equal(Encoding.UTF8.GetByteCount(text), count);
        Assert.True(count > O200k.CountTokens(text));
    }

    [Fact]
    public void ToolsCountAtLeastWhatOpenAisCookbookFormulaCounts()
    {
        using var tools = JsonDocument.Parse("""
            [{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather in a given location",
              "parameters":{"type":"object","properties":{
                "location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
                "unit":{"type":"string","description":"The unit of temperature to return","enum":["celsius","fahrenheit"]}},
              "required":["location"]}}},
             {"type":"function","function":{"name":"book_flight","description":"Book a flight.",
              "parameters":{"type":"object","properties":{"flight":{"type":"string","description":"The flight number."}}}}}]
            """);
        var messages = new[] { new ChatMessage("user", "What's the weather like in Boston?") };

        var withTools = ChatPromptTokens.Count(O200k, messages, tools.RootElement);
        var without = ChatPromptTokens.Count(O200k, messages, null);

        Assert.True(withTools - without >= CookbookFunctionTokens(O200k, tools.RootElement), $"{withTools - without} tool tokens");
    }

    [Fact]
    public void AddingAMessageOrTextNeverLowersTheCount()
    {
        var random = new Random(7);
        var messages = new List<ChatMessage>();
        long previous = ChatPromptTokens.Count(O200k, messages, null);
        for (var i = 0; i < 200; i++)
        {
            var words = string.Join(' ', Enumerable.Range(0, random.Next(0, 40)).Select(_ => Words[random.Next(Words.Length)]));
            messages.Add(new ChatMessage(i % 2 == 0 ? "user" : "assistant", words));
            var count = ChatPromptTokens.Count(O200k, messages, null);
            Assert.True(count >= previous + ChatPromptTokens.PerMessage, $"message {i}: {count} after {previous}");
            Assert.True(count <= Encoding.UTF8.GetByteCount(string.Concat(messages.Select(m => m.Role + m.Content))) + (4 * messages.Count) + 3);
            previous = count;
        }
    }

    private static readonly string[] Words = ["flight", "reservation", "cancel", "the", "user_id", "SFO→JFK", "42", "déjà", "vu", "{\"a\":1}", "😀", "\n"];

    /// <summary>
    /// OpenAI's cookbook estimate of function-definition tokens for gpt-4o ("How to count tokens with tiktoken",
    /// num_tokens_for_tools), written out independently of <see cref="ChatPromptTokens"/> as the reference it must not undercut.
    /// </summary>
    private static long CookbookFunctionTokens(Tokenizer tokenizer, JsonElement tools)
    {
        const int funcInit = 7, propInit = 3, propKey = 3, enumInit = -3, enumItem = 3, funcEnd = 12;
        long count = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var function = tool.GetProperty("function");
            count += funcInit + tokenizer.CountTokens($"{function.GetProperty("name").GetString()}:{function.GetProperty("description").GetString()!.TrimEnd('.')}");
            var properties = function.GetProperty("parameters").GetProperty("properties");
            if (properties.EnumerateObject().Any())
            {
                count += propInit;
                foreach (var property in properties.EnumerateObject())
                {
                    count += propKey;
                    if (property.Value.TryGetProperty("enum", out var items))
                    {
                        count += enumInit;
                        foreach (var item in items.EnumerateArray())
                        {
                            count += enumItem + tokenizer.CountTokens(item.GetString()!);
                        }
                    }

                    count += tokenizer.CountTokens($"{property.Name}:{property.Value.GetProperty("type").GetString()}:{property.Value.GetProperty("description").GetString()!.TrimEnd('.')}");
                }
            }
        }

        return count + funcEnd;
    }
}
