import { Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { AsyncPipe } from '@angular/common';
import { finalizeWith } from 'rxjs-concurrency';
import { ApiQuota } from './api-quota.service';
import { Catalogue, type Product } from './catalogue.service';

@Component({
  selector: 'app-catalogue',
  standalone: true,
  imports: [AsyncPipe],
  template: `
    <h1>{{ banner() }}</h1>
    <p>Free API slots: {{ free$ | async }}</p>
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

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.catalogue
      .products(['1', '2', '3', '4', '5'])
      .pipe(
        finalizeWith((reason) => (reason === 'unsubscribe' ? console.debug('left before every product arrived') : undefined)),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((product) => this.products.update((list) => [...list, product]));
    this.catalogue.suggestions('rx').pipe(takeUntilDestroyed(destroyRef)).subscribe((s) => this.suggestions.set(s));
    this.catalogue.banner().pipe(takeUntilDestroyed(destroyRef)).subscribe((b) => this.banner.set(b));
  }
}
