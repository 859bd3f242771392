import { Injectable } from '@angular/core';
import { Semaphore } from 'rxjs-concurrency';

/** One concurrency limit for every API call of the app, whoever makes it. */
@Injectable({ providedIn: 'root' })
export class ApiQuota {
  readonly semaphore = new Semaphore(2);
  readonly free$ = this.semaphore.available$;
}
