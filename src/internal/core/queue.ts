/** The links an object needs to stand in a {@link Queue}: both undefined while it is not queued. */
export interface Linked {
  prev_: Linked | undefined;
  next_: Linked | undefined;
  queued_: boolean;
}

/**
 * An intrusive doubly linked FIFO queue: the queued objects carry their own links, so enqueue and
 * the removal of the head or of any member are O(1) and allocate nothing — no `Array.shift`/`splice`.
 * The waiter queue of `Semaphore` and the task queue of the worker pool.
 */
export class Queue<N extends Linked> {
  /** The first queued (read it; only the queue writes it). */
  head_: N | undefined;
  #tail: N | undefined;
  /** How many are queued (read it; only the queue writes it). */
  size_ = 0;

  enqueue_(node: N): void {
    node.prev_ = this.#tail; // next_ is undefined already: a node out of a queue has no links
    node.queued_ = true;
    if (this.#tail) this.#tail.next_ = node;
    else this.head_ = node;
    this.#tail = node;
    this.size_++;
  }

  /** Puts `node` (not queued) back at the head: the first to be served again. */
  requeue_(node: N): void {
    node.next_ = this.head_;
    node.queued_ = true;
    if (this.head_) this.head_.prev_ = node;
    else this.#tail = node;
    this.head_ = node;
    this.size_++;
  }

  /** Removes `node` if it is queued here; removing twice is harmless. */
  remove_(node: N): boolean {
    if (!node.queued_) return false;
    node.queued_ = false;
    if (node.prev_) node.prev_.next_ = node.next_;
    else this.head_ = node.next_ as N | undefined;
    if (node.next_) node.next_.prev_ = node.prev_;
    else this.#tail = node.prev_ as N | undefined;
    node.prev_ = node.next_ = undefined;
    this.size_--;
    return true;
  }
}
