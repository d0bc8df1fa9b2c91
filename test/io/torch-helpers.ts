/**
 * What the PyTorch export tests share: Debian's python3 with torch (and torchrun), the skip note where it is
 * missing, a free TCP port for torchrun's rendezvous, a child process run to its end with a time limit, and an
 * export's train_ddp.py under torchrun with the summary it prints.
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

/** The JSON summary an export's train_ddp.py prints last (scores on the test split before and after training). */
export interface DdpSummary {
  processes: number;
  steps: number;
  seconds: number;
  before: { loss: number; accuracy: number };
  after: { loss: number; accuracy: number };
}

/** The summary in train_ddp.py's output: its last JSON line (torchrun prefixes each line with its worker's tag). */
export function ddpSummary(stdout: string): DdpSummary {
  const line = stdout
    .split('\n')
    .map((l) => l.replace(/^\[default\d+\]:/, ''))
    .filter((l) => l.startsWith('{'))
    .at(-1);
  return JSON.parse(line ?? '{}') as DdpSummary;
}

/** Runs the export in `folder` as `torchrun --nproc_per_node 2 train_ddp.py --steps <steps> --log-every <every>`. */
export async function torchrunDdp(folder: string, steps: number, logEvery: number) {
  const port = await freePort();
  // Debian's torchrun 1.13 on Python 3.11 needs --redirects/--tee other than their default 0 (see train_ddp.py)
  const args = ['--nproc_per_node', '2', '--master_port', String(port), '--redirects', '1', '--tee', '1'];
  return run(
    TORCHRUN,
    [...args, 'train_ddp.py', '--steps', String(steps), '--log-every', String(logEvery)],
    folder,
    170_000,
  );
}
