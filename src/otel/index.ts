/**
 * Metrics for every limit and pool of this package on OpenTelemetry: `instrument(target, { meter,
 * name })`. `@opentelemetry/api` is an optional peer dependency: this module calls only the `Meter`
 * it is given, and a target nobody instruments pays nothing.
 *
 * @packageDocumentation
 * @module rxjs-concurrency/otel
 */
export { instrument, type Instrumentable, type InstrumentablePool, type InstrumentOptions, type Instrumented } from './instrument.js';
