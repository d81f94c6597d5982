/**
 * The XML view: monaco-editor, imported the first time the view opens. Builder edits replace
 * the text; typing in the editor is parsed (debounced) back into blocks when it can be, and
 * sent to the server's validator, whose problems become markers at their line and column.
 */
import type { Api, Problem } from '../api.js';
import { scriptFromXml } from '../model/from-xml.js';
import type { ComposerState } from '../state.js';
import { h } from './dom.js';

type Setup = typeof import('./monaco-setup.js');
type Editor = ReturnType<Setup['monaco']['editor']['create']>;

export interface XmlView {
  element: HTMLElement;
  /** Creates the editor on first call (loads monaco). */
  open(): Promise<void>;
  /** The text in the editor (the builder's XML until the editor has been used). */
  text(): string;
  /** Show problems for the editor's text as markers. */
  mark(problems: Problem[], warnings?: Problem[]): void;
  /** Called when the builder changed the script. */
  refresh(why: string): void;
}

export function createXmlView(state: ComposerState, api: Api): XmlView {
  const host = h('div', { class: 'monaco-host', role: 'region', 'aria-label': 'CPL XML editor' });
  const note = h('p', { class: 'xml-status', role: 'status', 'aria-live': 'polite' });
  const element = h('section', { class: 'xml-view', 'aria-label': 'XML' }, note, host);
  let setup: Setup | undefined;
  let editor: Editor | undefined;
  let applying = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ownText: string | undefined;

  const validate = async (text: string): Promise<void> => {
    try {
      const result = await api.validate(text);
      if (editor && editor.getValue() === text) {
        view.mark(result.problems, result.warnings);
        note.textContent = result.valid ? (result.warnings.length ? `Valid, with ${result.warnings.length} warning(s).` : 'Valid: the server accepts this script.') : `${result.problems.length} problem(s) — see the red marks.`;
        note.className = `xml-status ${result.valid ? 'ok' : 'bad'}`;
      }
    } catch (error) {
      note.textContent = `Could not check the script: ${(error as Error).message}`;
    }
  };

  const onEdit = (): void => {
    if (applying || !editor) return;
    const text = editor.getValue();
    ownText = text;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        const model = scriptFromXml(text);
        state.editing = null;
        state.change(model, 'xml');
        state.xmlError = undefined;
      } catch (error) {
        const e = error as { message: string; line?: number; column?: number };
        state.xmlError = { message: e.message, line: e.line ?? 1, column: e.column ?? 1 };
        state.emit('xml-error');
      }
      void validate(text);
    }, 400);
  };

  const view: XmlView = {
    element,
    async open() {
      if (editor) {
        editor.layout();
        return;
      }
      note.textContent = 'Loading the editor…';
      setup = await import('./monaco-setup.js');
      setup.registerCplCompletion();
      editor = setup.monaco.editor.create(host, {
        value: state.serialized.xml,
        language: 'xml',
        automaticLayout: true,
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        tabSize: 2,
        fontSize: 14,
        ariaLabel: 'CPL script as XML',
      });
      editor.onDidChangeModelContent(onEdit);
      note.textContent = '';
      (window as unknown as { composerEditor?: Editor }).composerEditor = editor;
      void validate(state.serialized.xml);
    },
    text: () => (state.xmlError && ownText !== undefined ? ownText : (editor?.getValue() ?? state.serialized.xml)),
    mark(problems, warnings = []) {
      if (!editor || !setup) return;
      const model = editor.getModel();
      if (!model) return;
      const { MarkerSeverity } = setup.monaco;
      const toMarker = (p: Problem, severity: number): Parameters<Setup['monaco']['editor']['setModelMarkers']>[2][number] => {
        const line = Math.max(1, Math.min(p.line || 1, model.getLineCount()));
        const col = Math.max(1, p.column || 1);
        return { severity, message: `${p.message} [${p.rule}]`, startLineNumber: line, startColumn: col, endLineNumber: line, endColumn: Math.max(col + 1, model.getLineMaxColumn(line)) };
      };
      setup.monaco.editor.setModelMarkers(model, 'cpl-server', [...problems.map((p) => toMarker(p, MarkerSeverity.Error)), ...warnings.map((p) => toMarker(p, MarkerSeverity.Warning))]);
    },
    refresh(why) {
      if (!editor || why === 'xml' || why === 'xml-error') return;
      if (['edit', 'undo', 'redo', 'template', 'load'].includes(why) && editor.getValue() !== state.serialized.xml) {
        applying = true;
        editor.setValue(state.serialized.xml);
        applying = false;
        ownText = undefined;
        void validate(state.serialized.xml);
      }
    },
  };
  return view;
}
