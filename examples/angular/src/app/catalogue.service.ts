import { Injectable, inject } from '@angular/core';
import { from, map, of, timer, type Observable } from 'rxjs';
import { raceFirst, semaphoreMap, timeoutWith } from 'rxjs-concurrency';
import { ApiQuota } from './api-quota.service';

export interface Product {
  readonly id: string;
  readonly name: string;
}

/** Stands in for HttpClient, so the example needs no server. */
function fakeGet<T>(value: T, ms: number): Observable<T> {
  return timer(ms).pipe(map(() => value));
}

@Injectable({ providedIn: 'root' })
export class Catalogue {
  private readonly quota = inject(ApiQuota).semaphore;

  /** Every product, at most three requests at once across the app. */
  products(ids: readonly string[]): Observable<Product> {
    return from(ids).pipe(semaphoreMap(this.quota, (id) => fakeGet<Product>({ id, name: `Product ${id}` }, 100)));
  }

  /** Suggestions within 800 ms for the whole request, or none. */
  suggestions(query: string): Observable<string[]> {
    return fakeGet([`${query}…`], 50).pipe(timeoutWith(800, of<string[]>([])));
  }

  /** The fastest of three mirrors; the others are cancelled. */
  banner(): Observable<string> {
    return raceFirst(['eu', 'us', 'ap'].map((mirror, i) => fakeGet(`banner from ${mirror}`, 30 * (i + 1))), { stagger: 20 });
  }
}
