/**
 * Files the exporters copy or read as they are (the generated package's fixed Python modules,
 * ONNX's schema), kept beside the TypeScript in export/. Found from the source tree (tests) or
 * from dist/ (the built CLI), which sits next to export/ in the repository and the npm package.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function assetPath(relative: string): string {
  for (const base of ['./', '../../export/']) {
    const path = fileURLToPath(new URL(base + relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`netc is missing its file export/${relative} (a damaged install?)`);
}
