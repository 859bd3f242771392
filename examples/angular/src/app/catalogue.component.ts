import { Component, DestroyRef, effect, inject, signal } from '@angular/core';
import { rxResource, takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { AsyncPipe } from '@angular/common';
import { toArray } from 'rxjs';
import { createWorkerPool, finalizeWith, fromWorker } from 'rxjs-concurrency';
import { ApiQuota } from './api-quota.service';
import { Catalogue, type Product } from './catalogue.service';
import type { tasks } from './tasks.worker';

/** What the page reports, for the production-build test (spec/bundlers.spec.ts). */
interface Report {
  products?: number[];
  featured?: number[];
  score?: number;
  banner?: string;
  left?: string;
}
const report = ((globalThis as { catalogueReport?: Report }).catalogueReport ??= {});

@Component({
  selector: 'app-catalogue',
  standalone: true,
  imports: [AsyncPipe],
  template: `
    <h1>{{ banner() }}</h1>
    <p>Free API slots: {{ free$ | async }} (as a signal: {{ free() }})</p>
    @if (featured.value(); as items) {
      <p>Featured: {{ items.length }}</p>
    }
    <ul>
      @for (product of products(); track product.id) {
        <li>{{ product.name }}</li>
      }
    </ul>
    <p>{{ suggestions().join(', ') }}</p>
  `,
})
export class CatalogueComponent {
  private readonly catalogue = inject(Catalogue);
  readonly free$ = inject(ApiQuota).free$;
  readonly products = signal<Product[]>([]);
  readonly suggestions = signal<string[]>([]);
  readonly banner = signal('');
  // file: examples/angular/src/app/catalogue.component.ts
  /** The quota as a signal: `toSignal` over the semaphore's `available$`. */
  readonly free = toSignal(inject(ApiQuota).free$, { requireSync: true });
  /** The featured ids: changing them reloads the resource below (and cancels its load in flight). */
  readonly featuredIds = signal<readonly number[]>([7, 8, 9]);
  /**
   * A resource over semaphoreMap: its requests share the app's quota with every other stream, and a
   * new `params` value unsubscribes the old stream, which aborts its requests and frees the permits.
   */
  readonly featured = rxResource({
    params: () => this.featuredIds(),
    stream: ({ params }) => this.catalogue.products(params, 20).pipe(toArray()),
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    const ms = Number(new URLSearchParams(location.search).get('ms') ?? 50);
    const pool = createWorkerPool<typeof tasks>(() => new Worker(new URL('./tasks.worker', import.meta.url), { type: 'module' }), { size: 1 });
    destroyRef.onDestroy(() => void pool.terminate());
    this.catalogue
      .products([1, 2, 3, 4, 5, 6], ms)
      .pipe(
        // leaving the component unsubscribes: every request in flight is aborted
        finalizeWith((reason) => {
          if (reason === 'unsubscribe') report.left = 'unsubscribed';
        }),
        toArray(),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((products) => {
        this.products.set(products);
        report.products = products.map((p) => p.id).sort((a, b) => a - b);
        fromWorker(pool, 'score', products.map((p) => p.name))
          .pipe(takeUntilDestroyed(destroyRef))
          .subscribe((score) => (report.score = score));
      });
    effect(() => {
      const featured = this.featured.value();
      if (featured) report.featured = featured.map((p) => p.id).sort((a, b) => a - b);
    });
    this.catalogue.suggestions('rx').pipe(takeUntilDestroyed(destroyRef)).subscribe((s) => this.suggestions.set(s));
    this.catalogue
      .banner()
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((b) => {
        this.banner.set(b);
        report.banner = b;
      });
  }
}
