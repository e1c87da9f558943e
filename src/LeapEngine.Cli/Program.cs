using TorchSharp;
var t = torch.ones(2, 3);
Console.WriteLine(t.sum().item<float>());
