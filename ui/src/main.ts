// Entry point: connect to the back end (Tauri, or the mock in a plain browser) and mount the
// app. If even connecting fails, the app still mounts and shows its error screen.

import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { connectBackend, unavailableBackend } from './lib/backend';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');

connectBackend().then(
  (backend) => mount(App, { target, props: { backend } }),
  (error: unknown) => mount(App, { target, props: { backend: unavailableBackend(error) } }),
);
