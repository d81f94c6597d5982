/** The pure parts of the S-CSCF role (issue 7 deliverable 3): ODI tokens, the chain cursor,
 *  P-Served-User and the compiled-profile cache. The stage is platform/endpoint/scscf-stage.ts. */
export { ODI_USER_PREFIX, OdiTable, odiTokenOf, type OdiTableOptions } from './odi-table.js';
export { nextExternalIfc, type ChainStep } from './chain-cursor.js';
export { pServedUserValue, type SessionDirection } from './served-user-header.js';
export { ProfileCache, type CompiledProfile, type ProfileTextSource } from './profile-cache.js';
export { checkServiceProfile, type ProfileUploadCheck } from './profile-upload.js';
export { imsServiceInfoXml, multipartMixed, thirdPartyRegisterBody, thirdPartyRegisterSpec, type RegisterBody, type ThirdPartyRegisterInput, type ThirdPartyRegisterSpec } from './third-party-register.js';
