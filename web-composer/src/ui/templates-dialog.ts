/** The template chooser: pick a common case, answer its few questions, get a starting tree. */
import { TEMPLATES, type Template } from '../model/templates.js';
import type { ComposerState } from '../state.js';
import { field, h, input } from './dom.js';

export function openTemplates(state: ComposerState, onDone: () => void): HTMLDialogElement {
  const aor = state.session?.aor ?? 'me@example.com';
  const dialog = h('dialog', { class: 'templates', 'aria-labelledby': 'templates-title' });
  const close = (): void => {
    dialog.close();
    dialog.remove();
    onDone();
  };
  const list = (): HTMLElement =>
    h(
      'div',
      {},
      h('h2', { id: 'templates-title' }, 'Start from a template'),
      h('p', { class: 'hint' }, 'Pick the closest case; you can change every block afterwards. This replaces the rules in the builder (Undo brings them back).'),
      h('ul', { class: 'template-list' }, ...TEMPLATES.map((t) => h('li', {}, h('button', { type: 'button', class: 'template', 'data-template': t.id, onclick: () => show(t) }, h('strong', {}, t.title), h('span', {}, t.description))))),
      h('div', { class: 'form-buttons' }, h('button', { type: 'button', onclick: close }, 'Close')),
    );
  const show = (t: Template): void => {
    const params = t.params(aor);
    const controls = params.map((p) => {
      if (p.kind === 'uris') return h('textarea', { name: p.name, rows: '3' }, p.value);
      if (p.kind === 'checkbox') return input(p.name, '', { type: 'checkbox', checked: p.value === 'yes' });
      return input(p.name, p.value, { type: p.kind === 'seconds' ? 'number' : p.kind === 'time' ? 'time' : 'text', ...(p.kind === 'seconds' ? { min: '1', max: '300' } : {}), required: p.kind !== 'text' });
    });
    const errors = h('ul', { class: 'form-errors', role: 'alert' });
    const form = h(
      'form',
      {
        onsubmit: (e: Event) => {
          e.preventDefault();
          const values: Record<string, string> = {};
          params.forEach((p, i) => {
            const c = controls[i] as HTMLInputElement | HTMLTextAreaElement;
            values[p.name] = c instanceof HTMLInputElement && c.type === 'checkbox' ? (c.checked ? 'yes' : 'no') : c.value.trim();
          });
          const bad = params.filter((p) => (p.kind === 'uri' && !/^(sips?|tel):\S+$/.test(values[p.name] ?? '')) || (p.kind === 'uris' && !(values[p.name] ?? '').split(/\s+/).filter(Boolean).every((u) => /^(sips?|tel):\S+$/.test(u))));
          if (bad.length) {
            errors.replaceChildren(...bad.map((p) => h('li', {}, `${p.label}: enter SIP or tel addresses such as sip:bob@example.com.`)));
            return;
          }
          state.editing = null;
          state.change(t.build(values), 'template');
          close();
        },
      },
      h('h2', { id: 'templates-title' }, t.title),
      h('p', { class: 'hint' }, t.description),
      ...params.map((p, i) => field(p.label, controls[i] as HTMLInputElement)),
      errors,
      h('div', { class: 'form-buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Use this template'), h('button', { type: 'button', onclick: () => dialog.replaceChildren(list()) }, 'Back')),
    );
    dialog.replaceChildren(form);
    (controls[0] as HTMLElement | undefined)?.focus();
  };
  dialog.appendChild(list());
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    close();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}
