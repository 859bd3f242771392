/**
 * For downstream property tests: marble arbitraries, `checkOperatorContract` (composed too),
 * and `inProcessPool`.
 *
 * @packageDocumentation
 * @module rxjs-concurrency/testing
 */
export { marbleSource, fromMarble, showMarble, type MarbleSource, type MarbleSourceOptions, type LoggedObservable } from './marbles.js';
export { checkOperatorContract, CONTRACT_COMPOSITIONS, type ContractComposition, type ContractContext, type ContractOptions } from './checkOperatorContract.js';
export { inProcessPool } from './inProcessPool.js';
