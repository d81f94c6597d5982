/**
 * The composer's state: the script (with undo history), its XML and line map, the problems the
 * server reported (pinned to blocks), the path of the last simulation, and the edit in progress.
 * Views subscribe and re-render; the script is small, so whole re-renders are cheap.
 */
import type { Problem, Session, Simulation } from './api.js';
import { emptyScript, type CplNode, type CplScript } from './model/cpl-model.js';
import { History } from './model/history.js';
import { scriptToXml, type SerializedScript } from './model/to-xml.js';

export type Editing =
  | { mode: 'node'; uid: string }
  | { mode: 'output'; uid: string }
  | { mode: 'new-node'; slot: string; kind?: string }
  | { mode: 'new-output'; node: string; kind: string }
  | null;

export interface PinnedProblem extends Problem {
  /** The block the problem concerns, when the line maps to one. */
  uid?: string;
}

export class ComposerState {
  readonly history = new History(emptyScript());
  session: Session | undefined;
  serialized: SerializedScript = scriptToXml(this.history.present);
  problems: PinnedProblem[] = [];
  warnings: PinnedProblem[] = [];
  /** Blocks on the path of the last simulation, and the simulation itself. */
  path = new Set<string>();
  simulation: Simulation | undefined;
  editing: Editing = null;
  clipboard: CplNode | undefined;
  /** Set when the XML in the editor cannot be shown as blocks (syntax or structure error). */
  xmlError: { message: string; line: number; column: number } | undefined;
  /** What the server holds: version and upload time, or null when nothing is stored. */
  stored: { version: number; uploadedAt: string } | null | undefined;
  /** True when the builder's script differs from what was last saved or loaded. */
  dirty = false;
  status = '';
  readonly #listeners = new Set<(why: string) => void>();

  get script(): CplScript {
    return this.history.present;
  }

  subscribe(listener: (why: string) => void): void {
    this.#listeners.add(listener);
  }

  emit(why: string): void {
    for (const l of this.#listeners) l(why);
  }

  /** A new script from the builder or a template: one undo step. */
  change(next: CplScript, why = 'edit'): void {
    this.history.push(next);
    this.#afterChange(why);
  }

  load(script: CplScript): void {
    this.history.reset(script);
    this.#afterChange('load');
    this.dirty = false;
  }

  undo(): void {
    if (!this.history.canUndo) return;
    this.history.undo();
    this.#afterChange('undo');
  }

  redo(): void {
    if (!this.history.canRedo) return;
    this.history.redo();
    this.#afterChange('redo');
  }

  /** Pin server problems (line/column in the XML we sent) to blocks through the line map. */
  pin(problems: Problem[]): PinnedProblem[] {
    return problems.map((p) => {
      const uid = ownerOfLine(this.serialized.lineOwners, p.line);
      return uid ? { ...p, uid } : { ...p };
    });
  }

  #afterChange(why: string): void {
    this.serialized = scriptToXml(this.script);
    this.problems = [];
    this.warnings = [];
    this.path.clear();
    this.simulation = undefined;
    this.xmlError = undefined;
    this.dirty = true;
    this.emit(why);
  }
}

/** The block written on `line`, or the nearest block above it (an end tag belongs to its block). */
export function ownerOfLine(owners: Map<number, string>, line: number): string | undefined {
  for (let l = line; l > 0; l--) {
    const uid = owners.get(l);
    if (uid) return uid;
  }
  return undefined;
}
