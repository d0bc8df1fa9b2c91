/** The neurite version the studio was built from (vite.config.ts defines it from package.json). */
declare const __NEURITE_VERSION__: string;
