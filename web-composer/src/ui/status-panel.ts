/**
 * What the server holds: the active script's version and upload time, the result of the last
 * save (problems listed with a link to their block), and the user's CPL log (RFC 3880 §7.2).
 */
import type { Api, LogEntry } from '../api.js';
import type { ComposerState } from '../state.js';
import { h } from './dom.js';

export interface StatusPanel {
  element: HTMLElement;
  render(): void;
  loadLog(): Promise<void>;
}

export function createStatusPanel(state: ComposerState, api: Api, reveal: (uid: string) => void): StatusPanel {
  const active = h('div', { class: 'active-script', role: 'status', 'aria-live': 'polite' });
  const problems = h('div', { class: 'save-problems' });
  const log = h('div', { class: 'log' });
  let entries: LogEntry[] = [];
  let logError = '';

  const renderLog = (): void => {
    log.replaceChildren(
      h('div', { class: 'panel-head' }, h('h3', {}, 'My CPL log'), h('button', { type: 'button', onclick: () => void panel.loadLog() }, 'Refresh')),
      logError
        ? h('p', { class: 'error' }, logError)
        : entries.length === 0
          ? h('p', { class: 'hint' }, 'No entries yet. “Write to my log” blocks add entries when calls run through them.')
          : h('ul', { class: 'log-entries' }, ...entries.map((e) => h('li', {}, h('time', { datetime: e.time }, new Date(e.time).toLocaleString()), ' ', e.name ? h('strong', {}, `[${e.name}] `) : null, e.comment ?? '', e.origin ? h('small', {}, ` — from ${e.origin}`) : null))),
    );
  };

  const panel: StatusPanel = {
    element: h('section', { class: 'panel status', 'aria-labelledby': 'status-title' }, h('h2', { id: 'status-title' }, 'On the server'), active, problems, log),
    render() {
      const stored = state.stored;
      active.replaceChildren(
        stored === undefined
          ? h('p', {}, 'Checking…')
          : stored === null
            ? h('p', { 'data-active': 'none' }, 'No rules are active: calls get the normal handling.')
            : h('p', { 'data-active': String(stored.version) }, `Active: version ${stored.version}, uploaded `, h('time', { datetime: stored.uploadedAt }, new Date(stored.uploadedAt).toLocaleString()), '.'),
        state.dirty && stored !== undefined ? h('p', { class: 'hint' }, 'The builder has changes that are not saved yet.') : '',
      );
      const list = state.problems;
      problems.replaceChildren(
        list.length === 0
          ? ''
          : h(
              'div',
              { role: 'alert' },
              h('p', { class: 'error' }, `The server did not accept the rules (${list.length} problem${list.length === 1 ? '' : 's'}); the previous version stays active.`),
              h('ul', {}, ...list.map((p) => h('li', {}, p.message, ' ', p.uid ? h('button', { type: 'button', class: 'small', onclick: () => reveal(p.uid as string) }, 'Show') : null))),
            ),
        state.warnings.length ? h('ul', { class: 'warnings' }, ...state.warnings.map((w) => h('li', {}, w.message))) : '',
      );
      renderLog();
    },
    async loadLog() {
      if (!state.session) return;
      try {
        entries = await api.log(state.session.aor);
        logError = '';
      } catch (error) {
        logError = `Could not read the log: ${(error as Error).message}`;
      }
      renderLog();
    },
  };
  return panel;
}
