/**
 * Everything monaco: loaded only when the XML view first opens (dynamic import), so the first
 * screen stays small. Sets up the editor worker, XML highlighting, and completion that knows
 * the CPL grammar (which elements may appear where, and the allowed attribute values).
 */
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution.js';
import 'monaco-editor/editor/contrib/folding/browser/folding.js';
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching.js';
import 'monaco-editor/editor/contrib/gotoError/browser/gotoError.js';
import 'monaco-editor/features/find/register.js';
import 'monaco-editor/languages/definitions/xml/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import { childElements, completionContext, elementAttributes } from '../model/xml-grammar.js';

(self as unknown as { MonacoEnvironment: { getWorker(): Worker } }).MonacoEnvironment = { getWorker: () => new EditorWorker() };

export type Monaco = typeof monaco;
export { monaco };

let registered = false;

export function registerCplCompletion(): void {
  if (registered) return;
  registered = true;
  monaco.languages.registerCompletionItemProvider('xml', {
    triggerCharacters: ['<', ' ', '"'],
    provideCompletionItems(model, position) {
      const before = model.getValueInRange({ startLineNumber: 1, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column });
      const word = model.getWordUntilPosition(position);
      const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
      const ctx = completionContext(before);
      const Kind = monaco.languages.CompletionItemKind;
      if (ctx.kind === 'element') {
        return { suggestions: childElements(ctx.parent).map((name) => ({ label: name, kind: Kind.Class, insertText: name, range })) };
      }
      if (ctx.kind === 'attribute') {
        const attrs = elementAttributes(ctx.element);
        return { suggestions: Object.keys(attrs).filter((a) => !ctx.present.includes(a)).map((a) => ({ label: a, kind: Kind.Property, insertText: `${a}="$1"`, insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet, range })) };
      }
      if (ctx.kind === 'value') {
        const values = elementAttributes(ctx.element)[ctx.attribute] ?? [];
        return { suggestions: values.map((v) => ({ label: v, kind: Kind.EnumMember, insertText: v, range })) };
      }
      return { suggestions: [] };
    },
  });
}
