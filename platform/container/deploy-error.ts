/**
 * The one error deploy-time steps throw: an invalid manifest, a bundle that does not compile, an
 * import of a Node built-in, or a bundle that throws while loading. It lists every problem with
 * its location so a developer can fix them all in one pass (hono's "errors that name the fix").
 */

export interface DeployProblem {
  /** File relative to the app folder, when the problem has a location. */
  readonly file?: string;
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  readonly text: string;
}

export class DeployError extends Error {
  readonly code = 'APP_DEPLOY_FAILED';
  readonly problems: readonly DeployProblem[];

  constructor(summary: string, problems: readonly DeployProblem[]) {
    super([summary, ...problems.map((p) => `  ${formatProblem(p)}`)].join('\n'));
    this.name = 'DeployError';
    this.problems = problems;
  }
}

/** `file:line:column: text`, or as much of the location as is known. */
export function formatProblem(problem: DeployProblem): string {
  if (problem.file === undefined) return problem.text;
  const where = [problem.file, problem.line, problem.column].filter((part) => part !== undefined).join(':');
  return `${where}: ${problem.text}`;
}
