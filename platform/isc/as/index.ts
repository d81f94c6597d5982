/** The AS role on ISC (TS 24.229 §5.7): recognising ISC requests, the served user and session
 *  case, History-Info on retargeting. Pure: the endpoint's ISC stage does the SIP work. */
export { addRetargetHistory, isRetarget } from './history-info.js';
export { checkIscRoutes, iscFactsOf, setIscFacts, type IscFacts, type IscRouteCheck } from './isc-request.js';
export { aorOf, bareUri, determineIscSession, readServedUserHeader, type IscDirection, type IscSession } from './isc-session.js';
export { parseTrustedScscfs, TrustedScscfs, type AddressResolver, type TrustedListResult, type TrustedScscf } from './trusted-scscf.js';
export { AsRegistrations, checkThirdPartyRegister, readThirdPartyRegisterBody, type ThirdPartyRegister, type ThirdPartyRegisterBody, type ThirdPartyRegisterCheck } from './third-party-register.js';
