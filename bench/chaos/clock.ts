/** Monotonic time in ms and a plain wait: the chaos suite measures, it never asserts times. */
export const now = () => performance.now();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
