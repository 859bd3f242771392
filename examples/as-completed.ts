// asyncio.as_completed: results handled in the order they finish, not the order they were asked.
import { defer, lastValueFrom, map, tap, timer, toArray } from 'rxjs';
import { mergeAsCompleted } from '../src/index.js';
import { runIfMain, type Log } from './log.js';

export default async function asCompleted(log: Log): Promise<number[]> {
  log('-- mergeAsCompleted: items taking 3, 1 and 2 units (100 ms each) arrive as 2, 3, 1');
  const item = (id: number, units: number) =>
    defer(() => {
      log(`processing item ${id}, will take ${units} units`);
      return timer(units * 100).pipe(map(() => `result for item ${id}`));
    });
  const order = await lastValueFrom(
    mergeAsCompleted([item(1, 3), item(2, 1), item(3, 2)]).pipe(
      tap(({ index, value }) => log(`received ${value} (source ${index})`)),
      map(({ index }) => index + 1),
      toArray(),
    ),
  );
  log(`completion order: ${order.join(', ')}`);
  return order;
}

runIfMain(import.meta.url, asCompleted);
