/**
 * A doubly linked FIFO queue whose nodes can unlink themselves: enqueue, dequeue and removal of any
 * node are O(1), with no `Array.shift`/`splice`. The waiter queue of `Semaphore` and the task
 * queue of the worker pool.
 */
export interface QueueNode<T> {
  readonly value: T;
  /** @internal */ prev: QueueNode<T> | undefined;
  /** @internal */ next: QueueNode<T> | undefined;
  /** @internal */ queued: boolean;
}

export class Queue<T> {
  private head: QueueNode<T> | undefined;
  private tail: QueueNode<T> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  peek(): T | undefined {
    return this.head?.value;
  }

  enqueue(value: T): QueueNode<T> {
    const node: QueueNode<T> = { value, prev: this.tail, next: undefined, queued: true };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
    return node;
  }

  dequeue(): T | undefined {
    const node = this.head;
    if (!node) return undefined;
    this.remove(node);
    return node.value;
  }

  /** Whether `node` is queued at the head. */
  isFirst(node: QueueNode<T>): boolean {
    return node.queued && node === this.head;
  }

  /** Removes and returns the newest value. */
  pop(): T | undefined {
    const node = this.tail;
    if (!node) return undefined;
    this.remove(node);
    return node.value;
  }

  /** Removes `node` if it is still queued; removing twice is harmless. */
  remove(node: QueueNode<T>): boolean {
    if (!node.queued) return false;
    node.queued = false;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = undefined;
    this.count--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.head; node; node = node.next) yield node.value;
  }
}
