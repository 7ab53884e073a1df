/**
 * chevrotain, loaded from its single-file bundle. The package's entry point
 * pulls in lodash-es as hundreds of modules: about 0.7 s of start-up on every
 * `netc` call, against about 50 ms for the bundle with the same API. The
 * package's export map hides the bundle, so it is found next to the entry.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

const entry = createRequire(import.meta.url).resolve('chevrotain'); // .../chevrotain/lib/src/api.js
const bundle = (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as typeof Chevrotain;

export const { createToken, createTokenInstance, CstParser, EOF, Lexer, generateCstDts } = bundle;
