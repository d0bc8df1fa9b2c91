/**
 * What the PyTorch export tests share: Debian's python3 with torch (and torchrun), the skip note where it is
 * missing, a free TCP port for torchrun's rendezvous, and a child process run to its end with a time limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const PYTHON = '/usr/bin/python3';
export const TORCHRUN = '/usr/bin/torchrun';
export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
/** Appended to a test's name, so a run without torch says why the test was skipped. */
export const SKIP = hasTorch
  ? ''
  : ' [skipped: /usr/bin/python3 has no torch; apt-get install python3-torch]';

/** A TCP port nothing listens on right now (for torchrun's --master_port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs `cmd` in `cwd` (one OpenMP thread, no .pyc files) and gives its exit code, output and wall time; killed after `timeout` ms. */
export function run(cmd: string, args: string[], cwd: string, timeout: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>((resolve) => {
    const start = performance.now();
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - start) / 1000 });
    });
  });
}
