/**
 * Structured logging for every layer (pino). Layers take a `Logger` in their constructor and
 * never create one themselves, so tests can pass `silentLogger` and the server one root logger.
 */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Component name shown on every line, e.g. `transport`. */
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({ level: options.level ?? 'info', ...(options.name ? { name: options.name } : {}) });
}

/** A logger that drops everything: for unit tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
