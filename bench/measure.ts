/** Running a command while watching the peak memory of its whole process tree. */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Measured {
  /** Whole process, start to exit (seconds). */
  process: number;
  wall: number;
  /** Largest VmHWM of the process and its descendants (MB). */
  rssMB: number;
}

/** Peak resident memory of a process and its descendants, from /proc. */
export function treeHighWater(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kb = Math.max(kb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      // the process ended between two reads
    }
  };
  visit(pid);
  return kb;
}

export function measure(command: string, argv: string[]): Promise<{ sample: Measured; stdout: string }> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => (peak = Math.max(peak, treeHighWater(child.pid!))), 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) fail(new Error(`${command} ${argv.join(' ')} exited ${code}: ${stderr}`));
      else {
        const seconds = (performance.now() - start) / 1000;
        done({ sample: { process: seconds, wall: seconds, rssMB: peak / 1024 }, stdout });
      }
    });
  });
}

