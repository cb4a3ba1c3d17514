/**
 * How helpers know that a trial waits for a thread: the pool counts tasks handed to it and not
 * started (`waiting[0]`); the task leaves the count once, when a thread starts it or when it
 * ends without starting (`left[0]` says whether it has).
 */
export interface QueueMark {
  readonly waiting: Int32Array;
  readonly left: Int32Array;
}

/** Leave the count of waiting tasks (only the first call counts). */
export function leaveQueue(mark: QueueMark): void {
  if (Atomics.compareExchange(mark.left, 0, 0, 1) === 0) Atomics.sub(mark.waiting, 0, 1);
}
