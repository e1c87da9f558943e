// The viewer's shell: session, navigation (history API under /app) and the page router.
import { h, link } from './dom.js';
import { loadSession, signOut, whenSignedOut } from './api.js';
import { signInPage } from './pages/signin.js';
import { jobsPage } from './pages/jobs.js';
import { submitPage } from './pages/submit.js';
import { jobPage } from './pages/job.js';
import { usagePage } from './pages/usage.js';
import { dictionariesPage, dictionaryPage } from './pages/dictionaries.js';
import { notFoundPage } from './pages/notfound.js';

const main = document.getElementById('main');
let session = null;
let cleanups = [];

/** What a page gets: where it renders, how it navigates, and how it registers cleanup (streams, timers). */
const context = {
  navigate: (path, replace = false) => { history[replace ? 'replaceState' : 'pushState']({}, '', path); render(); },
  onLeave: fn => cleanups.push(fn),
  setTitle: title => { document.title = `${title} · LeapEngine viewer`; },
  get session() { return session; },
};

const routes = [
  [/^\/app\/?$/, () => context.navigate('/app/jobs', true)],
  [/^\/app\/sign-in$/, () => signInPage(context, refreshSession)],
  [/^\/app\/jobs$/, () => jobsPage(context)],
  [/^\/app\/jobs\/new$/, () => submitPage(context)],
  [/^\/app\/jobs\/([A-Za-z0-9_]+)$/, m => jobPage(context, m[1])],
  [/^\/app\/dictionaries$/, () => dictionariesPage(context)],
  [/^\/app\/dictionaries\/([A-Za-z0-9_]+)$/, m => dictionaryPage(context, m[1])],
  [/^\/app\/usage$/, () => usagePage(context)],
];

async function render() {
  for (const fn of cleanups) fn();
  cleanups = [];
  const path = location.pathname;
  if (!session?.signed_in && path !== '/app/sign-in') {
    history.replaceState({}, '', '/app/sign-in?next=' + encodeURIComponent(path + location.search));
    return render();
  }
  renderNav();
  const route = routes.find(([pattern]) => pattern.test(path));
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const page = route ? await route[1](path.match(route[0])) : notFoundPage(context, 'There is no such page in the viewer.');
    if (page) main.replaceChildren(page);
  } catch (error) {
    main.replaceChildren(h('div', { role: 'alert', class: 'error' }, h('h1', {}, 'Something went wrong'), h('p', {}, error.message)));
  }
  main.focus({ preventScroll: true });
}

function renderNav() {
  const nav = document.getElementById('nav'), who = document.getElementById('who');
  if (!session?.signed_in) { nav.replaceChildren(); who.replaceChildren(); return; }
  const item = (href, text) => {
    const a = link(href, text);
    if (location.pathname === href || (href !== '/app/jobs' && location.pathname.startsWith(href))) a.setAttribute('aria-current', 'page');
    return h('li', {}, a);
  };
  nav.replaceChildren(h('ul', {},
    item('/app/jobs', 'Jobs'), item('/app/jobs/new', 'New job'), item('/app/dictionaries', 'Dictionaries'), item('/app/usage', 'Usage')));
  who.replaceChildren(h('span', { class: 'muted' }, `key ${session.key_prefix}…`),
    h('button', { type: 'button', class: 'link-button', onclick: async () => { session = await signOut(); context.navigate('/app/sign-in'); } },
      'Sign out'));
}

async function refreshSession() { session = await loadSession(); return session; }

// Internal links navigate without reloading; in-page anchors (the skip link) keep their default.
document.addEventListener('click', event => {
  const a = event.target.closest?.('a[data-link]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  context.navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
whenSignedOut(async () => { await refreshSession(); render(); });

await refreshSession();
render();
