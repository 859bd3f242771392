// A stand-in for HttpClient in the files the docs quote: `get(url)` answers `url` after `ms`,
// counting the requests in flight (and the most at once) and when each started.
import { defer, finalize, map, timer, type Observable } from 'rxjs';

export function fakeHttp(ms = 10) {
  const t0 = performance.now();
  const stats = { inFlight: 0, most: 0, starts: [] as number[] };
  const get = (url: string): Observable<string> =>
    defer(() => {
      stats.starts.push(performance.now() - t0);
      stats.most = Math.max(stats.most, ++stats.inFlight);
      return timer(ms).pipe(map(() => url));
    }).pipe(finalize(() => stats.inFlight--));
  return { http: { get }, stats };
}
