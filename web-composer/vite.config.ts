import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Served by the server at /composer (platform/http/composer-routes.ts). monaco-editor is only
// reached through a dynamic import (src/ui/xml-editor.ts), so it lands in its own chunks.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/composer/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: true,
  },
  worker: { format: 'es' },
});
