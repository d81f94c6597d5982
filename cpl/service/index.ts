/** The live CPL adapter: engine, script management, REGISTER upload, mail queue. */
export { createCplEngine, type CplEngine, type CplEngineLimits, type CplEngineOptions } from './cpl-engine.js';
export { CplScriptManager, formatProblems, type CplScriptManagerOptions, type CplUploadResult } from './cpl-script-manager.js';
export { handleCplRegister, CPL_MEDIA_TYPE, type CplRegisterAction } from './register-upload.js';
export { createCplMailer, type CplMailer, type CplMailerOptions } from './cpl-mailer.js';
export type { CplLogSink, CplLogWrite, CplMailQueue, CplOutgoingMail, CplScriptSource, CplScriptStore, CplStoredScript } from './ports.js';
