import { Queue, type Linked } from '../core/queue.js';
import { trampoline } from '../core/trampoline.js';
import type { SectionObserver } from './observe.js';
import type { Gate, Waiter } from './permits.js';
import type { Window } from './window.js';

/**
 * One key of a {@link KeyedPermits}: the `Gate` its sections wait on (so `Held`, the one section
 * machinery, serves keyed sections unchanged), with the key's own FIFO queue and the weight it
 * holds. It stands in the core's rotation while it has a waiter. It exists only while the key
 * holds or waits: the core forgets it then, so an idle key costs no memory.
 */
export class KeyGate<K> implements Gate, Linked {
  prev_: Linked | undefined;
  next_: Linked | undefined;
  queued_ = false;
  /** Weight held by this key's running sections. */
  held_ = 0;
  /** Weight this key may still take in the current round of the rotation (deficit round robin). */
  deficit_ = 0;
  /** Kept by the core for a while after the key stopped holding and waiting. */
  idle_ = false;
  /** A keyed rate limit's windows of this key (made on its first start). */
  windows_: Window[] | undefined = undefined;
  readonly waiters_ = new Queue<Waiter>();
  readonly core_: KeyedPermits<K>;
  readonly key_: K;
  /** The key's part when keys compete: what it earns per turn. */
  readonly share_: number;

  // fields declared, not parameter properties: the build renames `core_` and the others, and a
  // parameter property would also declare the field under its old name
  constructor(core: KeyedPermits<K>, key: K, share: number) {
    this.core_ = core;
    this.key_ = key;
    this.share_ = share;
  }

  /** The most weight one section of this key may ask for. */
  get permits(): number {
    return this.core_.most_;
  }

  /** The keyed limit's observer: one for all its keys. */
  get observer_(): SectionObserver | undefined {
    return this.core_.observer_;
  }

  /** Fencing tokens count the grants of the whole keyed limit, across keys. */
  get granted_(): number {
    return this.core_.granted_;
  }

  set granted_(value: number) {
    this.core_.granted_ = value;
  }

  /** Takes `weight` at once only when nobody waits for any key (no barging) and it fits. */
  tryTake_(weight: number): boolean {
    const core = this.core_;
    if (core.waiting_ > 0 || !core.fits_(this, weight)) return false;
    core.take_(this, weight);
    return true;
  }

  wait_(waiter: Waiter): void {
    if (waiter.weight_ > this.permits) return this.core_.reject_(waiter);
    this.waiters_.enqueue_(waiter);
    this.core_.waiting_++;
    this.core_.activate_(this);
    // a newcomer that fits may go where the heads of other keys do not; one that does not fit
    // changes nothing for anyone (no walk of the rotation per waiter)
    if (this.waiters_.head_ === waiter && this.core_.fits_(this, waiter.weight_)) this.core_.dispatch_();
    // (a rate limit's timer must know of a waiter that has to wait for its window)
    else this.core_.waits_(this);
  }

  leave_(waiter: Waiter): void {
    const wasHead = this.waiters_.head_ === waiter;
    if (!this.waiters_.remove_(waiter)) return;
    this.core_.waiting_--;
    if (wasHead) this.core_.dispatch_();
    this.core_.forget_(this);
  }

  giveBack_(weight: number): void {
    this.core_.giveBack_(this, weight);
  }

  dispatch_(): void {
    // an end with nobody waiting for any key has nothing to hand on (and no timer to plan)
    if (this.core_.waiting_ > 0) this.core_.dispatch_();
    this.core_.forget_(this);
  }
}

/**
 * The heart of `KeyedSemaphore`: a global count of permits, a cap per key, and the queue
 * discipline that decides which key goes next. Within a key, strict FIFO with weights (the key's
 * own queue, as `Permits` has). Across keys, deficit round robin: the keys with a waiter stand in
 * a rotation; at its turn a key whose head fits (in the free permits and under its cap) earns its
 * share and starts its waiters while what it has earned covers their weight; a key whose head does
 * not fit is passed over, and earns nothing, until it fits. So while two keys both have a waiter
 * that fits, the weight each is granted, divided by its share, stays within about one section's
 * weight of the other's, however many waiters either queues.
 */
export class KeyedPermits<K> {
  /** The global capacity: an integer, or Infinity. */
  readonly permits: number;
  free_: number;
  readonly perKey_: number;
  granted_ = 0;
  observer_: SectionObserver | undefined = undefined;
  /** Waiters of every key. */
  waiting_ = 0;
  readonly #share: (key: K) => number;
  readonly #gates = new Map<K, KeyGate<K>>();
  /** Gates kept in `#gates` though their key neither holds nor waits. */
  #idle = 0;
  /** How many idle gates make a sweep. */
  #sweepAt = 64;
  /** The keys with a waiter, in turn order. */
  readonly #rotation = new Queue<KeyGate<K>>();
  /** Who to name in a rejection: `KeyedSemaphore.resize`, `KeyedRateLimiter`. */
  readonly #fn: string;

  constructor(fn: string, permits: number, perKey: number, share: (key: K) => number) {
    this.permits = this.free_ = permits;
    this.perKey_ = perKey;
    this.#share = share;
    this.#fn = fn;
  }

  /** The most weight one section may have: the capacity, or a key's cap if that is smaller. */
  get most_(): number {
    return Math.min(this.perKey_, this.permits);
  }

  /** Keys that hold or wait. */
  get keys_(): number {
    return this.#gates.size - this.#idle;
  }

  /** The gate of `key`, made when the key first holds or waits (or kept from its last use). */
  gate_(key: K): KeyGate<K> {
    let gate = this.#gates.get(key);
    if (!gate) this.#gates.set(key, (gate = new KeyGate(this, key, this.#share(key))));
    else if (gate.idle_) {
      gate.idle_ = false;
      this.#idle--;
    }
    return gate;
  }

  /** The gate of `key` if it holds or waits now (read-only uses: nothing is made). */
  peek_(key: K): KeyGate<K> | undefined {
    const gate = this.#gates.get(key);
    return gate && !gate.idle_ ? gate : undefined;
  }

  // The permit policy: what fits, what a start takes and what an end gives back. These count
  // permits (a semaphore); a keyed rate limit overrides them with windows.

  fits_(gate: KeyGate<K>, weight: number): boolean {
    return weight <= this.free_ && gate.held_ + weight <= this.perKey_;
  }

  take_(gate: KeyGate<K>, weight: number): void {
    this.free_ -= weight;
    gate.held_ += weight;
  }

  giveBack_(gate: KeyGate<K>, weight: number): void {
    gate.held_ -= weight;
    this.free_ += weight;
  }

  /** Can anything start at all now? (No walk of the rotation when not.) */
  room_(): boolean {
    return this.free_ >= 1; // weights are whole numbers from 1
  }

  /** The key holds or waits: its gate must stay. */
  busy_(gate: KeyGate<K>): boolean {
    return gate.held_ > 0 || gate.waiters_.size_ > 0;
  }

  /** An idle gate may be dropped (a rate limit keeps a key whose window still holds starts). */
  droppable_(_gate: KeyGate<K>): boolean {
    return true;
  }

  /** Called after each dispatch: a rate limit arms its timer here. */
  planned_(): void {}

  /** Called when `gate`'s head waits without a dispatch: a rate limit may arm its timer sooner. */
  waits_(_gate: KeyGate<K>): void {}

  /** The keys with a waiter, in turn order. */
  get rotation_(): Queue<KeyGate<K>> {
    return this.#rotation;
  }

  /** A waiter that can never be served (the capacity shrank below its weight) leaves with a RangeError. */
  reject_(waiter: Waiter): void {
    waiter.error(new RangeError(`${this.#fn}: a waiting section needs ${waiter.weight_}, more than one section may now have (${this.most_})`));
  }

  activate_(gate: KeyGate<K>): void {
    if (!gate.queued_) this.#rotation.enqueue_(gate);
  }

  /**
   * A key that neither holds nor waits is idle. Its gate is kept for its next section (a key that
   * comes back at once, as one stream's sections do, costs no new object), but the idle ones are
   * dropped, all together, as soon as they outnumber both the busy keys and 64: an idle key costs
   * no memory beyond that bound, and the sweep costs O(1) per key over time.
   */
  forget_(gate: KeyGate<K>): void {
    if (gate.idle_ || this.busy_(gate)) return;
    this.#rotation.remove_(gate);
    if (this.#gates.get(gate.key_) !== gate) return;
    gate.idle_ = true;
    if (++this.#idle <= this.#sweepAt || this.#idle <= this.#gates.size - this.#idle) return;
    for (const [key, idle] of this.#gates) {
      if (idle.idle_ && this.droppable_(idle)) {
        this.#gates.delete(key);
        this.#idle--;
      }
    }
    // the idle gates that had to stay (recent starts of a rate limit) wait for twice as many
    this.#sweepAt = Math.max(64, 2 * this.#idle);
  }

  /** Walks the waiters of every key, for `resize`. */
  *waiters_(): Generator<[KeyGate<K>, Waiter]> {
    for (const gate of this.#gates.values()) {
      if (gate.idle_) continue;
      for (let node = gate.waiters_.head_; node; node = node.next_ as Waiter | undefined) yield [gate, node];
    }
  }

  /** Removes a waiter that can never be served, for `resize`. */
  drop_(gate: KeyGate<K>, waiter: Waiter): void {
    if (gate.waiters_.remove_(waiter)) this.waiting_--;
  }

  /** Weight held now, across keys. */
  held_(): number {
    let held = 0;
    for (const gate of this.#gates.values()) held += gate.held_;
    return held;
  }

  resize_(permits: number): void {
    const held = this.held_();
    (this as { permits: number }).permits = permits;
    this.free_ = permits - held; // Infinity − held is Infinity, and never Infinity − Infinity
  }

  /**
   * The rotation, in one place. The key at the front, if its head fits (in the free permits and
   * under its cap), starts that head when what it has earned covers the head's weight — earning its
   * share first when it does not — and keeps the front while its earnings cover its next head; a key
   * whose earnings run short goes to the back. A key whose head does not fit is passed over (to the
   * back, earning nothing), so a key at its cap or with a heavy head never holds the others up. It
   * stops once a whole round of keys has been passed over. Trampolined, as `Permits` is: a section
   * that ends synchronously inside `enter` frees its permits into this same loop.
   */
  readonly dispatch_ = trampoline(() => {
    const rotation = this.#rotation;
    let passed = 0;
    let gate: KeyGate<K> | undefined;
    while (this.room_() && (gate = rotation.head_) !== undefined && passed < rotation.size_) {
      const head = gate.waiters_.head_;
      if (head === undefined) {
        rotation.remove_(gate);
        gate.deficit_ = 0;
        this.forget_(gate);
        continue;
      }
      if (!this.fits_(gate, head.weight_)) {
        this.#toBack(gate);
        passed++;
        continue;
      }
      passed = 0;
      if (gate.deficit_ < head.weight_ && (gate.deficit_ += gate.share_) < head.weight_) {
        this.#toBack(gate); // saving up for a heavy head
        continue;
      }
      gate.waiters_.remove_(head);
      this.waiting_--;
      gate.deficit_ -= head.weight_;
      this.take_(gate, head.weight_);
      const next = gate.waiters_.head_;
      if (next === undefined) {
        rotation.remove_(gate);
        gate.deficit_ = 0;
      } else if (gate.deficit_ < next.weight_) this.#toBack(gate);
      // user code last: the section may end, or queue more, at once (the trampoline runs us again)
      head.enter_();
      this.forget_(gate);
    }
    this.planned_();
  });

  #toBack(gate: KeyGate<K>): void {
    this.#rotation.remove_(gate);
    this.#rotation.enqueue_(gate);
  }
}
