#!/usr/bin/python3
"""Extracts Jane Austen's six novels from Debian's r-cran-janeaustenr into data/text/austen/.

Source: the Debian package r-cran-janeaustenr 1.0.0-1 (the CRAN package janeaustenr by Julia Silge, MIT), whose
texts are Project Gutenberg's transcriptions of the novels (public domain: Austen died in 1817). The package
stores them as R objects, one character vector of lines per novel, in its lazy-load database
data/Rdata.rdb + Rdata.rdx. This script reads that database without R: the index (.rdx) is a gzipped R
serialization naming each object's offset and length in the .rdb, and each .rdb entry is a 4-byte big-endian
length followed by a zlib stream holding one serialized object. Only the few serialization types those files
use are decoded; anything else stops the script.

Run from the repository root:

    /usr/bin/python3 scripts/build-text-corpus.py [path/to/r-cran-janeaustenr_1.0.0-1_all.deb]

Without an argument it runs `apt-get download r-cran-janeaustenr` in a temporary folder (no installation) and
unpacks the .deb with `dpkg-deb -x`. It writes data/text/austen/<novel>.txt.gz (UTF-8, lines joined with
"\\n", one final newline, gzip with a zero timestamp) and prints the sizes and SHA-256 values that
data/text/README.md records.

Cleaning: the texts carry no Project Gutenberg header or licence (the R package removed them). The one thing
removed here is "A NOTE ON THE TEXT" at the end of Northanger Abbey, a paragraph from a modern edition
(Signet Classic) that is not Austen's. Leading and trailing blank lines of each novel are dropped; everything
else (line breaks as in the transcription, _underscores_ for italics, transcribers' [bracketed] notes) is kept.
"""

import glob
import gzip
import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'data', 'text', 'austen')

# R object name -> (file name, title, year of first publication), in publication order
NOVELS = [
    ('sensesensibility', 'sense-and-sensibility', 'Sense and Sensibility', 1811),
    ('prideprejudice', 'pride-and-prejudice', 'Pride and Prejudice', 1813),
    ('mansfieldpark', 'mansfield-park', 'Mansfield Park', 1814),
    ('emma', 'emma', 'Emma', 1815),
    ('northangerabbey', 'northanger-abbey', 'Northanger Abbey', 1817),
    ('persuasion', 'persuasion', 'Persuasion', 1817),
]

# R's serialization type codes (R Internals, "Serialization formats")
SYMSXP, LISTSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 1, 2, 9, 10, 13, 14, 16, 19
REFSXP, NILVALUE_SXP, GLOBALENV_SXP, EMPTYENV_SXP = 255, 254, 253, 242
HAS_ATTR, HAS_TAG = 1 << 9, 1 << 10
LATIN1 = 1 << (12 + 2)  # CHARSXP encoding flags sit in the "levels" bits, from bit 12 up


class RReader:
    """A reader for R's XDR serialization (format 2 or 3), limited to the types janeaustenr's data uses."""

    def __init__(self, data):
        if data[:2] != b'X\n':
            raise ValueError(f'not an XDR R serialization (starts with {data[:2]!r})')
        self.b = data
        self.p = 2
        self.refs = []
        version = self.int()
        self.int()  # R version that wrote it
        self.int()  # oldest R version that can read it
        if version == 3:
            length = self.int()  # then the native encoding's name
            self.p += length
        elif version != 2:
            raise ValueError(f'unsupported serialization version {version}')

    def int(self):
        (v,) = struct.unpack_from('>i', self.b, self.p)
        self.p += 4
        return v

    def item(self):
        flags = self.int()
        kind = flags & 0xFF
        if kind in (NILVALUE_SXP, EMPTYENV_SXP):
            return None
        if kind == GLOBALENV_SXP:
            return '<globalenv>'
        if kind == REFSXP:
            return self.refs[(flags >> 8) - 1]
        if kind == SYMSXP:
            name = self.item()
            self.refs.append(name)
            return name
        if kind == CHARSXP:
            n = self.int()
            if n == -1:
                return None
            raw = self.b[self.p:self.p + n]
            self.p += n
            return raw.decode('latin-1' if flags & LATIN1 else 'utf-8')
        if kind == LISTSXP:
            pairs = []
            while True:
                if flags & HAS_ATTR:
                    self.item()
                tag = self.item() if flags & HAS_TAG else None
                pairs.append((tag, self.item()))
                flags = self.int()
                if flags & 0xFF == NILVALUE_SXP:
                    return dict(pairs)
                if flags & 0xFF != LISTSXP:
                    raise ValueError(f'pairlist continues with type {flags & 0xFF}')
        if kind in (STRSXP, VECSXP, INTSXP, LGLSXP, REALSXP):
            n = self.int()
            if kind in (STRSXP, VECSXP):
                values = [self.item() for _ in range(n)]
            elif kind == REALSXP:
                values = list(struct.unpack_from(f'>{n}d', self.b, self.p))
                self.p += 8 * n
            else:
                values = list(struct.unpack_from(f'>{n}i', self.b, self.p))
                self.p += 4 * n
            attributes = self.item() if flags & HAS_ATTR else {}
            names = attributes.get('names') if attributes else None
            return dict(zip(names, values)) if names else values
        raise ValueError(f'R serialization type {kind} at byte {self.p - 4} is not supported')


def read_lazyload(base):
    """All objects of an R lazy-load database (base + '.rdx' / '.rdb'), by name."""
    with gzip.open(base + '.rdx') as f:
        index = RReader(f.read()).item()
    blob = open(base + '.rdb', 'rb').read()
    objects = {}
    for name, (offset, length) in index['variables'].items():
        chunk = blob[offset:offset + length]
        (size,) = struct.unpack_from('>I', chunk)
        data = zlib.decompress(chunk[4:])
        if len(data) != size:
            raise ValueError(f'{name}: {len(data)} bytes once inflated, the header says {size}')
        objects[name] = RReader(data).item()
    return objects


def clean(key, lines):
    if key == 'northangerabbey':
        cut = lines.index('A NOTE ON THE TEXT')
        lines = lines[:cut]
    if any(line is None for line in lines):
        raise ValueError(f'{key}: NA lines')
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return '\n'.join(line.rstrip() for line in lines) + '\n'


def gzip_bytes(raw):
    buf = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(raw)
    return buf.getvalue()


def main(argv):
    with tempfile.TemporaryDirectory() as tmp:
        if len(argv) > 1:
            deb = os.path.abspath(argv[1])
        else:
            subprocess.run(['apt-get', 'download', 'r-cran-janeaustenr'], cwd=tmp, check=True)
            deb = glob.glob(os.path.join(tmp, 'r-cran-janeaustenr_*.deb'))[0]
        print(f'{os.path.basename(deb)}: sha256 {hashlib.sha256(open(deb, "rb").read()).hexdigest()}')
        unpacked = os.path.join(tmp, 'x')
        subprocess.run(['dpkg-deb', '-x', deb, unpacked], check=True)
        base = os.path.join(unpacked, 'usr/lib/R/site-library/janeaustenr/data/Rdata')
        objects = read_lazyload(base)

    os.makedirs(OUT, exist_ok=True)
    total = 0
    for key, file, title, year in NOVELS:
        text = clean(key, objects[key])
        raw = text.encode('utf-8')
        packed = gzip_bytes(raw)
        path = os.path.join(OUT, file + '.txt.gz')
        open(path, 'wb').write(packed)
        total += len(raw)
        print(f'| `{file}.txt.gz` | {title} | {year} | {len(text):,} | {len(raw):,} | {len(packed):,} | '
              f'`{hashlib.sha256(raw).hexdigest()}` |')
    print(f'total {total:,} bytes of UTF-8 text')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
