/// <reference types="vitest/config" />
import { defineConfig } from "vite";

declare const process: { env: Record<string, string | undefined> }; // no @types/node just for this

// The daemon serves dist/ at "/" and falls back to index.html for client routes.
// `npm run dev` proxies the API and Socket.IO to a daemon on 127.0.0.1:8600 (see docs/kiosk.md).
const daemon = process.env.POS_DAEMON_URL ?? "http://127.0.0.1:8600";

export default defineConfig({
  // No React plugin: esbuild compiles TSX (tsconfig "jsx": "react-jsx"); Fast Refresh is only a dev nicety.
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "chrome100",
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    // The cashier screen, customer display and login are one chunk (one request on the LAN: ~450 kB minified,
    // ~140 kB gzip, react-dom 65 kB of it); the back office, HR and the attendance terminal are React.lazy
    // chunks loaded when first opened. tests/bench/bench_kiosk.py weighs the POS route from the manifest.
    chunkSizeWarningLimit: 480,
    rollupOptions: {
      onwarn(warning, warn) {
        // react-router marks its modules "use client" (for server components); meaningless in this bundle
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: daemon, changeOrigin: false },
      "/socket.io": { target: daemon, ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
