/**
 * What the CPU can do, for the tests and the benchmark that depend on it: its feature flags as Linux lists them in
 * /proc/cpuinfo (empty elsewhere), and whether it runs neurite's AVX2 kernels.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The first processor's flags in /proc/cpuinfo (`avx2`, `fma`, `avx512f`, …), or none where there is no such file. */
export function cpuFlags(): string[] {
  if (!existsSync('/proc/cpuinfo')) return [];
  const line = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  return line
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
}

/** Whether this is an x86-64 CPU with AVX2 and FMA, where the native backend runs its AVX2 kernels. */
export function hasAvx2(flags = cpuFlags()): boolean {
  return process.arch === 'x64' && flags.includes('avx2') && flags.includes('fma');
}
