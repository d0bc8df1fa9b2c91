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

/**
 * The generators' classes (neurite's models/seq/): Seq2Seq with its attentions, SequenceGenerator and CharRNN, with
 * their teacher-forced forward, greedy or temperature decoding and (CharRNN) sampling, step for step as neurite's.
 */
export const PYTHON_GENERATOR_CLASSES: Readonly<Record<string, string>> = {
  TokenDecoding: `
class TokenDecoding(nn.Module):
    """What neurite's token decoders share (models/seq/decoding.ts, recurrent.ts): running a recurrent layer with
    padding steps skipped, the decoder inputs of a target (bos, then the target shifted right), teacher forcing or
    scheduled sampling, and greedy or temperature decoding until eos."""

    @staticmethod
    def _top_hidden(state):
        """The top layer's hidden state [N, H] (h of an LSTM's (h, c))."""
        return (state[0] if isinstance(state, tuple) else state)[-1]

    @staticmethod
    def encode_masked(rnn, x, mask):
        """rnn over batch-first x [N, S, E] where mask [N, S] is True; at the other (padding) steps a row keeps its
        state, as PyTorch's packed sequences give. Returns the outputs [N, S, H] (meant to be masked at padding)
        and the final state."""
        if mask is None or bool(mask.all()):
            return rnn(x)
        n, steps = mask.shape
        dirs = 2 if rnn.bidirectional else 1
        h = x.new_zeros(rnn.num_layers * dirs, n, rnn.hidden_size)
        state = (h, h.clone()) if isinstance(rnn, nn.LSTM) else h
        outputs = []
        for t in range(steps):
            active = mask[:, t]
            if not bool(active.any()):
                outputs.append(x.new_zeros(n, 1, rnn.hidden_size * dirs))
                continue
            out, nxt = rnn(x[:, t:t + 1], state)
            outputs.append(out)
            if bool(active.all()):
                state = nxt
                continue
            keep = active.view(1, n, 1)
            if isinstance(nxt, tuple):
                state = tuple(torch.where(keep, a, b) for a, b in zip(nxt, state))
            else:
                state = torch.where(keep, nxt, state)
        return torch.cat(outputs, 1), state

    def shift_right(self, target):
        """The decoder's inputs for a target [N, T]: bos, then the target shifted one step right."""
        first = torch.full_like(target[:, :1], self.bos_id)
        return torch.cat([first, target[:, :-1]], 1)

    def teacher_forced(self, state, inputs, memory):
        """Logits [N, T, V] for decoder inputs [N, T] (bos first): every step reads its true previous token, or in
        training with teacher_forcing_ratio < 1, with that probability, else its own previous prediction."""
        ratio = self.teacher_forcing_ratio if self.training else 1.0
        if ratio >= 1:
            out, _ = self.decode(self.embedding(inputs.long()), state, memory)
            return self.fc(out)
        logits, previous = [], None
        for t in range(inputs.shape[1]):
            tokens = inputs[:, t].long()
            if previous is not None:
                tokens = torch.where(torch.rand(tokens.shape[0]) < ratio, tokens, previous)
            out, state = self.decode(self.embedding(tokens[:, None]), state, memory)
            step = self.fc(out)
            logits.append(step)
            previous = step[:, 0].argmax(-1)
        return torch.cat(logits, 1)

    @torch.no_grad()
    def decode_tokens(self, state, batch, memory, max_length, temperature=0.0, generator=None):
        """Tokens [N, T] (T <= max_length): each row's choices, its eos, then padding. temperature 0 takes the
        argmax (the first maximum), above 0 samples softmax(logits / temperature)."""
        was = self.training
        self.eval()
        try:
            tokens = torch.full((batch,), self.bos_id, dtype=torch.long)
            done = torch.zeros(batch, dtype=torch.bool)
            rows = []
            for _ in range(max_length):
                if bool(done.all()):
                    break
                out, state = self.decode(self.embedding(tokens[:, None]), state, memory)
                logits = self.fc(out)[:, 0]
                if temperature == 0:
                    nxt = logits.argmax(-1)
                else:
                    probs = torch.softmax(logits.double() / temperature, -1)
                    nxt = torch.multinomial(probs, 1, generator=generator)[:, 0]
                nxt = torch.where(done, torch.full_like(nxt, self.pad_id), nxt)
                done = done | (nxt == self.eos_id)
                rows.append(nxt)
                tokens = nxt
            return torch.stack(rows, 1) if rows else torch.zeros(batch, 0, dtype=torch.long)
        finally:
            self.train(was)
`,

  LuongAttention: `
class LuongAttention(nn.Module):
    """Luong's global attention, "general" score (neurite's models/seq/attention.ts): h~ = tanh(W_c [c; h])."""

    def __init__(self, linear_in, linear_out):
        super().__init__()
        self.linear_in, self.linear_out = linear_in, linear_out

    def forward(self, decoder_outputs, memory, bias):
        scores = self.linear_in(decoder_outputs) @ memory.transpose(1, 2)
        if bias is not None:
            scores = scores + bias
        context = torch.softmax(scores, -1) @ memory
        return torch.tanh(self.linear_out(torch.cat([context, decoder_outputs], -1)))
`,

  BahdanauAttention: `
class BahdanauAttention(nn.Module):
    """Bahdanau's additive attention on the previous decoder state: e_s = v^T tanh(W s + U h_s)."""

    def __init__(self, query, key, v, linear_out):
        super().__init__()
        self.query, self.key, self.v, self.linear_out = query, key, v, linear_out

    def forward(self, s, keys, memory, bias):
        """The context [N, 1, H] for the previous state s [N, H]; keys = key(memory)."""
        n, steps = keys.shape[0], keys.shape[1]
        scores = self.v(torch.tanh(self.query(s)[:, None] + keys)).reshape(n, 1, steps)
        if bias is not None:
            scores = scores + bias
        return torch.softmax(scores, -1) @ memory
`,

  Seq2Seq: `
class Seq2Seq(TokenDecoding):
    """neurite's encoder-decoder (models/seq/seq2seq.ts): a shared embedding, encoder and decoder recurrent layers
    (batch first), the output layer fc, and optionally attention over the encoder outputs. forward(src, target)
    gives the teacher-forced logits [N, T, V]; generate(src) decodes greedily (or samples) until eos."""

    def __init__(self, embedding, encoder, decoder, fc, attention=None, pad_id=0, bos_id=1, eos_id=2,
                 teacher_forcing_ratio=1.0):
        super().__init__()
        self.embedding, self.encoder, self.decoder, self.fc = embedding, encoder, decoder, fc
        self.attention = attention
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.teacher_forcing_ratio = teacher_forcing_ratio

    def encode(self, src):
        """The decoder's initial state, and with attention the memory (outputs [N, S, H], bias [N, 1, S] or None)."""
        src = src.long()
        mask = src != self.pad_id
        outputs, state = self.encode_masked(self.encoder, self.embedding(src), mask)
        if self.attention is None:
            return state, None
        bias = None
        if not bool(mask.all()):
            bias = torch.zeros(mask.shape, dtype=outputs.dtype).masked_fill(~mask, float("-inf"))[:, None]
        return state, (outputs, bias)

    def decode(self, embedded, state, memory):
        """The features fc reads [N, T, H] and the new state, for embedded decoder inputs [N, T, E]."""
        if self.attention is None:
            return self.decoder(embedded, state)
        outputs, bias = memory
        if not hasattr(self.attention, "key"):  # Luong's: after the recurrent layer, over its outputs
            out, state = self.decoder(embedded, state)
            return self.attention(out, outputs, bias), state
        # Bahdanau's: the context joins each step's input, so the steps run one at a time
        keys = self.attention.key(outputs)
        features = []
        for t in range(embedded.shape[1]):
            context = self.attention(self._top_hidden(state), keys, outputs, bias)
            out, state = self.decoder(torch.cat([embedded[:, t:t + 1], context], -1), state)
            features.append(torch.tanh(self.attention.linear_out(torch.cat([context, out], -1))))
        return torch.cat(features, 1), state

    def forward(self, src, target):
        state, memory = self.encode(src)
        return self.teacher_forced(state, self.shift_right(target.long()), memory)

    def generate(self, src, max_length=None, temperature=0.0, generator=None):
        """Tokens [N, T]: each row's output, eos, then padding (max_length defaults to the source width + 1)."""
        was = self.training
        self.eval()
        try:
            with torch.no_grad():
                state, memory = self.encode(src)
            return self.decode_tokens(state, src.shape[0], memory, max_length or src.shape[1] + 1, temperature,
                                      generator)
        finally:
            self.train(was)
`,

  SequenceGenerator: `
class SequenceGenerator(TokenDecoding):
    """neurite's one-to-many generator (models/seq/generator.ts): init maps the condition (features [N, C], or class
    ids [N] as one-hot rows) to the decoder's initial state, tanh for h, an LSTM's c from a second block."""

    def __init__(self, init, embedding, decoder, fc, pad_id=0, bos_id=1, eos_id=2, teacher_forcing_ratio=1.0):
        super().__init__()
        self.init, self.embedding, self.decoder, self.fc = init, embedding, decoder, fc
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.teacher_forcing_ratio = teacher_forcing_ratio

    def initial_state(self, condition):
        if not condition.is_floating_point():
            condition = F.one_hot(condition.long(), self.init.in_features).float()
        n, layers, hidden = condition.shape[0], self.decoder.num_layers, self.decoder.hidden_size
        lstm = isinstance(self.decoder, nn.LSTM)
        projected = self.init(condition).reshape(n, 2 if lstm else 1, layers, hidden)
        block = lambda k: projected[:, k].transpose(0, 1).contiguous()  # noqa: E731
        return (torch.tanh(block(0)), block(1)) if lstm else torch.tanh(block(0))

    def decode(self, embedded, state, memory):
        return self.decoder(embedded, state)

    def forward(self, condition, target):
        return self.teacher_forced(self.initial_state(condition), self.shift_right(target.long()), None)

    def generate(self, condition, max_length=32, temperature=0.0, generator=None):
        with torch.no_grad():
            state = self.initial_state(condition)
        return self.decode_tokens(state, condition.shape[0], None, max_length, temperature, generator)
`,

  CharRNN: `
class CharRNN(nn.Module):
    """neurite's character-level language model (models/seq/charrnn.ts): embedding -> recurrent layer (batch
    first) -> fc, with dropout between. forward(x, state) gives the next-character logits [N, T, V] and the final
    state; sample_ids writes characters one at a time at a temperature."""

    def __init__(self, embedding, rnn, drop, fc):
        super().__init__()
        self.embedding, self.rnn, self.drop, self.fc = embedding, rnn, drop, fc

    def forward(self, x, state=None):
        out, state = self.rnn(self.drop(self.embedding(x.long())), state)
        return self.fc(self.drop(out)), state

    @torch.no_grad()
    def sample_ids(self, prime, length=200, temperature=1.0, generator=None):
        """length ids after reading prime (ids, at least one): each from softmax(logits / temperature), the argmax
        at temperature 0."""
        if len(prime) == 0:
            raise ValueError("CharRNN.sample_ids: the prime must hold at least one character")
        was = self.training
        self.eval()
        try:
            logits, state = self(torch.tensor([list(prime)], dtype=torch.long))
            last, out = logits[0, -1], []
            for _ in range(length):
                if temperature == 0:
                    nxt = int(last.argmax())
                else:
                    probs = torch.softmax(last.double() / temperature, -1)
                    nxt = int(torch.multinomial(probs, 1, generator=generator))
                out.append(nxt)
                logits, state = self(torch.tensor([[nxt]]), state)
                last = logits[0, -1]
            return out
        finally:
            self.train(was)
`,

  CharVocab: `
class CharVocab:
    """neurite's CharVocab (data/vocab.ts), read from vocab.json: the ids are the special tokens', then the
    characters'. encode() maps text to ids (a character outside the vocabulary is the unknown token's id, or an
    error), decode() ids back to text, the specials left out unless skip_specials=False."""

    def __init__(self, specials, chars, unknown=None):
        self.specials, self.chars, self.unknown = list(specials), list(chars), unknown
        self.tokens = self.specials + self.chars
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def load(cls, path=None):
        with open(path or os.path.join(HERE, "vocab.json"), encoding="utf-8") as f:
            j = json.load(f)
        return cls(j["specials"], j["chars"], j.get("unknown"))

    def __len__(self):
        return len(self.tokens)

    def id(self, token):
        return self.ids[token]

    def encode(self, text):
        unk = self.ids[self.unknown] if self.unknown is not None else None
        out = []
        for i, c in enumerate(text):
            k = self.ids.get(c)
            if k is not None and k >= len(self.specials):
                out.append(k)
            elif unk is not None:
                out.append(unk)
            else:
                raise ValueError(f"CharVocab.encode: character {c!r} at position {i} is not in the vocabulary")
        return out

    def decode(self, ids, skip_specials=True):
        return "".join(self.tokens[i] for i in map(int, ids) if not (skip_specials and i < len(self.specials)))
`,
};
