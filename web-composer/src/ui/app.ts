/**
 * The composer screen: toolbar (templates, undo/redo, Blocks/XML, save), the builder or XML
 * view, and the Try-it and server panels. Owns saving and loading through the API.
 */
import { ApiError, type Api, type Session } from '../api.js';
import { emptyScript } from '../model/cpl-model.js';
import { scriptFromXml } from '../model/from-xml.js';
import type { ComposerState } from '../state.js';
import { createBuilder } from './builder.js';
import { h } from './dom.js';
import { createStatusPanel } from './status-panel.js';
import { openTemplates } from './templates-dialog.js';
import { createTryPanel } from './try-panel.js';
import { createXmlView } from './xml-view.js';

export function appView(state: ComposerState, api: Api, session: Session, onSignedOut: () => void): HTMLElement {
  state.session = session;
  // Global listeners end with this screen (sign-out shows the sign-in form again).
  const screen = new AbortController();
  const signOut = (): void => {
    screen.abort();
    onSignedOut();
  };
  let pendingFocus: string | undefined;
  const focusKey = (key: string): void => {
    pendingFocus = key;
  };
  const builder = createBuilder(state, focusKey);
  const xmlView = createXmlView(state, api);
  const reveal = (uid: string): void => {
    showTab('blocks');
    const el = builder.element.querySelector<HTMLElement>(`[data-uid="${uid}"]`);
    el?.scrollIntoView({ block: 'center' });
    el?.querySelector<HTMLElement>('button')?.focus();
  };
  const tryPanel = createTryPanel(state, api);
  const statusPanel = createStatusPanel(state, api, reveal);

  const status = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const undo = h('button', { type: 'button', 'data-key': 'undo', 'aria-keyshortcuts': 'Control+Z', onclick: () => state.undo() }, 'Undo');
  const redo = h('button', { type: 'button', 'data-key': 'redo', 'aria-keyshortcuts': 'Control+Y', onclick: () => state.redo() }, 'Redo');
  const save = h('button', { type: 'button', class: 'primary', 'data-key': 'save', onclick: () => void doSave() }, 'Save');
  const tabBlocks = h('button', { type: 'button', role: 'tab', id: 'tab-blocks', 'aria-controls': 'view-blocks', 'aria-selected': 'true', onclick: () => showTab('blocks') }, 'Blocks');
  const tabXml = h('button', { type: 'button', role: 'tab', id: 'tab-xml', 'aria-controls': 'view-xml', 'aria-selected': 'false', onclick: () => showTab('xml') }, 'XML');
  const blocksPane = h('div', { id: 'view-blocks', role: 'tabpanel', 'aria-labelledby': 'tab-blocks' }, builder.element);
  const xmlPane = h('div', { id: 'view-xml', role: 'tabpanel', 'aria-labelledby': 'tab-xml', hidden: true }, xmlView.element);

  const showTab = (tab: 'blocks' | 'xml'): void => {
    tabBlocks.setAttribute('aria-selected', String(tab === 'blocks'));
    tabXml.setAttribute('aria-selected', String(tab === 'xml'));
    blocksPane.hidden = tab !== 'blocks';
    xmlPane.hidden = tab !== 'xml';
    if (tab === 'xml') void xmlView.open();
  };

  const doSave = async (): Promise<void> => {
    const xml = state.xmlError ? xmlView.text() : state.serialized.xml;
    save.disabled = true;
    state.status = 'Saving…';
    state.emit('status');
    try {
      const r = await api.putScript(session.aor, xml);
      state.stored = { version: r.version, uploadedAt: r.uploadedAt };
      state.problems = [];
      state.warnings = state.pin(r.warnings);
      state.dirty = false;
      state.status = `Saved: version ${r.version} is now active.`;
      void statusPanel.loadLog();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        state.problems = state.pin(error.problems);
        state.warnings = state.pin((error as ApiError & { warnings?: [] }).warnings ?? []);
        state.status = `Not saved: ${error.problems.length} problem(s), shown at the blocks they concern.`;
        if (xmlView.text() === xml) xmlView.mark(error.problems);
      } else if (error instanceof ApiError && error.status === 401) {
        signOut();
        return;
      } else state.status = `Not saved: ${(error as Error).message}`;
    } finally {
      save.disabled = false;
    }
    state.emit('saved');
  };

  const logout = async (): Promise<void> => {
    try {
      await api.logout();
    } finally {
      signOut();
    }
  };

  const header = h(
    'header',
    { class: 'top-bar' },
    h('h1', {}, 'Call rules'),
    h('span', { class: 'who' }, 'Signed in as ', h('strong', { 'data-aor': session.aor }, session.aor)),
    h('button', { type: 'button', onclick: () => void logout() }, 'Sign out'),
  );
  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Editing' },
    h('button', { type: 'button', 'data-key': 'templates', onclick: () => openTemplates(state, () => focusKey('templates')) }, 'Templates…'),
    undo,
    redo,
    h('div', { role: 'tablist', 'aria-label': 'View', class: 'tabs' }, tabBlocks, tabXml),
    save,
    status,
  );
  const root = h('div', { class: 'app' }, header, toolbar, h('div', { class: 'columns' }, h('main', { class: 'editor-column' }, blocksPane, xmlPane), h('aside', { class: 'side-column' }, tryPanel.element, statusPanel.element)));

  const render = (why: string): void => {
    const activeKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
    builder.render();
    tryPanel.render();
    statusPanel.render();
    xmlView.refresh(why);
    undo.disabled = !state.history.canUndo;
    redo.disabled = !state.history.canRedo;
    status.textContent = state.xmlError ? `The XML cannot be shown as blocks: ${state.xmlError.message}` : state.status;
    const key = pendingFocus ?? (document.activeElement === document.body ? activeKey : undefined);
    pendingFocus = undefined;
    if (key) {
      const el = document.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`) ?? root.querySelector<HTMLElement>(`[data-key^="${CSS.escape(key.split(':')[0] ?? '')}"]`);
      // Forms and pickers are not focusable themselves: focus their first control.
      const target = el && (el.tagName === 'FORM' || el.tagName === 'FIELDSET') ? el.querySelector<HTMLElement>('input, select, textarea, button') : el;
      target?.focus();
    }
  };
  state.subscribe((why) => {
    if (why === 'edit' || why === 'template' || why === 'undo' || why === 'redo') state.status = '';
    render(why);
  });

  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select, .monaco-host')) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) {
      e.preventDefault();
      state.undo();
    } else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
      e.preventDefault();
      state.redo();
    }
  }, { signal: screen.signal });

  // Load the active script, if any.
  void (async () => {
    try {
      const stored = await api.getScript(session.aor);
      if (stored) {
        state.stored = { version: stored.version, uploadedAt: stored.uploadedAt };
        try {
          state.load(scriptFromXml(stored.script));
        } catch (error) {
          state.load(emptyScript());
          state.status = `Your active script cannot be shown as blocks (${(error as Error).message}); it stays active until you save.`;
        }
      } else {
        state.stored = null;
        state.load(emptyScript());
        state.status = 'No rules yet: start from a template or add steps below.';
      }
      state.dirty = false;
    } catch (error) {
      state.status = `Could not load your rules: ${(error as Error).message}`;
    }
    state.emit('loaded');
    void statusPanel.loadLog();
  })();

  (window as unknown as { composer?: unknown }).composer = { state, xml: () => state.serialized.xml, editorText: () => xmlView.text() };
  render('init');
  return root;
}
