namespace LeapEngine.Cli.Tests;

/// <summary>
/// Progress on stderr: redrawn in place on a terminal, plain lines (no carriage returns, no escape codes) when
/// stderr is a file or a pipe, so CI logs and `2> log.txt` stay readable.
/// </summary>
public sealed class StatusLineTests
{
    [Fact]
    public void Off_a_terminal_progress_is_plain_lines_without_control_characters()
    {
        var err = new StringWriter();
        var status = new StatusLine(err, inPlace: false);
        status.Show("forward passes 1/10");
        status.Show("forward passes 2/10");   // within the second: not written
        status.Clear();

        var text = err.ToString();
        Assert.Equal("forward passes 1/10" + Environment.NewLine, text);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\r', text);
    }

    [Fact]
    public void On_a_terminal_progress_redraws_one_line_and_erases_it_at_the_end()
    {
        var err = new StringWriter();
        var status = new StatusLine(err, inPlace: true);
        status.For<int>(done => $"tokens {done}").Report(3);
        status.Clear();
        Assert.Equal("\rtokens 3\u001b[K\r\u001b[K", err.ToString());
    }

    [Fact]
    public void Nothing_drawn_means_nothing_to_erase()
    {
        var err = new StringWriter();
        new StatusLine(err, inPlace: true).Clear();
        Assert.Equal("", err.ToString());
    }
}
