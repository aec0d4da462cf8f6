/**
 * PGlite lets one process open a data folder. Two processes on one folder corrupt it, so the
 * first one writes a lock file with its pid; a second one is refused with a message that says
 * who holds it and what to do instead. A lock left by a dead process is taken over.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface DataDirLock {
  release(): void;
}

export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
}

interface LockInfo {
  pid: number;
  purpose: string;
  since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && typeof parsed.pid === 'number') {
      const info = parsed as Partial<LockInfo>;
      return { pid: parsed.pid, purpose: String(info.purpose ?? 'unknown'), since: String(info.since ?? '') };
    }
    return null;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string, purpose: string): DataDirLock {
  const path = join(dataDir, 'peyvand.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new DataDirInUseError(
          `The embedded database in ${dataDir} is in use by ${holder.purpose} (pid ${holder.pid}, since ${holder.since}). ` +
            'PGlite allows one process per data folder: stop that process first, use the running server (web UI or API), ' +
            'or set DATABASE_URL to use PostgreSQL, where any number of processes can connect.',
        );
      }
      if (holder?.pid === process.pid) {
        throw new DataDirInUseError(`The embedded database in ${dataDir} is already open in this process.`);
      }
      // A stale lock from a process that died: take it over.
      unlinkSync(path);
    }
  }
  throw new DataDirInUseError(`Could not lock ${dataDir}`);
}
