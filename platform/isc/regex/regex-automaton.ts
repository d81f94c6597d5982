/**
 * Regex AST → Thompson NFA → lazily built DFA, for unanchored "does it match anywhere" tests.
 *
 * Why not RegExp: iFC patterns arrive from the HSS or an operator, and V8's backtracking engine
 * takes exponential time on patterns like `(a+)+$`. Simulating the automaton instead costs at
 * most (NFA states) steps per input character, and after warm-up one table lookup per character
 * (RE2's design). DFA states are cached up to a bound; a pattern whose DFA would be larger
 * (`[ab]*a[ab]{200}`) is simulated directly on the NFA from then on, still linear in the input.
 */
import { contains, type CharSet } from './char-set.js';
import type { RegexNode } from './regex-syntax.js';

/** NFA size limit after expanding counted repetitions (`(ab){200}` is 400 states). */
export const MAX_NFA_STATES = 1000;
/** DFA states kept per pattern; reaching the bound switches the pattern to NFA simulation. */
const MAX_DFA_STATES = 256;

const enum Op {
  Char,
  Split,
  AssertStart,
  AssertEnd,
  Match,
}

interface NfaState {
  op: Op;
  set?: CharSet;
  out: number;
  out2: number;
}

export class PatternTooLargeError extends Error {
  override readonly name = 'PatternTooLargeError';
}

/** Thompson construction: each node is built in front of its continuation state. */
class NfaBuilder {
  readonly states: NfaState[] = [];

  add(op: Op, set?: CharSet): number {
    if (this.states.length >= MAX_NFA_STATES) {
      throw new PatternTooLargeError(`pattern too large: more than ${MAX_NFA_STATES} automaton states after expanding repetitions`);
    }
    this.states.push({ op, ...(set ? { set } : {}), out: -1, out2: -1 });
    return this.states.length - 1;
  }

  /** Builds `node`, then continues at `next`; returns the entry state. */
  build(node: RegexNode, next: number): number {
    switch (node.type) {
      case 'empty':
        return next;
      case 'chars': {
        const s = this.add(Op.Char, node.set);
        this.states[s]!.out = next;
        return s;
      }
      case 'assert': {
        const s = this.add(node.kind === 'start' ? Op.AssertStart : Op.AssertEnd);
        this.states[s]!.out = next;
        return s;
      }
      case 'seq': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.build(node.items[i]!, entry);
        return entry;
      }
      case 'alt': {
        let entry = this.build(node.options[node.options.length - 1]!, next);
        for (let i = node.options.length - 2; i >= 0; i--) {
          const s = this.add(Op.Split);
          this.states[s]!.out = this.build(node.options[i]!, next);
          this.states[s]!.out2 = entry;
          entry = s;
        }
        return entry;
      }
      case 'repeat':
        return this.#repeat(node.node, node.min, node.max, next);
    }
  }

  #repeat(body: RegexNode, min: number, max: number, next: number): number {
    let entry = next;
    if (max === Infinity) {
      const loop = this.add(Op.Split); // split → body → back to split
      this.states[loop]!.out = this.build(body, loop);
      this.states[loop]!.out2 = next;
      entry = loop;
    } else {
      for (let i = max - min; i > 0; i--) {
        const optional = this.add(Op.Split);
        this.states[optional]!.out = this.build(body, entry);
        this.states[optional]!.out2 = next;
        entry = optional;
      }
    }
    for (let i = 0; i < min; i++) entry = this.build(body, entry);
    return entry;
  }
}

interface DfaState {
  /** NFA states still waiting after ε-closure: Char states, and `$` states waiting for the end. */
  readonly members: Int32Array;
  /** Transitions by character class; -1 = not computed yet. */
  readonly next: Int32Array;
  readonly accepting: boolean;
  /** Accepts when the input ends here; computed on first need. */
  acceptsAtEnd: boolean | undefined;
  /** No thread alive and none can start again (a `^`-anchored pattern past its start). */
  readonly dead: boolean;
}

/** A compiled pattern; `test` answers "does the pattern match somewhere in the input". */
export class Automaton {
  readonly #op: Uint8Array;
  readonly #out: Int32Array;
  readonly #out2: Int32Array;
  readonly #start: number;
  /** Lower bound of every character class, ascending. */
  readonly #classStarts: Int32Array;
  readonly #asciiClass = new Uint16Array(128);
  /** For each Char state, which classes it accepts. */
  readonly #accepts: Array<Uint8Array | undefined>;
  /** True when no match can start after position 0 (every alternative begins with `^`). */
  readonly #anchored: boolean;
  // ε-closure scratch space, reused (matching is synchronous, never re-entered).
  readonly #mark: Uint32Array;
  #generation = 0;
  readonly #stack: Int32Array;
  #states: DfaState[] = [];
  #index = new Map<string, number>();
  #initial = -1;
  /** Set once the DFA would outgrow its bound: from then on the NFA is simulated directly. */
  #nfaOnly = false;

  constructor(root: RegexNode) {
    const builder = new NfaBuilder();
    const match = builder.add(Op.Match);
    this.#start = builder.build(root, match);
    const nfa = builder.states;
    this.#op = Uint8Array.from(nfa, (s) => s.op);
    this.#out = Int32Array.from(nfa, (s) => s.out);
    this.#out2 = Int32Array.from(nfa, (s) => s.out2);
    this.#mark = new Uint32Array(nfa.length);
    // Each state is pushed at most once per closure, plus the two branches of each split.
    this.#stack = new Int32Array(nfa.length * 2 + 2);

    const bounds = new Set<number>([0]);
    for (const s of nfa) {
      if (!s.set) continue;
      for (let i = 0; i < s.set.length; i += 2) {
        bounds.add(s.set[i]!);
        if (s.set[i + 1]! < 0xffff) bounds.add(s.set[i + 1]! + 1);
      }
    }
    this.#classStarts = Int32Array.from([...bounds].sort((a, b) => a - b));
    for (let c = 0; c < 128; c++) this.#asciiClass[c] = this.#classOfSlow(c);
    this.#accepts = nfa.map((s) => (s.op === Op.Char ? Uint8Array.from(this.#classStarts, (lo) => (contains(s.set!, lo) ? 1 : 0)) : undefined));
    const restart: number[] = [];
    this.#anchored = !this.#closure([this.#start], false, false, restart) && restart.length === 0;
  }

  test(input: string): boolean {
    if (this.#nfaOnly) return this.#simulate(input, 0, this.#startSet());
    if (this.#initial < 0) this.#initial = this.#intern(this.#startSet(), '^');
    let id = this.#initial;
    let state = this.#states[id]!;
    if (state.accepting) return true;
    for (let i = 0; i < input.length; i++) {
      const c = input.charCodeAt(i);
      const cls = c < 128 ? this.#asciiClass[c]! : this.#classOfSlow(c);
      let next = state.next[cls]!;
      if (next < 0) {
        if (this.#states.length >= MAX_DFA_STATES) {
          this.#nfaOnly = true;
          this.#states = [];
          this.#index = new Map();
          return this.#simulate(input, i, { members: Array.from(state.members), accepting: false, atStart: id === this.#initial });
        }
        next = this.#step(state.members, cls);
        state.next[cls] = next;
      }
      id = next;
      state = this.#states[id]!;
      if (state.accepting) return true;
      if (state.dead) return false;
    }
    if (state.acceptsAtEnd === undefined) state.acceptsAtEnd = this.#acceptsAtEnd(Array.from(state.members), id === this.#initial);
    return state.acceptsAtEnd;
  }

  /** The ε-closure of the start state at position 0, where `^` holds. */
  #startSet(): { members: number[]; accepting: boolean; atStart: boolean } {
    const members: number[] = [];
    const accepting = this.#closure([this.#start], true, false, members);
    return { members, accepting, atStart: true };
  }

  /** Runs the NFA from `set` over input[from…]: O(NFA states) per character, arrays reused. */
  #simulate(input: string, from: number, set: { members: number[]; accepting: boolean; atStart: boolean }): boolean {
    if (set.accepting) return true;
    const accepts = this.#accepts;
    const out = this.#out;
    const ascii = this.#asciiClass;
    let current = set.members;
    let atStart = set.atStart;
    let next: number[] = [];
    const targets: number[] = [];
    for (let i = from; i < input.length; i++) {
      const c = input.charCodeAt(i);
      const cls = c < 128 ? ascii[c]! : this.#classOfSlow(c);
      next.length = 0;
      targets.length = 0;
      for (let k = 0; k < current.length; k++) {
        const s = current[k]!;
        if (accepts[s]?.[cls] === 1) targets.push(out[s]!);
      }
      targets.push(this.#start);
      if (this.#closure(targets, false, false, next)) return true;
      if (this.#anchored && next.length === 0) return false;
      const swap = current;
      current = next;
      next = swap;
      atStart = false;
    }
    return this.#acceptsAtEnd(current, atStart);
  }

  #acceptsAtEnd(members: number[], atStart: boolean): boolean {
    return this.#closure(members, atStart, true, []);
  }

  #classOfSlow(c: number): number {
    const starts = this.#classStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Next DFA state id from `members` on class `cls`; unanchored search restarts at every position. */
  #step(members: Int32Array, cls: number): number {
    const targets: number[] = [];
    for (const s of members) if (this.#accepts[s]?.[cls] === 1) targets.push(this.#out[s]!);
    targets.push(this.#start);
    const out: number[] = [];
    const accepting = this.#closure(targets, false, false, out);
    return this.#intern({ members: out, accepting }, '');
  }

  /**
   * Adds the ε-closure of `from` to `into` (Char states, and `$` states when not at the end);
   * `^` passes only at the start, `$` only at the end. Returns true when Match is reached.
   */
  #closure(from: number[], atStart: boolean, atEnd: boolean, into: number[]): boolean {
    let generation = ++this.#generation;
    const mark = this.#mark;
    if (generation === 0xffffffff) {
      mark.fill(0);
      generation = this.#generation = 1;
    }
    const stack = this.#stack;
    const ops = this.#op;
    const out = this.#out;
    const out2 = this.#out2;
    let top = 0;
    let accepting = false;
    for (let k = from.length - 1; k >= 0; k--) {
      const s = from[k]!;
      if (s >= 0 && mark[s] !== generation) {
        mark[s] = generation;
        stack[top++] = s;
      }
    }
    while (top > 0) {
      const s = stack[--top]!;
      let follow = -1;
      switch (ops[s]) {
        case Op.Char:
          into.push(s);
          break;
        case Op.Match:
          accepting = true;
          break;
        case Op.Split: {
          const other = out2[s]!;
          if (other >= 0 && mark[other] !== generation) {
            mark[other] = generation;
            stack[top++] = other;
          }
          follow = out[s]!;
          break;
        }
        case Op.AssertStart:
          if (atStart) follow = out[s]!;
          break;
        case Op.AssertEnd:
          if (atEnd) follow = out[s]!;
          else into.push(s);
          break;
      }
      if (follow >= 0 && mark[follow] !== generation) {
        mark[follow] = generation;
        stack[top++] = follow;
      }
    }
    return accepting;
  }

  /** The id of the DFA state for this closure; the initial state (where `^` held) has its own key. */
  #intern(closure: { members: number[]; accepting: boolean }, prefix: string): number {
    const members = closure.members.sort((a, b) => a - b);
    const key = `${prefix}${closure.accepting ? '!' : ''}${members.join(',')}`;
    const known = this.#index.get(key);
    if (known !== undefined) return known;
    const id = this.#states.length;
    this.#states.push({
      members: Int32Array.from(members),
      next: new Int32Array(this.#classStarts.length).fill(-1),
      accepting: closure.accepting,
      acceptsAtEnd: closure.accepting ? true : undefined,
      dead: this.#anchored && members.length === 0 && !closure.accepting,
    });
    this.#index.set(key, id);
    return id;
  }
}
