/**
 * The .netc frontend, registered with the frontend table on import (compile.ts
 * imports this module, so every compile reads both spellings).
 */
import { registerFrontend } from '../frontend/parse-source.js';
import { parseNetcSpec } from './parse-netc.js';

registerFrontend('netc', { parse: parseNetcSpec });

export { parseNetc, parseNetcSpec, type NetcParse } from './parse-netc.js';
