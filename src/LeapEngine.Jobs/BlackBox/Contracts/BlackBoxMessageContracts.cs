using Engine = LeapEngine.Core.BlackBox;

namespace LeapEngine.Jobs.BlackBox.Contracts;

// Wire shapes of a black-box request's messages and spans, owned here so a Core rename cannot change the API.

/// <summary>One chat message: role system, developer, user or assistant, and its text.</summary>
public sealed record ChatMessageInput(string Role, string Content)
{
    public Engine.Client.ChatMessage ToEngine() => new(Role, Content);
}

/// <summary>A caller-given unit (unit spans): characters [start, start + length) of messages[message].content.</summary>
public sealed record MessageSpanInput(int Message, int Start, int Length)
{
    public Engine.Prompt.MessageSpan ToEngine() => new(Message, Start, Length);
}
