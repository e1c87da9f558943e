using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Marks one entry of an ELF64 file's .gnu.version_r (SHT_GNU_verneed) section weak, so the
// dynamic loader no longer refuses the library when that symbol version is missing.
// Idempotent: a file already patched is left as it is.
public class WeakenElfVersionNeed : Task
{
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    public string VersionName { get; set; } = "";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = Patch(bytes, VersionName);
                if (result == PatchResult.Patched)
                {
                    File.WriteAllBytes(path, bytes);
                    Log.LogMessage(MessageImportance.Normal, "Marked " + VersionName + " weak in " + path);
                }
            }
            catch (Exception e)
            {
                Log.LogError("Could not patch " + path + ": " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private enum PatchResult { NotFound, AlreadyWeak, Patched }

    private static PatchResult Patch(byte[] b, string name)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");

        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(b, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(b, (int)sh + 0x28);
            int count = (int)BitConverter.ToUInt32(b, (int)sh + 0x2C);
            long strtab = (long)BitConverter.ToUInt64(b, (int)(shoff + (long)link * shentsize) + 0x18);

            long vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(b, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    uint nameOffset = BitConverter.ToUInt32(b, (int)aux + 8);
                    if (ReadString(b, strtab + nameOffset) == name)
                    {
                        int flagsAt = (int)aux + 4;
                        ushort flags = BitConverter.ToUInt16(b, flagsAt);
                        if ((flags & VerFlgWeak) != 0) return PatchResult.AlreadyWeak;
                        flags |= VerFlgWeak;
                        b[flagsAt] = (byte)(flags & 0xff);
                        b[flagsAt + 1] = (byte)(flags >> 8);
                        return PatchResult.Patched;
                    }
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(b, (int)vn + 12);
            }
        }
        return PatchResult.NotFound;
    }

    private static string ReadString(byte[] b, long at)
    {
        int end = (int)at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
