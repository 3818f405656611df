import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is plain static files under dist/console, served by the gateway at `/`; nothing
// comes from a CDN, so it works on a LAN without internet. The dev server proxies the API.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
