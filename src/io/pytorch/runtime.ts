/**
 * The fixed part of model.py: safetensors read and written with the standard library and torch alone (Debian's
 * python3-torch has no safetensors package), the weights loaded strictly, and the checkpoint's input
 * preprocessing (preprocessing.json) applied to raw inputs with neurite's arithmetic: each step computed in
 * float64 and rounded to float32, as neurite's TypeScript does.
 */

export const PYTHON_RUNTIME = `
# --- safetensors without the safetensors package ----------------------------------------------------------------
# A file is an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, the raw data.

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {dtype: name for name, dtype in DTYPES.items()}


def read_safetensors(path):
    """The tensors of a safetensors file, by name."""
    if sys.byteorder != "little":
        raise RuntimeError("read_safetensors: safetensors data is little-endian; this machine is not")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (size,) = struct.unpack("<Q", data[:8])
    if 8 + size > len(data):
        raise ValueError(f"{path}: not a safetensors file (header of {size} bytes in a {len(data)}-byte file)")
    header = json.loads(data[8:8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not know")
        dtype = DTYPES[info["dtype"]]
        start, end = info["data_offsets"]
        if end > start:
            # a writable copy per tensor: torch.frombuffer shares memory with the buffer it is given
            t = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=dtype)
        else:
            t = torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
    return tensors


def encode_safetensors(tensors, metadata=None):
    """The bytes of a safetensors file holding \`tensors\` (name -> tensor) and string \`metadata\`."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in NAMES or t.dtype == torch.bfloat16:
            raise ValueError(f"encode_safetensors: tensor {name} has dtype {t.dtype}, which this writer does not store")
        raw = t.numpy().tobytes() if t.numel() > 0 else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_file_atomic(path, data):
    """Writes \`data\` (bytes) to \`path\` through a temporary file beside it, flushed and renamed into place."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_model(weights=None):
    """The model with the exported weights (weights.safetensors beside this file unless given), evaluation mode."""
    model = build_model()
    model.load_state_dict(read_safetensors(weights or os.path.join(HERE, "weights.safetensors")), strict=True)
    return model.eval()


# --- preprocessing: raw inputs -> the model's inputs ---------------------------------------------------------------


def load_preprocessing(path=None):
    """The checkpoint's input preprocessing, {"description", "steps"}; no steps when it recorded none."""
    path = path or os.path.join(HERE, "preprocessing.json")
    if not os.path.exists(path):
        return {"description": "the model's inputs", "steps": []}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _rounded(x64):
    return x64.to(torch.float32)


def preprocess(x, spec=None):
    """Raw inputs [N, ...] (as preprocessing.json's description says) -> what the model was trained on.

    A table with categorical columns (preprocessing.json's "columns") takes raw rows, as encode_rows() does."""
    spec = load_preprocessing() if spec is None else spec
    if spec.get("columns"):
        x = encode_rows(x, spec)
    x = torch.as_tensor(x, dtype=torch.float32)
    for step in spec["steps"]:
        kind = step.get("type")
        if kind == "normalize":
            x = _rounded((x.double() / step["divide"] - step["mean"]) / step["std"])
        elif kind == "reshape":
            x = x.reshape([x.shape[0], *step["shape"]])
        elif kind == "StandardScaler":
            f = len(step["mean"])
            mean = torch.tensor(step["mean"] if step["withMean"] else [0.0] * f, dtype=torch.float64)
            scale = torch.tensor(step["scale"] if step["withStd"] else [1.0] * f, dtype=torch.float64)
            x = _rounded((_columns(x, f, kind).double() - mean) / scale)
        elif kind == "MinMaxScaler":
            f = len(step["scale"])
            scale = torch.tensor(step["scale"], dtype=torch.float64)
            shift = torch.tensor(step["min"], dtype=torch.float64)
            y = _columns(x, f, kind).double() * scale + shift
            if step["clip"]:
                y = y.clamp(step["featureRange"][0], step["featureRange"][1])
            x = _rounded(y)
        elif kind == "PolynomialFeatures":
            x = _polynomial(_columns(x, step["nFeaturesIn"], kind), step)
        else:
            raise ValueError(
                f"preprocess: step {kind!r} of preprocessing.json has no PyTorch form here; "
                "apply it to the inputs before calling preprocess"
            )
    return x


def encode_rows(rows, spec=None):
    """Raw table rows -> the float32 [N, features] neurite's CSV reader gives: each numeric column as it is, each
    categorical one as its one-hot block (or its code), side by side in the columns' order (preprocessing.json's
    "columns"). A row is a dict keyed by column name or a sequence of values in that order; a tensor or array of
    numbers holds one row per line. A value not seen in training is a ValueError, as in neurite, unless its column
    has handleUnknown "ignore" (then its block is all zeros)."""
    spec = load_preprocessing() if spec is None else spec
    columns = spec["columns"]
    names = [c["name"] for c in columns]
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            missing = [n for n in names if n not in row]
            if missing:
                raise ValueError(f"encode_rows: row {i} has no column {missing[0]!r} (columns: {', '.join(names)})")
            values = [row[n] for n in names]
        else:
            values = list(row)
            if len(values) != len(names):
                raise ValueError(f"encode_rows: row {i} has {len(values)} values, expected {len(names)} "
                                 f"({', '.join(names)})")
        encoded = []
        for column, value in zip(columns, values):
            categories = column.get("categories")
            if categories is None:
                try:
                    encoded.append(float(value))
                except (TypeError, ValueError):
                    raise ValueError(f"encode_rows: row {i}, column {column['name']!r}: {value!r} is not a number"
                                     ) from None
                continue
            k = _category_index(categories, value)
            if k is None and column.get("handleUnknown") != "ignore":
                known = ", ".join(repr(c) for c in categories)
                raise ValueError(f"encode_rows: row {i}, column {column['name']!r}: {value!r} is not one of the "
                                 f"categories seen in training ({known})")
            if column["encoding"] == "label":
                encoded.append(float(k))
            else:
                block = [0.0] * len(categories)
                if k is not None:
                    block[k] = 1.0
                encoded.extend(block)
        out.append(encoded)
    width = sum(len(c["categories"]) if c.get("encoding") == "onehot" else 1 for c in columns)
    return torch.tensor(out, dtype=torch.float32).reshape(len(out), width)


def _category_index(categories, value):
    """The index of \`value\` among a column's categories (numbers compare as numbers, text as trimmed text)."""
    if isinstance(categories[0], str):
        text = value.strip() if isinstance(value, str) else str(value)
        return categories.index(text) if text in categories else None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    matches = [k for k, c in enumerate(categories) if float(c) == number]
    return matches[0] if matches else None


def _columns(x, f, kind):
    if x.dim() != 2 or x.shape[1] != f:
        raise ValueError(f"preprocess: {kind} expects [N, {f}] inputs, got {list(x.shape)}")
    return x


def _polynomial(x, step):
    """neurite's PolynomialFeatures: the columns of degree d extend those of degree d - 1 by a feature >= their last
    (> with interactionOnly), in lexicographic order; the bias column first when includeBias."""
    f, degree = x.shape[1], step["degree"]
    cols, last = [], []
    if degree >= 1:
        cols, last = [x[:, j] for j in range(f)], list(range(f))
    start = 0
    for _ in range(2, degree + 1):
        end = len(cols)
        for p in range(start, end):
            for j in range(last[p] + 1 if step["interactionOnly"] else last[p], f):
                cols.append(cols[p] * x[:, j])
                last.append(j)
        start = end
    if step["includeBias"]:
        cols.insert(0, torch.ones(x.shape[0], dtype=torch.float32))
    return torch.stack(cols, 1) if cols else torch.zeros(x.shape[0], 0)
`;
