/** Options for compiling a script: the upload policy plus how the engine interprets time and language. */
import type { LanguageMatching } from '../text/language-range.js';
import type { CplValidateOptions } from '../validate/validate-options.js';

export interface CplCompileOptions extends CplValidateOptions {
  /**
   * Zone for "floating" times of a time-switch without tzid (RFC 3880 §4.4: "the local timezone
   * of the CPL server"). Explicit configuration, never the process TZ. Default "UTC".
   */
  readonly floatingTimeZone?: string;
  /** Direction of language matching (text/language-range.ts). Default "rfc3880". */
  readonly languageMatching?: LanguageMatching;
}
