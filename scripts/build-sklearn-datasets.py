#!/usr/bin/python3
"""Copies scikit-learn's small built-in datasets into data/<name>/ in the form neurite ships.

Source: the CSV files of Debian's python3-sklearn (1.2.1, BSD-3-Clause), installed with
`apt-get install -y python3-sklearn`, under /usr/lib/python3/dist-packages/sklearn/datasets/data/.

Run once from the repository root with `/usr/bin/python3 scripts/build-sklearn-datasets.py`; the outputs are
committed, so neither users nor CI need Python or scikit-learn.

What it writes for each of iris, wine, breast-cancer, diabetes and digits:
- the data files themselves, byte for byte as scikit-learn ships them, except breast_cancer.csv, which is
  gzipped here (120 KB -> 50 KB) with a zero timestamp so the output repeats;
- meta.json: the feature names and target names that scikit-learn's loaders attach (they live in the loaders'
  Python source, not in the CSV files), the shape, and the file names.

It checks that each copy parses back to exactly what sklearn.datasets.load_<name>() returns, and prints the
SHA-256 values that the READMEs record.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sys

import numpy as np
import sklearn
import sklearn.datasets as skd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
SRC = os.path.join(os.path.dirname(skd.__file__), 'data')


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def write_meta(folder, meta):
    with open(os.path.join(folder, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')


def report(folder, name):
    path = os.path.join(folder, name)
    raw = open(path, 'rb').read()
    plain = gzip.decompress(raw) if name.endswith('.gz') else raw
    print(f'  {name}: {len(raw)} bytes, sha256 {sha256(raw)}' +
          (f', uncompressed {len(plain)} bytes, sha256 {sha256(plain)}' if plain is not raw else ''))


def copy(name, folder, target=None):
    shutil.copyfile(os.path.join(SRC, name), os.path.join(folder, target or name))


def gzip_copy(name, folder):
    raw = open(os.path.join(SRC, name), 'rb').read()
    buf = io.BytesIO()
    # mtime=0 and no file name in the header, so the same input gives the same bytes
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(raw)
    open(os.path.join(folder, name + '.gz'), 'wb').write(buf.getvalue())


def headed_csv(folder, file, loader):
    """iris, wine, breast cancer: first line `n_samples,n_features,target names…`, then rows of features + label."""
    text = (gzip.decompress if file.endswith('.gz') else bytes)(open(os.path.join(folder, file), 'rb').read())
    lines = text.decode().strip().split('\n')
    head = lines[0].split(',')
    rows = np.array([[float(v) for v in line.split(',')] for line in lines[1:]])
    bunch = loader()
    assert int(head[0]) == bunch.data.shape[0] and int(head[1]) == bunch.data.shape[1]
    assert head[2:] == list(bunch.target_names), (head[2:], bunch.target_names)
    assert np.array_equal(rows[:, :-1], bunch.data) and np.array_equal(rows[:, -1], bunch.target)
    return bunch


def main():
    print(f'scikit-learn {sklearn.__version__} from {SRC}')
    out = os.path.join(ROOT, 'data')

    specs = [
        ('iris', 'iris.csv', skd.load_iris, False),
        ('wine', 'wine_data.csv', skd.load_wine, False),
        ('breast-cancer', 'breast_cancer.csv', skd.load_breast_cancer, True),
    ]
    for folder_name, file, loader, compress in specs:
        folder = os.path.join(out, folder_name)
        os.makedirs(folder, exist_ok=True)
        if compress:
            gzip_copy(file, folder)
            file += '.gz'
        else:
            copy(file, folder)
        bunch = headed_csv(folder, file, loader)
        write_meta(folder, {
            'name': folder_name,
            'source': f'scikit-learn {sklearn.__version__}: sklearn/datasets/data/{file.removesuffix(".gz")}',
            'samples': int(bunch.data.shape[0]),
            'features': int(bunch.data.shape[1]),
            'files': {'data': file},
            'format': 'first line: samples,features,target names; then one row per sample: features, label',
            'featureNames': list(bunch.feature_names),
            'targetNames': [str(t) for t in bunch.target_names],
        })
        print(folder_name)
        report(folder, file)

    folder = os.path.join(out, 'diabetes')
    os.makedirs(folder, exist_ok=True)
    copy('diabetes_data_raw.csv.gz', folder)
    copy('diabetes_target.csv.gz', folder)
    data = np.loadtxt(os.path.join(folder, 'diabetes_data_raw.csv.gz'))
    target = np.loadtxt(os.path.join(folder, 'diabetes_target.csv.gz'))
    raw = skd.load_diabetes(scaled=False)
    assert np.array_equal(data, raw.data) and np.array_equal(target, raw.target)
    write_meta(folder, {
        'name': 'diabetes',
        'source': f'scikit-learn {sklearn.__version__}: sklearn/datasets/data/diabetes_*.csv.gz',
        'samples': int(data.shape[0]),
        'features': int(data.shape[1]),
        'files': {'data': 'diabetes_data_raw.csv.gz', 'target': 'diabetes_target.csv.gz'},
        'format': 'data: one row per sample, 10 space-separated raw features; target: one value per line',
        'featureNames': list(raw.feature_names),
    })
    print('diabetes')
    report(folder, 'diabetes_data_raw.csv.gz')
    report(folder, 'diabetes_target.csv.gz')

    folder = os.path.join(out, 'digits')
    os.makedirs(folder, exist_ok=True)
    copy('digits.csv.gz', folder)
    rows = np.loadtxt(os.path.join(folder, 'digits.csv.gz'), delimiter=',')
    digits = skd.load_digits()
    assert np.array_equal(rows[:, :-1], digits.data) and np.array_equal(rows[:, -1], digits.target)
    write_meta(folder, {
        'name': 'digits',
        'source': f'scikit-learn {sklearn.__version__}: sklearn/datasets/data/digits.csv.gz',
        'samples': int(rows.shape[0]),
        'features': int(rows.shape[1] - 1),
        'files': {'data': 'digits.csv.gz'},
        'format': 'no header; one row per sample: 64 pixels (8 x 8, row-major, 0..16), then the digit',
        'featureNames': list(digits.feature_names),
        'targetNames': [str(t) for t in digits.target_names],
    })
    print('digits')
    report(folder, 'digits.csv.gz')
    return 0


if __name__ == '__main__':
    sys.exit(main())
