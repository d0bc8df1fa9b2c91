/**
 * Builds the studio (web/) into dist/studio/, which the package ships and `neurite studio` serves. The app
 * imports neurite's public browser entry, `neurite/browser`; here it resolves to the sources (src/index.ts), so
 * the studio builds without a prior `tsc` and always matches the library it ships with.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const pkg = JSON.parse(readFileSync(here('../package.json'), 'utf8')) as { version: string };

export default defineConfig({
  root: here('.'),
  define: { __NEURITE_VERSION__: JSON.stringify(pkg.version) },
  base: './',
  resolve: { alias: { 'neurite/browser': here('../src/index.ts') } },
  // keep class names through minification: neurite's error messages, model summaries and ONNX graph names
  // name modules and optimisers by their class (MaxPool2d, Adam), which a minifier would turn into 'e'
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  build: {
    outDir: here('../dist/studio'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: { output: { keepNames: true } },
  },
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
