/**
 * Node only: signals (`fromSignal`) and graceful shutdown (`runUntilSignal`).
 *
 * @packageDocumentation
 * @module rxjs-concurrency/node
 */
export { fromSignal, type SignalName } from './fromSignal.js';
export { runUntilSignal, type RunUntilSignalOptions } from './runUntilSignal.js';
