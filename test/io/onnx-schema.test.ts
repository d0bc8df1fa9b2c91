// The exporter parses ONNX's schema from schema.ts (a string, so it loads in the browser); it must be the text of
// the checked-in onnx.proto, which scripts/gen-onnx-schema.mjs copies.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ONNX_PROTO } from '../../src/io/onnx/schema.js';

describe('onnx schema', () => {
  it('is the checked-in onnx.proto (run node scripts/gen-onnx-schema.mjs after changing it)', () => {
    const proto = readFileSync(new URL('../../src/io/onnx/onnx.proto', import.meta.url), 'utf8');
    expect(ONNX_PROTO).toBe(proto);
    expect(proto).toContain('SPDX-License-Identifier: Apache-2.0');
  });
});
