// Rules of the UI's layout that a reviewer would otherwise have to remember (STYLE.md, 11).

import { describe, expect, it } from 'vitest';

const SOURCES = Object.entries(
  import.meta.glob<string>(['/src/**/*.ts', '/src/**/*.svelte', '/src/**/*.js'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);

describe('tidy', () => {
  it('imports @tauri-apps/api only in src/lib/backend/', () => {
    const importers = SOURCES.filter(([, source]) => /from\s+['"]@tauri-apps\/api/.test(source)).map(([path]) => path);
    expect(importers.length).toBeGreaterThan(0);
    for (const path of importers) expect(path.startsWith('/src/lib/backend/'), path).toBe(true);
  });

  it('imports ECharts only through echarts/core and its parts, never the whole library', () => {
    for (const [path, source] of SOURCES) {
      expect(/from\s+['"]echarts['"]/.test(source), path).toBe(false);
    }
  });
});
