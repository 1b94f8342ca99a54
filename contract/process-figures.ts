import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ProcessFigures } from './messages/metrics.js';

/**
 * This process's CPU, memory and event-loop delay since the previous `read()`: what a plugin puts in
 * its health replies and what the metrics actor samples in the main process. One code path for
 * both, so a plugin's figures and Rosey's mean the same thing. Nothing here polls `ps`.
 */
export interface ProcessSampler {
  read(): ProcessFigures;
  stop(): void;
}

export function processSampler(): ProcessSampler {
  // 10 ms resolution: finer costs a timer wake-up per period for nothing an operator acts on.
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  return {
    read() {
      const cpu = process.cpuUsage();
      const at = process.hrtime.bigint();
      const wallUs = Number(at - lastAt) / 1000;
      const usedUs = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
      lastCpu = cpu;
      lastAt = at;
      const memory = process.memoryUsage();
      // The histogram holds nanoseconds; it is empty until the loop has turned at least once.
      // Milliseconds to two decimals: finer is noise, and every digit is repeated in an hour of samples.
      const p = (q: number) => (delay.count > 0 ? Math.round(delay.percentile(q) / 1e4) / 100 : 0);
      const figures: ProcessFigures = {
        cpuPercent: wallUs > 0 ? Math.round((usedUs / wallUs) * 1000) / 10 : 0,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        eventLoopP50Ms: p(50),
        eventLoopP99Ms: p(99),
        // What keeps the loop alive now (sockets, timers, file handles, …): a count that only
        // grows is a leak. Node's list of them, as libuv's handle count is not exposed.
        openHandles: process.getActiveResourcesInfo().length,
      };
      delay.reset();
      return figures;
    },
    stop: () => delay.disable(),
  };
}
