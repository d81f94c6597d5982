/**
 * The visual builder: the script as nested, readable blocks. Every block has labelled buttons
 * (edit, cut, remove, move) in tab order; empty places offer "Add a step" and "Paste". Server
 * problems are shown on the block they concern, and the last simulation's path is highlighted.
 */
import { makeNode, type CplNode, type CplOutput, type CplScript, type NodeKind } from '../model/cpl-model.js';
import { nodeTitle, outputTitle } from '../model/describe.js';
import {
  addableOutputs,
  addOutput,
  addSubaction,
  addTopLevel,
  callableSubactions,
  canMoveOutput,
  cutNode,
  moveOutput,
  placeNode,
  removeNode,
  removeOutput,
  removeTopLevel,
  renameSubaction,
  reuid,
  setAttrs,
  subactionUsers,
} from '../model/edit.js';
import { CONTAINER_KINDS, isSwitch, LEAF_KINDS } from '../model/node-specs.js';
import type { ComposerState } from '../state.js';
import { h, field, input } from './dom.js';
import { defaultOutputAttrs, nodeForm, outputForm, type Form, type FormContext } from './forms.js';

export const KIND_CHOICES: ReadonlyArray<readonly [NodeKind, string, string]> = [
  ['lookup', 'Find my registered phones', 'Adds the phones you are signed in with (lookup).'],
  ['location', 'Add a phone or address', 'Adds one address to the phones to ring (location).'],
  ['proxy', 'Ring the phones', 'Rings the phones added so far, with cases for busy / no answer (proxy).'],
  ['redirect', 'Redirect the caller', 'Tells the caller to call the phones directly (redirect).'],
  ['reject', 'Refuse the call', 'Answers busy, not found, declined or another code (reject).'],
  ['address-switch', 'Depending on an address', 'Who is calling, or which address was dialled (address-switch).'],
  ['time-switch', 'Depending on the time', 'Office hours, weekends, holidays (time-switch).'],
  ['string-switch', 'Depending on a text', 'Subject, organization or phone software (string-switch).'],
  ['priority-switch', 'Depending on the priority', 'Urgent or emergency calls (priority-switch).'],
  ['language-switch', "Depending on the caller's language", 'The languages the caller accepts (language-switch).'],
  ['remove-location', 'Stop ringing an address', 'Removes an address from the phones to ring (remove-location).'],
  ['mail', 'Send an e-mail', 'Notifies you by e-mail (mail).'],
  ['log', 'Write to my log', 'Adds an entry to your CPL log (log).'],
  ['sub', 'Go to a named subaction', 'Continues with a subaction defined above (sub).'],
];

const OUTPUT_BUTTON: Record<string, string> = {
  success: 'If found',
  notfound: 'If not found',
  failure: 'If it fails',
  busy: 'If busy',
  noanswer: 'If nobody answers',
  redirection: 'If redirected',
  default: 'In any other case',
  'not-present': 'If missing',
  otherwise: 'Otherwise',
  address: 'Add a condition',
  string: 'Add a condition',
  time: 'Add a time',
  language: 'Add a language',
  priority: 'Add a condition',
};

export interface Builder {
  element: HTMLElement;
  render(): void;
}

export function createBuilder(state: ComposerState, focusKey: (key: string) => void): Builder {
  const element = h('section', { class: 'builder', 'aria-label': 'Call rules' });

  const change = (next: CplScript, focus?: string): void => {
    state.editing = null;
    if (focus) focusKey(focus);
    state.change(next);
  };
  const tryChange = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      state.status = (error as Error).message;
      state.emit('status');
    }
  };
  const edit = (editing: ComposerState['editing'], focus: string): void => {
    state.editing = editing;
    focusKey(focus);
    state.emit('editing');
  };

  const button = (label: string, key: string, onclick: () => void, extra: Record<string, unknown> = {}): HTMLButtonElement =>
    h('button', { type: 'button', 'data-key': key, onclick, ...extra }, label);

  const problemsOf = (uid: string): HTMLElement | null => {
    const list = state.problems.filter((p) => p.uid === uid);
    const warnings = state.warnings.filter((p) => p.uid === uid);
    if (list.length === 0 && warnings.length === 0) return null;
    return h(
      'ul',
      { class: 'problems', role: 'alert' },
      ...list.map((p) => h('li', { class: 'error' }, p.message)),
      ...warnings.map((p) => h('li', { class: 'warning' }, p.message)),
    );
  };

  const formBox = (key: string, form: Form, apply: (attrs: Record<string, string>) => void, cancelFocus: string, applyLabel = 'Apply'): HTMLElement => {
    const errors = h('ul', { class: 'form-errors', role: 'alert' });
    const submit = (e: Event): void => {
      e.preventDefault();
      const result = form.read();
      errors.replaceChildren();
      if ('problems' in result) {
        for (const p of result.problems) errors.appendChild(h('li', {}, p));
        return;
      }
      tryChange(() => apply(result.attrs));
    };
    const f = h(
      'form',
      { class: 'edit-form', 'data-key': `${key}:form`, onsubmit: submit, onkeydown: (e: KeyboardEvent) => e.key === 'Escape' && edit(null, cancelFocus) },
      form.element,
      errors,
      h('div', { class: 'form-buttons' }, h('button', { type: 'submit', class: 'primary', 'data-key': `${key}:apply` }, applyLabel), button('Cancel', `${key}:cancel`, () => edit(null, cancelFocus))),
    );
    return f;
  };

  const ctxFor = (uid: string): FormContext => ({ subactions: callableSubactions(state.script, uid) });

  const kindPicker = (slot: string, before: boolean): HTMLElement => {
    const callable = callableSubactions(state.script, slot);
    // Before an existing step only blocks that continue to a next step fit (§5, §7).
    const choices = KIND_CHOICES.filter(([k]) => (before ? CONTAINER_KINDS.has(k) : k !== 'sub' || callable.length > 0));
    return h(
      'div',
      { class: 'kind-picker', role: 'group', 'aria-label': 'What should happen here?', 'data-key': `${slot}:picker` },
      h('h4', {}, 'What should happen here?'),
      ...choices.map(([kind, label, hint], i) =>
        h(
          'button',
          { type: 'button', class: 'choice', 'data-key': i === 0 ? `${slot}:first-kind` : `${slot}:kind-${kind}`, onclick: () => edit({ mode: 'new-node', slot, kind }, `${slot}:new:form`) },
          h('strong', {}, label),
          h('small', {}, hint),
        ),
      ),
      h('div', { class: 'form-buttons' }, button('Cancel', `${slot}:cancel`, () => edit(null, `${slot}:add`))),
    );
  };

  /** The picker and form for a new step in `slot` (empty, or `before` its current step). */
  const adding = (slot: string, before: boolean): HTMLElement | null => {
    const editing = state.editing;
    if (editing?.mode === 'new-node' && editing.slot === slot) {
      if (!editing.kind) return h('div', { class: 'slot adding' }, kindPicker(slot, before));
      const kind = editing.kind as NodeKind;
      const form = nodeForm(kind, {}, ctxFor(slot));
      const label = KIND_CHOICES.find(([k]) => k === kind)?.[1] ?? kind;
      return h(
        'div',
        { class: 'slot adding' },
        h('h4', {}, label),
        formBox(`${slot}:new`, form, (attrs) => {
          const node = makeNode(kind, attrs);
          if (kind === 'lookup') node.outputs = []; // cases are added from the block
          const next = placeNode(state.script, slot, node);
          change(next, `${node.uid}:edit`);
        }, `${slot}:add`, 'Add'),
        button('Choose another kind', `${slot}:back`, () => edit({ mode: 'new-node', slot }, `${slot}:first-kind`)),
      );
    }
    return null;
  };

  const emptySlot = (slot: string): HTMLElement => {
    const form = adding(slot, false);
    if (form) return form;
    return h(
      'div',
      { class: 'slot empty' },
      h('span', { class: 'hint' }, 'Nothing here yet — the server’s normal handling applies.'),
      button('+ Add a step', `${slot}:add`, () => edit({ mode: 'new-node', slot }, `${slot}:first-kind`), { class: 'add' }),
      state.clipboard ? button('Paste', `${slot}:paste`, () => tryChange(() => change(placeNode(state.script, slot, reuid(state.clipboard as CplNode)), `${slot}:add`))) : null,
    );
  };

  const slotView = (slot: string, node: CplNode | null): HTMLElement => {
    if (!node) return emptySlot(slot);
    const form = adding(slot, true);
    return form ? h('div', { class: 'slot-with-insert' }, form, nodeView(node, slot)) : nodeView(node, slot);
  };

  const nodeView = (node: CplNode, slot: string): HTMLElement => {
    const editing = state.editing;
    const isEditing = editing?.mode === 'node' && editing.uid === node.uid;
    const title = nodeTitle(node);
    const classes = ['block', `kind-${node.kind}`, state.path.has(node.uid) ? 'on-path' : '', state.problems.some((p) => p.uid === node.uid) ? 'has-error' : ''].filter(Boolean).join(' ');
    const body: Array<HTMLElement | null> = [];
    if (isEditing) {
      const ctx = ctxFor(node.uid);
      body.push(formBox(node.uid, nodeForm(node.kind, node.attrs, ctx), (attrs) => change(setAttrs(state.script, node.uid, attrs), `${node.uid}:edit`), `${node.uid}:edit`));
    }
    if (CONTAINER_KINDS.has(node.kind)) body.push(h('div', { class: 'then' }, h('span', { class: 'then-label' }, 'then'), slotView(node.uid, node.next)));
    if (node.outputs.length > 0) body.push(h('ul', { class: 'outputs' }, ...node.outputs.map((o) => outputView(o, node))));
    if (!LEAF_KINDS.has(node.kind) && !CONTAINER_KINDS.has(node.kind) && node.kind !== 'extension') body.push(addOutputButtons(node));
    const hasAttrs = node.kind !== 'language-switch' && node.kind !== 'priority-switch' && node.kind !== 'extension';
    return h(
      'div',
      { class: classes, 'data-uid': node.uid, role: 'group', 'aria-label': title },
      h(
        'div',
        { class: 'block-head' },
        h('span', { class: 'title' }, title),
        h(
          'span',
          { class: 'tools' },
          hasAttrs ? button('Edit', `${node.uid}:edit`, () => edit({ mode: 'node', uid: node.uid }, `${node.uid}:form`), { 'aria-label': `Edit: ${title}` }) : null,
          button('Insert before', `${slot}:add`, () => edit({ mode: 'new-node', slot }, `${slot}:first-kind`), { 'aria-label': `Insert a step before: ${title}` }),
          button('Cut', `${node.uid}:cut`, () => {
            const { script, node: cut } = cutNode(state.script, node.uid);
            state.clipboard = cut;
            change(script, `${slot}:paste`);
          }, { 'aria-label': `Cut: ${title}` }),
          button('Remove', `${node.uid}:remove`, () => change(removeNode(state.script, node.uid), `${slot}:add`), { 'aria-label': `Remove: ${title}`, class: 'danger' }),
        ),
      ),
      problemsOf(node.uid),
      ...body,
    );
  };

  const outputView = (output: CplOutput, parent: CplNode): HTMLElement => {
    const editing = state.editing;
    const title = outputTitle(output, parent);
    const editable = ['address', 'string', 'language', 'priority', 'time'].includes(output.kind);
    const isEditing = editing?.mode === 'output' && editing.uid === output.uid;
    const ctx: FormContext = { subactions: [], ...(parent.attrs.subfield ? { subfield: parent.attrs.subfield } : {}) };
    const classes = ['output', `out-${output.kind}`, state.path.has(output.uid) ? 'on-path' : '', state.problems.some((p) => p.uid === output.uid) ? 'has-error' : ''].filter(Boolean).join(' ');
    const movable = isSwitch(parent.kind);
    return h(
      'li',
      { class: classes, 'data-uid': output.uid, role: 'group', 'aria-label': title },
      h(
        'div',
        { class: 'output-head' },
        h('span', { class: 'title' }, title, ' →'),
        h(
          'span',
          { class: 'tools' },
          editable ? button('Edit', `${output.uid}:edit`, () => edit({ mode: 'output', uid: output.uid }, `${output.uid}:form`), { 'aria-label': `Edit condition: ${title}` }) : null,
          movable ? button('↑', `${output.uid}:up`, () => change(moveOutput(state.script, output.uid, -1), `${output.uid}:up`), { 'aria-label': `Move up: ${title}`, disabled: !canMoveOutput(state.script, output.uid, -1) }) : null,
          movable ? button('↓', `${output.uid}:down`, () => change(moveOutput(state.script, output.uid, 1), `${output.uid}:down`), { 'aria-label': `Move down: ${title}`, disabled: !canMoveOutput(state.script, output.uid, 1) }) : null,
          button('Remove', `${output.uid}:remove`, () => change(removeOutput(state.script, output.uid), `${parent.uid}:edit`), { 'aria-label': `Remove case: ${title}`, class: 'danger' }),
        ),
      ),
      problemsOf(output.uid),
      isEditing ? formBox(output.uid, outputForm(output.kind, output.attrs, ctx), (attrs) => change(setAttrs(state.script, output.uid, attrs), `${output.uid}:edit`), `${output.uid}:edit`) : null,
      slotView(output.uid, output.node),
    );
  };

  const addOutputButtons = (node: CplNode): HTMLElement => {
    const editing = state.editing;
    if (editing?.mode === 'new-output' && editing.node === node.uid) {
      const ctx: FormContext = { subactions: [], ...(node.attrs.subfield ? { subfield: node.attrs.subfield } : {}) };
      const form = outputForm(editing.kind, defaultOutputAttrs(editing.kind, node.attrs.subfield), ctx);
      return h(
        'div',
        { class: 'adding-output' },
        formBox(`${node.uid}:new-output`, form, (attrs) => {
          const r = addOutput(state.script, node.uid, editing.kind, attrs);
          change(r.script, `${r.uid}:add`);
        }, `${node.uid}:add-${editing.kind}`, 'Add'),
      );
    }
    const kinds = addableOutputs(node);
    return h(
      'div',
      { class: 'add-outputs' },
      ...kinds.map((k) =>
        button(`+ ${OUTPUT_BUTTON[k] ?? k}`, `${node.uid}:add-${k}`, () => {
          if (['address', 'string', 'language', 'priority', 'time'].includes(k)) edit({ mode: 'new-output', node: node.uid, kind: k }, `${node.uid}:new-output:form`);
          else {
            const r = addOutput(state.script, node.uid, k);
            change(r.script, `${r.uid}:add`);
          }
        }, { class: 'add small' }),
      ),
    );
  };

  const subactionView = (sub: CplScript['subactions'][number]): HTMLElement => {
    const renaming = state.editing?.mode === 'node' && state.editing.uid === sub.uid;
    const users = subactionUsers(state.script, sub.id);
    let renameBox: HTMLElement | null = null;
    if (renaming) {
      const name = input('id', sub.id, { type: 'text', required: true, pattern: '\\S+' });
      renameBox = formBox(sub.uid, { element: field('Name', name), read: () => (/^\S{1,64}$/.test(name.value.trim()) ? { attrs: { id: name.value.trim() } } : { problems: ['A name is one word (no spaces).'] }) }, (a) => change(renameSubaction(state.script, sub.uid, a.id as string), `${sub.uid}:rename`), `${sub.uid}:rename`);
    }
    return h(
      'section',
      { class: `top subaction${state.path.has(sub.uid) ? ' on-path' : ''}`, 'data-uid': sub.uid, 'aria-label': `Subaction ${sub.id}` },
      h(
        'div',
        { class: 'top-head' },
        h('h3', {}, `Subaction “${sub.id}”`),
        h('small', { class: 'hint' }, users === 1 ? 'used once' : `used ${users} times`),
        h(
          'span',
          { class: 'tools' },
          button('Rename', `${sub.uid}:rename`, () => edit({ mode: 'node', uid: sub.uid }, `${sub.uid}:form`)),
          button('Remove', `${sub.uid}:remove`, () => {
            if (users > 0) {
              state.status = `“${sub.id}” is still used ${users} time(s); remove those “Go to” blocks first.`;
              state.emit('status');
              return;
            }
            change(removeSubactionSafe(state.script, sub.uid), 'add-subaction');
          }, { class: 'danger' }),
        ),
      ),
      problemsOf(sub.uid),
      renameBox,
      slotView(sub.uid, sub.node),
    );
  };

  const newSubactionForm = (): HTMLElement => {
    if (state.editing?.mode === 'node' && state.editing.uid === 'new-subaction') {
      const name = input('id', suggestName(state.script), { type: 'text', required: true });
      return formBox('new-subaction', { element: field('Name of the new subaction', name, 'One word, e.g. voicemail'), read: () => (/^\S{1,64}$/.test(name.value.trim()) ? { attrs: { id: name.value.trim() } } : { problems: ['A name is one word (no spaces).'] }) }, (a) => {
        const r = addSubaction(state.script, a.id as string);
        change(r.script, `${r.uid}:add`);
      }, 'add-subaction', 'Create');
    }
    return button('+ Add a named subaction', 'add-subaction', () => edit({ mode: 'node', uid: 'new-subaction' }, 'new-subaction:form'), { class: 'add' });
  };

  const render = (): void => {
    const s = state.script;
    const tops = s.toplevel.map((t) =>
      h(
        'section',
        { class: `top toplevel${state.path.has(t.uid) ? ' on-path' : ''}`, 'data-uid': t.uid, 'aria-label': t.kind === 'incoming' ? 'Calls to me' : 'Calls I make' },
        h('div', { class: 'top-head' }, h('h3', {}, t.kind === 'incoming' ? 'When someone calls me' : 'When I make a call'), h('span', { class: 'tools' }, button('Remove', `${t.uid}:remove`, () => change(removeTopLevel(state.script, t.uid), 'add-incoming'), { class: 'danger', 'aria-label': `Remove: ${t.kind === 'incoming' ? 'When someone calls me' : 'When I make a call'}` }))),
        problemsOf(t.uid),
        slotView(t.uid, t.node),
      ),
    );
    const missing = (['incoming', 'outgoing'] as const).filter((k) => !s.toplevel.some((t) => t.kind === k));
    element.replaceChildren(
      h('div', { class: 'subactions' }, h('h2', { class: 'section-title' }, 'Named subactions'), h('p', { class: 'hint' }, 'Reusable steps, e.g. “voicemail”. A “Go to” block can only use subactions listed above it.'), ...s.subactions.map(subactionView), newSubactionForm()),
      h('div', { class: 'toplevels' }, h('h2', { class: 'section-title' }, 'Rules'), ...tops, ...missing.map((k) => button(k === 'incoming' ? '+ Rules for calls to me' : '+ Rules for calls I make', `add-${k}`, () => change(addTopLevel(state.script, k), `add-${k}`), { class: 'add' }))),
    );
  };

  return { element, render };
}

function removeSubactionSafe(script: CplScript, uid: string): CplScript {
  return { ...structuredClone(script), subactions: script.subactions.filter((s) => s.uid !== uid).map((s) => structuredClone(s)) };
}

function suggestName(script: CplScript): string {
  const names = ['voicemail', 'mobile', 'forward', 'busy'];
  return names.find((n) => !script.subactions.some((s) => s.id === n)) ?? `step${script.subactions.length + 1}`;
}
