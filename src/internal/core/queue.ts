/** The links an object needs to stand in a {@link Queue}. */
export interface Linked {
  prev_: Linked | undefined;
  next_: Linked | undefined;
  queued_: boolean;
}

/**
 * An intrusive doubly linked FIFO queue: the queued objects carry their own links, so enqueue,
 * dequeue and the removal of any member are O(1) and allocate nothing — no `Array.shift`/`splice`.
 * The waiter queue of `Semaphore` and the task queue of the worker pool.
 */
export class Queue<N extends Linked> {
  #head: N | undefined;
  #tail: N | undefined;
  /** How many are queued (read it; only the queue writes it). */
  size_ = 0;

  peek_(): N | undefined {
    return this.#head;
  }

  enqueue_(node: N): void {
    node.prev_ = this.#tail;
    node.next_ = undefined;
    node.queued_ = true;
    if (this.#tail) this.#tail.next_ = node;
    else this.#head = node;
    this.#tail = node;
    this.size_++;
  }

  dequeue_(): N | undefined {
    const node = this.#head;
    if (node) this.remove_(node);
    return node;
  }

  /** Removes `node` if it is queued here; removing twice is harmless. */
  remove_(node: N): boolean {
    if (!node.queued_) return false;
    node.queued_ = false;
    if (node.prev_) node.prev_.next_ = node.next_;
    else this.#head = node.next_ as N | undefined;
    if (node.next_) node.next_.prev_ = node.prev_;
    else this.#tail = node.prev_ as N | undefined;
    node.prev_ = node.next_ = undefined;
    this.size_--;
    return true;
  }
}
