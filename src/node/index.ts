export { fromSignal, type SignalName } from './fromSignal.js';
export { runUntilSignal, type RunUntilSignalOptions } from './runUntilSignal.js';
