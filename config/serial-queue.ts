/**
 * Runs async jobs one after another, in the order queued, whether or not the
 * previous one failed: a document's reads and writes in one process never
 * interleave, so an update always starts from the result of the one before.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<R>(job: () => Promise<R>): Promise<R> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
