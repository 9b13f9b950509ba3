/**
 * An in-process wake-up for worker loops: take a ticket with `wait()` before looking for work,
 * then `until(ms)` sleeps unless `notify()` was called since the ticket was taken. No wake-up is
 * ever lost between "found nothing" and "went to sleep".
 */

export interface Ticket {
  /** Resolves on the first notify after the ticket was taken, or after `ms`. */
  until(ms: number): Promise<void>;
}

export class Signal {
  #waiters = new Set<() => void>();

  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  wait(): Ticket {
    let notified = false;
    let wake: (() => void) | null = null;
    const waiter = () => {
      notified = true;
      wake?.();
    };
    this.#waiters.add(waiter);
    return {
      until: (ms: number) => {
        if (notified) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.#waiters.delete(waiter);
            resolve();
          }, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      },
    };
  }
}
