/** Public entry of the registrar and location service (RFC 3261 §10). */
export { Registrar, contactValue, type RegisterReply, type RegisterSource, type RegistrarOptions } from './registrar.js';
export { LocationService, type LocationResult, type LocationServiceOptions } from './location-service.js';
export { BindingEvents, type BindingChange, type BindingChangeListener, type BindingChangeType } from './binding-events.js';
export { DEFAULT_REGISTRAR_CONFIG, resolveRegistrarConfig, type RegistrarConfig } from './registrar-config.js';
export { readRegister, parseQ, type RegisterIntent, type RequestedContact } from './register-request.js';
