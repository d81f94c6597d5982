/**
 * Public entry of the test kit for app authors (issue 5, Deliver 6): run an app in an in-memory
 * container with a virtual clock, scripted phones and fault injection, and assert on the
 * message ladder. See README.md, "Testing your app".
 */
export { createTestKit, TestKit, type CallOptions, type KitLogLine, type TestKitOptions } from './test-kit.js';
export { KitCall, DEFAULT_SETTLE_MS, type CallResponse } from './kit-call.js';
export { Phone, type AnswerScript, type PhoneOptions, type ReceivedRequest } from './phones.js';
export { formatLadder, type LadderEntry } from './ladder.js';
export { VirtualClock, VIRTUAL_EPOCH } from './virtual-clock.js';
export { type InjectedFault } from './kit-runtime.js';
export { TIMER_B_MS, SERVER } from './network.js';
export { PROXY_DEFAULTS } from './proxy-context.js';
export { toSippScenario, type SippExportOptions } from './sipp-export.js';
