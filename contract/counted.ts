/** `1 line`, `3 lines`: a count with its noun, for log lines and answers people read. */
export const counted = (n: number, noun: string, plural = `${noun}s`): string =>
  `${n} ${n === 1 ? noun : plural}`;
