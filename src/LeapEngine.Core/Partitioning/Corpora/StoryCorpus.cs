namespace LeapEngine.Core.Partitioning.Corpora;

/// <summary>
/// Generates short TinyStories-like stories from templates (no network, no data files):
/// simple sentences about children, animals, toys and places, the register stories260K was
/// trained on. The same seed gives the same stories.
/// </summary>
public static class StoryCorpus
{
    private static readonly string[] Girls = ["Lily", "Sue", "Mia", "Anna", "Lucy", "Amy", "Sara", "Emma"];
    private static readonly string[] Boys = ["Tom", "Ben", "Max", "Sam", "Tim", "Jack", "Leo", "Bob"];
    private static readonly string[] Animals = ["dog", "cat", "bird", "bunny", "frog", "duck", "bear", "fish"];
    private static readonly string[] Toys = ["ball", "doll", "car", "kite", "teddy bear", "boat", "drum", "block"];
    private static readonly string[] Places = ["park", "garden", "forest", "beach", "house", "school", "lake", "farm"];
    private static readonly string[] Feelings = ["happy", "sad", "scared", "excited", "tired", "angry", "proud", "surprised"];
    private static readonly string[] Colours = ["red", "blue", "big", "little", "shiny", "soft", "green", "yellow"];
    private static readonly string[] Foods = ["cake", "apple", "cookie", "soup", "banana", "pie", "candy", "bread"];
    private static readonly string[] Verbs = ["play", "run", "jump", "dance", "sing", "swim", "hide", "look for bugs"];
    private static readonly string[] Grownups = ["mom", "dad", "grandma", "teacher"];

    public static IEnumerable<string> Generate(int count, long seed = 0)
    {
        var rng = new Random(unchecked((int)seed) ^ 0x5eed);
        for (int i = 0; i < count; i++) yield return Story(rng);
    }

    private static string Story(Random rng)
    {
        bool girl = rng.Next(2) == 0;
        string name = Pick(rng, girl ? Girls : Boys), he = girl ? "she" : "he", his = girl ? "her" : "his", He = girl ? "She" : "He", His = girl ? "Her" : "His";
        string friend = Pick(rng, girl ? Boys : Girls), animal = Pick(rng, Animals), toy = Pick(rng, Toys), place = Pick(rng, Places);
        string feeling = Pick(rng, Feelings), colour = Pick(rng, Colours), food = Pick(rng, Foods), verb = Pick(rng, Verbs);
        string grownup = Pick(rng, Grownups);
        var openings = new[]
        {
            $"Once upon a time, there was a little {(girl ? "girl" : "boy")} named {name}.",
            $"One day, {name} went to the {place} with {his} {grownup}.",
            $"{name} had a {colour} {toy} that {he} loved very much.",
            $"There was a {colour} {animal} who lived near the {place}.",
        };
        var middles = new[]
        {
            $"{He} liked to {verb} with {his} friend {friend}.",
            $"{name} saw a {animal} under a tree and said, \"Hello, little {animal}!\"",
            $"The {animal} wanted to {verb} too, so they went to the {place} together.",
            $"{He} found a {colour} {toy} in the {place} and showed it to {friend}.",
            $"{name} and {friend} ate some {food} and laughed.",
            $"{He} lost {his} {toy} and felt very {feeling}.",
            $"{His} {grownup} said, \"Be careful, {name}. The {place} is big.\"",
        };
        var endings = new[]
        {
            $"In the end, {name} was {feeling} and went home to sleep.",
            $"From that day on, {name} and the {animal} were best friends.",
            $"{name} learned that sharing is good, and everyone was happy.",
            $"They played all day until the sun went down.",
        };
        var parts = new List<string> { Pick(rng, openings) };
        int middle = 1 + rng.Next(3);
        for (int i = 0; i < middle; i++) parts.Add(Pick(rng, middles));
        parts.Add(Pick(rng, endings));
        return string.Join(" ", parts);
    }

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
