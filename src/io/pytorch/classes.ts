/**
 * The Python classes model.py defines for neurite's composite modules, each a plain `nn.Module` whose forward
 * follows the TypeScript forward line by line (src/models/…) and whose attributes carry neurite's names, so the
 * state-dict keys are the same. The children are built in `build_model()` and passed in, which keeps these
 * classes short and the whole architecture visible in one place. Only the classes a model uses are written.
 */

export const PYTHON_CLASSES: Readonly<Record<string, string>> = {
  SeparableConv2d: `
class SeparableConv2d(nn.Module):
    """A depthwise convolution (groups = in_channels) followed by a 1x1 pointwise one (neurite's nn.SeparableConv2d)."""

    def __init__(self, depthwise, pointwise):
        super().__init__()
        self.depthwise = depthwise
        self.pointwise = pointwise

    def forward(self, x):
        return self.pointwise(self.depthwise(x))
`,

  LeNet5: `
class LeNet5(nn.Module):
    """LeNet-5 (neurite's models/lenet.ts): the image centred in the paper's 32x32 field, 5x5 convolutions c1, c3, c5
    with pooling s2, s4 between, then f6 and output; the activation follows every layer but the last."""

    FIELD = 32

    def __init__(self, c1, s2, c3, s4, c5, f6, output, activation="tanh"):
        super().__init__()
        self.c1, self.s2, self.c3, self.s4, self.c5 = c1, s2, c3, s4, c5
        self.f6, self.output = f6, output
        self.activation = activation

    def forward(self, x):
        act = torch.tanh if self.activation == "tanh" else torch.relu
        h, w = x.shape[-2], x.shape[-1]
        top, left = (self.FIELD - h) // 2, (self.FIELD - w) // 2
        x = F.pad(x, (left, self.FIELD - w - left, top, self.FIELD - h - top))
        x = self.s2(act(self.c1(x)))
        x = self.s4(act(self.c3(x)))
        x = torch.flatten(act(self.c5(x)), 1)
        return self.output(act(self.f6(x)))
`,

  FeaturesClassifier: `
class FeaturesClassifier(nn.Module):
    """features -> avgpool -> flatten -> classifier: the layout of neurite's VGG and AlexNet (torchvision's names)."""

    def __init__(self, features, avgpool, classifier):
        super().__init__()
        self.features, self.avgpool, self.classifier = features, avgpool, classifier

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))
`,

  BasicBlock: `
class BasicBlock(nn.Module):
    """ResNet's basic block (neurite's models/resnet.ts): two 3x3 convolutions with batch norm, plus the shortcut."""

    def __init__(self, conv1, bn1, conv2, bn2, downsample=None):
        super().__init__()
        self.conv1, self.bn1, self.conv2, self.bn2 = conv1, bn1, conv2, bn2
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (self.downsample(x) if self.downsample is not None else x))
`,

  Bottleneck: `
class Bottleneck(nn.Module):
    """ResNet's bottleneck block: 1x1, 3x3, 1x1 convolutions with batch norm, plus the shortcut."""

    def __init__(self, conv1, bn1, conv2, bn2, conv3, bn3, downsample=None):
        super().__init__()
        self.conv1, self.bn1, self.conv2, self.bn2, self.conv3, self.bn3 = conv1, bn1, conv2, bn2, conv3, bn3
        self.downsample = downsample

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return torch.relu(out + (self.downsample(x) if self.downsample is not None else x))
`,

  ResNet: `
class ResNet(nn.Module):
    """ResNet for small images (neurite's models/resnet.ts): a 3x3 stem, the stages layer1, layer2, ..., global
    average pooling and the last linear layer (torchvision's attribute names)."""

    def __init__(self, conv1, bn1, stages, avgpool, fc):
        super().__init__()
        self.conv1, self.bn1 = conv1, bn1
        self.num_stages = len(stages)
        for i, stage in enumerate(stages, 1):
            setattr(self, f"layer{i}", stage)
        self.avgpool, self.fc = avgpool, fc

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        for i in range(1, self.num_stages + 1):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))
`,

  BasicConv2d: `
class BasicConv2d(nn.Module):
    """Inception's convolution unit (neurite's models/inception.ts): convolution, batch norm when present, ReLU."""

    def __init__(self, conv, bn=None):
        super().__init__()
        self.conv, self.bn = conv, bn

    def forward(self, x):
        x = self.conv(x)
        return torch.relu(self.bn(x) if self.bn is not None else x)
`,

  Inception: `
class Inception(nn.Module):
    """An Inception block: four branches on the same input, concatenated along the channels."""

    def __init__(self, branch1, branch2, branch3, branch4):
        super().__init__()
        self.branch1, self.branch2, self.branch3, self.branch4 = branch1, branch2, branch3, branch4

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)
`,

  GoogLeNetMini: `
class GoogLeNetMini(nn.Module):
    """GoogLeNet for small images (neurite's models/inception.ts): the layers below in order, then global average
    pooling, flatten, dropout and the last linear layer."""

    ORDER = ["conv1", "maxpool1", "conv2", "conv3", "inception3a", "inception3b", "maxpool3", "inception4a",
             "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b"]

    def __init__(self, avgpool, dropout, fc, **layers):
        super().__init__()
        for name in self.ORDER:
            setattr(self, name, layers.pop(name))
        if layers:
            raise TypeError(f"GoogLeNetMini: unexpected layers {sorted(layers)}")
        self.avgpool, self.dropout, self.fc = avgpool, dropout, fc

    def forward(self, x):
        for name in self.ORDER:
            x = getattr(self, name)(x)
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))
`,

  RandWireNode: `
class RandWireNode(nn.Module):
    """A node of a randomly wired stage (neurite's models/randwire/network.ts): its inputs summed with weights
    sigmoid(w), then ReLU, a separable 3x3 convolution and batch norm."""

    def __init__(self, in_degree, conv, bn):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(in_degree))
        self.conv, self.bn = conv, bn

    def forward(self, inputs):
        w = torch.sigmoid(self.weight)
        x = inputs[0] * w[0]
        for i in range(1, len(inputs)):
            x = x + inputs[i] * w[i]
        return self.bn(self.conv(torch.relu(x)))
`,

  RandWireStage: `
class RandWireStage(nn.Module):
    """A stage wired by a random graph: nodes in topological order, each on its predecessors' outputs (the stage
    input for nodes without any); the stage's output is the mean of the nodes without successors."""

    def __init__(self, nodes, predecessors, outputs):
        super().__init__()
        self.nodes = nn.ModuleList(nodes)
        self.predecessors = predecessors
        self.outputs = outputs

    def forward(self, x):
        outs = []
        for node, preds in zip(self.nodes, self.predecessors):
            outs.append(node([outs[u] for u in preds] if preds else [x]))
        y = outs[self.outputs[0]]
        for v in self.outputs[1:]:
            y = y + outs[v]
        return y if len(self.outputs) == 1 else y / len(self.outputs)
`,

  RandWireNet: `
class RandWireNet(nn.Module):
    """A randomly wired network (Xie et al. 2019): stem conv1, conv2, the random stages, a 1x1 head, global
    average pooling, dropout and the last linear layer."""

    def __init__(self, conv1, conv2, stages, head, pool, dropout, fc):
        super().__init__()
        self.conv1, self.conv2 = conv1, conv2
        self.stages = nn.ModuleList(stages)
        self.head, self.pool, self.dropout, self.fc = head, pool, dropout, fc

    def forward(self, x):
        h = self.conv2(self.conv1(x))
        for stage in self.stages:
            h = stage(h)
        return self.fc(self.dropout(torch.flatten(self.pool(self.head(h)), 1)))
`,

  SequenceClassifier: `
class SequenceClassifier(nn.Module):
    """A recurrent classifier (neurite's models/seq/classifier.ts): token ids through the embedding (or float
    features as they are), the recurrent layer, and the last hidden state of its top layer (both directions
    concatenated) through dropout and the linear layer."""

    def __init__(self, rnn, drop, fc, embedding=None):
        super().__init__()
        self.embedding, self.rnn, self.drop, self.fc = embedding, rnn, drop, fc

    def forward(self, x):
        seq = self.embedding(x.long()) if self.embedding is not None else x
        _, state = self.rnn(seq)
        h = state[0] if isinstance(state, tuple) else state
        dirs = 2 if self.rnn.bidirectional else 1
        top = (self.rnn.num_layers - 1) * dirs
        features = h[top] if dirs == 1 else torch.cat([h[top], h[top + 1]], 1)
        return self.fc(self.drop(features))
`,

  SequenceTagger: `
class SequenceTagger(nn.Module):
    """A recurrent tagger (neurite's models/seq/tagger.ts): one output per step, [N, L, tags] (batch first)."""

    def __init__(self, rnn, drop, fc, embedding=None):
        super().__init__()
        self.embedding, self.rnn, self.drop, self.fc = embedding, rnn, drop, fc

    def forward(self, x):
        seq = self.embedding(x.long()) if self.embedding is not None else x
        out, _ = self.rnn(seq)
        if not self.rnn.batch_first:
            out = out.transpose(0, 1)
        return self.fc(self.drop(out))
`,
};
