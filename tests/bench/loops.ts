/**
 * Closed-loop load: `concurrency` loops each run `op` back to back, first for a warm-up (not
 * recorded), then for the measured window. Every loop stops at the end of the window or when the
 * shared count bound is reached, whichever comes first. Shared by the main thread (raw SQL
 * baselines) and the HTTP load worker.
 */

export interface LoopOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Upper bound on operations started (warm-up included). */
  readonly maxCount: number;
}

export interface LoopResult {
  /** Latency of every operation started in the measured window, in ms. */
  readonly samples: Float64Array<ArrayBuffer>;
  readonly errors: number;
  readonly firstError: string | null;
  /** From the end of the warm-up to the end of the last measured operation. */
  readonly elapsedMs: number;
}

/** Gives up early when everything fails (a broken phase should not spin for the whole window). */
const MAX_ERRORS = 1000;

export async function runLoops(options: LoopOptions, op: (loop: number, seq: number) => Promise<void>): Promise<LoopResult> {
  const start = performance.now();
  const warmEnd = start + options.warmupMs;
  const end = warmEnd + options.measureMs;
  const samples: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | null = null;
  let lastFinish = warmEnd;

  const loop = async (index: number): Promise<void> => {
    for (let seq = 0; ; seq++) {
      const t0 = performance.now();
      if (t0 >= end || started >= options.maxCount || errors >= MAX_ERRORS) return;
      started++;
      try {
        await op(index, seq);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        continue;
      }
      const t1 = performance.now();
      if (t0 >= warmEnd) {
        samples.push(t1 - t0);
        if (t1 > lastFinish) lastFinish = t1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => loop(i)));
  return { samples: Float64Array.from(samples), errors, firstError, elapsedMs: lastFinish - warmEnd };
}

export interface Summary {
  readonly count: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly errors: number;
  readonly firstError: string | null;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: Float64Array<ArrayBuffer>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarise(result: LoopResult): Summary {
  const sorted = Float64Array.from(result.samples).sort();
  return {
    count: sorted.length,
    perSecond: result.elapsedMs > 0 ? (sorted.length * 1000) / result.elapsedMs : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: result.errors,
    firstError: result.firstError,
  };
}

/** Pseudo-random index in [0, n) for operation `seq` of loop `loop`. */
export function spread(loop: number, seq: number, n: number): number {
  let h = (Math.imul(loop + 1, 0x9e3779b1) ^ Math.imul(seq + 1, 0x85ebca77)) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39) >>> 0;
  h ^= h >>> 15;
  return (h >>> 0) % n;
}
