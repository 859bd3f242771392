/** The links an object needs to stand in a {@link Queue}. */
export interface Linked {
  prevLink: Linked | undefined;
  nextLink: Linked | undefined;
  linked: boolean;
}

/**
 * An intrusive doubly linked FIFO queue: the queued objects carry their own links, so enqueue,
 * dequeue and the removal of any member are O(1) and allocate nothing — no `Array.shift`/`splice`.
 * The waiter queue of `Semaphore` and the task queue of the worker pool.
 */
export class Queue<N extends Linked> {
  #head: N | undefined;
  #tail: N | undefined;
  #count = 0;

  get size(): number {
    return this.#count;
  }

  peek(): N | undefined {
    return this.#head;
  }

  enqueue(node: N): void {
    node.prevLink = this.#tail;
    node.nextLink = undefined;
    node.linked = true;
    if (this.#tail) this.#tail.nextLink = node;
    else this.#head = node;
    this.#tail = node;
    this.#count++;
  }

  dequeue(): N | undefined {
    const node = this.#head;
    if (node) this.remove(node);
    return node;
  }

  /** Removes `node` if it is queued here; removing twice is harmless. */
  remove(node: N): boolean {
    if (!node.linked) return false;
    node.linked = false;
    if (node.prevLink) node.prevLink.nextLink = node.nextLink;
    else this.#head = node.nextLink as N | undefined;
    if (node.nextLink) node.nextLink.prevLink = node.prevLink;
    else this.#tail = node.prevLink as N | undefined;
    node.prevLink = node.nextLink = undefined;
    this.#count--;
    return true;
  }
}
