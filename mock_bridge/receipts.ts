/**
 * Schedules the `message.sent` / `.delivered` / `.read` receipts of every accepted send
 * without a timer per receipt: each kind has a fixed delay, so its due times only grow and a
 * FIFO per kind is already sorted. One timer is armed for the earliest head. The backlog is
 * bounded; beyond it receipts are dropped and counted (the mock must not be a load bottleneck).
 */

export interface Receipt {
  due: number;
  sessionId: string;
  messageId: string;
  kind: number;
}

class Fifo {
  items: Receipt[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  peek(): Receipt | undefined {
    return this.items[this.head];
  }
  shift(): Receipt | undefined {
    const r = this.items[this.head];
    if (r === undefined) return undefined;
    this.items[this.head++] = undefined as unknown as Receipt;
    // Compact now and then so the array does not keep growing.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }
}

export class ReceiptScheduler {
  #delays: number[];
  #queues: Fifo[];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;
  #fire: (r: Receipt) => void;
  #maxPending: number;
  dropped = 0;

  /** `delays[i]` is the delay of receipt kind i; a negative delay disables that kind. */
  constructor(delays: number[], options: { fire: (r: Receipt) => void; maxPending: number }) {
    this.#delays = delays;
    this.#queues = delays.map(() => new Fifo());
    this.#fire = options.fire;
    this.#maxPending = options.maxPending;
  }

  get pending(): number {
    return this.#queues.reduce((n, q) => n + q.size, 0);
  }

  /** Schedules every enabled receipt kind for one accepted send. */
  schedule(sessionId: string, messageId: string, now = Date.now()): void {
    if (this.pending >= this.#maxPending) {
      this.dropped++;
      return;
    }
    this.#delays.forEach((delay, kind) => {
      if (delay < 0) return;
      this.#queues[kind]!.items.push({ due: now + delay, sessionId, messageId, kind });
    });
    this.#arm();
  }

  #arm(): void {
    let next = Infinity;
    for (const q of this.#queues) {
      const head = q.peek();
      if (head && head.due < next) next = head.due;
    }
    if (next === Infinity || next >= this.#armedFor) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = next;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, next - Date.now()));
  }

  #run(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = Date.now();
    // Oldest first across kinds, so "sent" goes out before "delivered" for the same message.
    for (;;) {
      let best: Fifo | undefined;
      for (const q of this.#queues) {
        const head = q.peek();
        if (head && head.due <= now && (!best || head.due < best.peek()!.due)) best = q;
      }
      if (!best) break;
      this.#fire(best.shift()!);
    }
    this.#arm();
  }

  /** Drops everything pending (reset, shutdown). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#queues = this.#delays.map(() => new Fifo());
  }
}
