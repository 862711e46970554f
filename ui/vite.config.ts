// Vite builds the UI into dist/, which the Tauri shell embeds (src-tauri/tauri.conf.json,
// "frontendDist": "../ui/dist"). The base is relative so the files load from tauri://localhost
// and from any folder. Vitest reads its settings from here too.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: './',
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // ECharts (core, line chart, grid, legend, tooltip, SVG renderer: the least the history
    // chart needs) is about 510 kB minified, above Vite's 500 kB default. It is its own chunk,
    // loaded only when "My history" opens, and read from the app's own files, not a network.
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
  },
});
