/**
 * Knows whether the kit is busy: every app event in flight, every engine call and every step of
 * the simulated core is tracked, so that `idle()` can wait until nothing is left to run except
 * what waits for the virtual clock. Real time still passes inside an app event (the isolate runs
 * on isolated-vm's threads); only the clock the app and the core see is virtual.
 */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Activity {
  readonly #inFlight = new Set<Promise<unknown>>();
  #errors: unknown[] = [];

  /** Tracks `promise` until it settles; returns it (the caller handles its rejection). */
  track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    tracked.catch(() => undefined);
    return tracked;
  }

  /** Runs `work` tracked, fire and forget (it must not wait for the virtual clock); an error it
   *  throws is thrown by the next `idle()`. */
  run(work: () => void | Promise<void>): void {
    this.track(Promise.resolve().then(work)).catch((error: unknown) => this.#errors.push(error));
  }

  /** Runs `work` untracked: a flow that waits for the virtual clock (a call ringing). Each step
   *  it takes that does work (an app event) is tracked on its own. Errors go to `idle()`. */
  spawn(work: () => Promise<void>): void {
    work().catch((error: unknown) => this.#errors.push(error));
  }

  get busy(): boolean {
    return this.#inFlight.size > 0;
  }

  /**
   * Resolves once nothing tracked is running and two event-loop turns passed quietly (work
   * scheduled by a settling promise starts within them). Throws the first error a tracked step
   * raised, so a bug in a test's script surfaces instead of hanging.
   */
  async idle(): Promise<void> {
    for (let quiet = 0; quiet < 2; ) {
      await turn();
      if (this.#inFlight.size === 0) quiet += 1;
      else {
        quiet = 0;
        await Promise.allSettled([...this.#inFlight]);
      }
    }
    const [first] = this.#errors;
    this.#errors = [];
    if (first !== undefined) throw first;
  }
}
