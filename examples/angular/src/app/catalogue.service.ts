import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { from, map, of, timer, type Observable } from 'rxjs';
import { raceFirst, semaphoreMap, timeoutWith } from 'rxjs-concurrency';
import { ApiQuota } from './api-quota.service';

export interface Product {
  readonly id: number;
  readonly name: string;
}

/** Stands in for a second backend (the mirrors): a value after `ms`. */
function mirror<T>(value: T, ms: number): Observable<T> {
  return timer(ms).pipe(map(() => value));
}

@Injectable({ providedIn: 'root' })
export class Catalogue {
  private readonly http = inject(HttpClient);
  private readonly quota = inject(ApiQuota).semaphore;

  /** Every product, through HttpClient, at most two requests at once across the app. */
  products(ids: readonly number[], ms: number): Observable<Product> {
    return from(ids).pipe(semaphoreMap(this.quota, (id) => this.http.get<Product>(`/api/item`, { params: { id, ms } })));
  }

  /** Suggestions within 800 ms for the whole request, or none. */
  suggestions(query: string): Observable<string[]> {
    return mirror([`${query}…`], 50).pipe(timeoutWith(800, of<string[]>([])));
  }

  /** The fastest of three mirrors; the others are cancelled. */
  banner(): Observable<string> {
    return raceFirst(['eu', 'us', 'ap'].map((name, i) => mirror(`banner from ${name}`, 30 * (i + 1))), { stagger: 20 });
  }
}
