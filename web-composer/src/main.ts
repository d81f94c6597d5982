/** Entry: show the sign-in form or, with a live session, the composer. */
import { Api } from './api.js';
import { ComposerState } from './state.js';
import { appView } from './ui/app.js';
import { signInView } from './ui/sign-in.js';
import './styles.css';

const api = new Api();
const root = document.getElementById('app') as HTMLElement;

function showSignIn(message = ''): void {
  document.title = 'Sign in — Call rules';
  root.replaceChildren(signInView(api, showApp, message));
  markInteractive();
}

/** "First screen interactive" (issue 8 target: under 1 s): ms since navigation start. */
function markInteractive(): void {
  if (performance.getEntriesByName('composer-interactive').length === 0) performance.mark('composer-interactive');
}

function showApp(session: Awaited<ReturnType<Api['login']>>): void {
  document.title = 'Call rules — Switchboard';
  root.replaceChildren(appView(new ComposerState(), api, session, () => showSignIn('You are signed out.')));
  markInteractive();
}

api
  .whoAmI()
  .then((session) => (session ? showApp(session) : showSignIn()))
  .catch((error: unknown) => showSignIn(`The server could not be reached: ${(error as Error).message}`));
