// The dashboard page: bundled with its charting library (uPlot) into dist/public, served offline.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: '../dist/public', emptyOutDir: true },
});
